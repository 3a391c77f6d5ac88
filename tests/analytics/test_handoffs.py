"""The pact's hand-off stages, which reports read: named under `handoffs`, or derived from the stages' teams."""

from __future__ import annotations

import pytest

from revcycle.analytics.stages import StageNames
from revcycle.errors import PactError
from revcycle.pact.loader import example_pact_text, load_pact, pact_issues

EXAMPLE = example_pact_text()
WRITTEN = "handoffs: {mql: mql, sal: sal, sql: sql, opportunity: opportunity, won: customer}"


def test_the_example_writes_the_hand_offs_its_teams_give() -> None:
    assert WRITTEN in EXAMPLE
    written = load_pact(EXAMPLE).handoffs_resolved()
    derived = load_pact(EXAMPLE.replace(WRITTEN, "")).handoffs_resolved()
    assert written == derived
    assert derived.model_dump() == {
        "mql": "mql",
        "sal": "sal",
        "sql": "sql",
        "opportunity": "opportunity",
        "won": "customer",
    }


def test_a_named_hand_off_wins_over_the_derived_one() -> None:
    pact = load_pact(EXAMPLE.replace(WRITTEN, "handoffs: {mql: engaged}"))
    assert pact.handoffs_resolved().mql == "engaged"
    assert StageNames.of(pact).mql == "engaged" and StageNames.of(pact).won == "customer"


@pytest.mark.parametrize(
    ("handoffs", "path", "message"),
    [
        ("handoffs: {won: lost}", "handoffs.won", '"lost" is not a main stage of this pact (stages: known,'),
        ("handoffs: {sal: nurture}", "handoffs.sal", '"nurture" is not a main stage of this pact'),
        ("handoffs: {sql: known}", "handoffs.sql", '"known" comes before the sal stage "sal"'),
        ("handoffs: {closed: customer}", "handoffs.closed", "unknown key"),
    ],
)
def test_a_hand_off_that_is_not_a_main_stage_in_order_is_refused_by_its_path(
    handoffs: str, path: str, message: str
) -> None:
    issues = pact_issues(EXAMPLE.replace(WRITTEN, handoffs))
    assert [issue.path for issue in issues] == [path], issues
    assert message in issues[0].message
    assert issues[0].line == EXAMPLE.splitlines().index(WRITTEN) + 1


def test_a_pact_whose_hand_offs_cannot_be_derived_is_refused() -> None:
    without_sdr = EXAMPLE.replace(WRITTEN, "").replace("team: sdr", "team: ae")
    issues = pact_issues(without_sdr)
    assert [issue.path for issue in issues] == ["handoffs.sal", "handoffs.sql"]
    assert "no main stage is owned by the sdr team" in issues[0].message
    named = pact_issues(
        without_sdr.replace("\nstages:", "\nhandoffs: {sal: sal, sql: sql, opportunity: opportunity}\nstages:")
    )
    assert named == []


def test_resolving_hand_offs_that_cannot_be_derived_raises_a_pact_error() -> None:
    unchecked = load_pact(EXAMPLE.replace(WRITTEN, "")).model_copy(update={"stages": load_pact(EXAMPLE).stages[:3]})
    with pytest.raises(PactError, match=r"handoffs\.sal"):
        unchecked.handoffs_resolved()

"""Lifecycle rules are judged at each happening's own time: a simulated company imported in every order of its
stage history, touchpoints and opportunities ends with the same moves, and none is illegal at its own time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise, permutations
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from revcycle.bootstrap import App
from revcycle.cycle.model import Cycle
from revcycle.errors import InvalidTransition
from revcycle.ingest.fields import Kind
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.sim import SimParams, generate
from revcycle.store.session import make_engine, upgrade
from tests.conftest import NOW

FIRST = ("users", "accounts", "campaigns", "people")
LATER = ("stages", "touchpoints", "opportunities")
# Scoring moves people at the time of scoring (the import's `now`), so what it moves depends on what has been
# imported when it runs; this test holds the lifecycle rules to order independence, with scoring's move off.
PACT = example_pact_text().replace("from: [known, engaged]}", "from: [known, engaged], move: false}")
Moves = list[tuple[Any, ...]]


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated company (every detour, opportunities won and lost), as the files a user imports."""
    folder = tmp_path_factory.mktemp("company") / "sim"
    generate(SimParams(people=1200, months=12, mode="misaligned", seed=5), folder)
    return folder


def _imported(url: str, folder: Path, order: tuple[str, ...]) -> Moves:
    engine = make_engine(url)
    upgrade(engine)
    app = App.for_engine(engine)
    try:
        app.pact_service.apply_text(PACT, source="test", author="test", now=NOW)
        for kind in (*FIRST, *order):
            summary = app.imports.run(Kind(kind), folder / f"{kind}.csv", source="sim", actor="test", now=NOW,
                                      report_dir=folder.parent / "reports")
            assert summary.counts.rejected == 0, (kind, summary.problems[:3])
        with engine.connect() as connection:
            return [(*row[:3], _text(row[3]), *row[4:]) for row in connection.execute(text(
                "SELECT p.external_id, s.from_stage, s.to_stage, s.at, s.actor, s.reason FROM stage_change s"
                " JOIN person p ON p.id = s.person_id ORDER BY p.external_id, s.at, s.id"
            ))]
    finally:
        engine.dispose()


def _text(at: Any) -> str:
    """An instant as SQLite stores it, so stores of both backends compare."""
    if isinstance(at, datetime):
        return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return str(at)


@pytest.fixture(scope="module")
def natural(company: Path, tmp_path_factory: pytest.TempPathFactory) -> Moves:
    """The moves when the files come in the order the demo imports them."""
    return _imported(f"sqlite:///{tmp_path_factory.mktemp('natural') / 'revcycle.db'}", company, LATER)


def _people(moves: Moves) -> Iterator[list[tuple[Any, ...]]]:
    person: list[tuple[Any, ...]] = []
    for move in moves:
        if person and person[0][0] != move[0]:
            yield person
            person = []
        person.append(move)
    if person:
        yield person


def test_the_natural_order_makes_moves_and_every_one_is_legal_at_its_own_time(natural: Moves) -> None:
    cycle = Cycle(load_pact(PACT))
    assert len(natural) > 1000
    assert {actor for *_, actor, _ in natural} >= {"import:sim", "rule:lifecycle[0]"}
    for person in _people(natural):
        entry, *later = person
        assert entry[1] is None, person
        stage = entry[2]
        for move in later:
            assert move[1] == stage, person  # each move leaves the stage the person was in
            try:
                cycle.transition(stage, move[2], at=move[3], actor=move[4], reason=move[5])
            except InvalidTransition as exc:
                pytest.fail(f"{move} is illegal at its own time: {exc}")
            stage = move[2]


def test_an_opportunity_import_after_the_stage_history_adds_no_second_loss(natural: Moves, company: Path) -> None:
    """The demo's old bug: every lost deal wrote lost -> opportunity and a second opportunity -> lost. The stage
    history already says what happened to each deal's contact; the opportunities add no move to it."""
    stated = (company / "stages.csv").read_text().count("\n") - 1
    entries = (company / "people.csv").read_text().count("\n") - 1
    rule_made = [m for m in natural if m[4].startswith("rule:")]
    assert len(natural) == entries + stated + len(rule_made)
    assert {m[2] for m in rule_made} == {"engaged"}  # only first touches of people the history left as known
    losses = [m for m in natural if m[2] == "lost"]
    assert losses and all(m[1] == "opportunity" and not m[4].startswith("rule:") for m in losses)
    for person in _people(natural):
        assert all(a[3] <= b[3] for a, b in pairwise(person)), person


@pytest.mark.parametrize("order", [o for o in permutations(LATER) if o != LATER], ids="-".join)
def test_every_file_order_ends_with_the_same_moves(
    order: tuple[str, ...], company: Path, natural: Moves, tmp_path: Path
) -> None:
    assert _imported(f"sqlite:///{tmp_path / 'revcycle.db'}", company, order) == natural


def test_the_same_moves_on_postgresql_in_the_hardest_order(company: Path, natural: Moves, postgresql_url: str) -> None:
    """Opportunities and touches before the stage history: every rule move is derived again after it."""
    assert _imported(postgresql_url, company, ("opportunities", "touchpoints", "stages")) == natural

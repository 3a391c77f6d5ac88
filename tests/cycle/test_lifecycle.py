"""The lifecycle rules over time: pure properties of `derive`, and stated history arriving after the moves the
rules made (they are derived again after it)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from revcycle.cycle.lifecycle import Happening, Reactions, derive
from revcycle.cycle.model import Cycle
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.schema import CycleEvent
from tests.conftest import Store
from tests.ingest.helpers import run_import, write_csv

CYCLE = Cycle(load_pact(example_pact_text()))
START = datetime(2025, 1, 1, tzinfo=UTC)
happenings = st.lists(
    st.builds(Happening, st.integers(0, 10_000).map(lambda m: START + timedelta(minutes=m)),
              st.sampled_from(list(CycleEvent))),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(happenings, st.sampled_from(CYCLE.states), st.integers(0, 10_000), st.randoms())
def test_derived_moves_chain_from_the_start_in_time_order_whatever_the_input_order(
    found: list[Happening], stage: str, since_minutes: int, shuffler: random.Random
) -> None:
    since = START + timedelta(minutes=since_minutes)
    moves = derive(Reactions(CYCLE), stage, since, found)
    current, last = stage, since
    for move in moves:
        assert move.from_stage == current and move.at >= last
        assert move.to_stage in CYCLE.targets(current)  # legal from where the person stood at that time
        current, last = move.to_stage, move.at
    shuffled = list(found)
    shuffler.shuffle(shuffled)
    assert derive(Reactions(CYCLE), stage, since, shuffled) == moves
    assert derive(Reactions(CYCLE), stage, since, [h for h in found if h.at < since]) == []  # older: history


def _at(day: int, hour: int = 9) -> str:
    return f"2025-03-{day:02d}T{hour:02d}:00:00Z"


def _moves(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as connection:
        return [(row[0], row[1], str(row[2])[:16].replace("T", " "), row[3]) for row in connection.execute(text(
            "SELECT from_stage, to_stage, at, actor FROM stage_change ORDER BY at, id"))]


def _files(folder: Path) -> dict[str, Path]:
    return {
        "people": write_csv(folder / "people.csv", [
            {"external_id": "ada", "email": "ada@acme.example", "created_at": _at(1)}]),
        "opportunities": write_csv(folder / "opportunities.csv", [
            {"external_id": "o1", "person_external_id": "ada", "amount": "1000", "status": "won",
             "created_at": _at(10), "closed_at": _at(20)}]),
        "stages": write_csv(folder / "stages.csv", [
            {"external_id": "s1", "person_external_id": "ada", "to_stage": "engaged", "occurred_at": _at(2)},
            {"external_id": "s2", "person_external_id": "ada", "to_stage": "mql", "occurred_at": _at(3)}]),
    }


EXPECTED = [
    (None, "known", "2025-03-01 09:00", "import:file"),
    ("known", "engaged", "2025-03-02 09:00", "import:file"),
    ("engaged", "mql", "2025-03-03 09:00", "import:file"),
    ("mql", "opportunity", "2025-03-10 09:00", "rule:lifecycle[1]"),
    ("opportunity", "customer", "2025-03-20 09:00", "rule:lifecycle[2]"),
]


def test_stage_history_arriving_after_the_deal_comes_before_the_moves_the_rules_made(
    store: Store, tmp_path: Path
) -> None:
    files = _files(tmp_path)
    run_import(store, "people", files["people"])
    run_import(store, "opportunities", files["opportunities"])
    assert [m[1] for m in _moves(store)] == ["known", "opportunity", "customer"]  # the rules, from known
    summary = run_import(store, "stages", files["stages"])
    assert summary.counts.rejected == 0 and summary.counts.inserted == 2
    assert _moves(store) == EXPECTED  # the history first, then the rules derived again from mql
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT stage FROM person")).scalar() == "customer"


def test_the_same_record_when_the_history_comes_first(store: Store, tmp_path: Path) -> None:
    files = _files(tmp_path)
    for kind in ("people", "stages", "opportunities"):
        run_import(store, kind, files[kind])
    assert _moves(store) == EXPECTED



def test_a_rule_on_person_created_moves_new_people_at_their_entry(store: Store, tmp_path: Path) -> None:
    from revcycle.pact.service import PactService

    touches = "  - {on: touchpoint_recorded, from: [known], to: engaged}"
    pact = example_pact_text().replace(touches, "  - {on: person_created, from: [known], to: engaged}\n" + touches)
    PactService(store.uow).apply_text(pact, source="test", author="test", now=datetime(2026, 1, 15, tzinfo=UTC))
    run_import(store, "people", _files(tmp_path)["people"])
    assert _moves(store) == [(None, "known", "2025-03-01 09:00", "import:file"),
                             ("known", "engaged", "2025-03-01 09:00", "rule:lifecycle[0]")]

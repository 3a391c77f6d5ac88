"""The revenue cycle as a state machine: no sequence of attempted moves reaches a state the pact forbids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revcycle.cycle.model import Cycle, MoveKind, StageMoved, time_in_stage
from revcycle.errors import InvalidTransition
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.schema import CycleEvent

PACT = load_pact(example_pact_text())
CYCLE = Cycle(PACT)
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REASONS = [r.code for d in PACT.detours for r in d.reasons] + [None]


def _legal(current: str, move: StageMoved) -> bool:
    """An independent reading of the pact: is this recorded move allowed?"""
    order = PACT.stage_names()
    detour = PACT.detour(move.to_stage)
    if detour is not None:
        return current in detour.from_ and move.reason in [r.code for r in detour.reasons]
    if current in order:
        return order.index(move.to_stage) > order.index(current)
    return order.index(move.to_stage) >= order.index(PACT.detour(current).returns_to)  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CYCLE.states), st.sampled_from(REASONS)), max_size=30))
def test_random_move_sequences_only_record_legal_moves(attempts: list[tuple[str, str | None]]) -> None:
    current = CYCLE.enter("known", at=T0, actor="test").to_stage
    for step, (target, reason) in enumerate(attempts):
        try:
            move = CYCLE.transition(current, target, at=T0 + timedelta(hours=step), actor="test", reason=reason)
        except InvalidTransition:
            continue
        assert _legal(current, move), (current, move)
        current = move.to_stage
        assert current in CYCLE.states


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(CycleEvent)), max_size=20))
def test_lifecycle_rules_only_make_legal_moves(events: list[CycleEvent]) -> None:
    current = "known"
    for step, event in enumerate(events):
        move = CYCLE.react(current, event, at=T0 + timedelta(days=step))
        if move is not None:
            assert _legal(current, move)
            assert move.actor.startswith("rule:lifecycle[")
            current = move.to_stage


def test_recycling_needs_one_of_the_pacts_reason_codes() -> None:
    with pytest.raises(InvalidTransition, match="needs a reason code"):
        CYCLE.transition("sal", "recycled", at=T0, actor="sdr")
    with pytest.raises(InvalidTransition, match='"spam" is not a reason code of "recycled"'):
        CYCLE.transition("sal", "recycled", at=T0, actor="sdr", reason="spam")
    move = CYCLE.transition("sal", "recycled", at=T0, actor="sdr", reason="bad_timing")
    assert (move.kind, move.reason) == (MoveKind.DETOUR, "bad_timing")


def test_a_person_cannot_go_backwards_except_by_a_detour() -> None:
    with pytest.raises(InvalidTransition, match='allowed from "sql": opportunity, customer, recycled, disqualified'):
        CYCLE.transition("sql", "mql", at=T0, actor="sdr")


def test_a_recycled_lead_returns_to_nurture_and_can_requalify() -> None:
    back = CYCLE.transition("recycled", "engaged", at=T0, actor="marketing")
    assert back.kind is MoveKind.RETURN
    assert CYCLE.transition("engaged", "mql", at=T0, actor="scoring").kind is MoveKind.FORWARD
    with pytest.raises(InvalidTransition):
        CYCLE.transition("recycled", "known", at=T0, actor="marketing")


def test_an_opportunity_created_moves_its_person_and_closed_won_makes_a_customer() -> None:
    created = CYCLE.react("sql", CycleEvent.OPPORTUNITY_CREATED, at=T0)
    assert created is not None and created.to_stage == "opportunity"
    won = CYCLE.react("opportunity", CycleEvent.OPPORTUNITY_WON, at=T0)
    assert won is not None and won.to_stage == "customer"
    assert CYCLE.react("customer", CycleEvent.OPPORTUNITY_CREATED, at=T0) is None  # add-ons keep customers


def test_time_in_stage_is_derived_from_the_recorded_moves() -> None:
    moves = [
        StageMoved(None, "known", T0, "t", MoveKind.ENTERED),
        StageMoved("known", "mql", T0 + timedelta(days=2), "t", MoveKind.FORWARD),
        StageMoved("mql", "recycled", T0 + timedelta(days=3), "t", MoveKind.DETOUR, "no_budget"),
        StageMoved("recycled", "mql", T0 + timedelta(days=10), "t", MoveKind.RETURN),
    ]
    spent = time_in_stage(moves, until=T0 + timedelta(days=11))
    assert spent == {"known": 2 * 86400, "mql": 2 * 86400, "recycled": 7 * 86400}

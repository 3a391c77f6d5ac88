"""Rescoring publishes its moves on the event path: one `MovesRecorded` per scoring batch that moved people."""

from __future__ import annotations

from revcycle.cycle.events import MovesRecorded
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.scoring.service import ScoringService
from tests.conftest import NOW, Store


def test_a_full_rescore_publishes_one_event_per_batch_that_moved_people(simulated: Store) -> None:
    looser = example_pact_text().replace("fit: 40, engagement: 60,", "fit: 20, engagement: 15,")
    PactService(simulated.uow).apply_text(looser, source="looser", author="test", now=NOW)
    calls: list[MovesRecorded] = []
    handlers = simulated.uow.handlers
    assert handlers is not None
    handlers.on(MovesRecorded, name="test.spy")(lambda event, session: calls.append(event))
    batch = 150
    service = ScoringService(simulated.uow, batch_size=batch)
    summary = service.rescore(now=NOW, actor="test")
    batches = -(-summary.people // batch)
    assert summary.moved > 0 and batches > 1
    assert 1 < len(calls) <= batches  # set-based: never one call per person
    assert sum(len(event.moves) for event in calls) == summary.moved
    assert {move.to_stage for event in calls for _, move in event.moves} == {"mql"}
    assert all(not event.history for event in calls)  # a move made now is live

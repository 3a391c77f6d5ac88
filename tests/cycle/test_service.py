"""Moves through the service on a real store: whatever is attempted, every recorded move is legal."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from revcycle.cycle.service import CycleService
from revcycle.cycle.tables import Person, StageChange
from revcycle.errors import InvalidTransition
from tests.conftest import NOW, Store
from tests.cycle.test_model import CYCLE, REASONS, _legal
from tests.ingest.helpers import run_import, write_csv


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(st.tuples(st.sampled_from(CYCLE.states), st.sampled_from(REASONS)), max_size=12))
def test_random_moves_through_the_service_record_only_legal_moves(
    store: Store, tmp_path: Path, attempts: list[tuple[str, str | None]]
) -> None:
    email = f"{uuid.uuid4().hex[:10]}@acme.example"
    run_import(store, "people", write_csv(tmp_path / f"{email}.csv", [
        {"external_id": email, "email": email, "created_at": "2025-01-01T00:00:00Z"}]))
    service = CycleService(store.uow)
    for step, (target, reason) in enumerate(attempts):
        with contextlib.suppress(InvalidTransition):
            service.move(email, target, actor="sdr:1", now=NOW + timedelta(hours=step), reason=reason)
    with store.uow.begin() as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        moves = session.scalars(select(StageChange).where(StageChange.person_id == person.id)
                                .order_by(StageChange.id)).all()
    assert moves[0].from_stage is None and moves[0].to_stage == "known"
    for before, move in itertools.pairwise(moves):
        assert move.from_stage == before.to_stage
        assert _legal(before.to_stage, move)  # type: ignore[arg-type]
    assert person.stage == moves[-1].to_stage

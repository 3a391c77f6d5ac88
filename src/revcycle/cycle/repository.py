"""Every query of the revenue cycle: people's stages, recorded moves, timelines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from revcycle.cycle.model import StageMoved
from revcycle.cycle.tables import Opportunity, OpportunityContact, Person, StageChange, Touchpoint

__all__ = ["CycleRepository"]


class CycleRepository:
    """Reads and writes of people's stages and moves; it never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def states(self, person_ids: Iterable[int], stages: Sequence[str] | None = None) -> dict[int, tuple[str, datetime]]:
        """Current stage and entry time of these people (optionally only those in `stages`)."""
        ids = list(person_ids)
        out: dict[int, tuple[str, datetime]] = {}
        for start in range(0, len(ids), 5000):
            query = select(Person.id, Person.stage, Person.stage_entered_at).where(
                Person.id.in_(ids[start:start + 5000])
            )
            if stages is not None:
                query = query.where(Person.stage.in_(stages))
            out.update({row.id: (row.stage, row.stage_entered_at) for row in self.session.execute(query)})
        return out

    def record(self, moves: Sequence[tuple[int, StageMoved, dict[str, Any]]], *, pact_version_id: int | None) -> None:
        """Store moves (person id, move, extra columns) and set each person's current stage to their last move."""
        if not moves:
            return
        rows = [
            {"person_id": person_id, "from_stage": m.from_stage, "to_stage": m.to_stage, "at": m.at,
             "actor": m.actor, "reason": m.reason, "kind": m.kind.value, "pact_version_id": pact_version_id,
             "note": extra.get("note") or (f"by {m.rule}" if m.rule else None),
             "source_system": extra.get("source_system"), "external_id": extra.get("external_id")}
            for person_id, m, extra in moves
        ]
        self.session.execute(StageChange.__table__.insert(), rows)
        last = {person_id: m for person_id, m, _ in moves}
        self.session.execute(
            update(Person),
            [{"id": pid, "stage": m.to_stage, "stage_entered_at": m.at} for pid, m in last.items()],
        )

    def find_person(self, key: str) -> Person | None:
        """A person by email, numeric id, or external id."""
        query = select(Person).where(or_(Person.email == key.strip().lower(), Person.external_id == key))
        if key.isdigit():
            query = select(Person).where(or_(Person.id == int(key), Person.external_id == key))
        return self.session.scalars(query.limit(1)).first()

    def moves_of(self, person_id: int) -> list[StageChange]:
        """A person's recorded moves in the order they were recorded."""
        return list(self.session.scalars(select(StageChange).where(StageChange.person_id == person_id)
                                         .order_by(StageChange.at, StageChange.id)))

    def touches_of(self, person_id: int) -> list[Touchpoint]:
        """A person's touchpoints in time order."""
        return list(self.session.scalars(select(Touchpoint).where(Touchpoint.person_id == person_id)
                                         .order_by(Touchpoint.occurred_at, Touchpoint.id)))

    def opportunities_of(self, person_id: int) -> list[Opportunity]:
        """Opportunities where the person is the primary contact or in the buying group."""
        contact = select(OpportunityContact.opportunity_id).where(OpportunityContact.person_id == person_id)
        query = select(Opportunity).where(or_(Opportunity.person_id == person_id, Opportunity.id.in_(contact)))
        return list(self.session.scalars(query.order_by(Opportunity.created_at, Opportunity.id)))

    def first_touch_times(self, person_ids: Iterable[int]) -> dict[int, datetime]:
        """The time of each person's first touchpoint."""
        ids = list(person_ids)
        query = (select(Touchpoint.person_id, func.min(Touchpoint.occurred_at))
                 .where(Touchpoint.person_id.in_(ids)).group_by(Touchpoint.person_id))
        return {pid: at for pid, at in self.session.execute(query)}

"""Every query of the revenue cycle: people's stages, recorded moves, timelines."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from revcycle.cycle.model import StageMoved
from revcycle.cycle.tables import Opportunity, OpportunityContact, Person, StageChange, Touchpoint
from revcycle.store.base import utc
from revcycle.store.bulk import execute_many, insert_rows, select_where_in, timestamp_params

__all__ = ["CycleRepository"]

_MOVE_COLUMNS = (
    "person_id",
    "from_stage",
    "to_stage",
    "at",
    "actor",
    "reason",
    "kind",
    "pact_version_id",
    "note",
    "source_system",
    "external_id",
)


_RULE_LIKE = "rule:lifecycle[%"  # see cycle.lifecycle.RULE_ACTOR_PREFIX


def _instant(value: Any) -> datetime:
    """A stored instant read by a driver-level query (SQLite gives text), as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return utc(value)


class CycleRepository:
    """Reads and writes of people's stages and moves; it never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def states(
        self, person_ids: Iterable[int], *, stages: Collection[str] | None = None
    ) -> dict[int, tuple[str, datetime]]:
        """Current stage and entry time of these people (only those in `stages`, when given)."""
        sql = "SELECT id, stage, stage_entered_at FROM person WHERE id IN :values"
        if stages is not None:
            if not stages:
                return {}
            sql += f" AND stage IN ({', '.join(repr(str(stage)) for stage in sorted(stages))})"
        rows = select_where_in(self.session, sql, [int(pid) for pid in person_ids], integers=True)
        return {int(pid): (stage, _instant(at)) for pid, stage, at in rows}

    def record(self, moves: Sequence[tuple[int, StageMoved, dict[str, Any]]], *, pact_version_id: int | None) -> None:
        """Store moves (person id, move, extra columns) and set each person's current stage to their last move.
        They are written in person order, each person's moves in the order given: the person table and the
        moves' index are then walked through once instead of hopped about (twice as fast for a large batch)."""
        if not moves:
            return
        moves = sorted(moves, key=lambda move: move[0])
        stored = timestamp_params(self.session, (m.at for _, m, _ in moves))
        insert_rows(
            self.session,
            "stage_change",
            _MOVE_COLUMNS,
            [
                (
                    pid,
                    m.from_stage,
                    m.to_stage,
                    stored[m.at],
                    m.actor,
                    m.reason,
                    m.kind.value,
                    pact_version_id,
                    extra.get("note") or (f"by {m.rule}" if m.rule else None),
                    extra.get("source_system"),
                    extra.get("external_id"),
                )
                for pid, m, extra in moves
            ],
        )
        last = {pid: m for pid, m, _ in moves}
        execute_many(
            self.session,
            "UPDATE person SET stage = ?, stage_entered_at = ? WHERE id = ?",
            [(m.to_stage, stored[m.at], pid) for pid, m in last.items()],
        )

    def entries(self, person_ids: Iterable[int]) -> dict[int, tuple[str, datetime, datetime]]:
        """Current stage, when it was entered, and when the person entered the cycle (their `created_at`)."""
        sql = "SELECT id, stage, stage_entered_at, created_at FROM person WHERE id IN :values"
        rows = select_where_in(self.session, sql, [int(pid) for pid in person_ids], integers=True)
        return {int(pid): (stage, _instant(at), _instant(created or at)) for pid, stage, at, created in rows}

    def entered_by_rule(self, person_ids: Iterable[int]) -> set[int]:
        """The people whose current stage was entered by a lifecycle rule's move."""
        sql = (
            "SELECT p.id FROM person p JOIN stage_change s ON s.person_id = p.id AND s.at = p.stage_entered_at"
            " WHERE p.id IN :values AND s.actor LIKE :rule"
        )
        rows = select_where_in(self.session, sql, list(person_ids), integers=True, rule=_RULE_LIKE)
        return {int(pid) for (pid,) in rows}

    def stated_states(self, person_ids: Iterable[int]) -> dict[int, tuple[str, datetime]]:
        """Each person's stage and its time by their last stated move (any move but a lifecycle rule's)."""
        sql = (
            "SELECT person_id, to_stage, at FROM stage_change WHERE person_id IN :values"
            " AND actor NOT LIKE :rule ORDER BY person_id, at, id"
        )
        rows = select_where_in(self.session, sql, [int(pid) for pid in person_ids], integers=True, rule=_RULE_LIKE)
        return {int(pid): (stage, _instant(at)) for pid, stage, at in rows}  # the last row of each person wins

    def rule_moves(self, person_ids: Iterable[int]) -> dict[int, list[tuple[int, str | None, str, datetime, str]]]:
        """Each person's moves made by lifecycle rules: (id, from stage, to stage, at, actor), in time order."""
        sql = (
            "SELECT person_id, id, from_stage, to_stage, at, actor FROM stage_change WHERE person_id IN :values"
            " AND actor LIKE :rule ORDER BY person_id, at, id"
        )
        found: dict[int, list[tuple[int, str | None, str, datetime, str]]] = {}
        for pid, id_, before, stage, at, actor in select_where_in(
            self.session, sql, list(person_ids), integers=True, rule=_RULE_LIKE
        ):
            found.setdefault(int(pid), []).append((int(id_), before, stage, _instant(at), actor))
        return found

    def delete_moves(self, move_ids: Sequence[int]) -> None:
        """Remove recorded moves (provisional rule moves being derived again)."""
        execute_many(self.session, "DELETE FROM stage_change WHERE id = ?", [(i,) for i in move_ids])

    def set_stages(self, stages: dict[int, tuple[str, datetime]]) -> None:
        """Set people's current stage and its entry time."""
        stored = timestamp_params(self.session, (at for _, at in stages.values()))
        execute_many(
            self.session,
            "UPDATE person SET stage = ?, stage_entered_at = ? WHERE id = ?",
            [(stage, stored[at], pid) for pid, (stage, at) in stages.items()],
        )

    def touch_times(self, person_ids: Iterable[int], *, since: datetime) -> dict[int, list[datetime]]:
        """Each person's touch times from `since` on, in time order."""
        sql = (
            "SELECT person_id, occurred_at FROM touchpoint WHERE person_id IN :values AND occurred_at >= :since"
            " ORDER BY person_id, occurred_at"
        )
        found: dict[int, list[datetime]] = {}
        rows = select_where_in(
            self.session, sql, list(person_ids), integers=True, since=timestamp_params(self.session, [since])[since]
        )
        for pid, at in rows:
            found.setdefault(int(pid), []).append(_instant(at))
        return found

    def opportunity_times(
        self, person_ids: Iterable[int]
    ) -> dict[int, list[tuple[datetime | None, datetime | None, str]]]:
        """Each person's opportunities as primary contact: (created, closed, status)."""
        sql = "SELECT person_id, created_at, closed_at, status FROM opportunity WHERE person_id IN :values"
        found: dict[int, list[tuple[datetime | None, datetime | None, str]]] = {}
        for pid, created, closed, status in select_where_in(self.session, sql, list(person_ids), integers=True):
            found.setdefault(int(pid), []).append(
                (_instant(created) if created else None, _instant(closed) if closed else None, status)
            )
        return found

    def find_person(self, key: str) -> Person | None:
        """A person by email, numeric id, or external id."""
        query = select(Person).where(or_(Person.email == key.strip().lower(), Person.external_id == key))
        if key.isdigit():
            query = select(Person).where(or_(Person.id == int(key), Person.external_id == key))
        return self.session.scalars(query.limit(1)).first()

    def moves_of(self, person_id: int) -> list[StageChange]:
        """A person's recorded moves in the order they were recorded."""
        return list(
            self.session.scalars(
                select(StageChange).where(StageChange.person_id == person_id).order_by(StageChange.at, StageChange.id)
            )
        )

    def touches_of(self, person_id: int) -> list[Touchpoint]:
        """A person's touchpoints in time order."""
        return list(
            self.session.scalars(
                select(Touchpoint)
                .where(Touchpoint.person_id == person_id)
                .order_by(Touchpoint.occurred_at, Touchpoint.id)
            )
        )

    def opportunities_of(self, person_id: int) -> list[Opportunity]:
        """Opportunities where the person is the primary contact or in the buying group."""
        contact = select(OpportunityContact.opportunity_id).where(OpportunityContact.person_id == person_id)
        query = select(Opportunity).where(or_(Opportunity.person_id == person_id, Opportunity.id.in_(contact)))
        return list(self.session.scalars(query.order_by(Opportunity.created_at, Opportunity.id)))

    def first_touch_times(self, person_ids: Iterable[int]) -> dict[int, datetime]:
        """The time of each person's first touchpoint."""
        ids = list(person_ids)
        query = (
            select(Touchpoint.person_id, func.min(Touchpoint.occurred_at))
            .where(Touchpoint.person_id.in_(ids))
            .group_by(Touchpoint.person_id)
        )
        return {pid: at for pid, at in self.session.execute(query)}

"""The terminal funnel summary: who reached each stage, where people stand, by first-touch source."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import case, func, select

from revcycle.cycle.tables import Person, StageChange, Touchpoint
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork

__all__ = ["FunnelSummary", "StageTime", "funnel_summary", "showcase_lead", "time_in_stage_summary"]


@dataclass
class FunnelSummary:
    """Counts for the funnel tables."""

    stages: list[str]
    detours: list[str]
    reached: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)


def funnel_summary(uow: UnitOfWork) -> FunnelSummary:
    """People who reached each main stage (reaching a later stage counts as passing the earlier ones),
    how many took each detour, and current stage by first-touch channel."""
    pact = PactService(uow).active().pact
    summary = FunnelSummary(pact.stage_names(), [d.name for d in pact.detours])
    index = case({name: i for i, name in enumerate(summary.stages)}, value=StageChange.to_stage, else_=-1)
    furthest = (
        select(StageChange.person_id, func.max(index).label("furthest")).group_by(StageChange.person_id).subquery()
    )
    first = select(
        Touchpoint.person_id,
        Touchpoint.channel,
        func.row_number()
        .over(partition_by=Touchpoint.person_id, order_by=(Touchpoint.occurred_at, Touchpoint.id))
        .label("n"),
    ).subquery()
    with uow.begin() as session:
        counts: dict[int | None, int] = {
            level: n
            for level, n in session.execute(select(furthest.c.furthest, func.count()).group_by(furthest.c.furthest))
        }
        for i, stage in enumerate(summary.stages):
            summary.reached[stage] = sum(n for level, n in counts.items() if level is not None and level >= i)
        detoured = (
            select(StageChange.to_stage, func.count(func.distinct(StageChange.person_id)))
            .where(StageChange.to_stage.in_(summary.detours))
            .group_by(StageChange.to_stage)
        )
        summary.reached.update({stage: n for stage, n in session.execute(detoured)})
        summary.current = {s: n for s, n in session.execute(select(Person.stage, func.count()).group_by(Person.stage))}
        query = (
            select(func.coalesce(first.c.channel, "none"), Person.stage, func.count())
            .select_from(Person)
            .outerjoin(first, (first.c.person_id == Person.id) & (first.c.n == 1))
            .group_by(func.coalesce(first.c.channel, "none"), Person.stage)
        )
        for source, stage, n in session.execute(query):
            summary.by_source.setdefault(source, {})[stage] = n
    summary.by_source = dict(sorted(summary.by_source.items(), key=lambda item: -sum(item[1].values())))
    return summary


@dataclass(frozen=True)
class StageTime:
    """How long people stayed in one stage: median and 90th percentile in days, over completed stays."""

    stage: str
    stays: int
    median_days: float
    p90_days: float


def time_in_stage_summary(uow: UnitOfWork, *, now: datetime) -> list[StageTime]:
    """Median and p90 days spent in each stage, from consecutive recorded moves (stays still open at `now`
    are left out, so a stage's time is not cut short by the end of the data)."""
    pact = PactService(uow).active().pact
    spans: dict[str, list[float]] = {}
    with uow.begin() as session:
        rows = session.execute(
            select(StageChange.person_id, StageChange.to_stage, StageChange.at).order_by(
                StageChange.person_id, StageChange.at, StageChange.id
            )
        )
        previous: tuple[int, str, datetime] | None = None
        for person, stage, at in rows:
            if previous is not None and previous[0] == person:
                spans.setdefault(previous[1], []).append((at - previous[2]).total_seconds() / 86400)
            previous = (person, stage, at)
    order = pact.stage_names() + [d.name for d in pact.detours]
    return [
        StageTime(stage, len(spans[stage]), float(np.median(spans[stage])), float(np.percentile(spans[stage], 90)))
        for stage in order
        if spans.get(stage)
    ]


def showcase_lead(uow: UnitOfWork) -> str | None:
    """A lead worth showing: one at the pact's won stage with a readable journey (email, or id when none)."""
    won = PactService(uow).active().pact.handoffs_resolved().won
    with uow.begin() as session:
        touches = func.count(Touchpoint.id)
        row = session.execute(
            select(Person.id, Person.email)
            .join(Touchpoint, Touchpoint.person_id == Person.id)
            .where(Person.stage == won)
            .group_by(Person.id, Person.email)
            .having(touches >= 12)
            .order_by(touches, Person.id)
            .limit(1)
        ).first()
        return (row.email or str(row.id)) if row else None

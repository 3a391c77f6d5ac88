"""The terminal funnel summary: who reached each stage, where people stand, by first-touch source."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from revcycle.cycle.tables import Person, StageChange, Touchpoint
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork

__all__ = ["FunnelSummary", "funnel_summary"]


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
    furthest = select(StageChange.person_id, func.max(index).label("furthest")).group_by(StageChange.person_id).subquery()
    first = select(Touchpoint.person_id, Touchpoint.channel, func.row_number().over(
        partition_by=Touchpoint.person_id, order_by=(Touchpoint.occurred_at, Touchpoint.id)).label("n")).subquery()
    with uow.begin() as session:
        counts = dict(session.execute(select(furthest.c.furthest, func.count()).group_by(furthest.c.furthest)).all())
        for i, stage in enumerate(summary.stages):
            summary.reached[stage] = sum(n for level, n in counts.items() if level is not None and level >= i)
        detoured = select(StageChange.to_stage, func.count(func.distinct(StageChange.person_id))).where(
            StageChange.to_stage.in_(summary.detours)).group_by(StageChange.to_stage)
        summary.reached.update(dict(session.execute(detoured).all()))
        summary.current = dict(session.execute(select(Person.stage, func.count()).group_by(Person.stage)).all())
        query = (select(func.coalesce(first.c.channel, "none"), Person.stage, func.count())
                 .select_from(Person).outerjoin(first, (first.c.person_id == Person.id) & (first.c.n == 1))
                 .group_by(func.coalesce(first.c.channel, "none"), Person.stage))
        for source, stage, n in session.execute(query):
            summary.by_source.setdefault(source, {})[stage] = n
    summary.by_source = dict(sorted(summary.by_source.items(), key=lambda item: -sum(item[1].values())))
    return summary

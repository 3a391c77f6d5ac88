"""The terminal funnel summary the demo prints: who reached each stage, where people stand, by first-touch
source, and time in stage. Every count comes from the report classes (`FunnelReport`, `TimeInStageReport`)
run on the store's own engine, so the demo prints exactly what `revcycle report funnel` and
`revcycle report time-in-stage` print for the same store: one answer per number."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from revcycle.analytics.engines import store_engine
from revcycle.analytics.funnel import EXISTING, RENEWED, describe_reach
from revcycle.analytics.reports import FunnelReport, TimeInStageReport, run
from revcycle.analytics.stages import StageNames
from revcycle.cycle.tables import Person
from revcycle.pact.schema import Pact
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork

__all__ = ["FunnelSummary", "StageTime", "funnel_summary", "time_in_stage_summary"]


@dataclass
class FunnelSummary:
    """Counts for the funnel tables: `reached` per main stage and per line beside them (`detours`: the pact's
    detours, renewed, existing customers), `current` = people standing in each stage now, `by_source` =
    people reaching each main stage by first-touch source (largest sources first)."""

    stages: list[str]
    detours: list[str]
    reached: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _url(uow: UnitOfWork) -> str:
    return uow.engine.url.render_as_string(hide_password=False)


def _pact(uow: UnitOfWork, pact: Pact | None) -> Pact:
    return pact if pact is not None else PactService(uow).active().pact


def funnel_summary(uow: UnitOfWork, *, pact: Pact | None = None) -> FunnelSummary:
    """The funnel of everyone in the store (`FunnelReport`, all time), by source, and current stages."""
    names = StageNames.of(_pact(uow, pact))
    engine = store_engine(_url(uow))
    try:
        overall = run(FunnelReport(names=names), engine)
        by_source = run(FunnelReport(names=names, grouping="source"), engine).frame
    finally:
        engine.close()
    frame = overall.frame
    lines = [*names.detours, RENEWED, EXISTING]
    summary = FunnelSummary(list(names.stages), [line for line in lines if line in set(frame.stage)])
    summary.reached = {str(r.stage): int(r.people) for r in frame.itertuples()}
    summary.notes = [describe_reach(names)]
    main = by_source[by_source.kind == "stage"]
    for source, rows in main.groupby("group", sort=False):
        summary.by_source[str(source)] = {str(r.stage): int(r.people) for r in rows.itertuples()}
    summary.by_source = dict(sorted(summary.by_source.items(), key=lambda item: (-item[1][names.stages[0]], item[0])))
    with uow.begin() as session:
        summary.current = {s: n for s, n in session.execute(select(Person.stage, func.count()).group_by(Person.stage))}
    return summary


@dataclass(frozen=True)
class StageTime:
    """How long people stayed in one stage: median and 90th percentile in days, over completed stays."""

    stage: str
    stays: int
    median_days: float
    p90_days: float


def time_in_stage_summary(uow: UnitOfWork, *, pact: Pact | None = None) -> list[StageTime]:
    """Median and p90 days spent in each stage over completed stays (`TimeInStageReport`, all time: a stay
    still open is left out, so a stage's time is not cut short by the end of the data)."""
    names = StageNames.of(_pact(uow, pact))
    engine = store_engine(_url(uow))
    try:
        frame = run(TimeInStageReport(names=names), engine).frame
    finally:
        engine.close()
    return [StageTime(str(r.stage), int(r.stays), float(r.days_p50), float(r.days_p90)) for r in frame.itertuples()]

"""One count per question: every place that shows how many people reached MQL, SAL, SQL or became customers
(the funnel, the KPIs, the demo's summary, calibration) gives the number of one independent pandas walk over
the same store, on SQLite and PostgreSQL; existing customers and renewal contacts are never counted as leads."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from tests.analytics import reference

from revcycle.analytics.engines import connect
from revcycle.analytics.reached import first_reached
from revcycle.analytics.reports import FunnelReport, KpiReport, run
from revcycle.analytics.stages import StageNames
from revcycle.analytics.summary import funnel_summary
from revcycle.bootstrap import App
from revcycle.scoring.review import ReviewService
from revcycle.store.session import make_engine

Frames = dict[str, pd.DataFrame]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_store"))


def _reached(frames: Frames) -> dict[str, set[int]]:
    long = reference.reach(frames, renewal=False)
    return {stage: set(long[long.step == i].person_id) for i, stage in enumerate(reference.STAGES)}


def test_every_report_counts_the_same_mqls_and_customers(store: str, frames: Frames, names: StageNames) -> None:
    expected = _reached(frames)
    existing = reference.existing_customers(frames)
    assert existing and expected["mql"] and expected["customer"]
    engine = connect("sqlite" if store.startswith("sqlite") else "postgres", url=store)
    try:
        funnel = run(FunnelReport(names=names), engine).frame.set_index("stage")
        kpis = run(KpiReport(names=names, kinds=None), engine).frame.iloc[0]
    finally:
        engine.close()
    for stage in ("mql", "sal", "sql", "opportunity", "customer"):
        assert funnel.loc[stage, "people"] == len(expected[stage]), stage
    assert funnel.loc["existing customers", "people"] == len(existing)
    assert (kpis.mqls, kpis.accepted, kpis.reached_opportunity) == (
        len(expected["mql"]), len(expected["sal"]), len(expected["opportunity"]))

    sql_engine = make_engine(store)
    try:
        summary = funnel_summary(App.for_engine(sql_engine).uow(check=False))
    finally:
        sql_engine.dispose()
    for stage in ("mql", "sal", "sql", "opportunity", "customer"):
        assert summary.reached[stage] == len(expected[stage]), stage
    assert summary.reached["existing customers"] == len(existing)
    by_source_mql = sum(counts["mql"] for counts in summary.by_source.values())
    assert by_source_mql == len(expected["mql"])

    moments = first_reached(store, names, ["mql", "sql"])
    assert set(moments["mql"]) == expected["mql"] and set(moments["sql"]) == expected["sql"]
    assert not set(moments["mql"]) & existing


def test_calibration_counts_the_mqls_the_funnel_counts(sqlite_store: str, frames: Frames) -> None:
    long = reference.reach(frames, renewal=False)
    mql = long[long.step == reference.STAGES.index("mql")]
    since, until = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    at = pd.to_datetime(mql["at"], utc=True)
    in_year = int(((at >= since) & (at < until)).sum())
    assert in_year >= 20
    engine = make_engine(sqlite_store)
    try:
        result = ReviewService(App.for_engine(engine).uow(check=False)).calibrate(since=since, until=until)
    finally:
        engine.dispose()
    assert result.population == in_year

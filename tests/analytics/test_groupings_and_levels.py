"""Groupings split the same totals, and account-level journeys convert once per account, on every engine."""

from __future__ import annotations

import pandas as pd
import pytest

from revcycle.analytics.engines import Engine
from revcycle.analytics.facts import GROUPINGS
from revcycle.analytics.journeys import JourneySpec
from revcycle.analytics.reports import AttributionReport, FunnelReport, KpiReport, fetch, run
from revcycle.analytics.stages import StageNames

Frames = dict[str, pd.DataFrame]


def test_every_grouping_splits_the_funnel_and_kpi_totals(engine: Engine, names: StageNames) -> None:
    total_funnel = run(FunnelReport(names=names), engine).frame.set_index("stage").people
    total_kpis = run(KpiReport(names=names), engine).frame.iloc[0]
    for grouping in GROUPINGS[1:]:
        funnel = run(FunnelReport(names=names, grouping=grouping), engine).frame
        assert (funnel.groupby("stage", sort=False).people.sum() == total_funnel[funnel.stage.unique()]).all()
    for grouping in ("cohort", "owner"):  # the KPIs share the funnel's person groups: two suffice
        kpis = run(KpiReport(names=names, grouping=grouping), engine).frame
        for column in ("leads", "mqls", "opportunities", "pipeline", "won", "revenue", "handoffs"):
            assert kpis[column].sum() == pytest.approx(total_kpis[column]), (grouping, column)


def test_account_journeys_convert_once_per_account_with_its_first_deal(
    engine: Engine, frames: Frames, names: StageNames
) -> None:
    spec = JourneySpec(names=names, level="account", conversion="opportunity")
    report = AttributionReport(model="linear", spec=spec)
    result = report.attribution(fetch(report, engine))
    opp = frames["opportunity"]
    new = opp[(opp.kind == "new_business") & opp.account_id.notna()]
    first = new.sort_values(["account_id", "created_at", "id"]).groupby("account_id").head(1)
    assert result.conversions.sum() == len(first)
    assert result.values.sum() == pytest.approx(first.amount.sum())
    assert sum(result.channel_values().values()) == pytest.approx(first.amount.sum())

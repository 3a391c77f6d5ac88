"""Bad requests get a clear AnalyticsError (a RevcycleError: a message, no traceback), never a wrong number."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from revcycle.analytics.engines import connect
from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.journeys import SEPARATOR, JourneySpec
from revcycle.analytics.period import Period
from revcycle.analytics.reports import AttributionReport, ChannelReport, FunnelReport, run
from revcycle.analytics.stages import StageNames
from revcycle.errors import RevcycleError


def _paths(rows: list[tuple[list[str], int, int]]) -> dict[str, pd.DataFrame]:
    """Engine-shaped rows for `AttributionReport.attribution`: (channels, conversions, nulls) per path."""
    frame = pd.DataFrame(
        {
            "path": [SEPARATOR.join(f"{i:06d}:{c}" for i, c in enumerate(channels)) for channels, _, _ in rows],
            "lead_index": [0.0] * len(rows),
            "opportunity_index": [float(len(r[0]) - 1) for r in rows],
            "conversions": [r[1] for r in rows],
            "nulls": [r[2] for r in rows],
            "value": [10.0 * r[1] for r in rows],
        }
    )
    return {"paths": frame, "untouched": pd.DataFrame({"conversions": [0], "value": [None]})}


def test_an_unknown_engine_is_refused_by_name() -> None:
    with pytest.raises(AnalyticsError, match=r"unknown engine 'oracle'.*sqlite, postgres, duckdb, spark"):
        connect("oracle", url="sqlite:///x.db")


def test_an_unknown_model_grouping_or_level_is_refused(names: StageNames) -> None:
    with pytest.raises(AnalyticsError, match="unknown attribution model 'magic'"):
        AttributionReport(spec=JourneySpec(names=names), model="magic")
    with pytest.raises(AnalyticsError, match="unknown grouping 'planet'"):
        ChannelReport(by="planet")
    with pytest.raises(AnalyticsError, match="unknown level 'galaxy'"):
        JourneySpec(names=names, level="galaxy")


def test_a_report_without_the_pact_names_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="names"):
        FunnelReport()
    with pytest.raises(TypeError, match="names"):
        JourneySpec()


def test_stage_names_refuse_a_hand_off_that_is_not_a_main_stage(names: StageNames) -> None:
    with pytest.raises(AnalyticsError, match="the won stage 'lost' is not a main stage"):
        StageNames(names.stages, names.detours, "mql", "sal", "sql", "opportunity", won="lost")
    with pytest.raises(AnalyticsError, match=r"neither a hand-off .* nor a stage of the pact"):
        JourneySpec(names=names, among="nurture")


def test_a_markov_order_or_parameter_the_model_lacks_is_refused_before_any_query(names: StageNames) -> None:
    with pytest.raises(AnalyticsError, match=r"Markov order must be an int in 1\.\.3"):
        AttributionReport(spec=JourneySpec(names=names), model="markov", parameters=(("order", 4),))
    with pytest.raises(AnalyticsError, match="unexpected keyword argument 'variant'"):
        AttributionReport(spec=JourneySpec(names=names), model="markov", parameters=(("variant", "x"),))


def test_an_unknown_funnel_grouping_is_refused_when_built(sqlite_store: str, names: StageNames) -> None:
    engine = connect("sqlite", url=sqlite_store)
    with pytest.raises(AnalyticsError, match="unknown grouping 'planet'"):
        run(FunnelReport(names=names, grouping="planet"), engine)
    engine.close()


def test_an_empty_period_is_refused() -> None:
    with pytest.raises(AnalyticsError, match="empty period"):
        Period(date(2025, 3, 1), date(2025, 3, 1))


@pytest.mark.parametrize("model", ["linear", "markov"])
def test_a_period_without_journeys_says_so(sqlite_store: str, names: StageNames, model: str) -> None:
    engine = connect("sqlite", url=sqlite_store)
    spec = JourneySpec(names=names, period=Period(date(1990, 1, 1), date(1991, 1, 1)))
    with pytest.raises(AnalyticsError, match="no journeys in the period"):
        run(AttributionReport(spec=spec, model=model), engine)
    engine.close()


def test_a_half_life_of_zero_is_refused(names: StageNames) -> None:
    report = AttributionReport(
        model="time_decay", spec=JourneySpec(names=names, with_seconds=True), parameters=(("half_life_days", 0.0),)
    )
    frames = _paths([(["email", "organic"], 1, 0)])
    frames["paths"]["path"] = frames["paths"].path.str.replace("email", "email:100").str.replace("organic", "organic:0")
    with pytest.raises(AnalyticsError, match="half_life_days must be > 0"):
        report.attribution(frames)


def test_a_markov_order_above_the_longest_path_is_refused(names: StageNames) -> None:
    report = AttributionReport(spec=JourneySpec(names=names), model="markov", parameters=(("order", 3),))
    with pytest.raises(AnalyticsError, match=r"Markov order 3 is higher than the longest path in the data \(2"):
        report.attribution(_paths([(["email", "organic"], 1, 2), (["paid_search"], 0, 1)]))


def test_shapley_over_too_many_channels_is_refused_with_the_exact_alternative(names: StageNames) -> None:
    channels = [f"channel_{i:02d}" for i in range(21)]
    rows = [([c], 1, 1) for c in channels]
    spec = JourneySpec(names=names)
    report = AttributionReport(spec=spec, model="shapley", parameters=(("variant", "conversion_rate"),))
    with pytest.raises(AnalyticsError, match=r"21 channels take part.*use variant='conversions'"):
        report.attribution(_paths(rows))
    exact = AttributionReport(spec=spec, model="shapley").attribution(_paths(rows))  # the stated fallback: closed form
    assert sum(exact.channel_conversions().values()) == pytest.approx(21)


def test_analytics_errors_are_revcycle_errors_so_the_cli_prints_a_message() -> None:
    assert issubclass(AnalyticsError, RevcycleError)

"""On simulated data, Markov and Shapley rank the lead-source channels as the simulator's ground truth does.

The simulator draws P(MQL -> SQL) from a logistic model with one log-odds per lead-source channel (truth.json).
Journeys are each MQL's lead-source touch, the conversion is reaching SQL; a channel's credit per journey
through it is then its conversion rate, which must follow the true log-odds.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from revcycle.analytics.engines import connect
from revcycle.analytics.journeys import JourneySpec
from revcycle.analytics.reports import AttributionReport, fetch
from revcycle.analytics.simload import load_sim_csv
from revcycle.analytics.stages import StageNames
from revcycle.sim import SimParams, generate


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.Series]:
    out = tmp_path_factory.mktemp("ranking") / "sim"
    generate(SimParams(people=100_000, months=12, mode="aligned", seed=7), out)
    load_sim_csv(out, duckdb.connect(), parquet=out / "parquet")
    truth = json.loads((out / "truth.json").read_text())["qualification"]["channel_log_odds"]
    return out / "parquet", pd.Series(truth)


@pytest.mark.parametrize(
    ("model", "parameters"), [("markov", (("order", 1),)), ("shapley", (("variant", "conversion_rate"),))]
)
def test_markov_and_shapley_rank_channels_as_the_truth_does(
    market: tuple[Path, pd.Series], model: str, parameters: tuple[tuple[str, object], ...], names: StageNames
) -> None:
    parquet, truth = market
    engine = connect("duckdb", parquet=parquet)
    spec = JourneySpec(names=names, level="person", conversion="sql", among="mql", source_only=True)
    report = AttributionReport(model=model, spec=spec, parameters=parameters)
    result = report.attribution(fetch(report, engine))
    engine.close()
    assert result.conversions.sum() > 1000  # thousands of MQLs reached SQL
    per_journey = pd.Series(result.channel_conversions()) / _journeys_through(report, parquet)
    spearman = per_journey[truth.index].rank().corr(truth.rank())
    assert spearman >= 0.95, per_journey.sort_values()
    assert per_journey.idxmax() == truth.idxmax() == "referral"
    assert set(per_journey.nsmallest(2).index) == set(truth.nsmallest(2).index) == {"linkedin_ads", "paid_search"}


def _journeys_through(report: AttributionReport, parquet: Path) -> pd.Series:
    """How many journeys (converting or not) pass through each channel."""
    engine = connect("duckdb", parquet=parquet)
    paths = fetch(AttributionReport(model="linear", spec=report.spec), engine)["paths"]
    engine.close()
    channel = paths.path.str.split(":").str[1]
    return (paths.conversions + paths.nulls).groupby(channel).sum()

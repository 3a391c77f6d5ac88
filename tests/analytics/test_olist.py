"""On the real Olist funnel: conversion by origin and the time from first contact to won, checked with pandas
computed from the raw files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.cli.helpers import ROOT, revcycle
from tests.conftest import DATASETS

from revcycle.analytics.engines import connect
from revcycle.analytics.reports import FunnelReport, run
from revcycle.analytics.stages import StageNames

OLIST = DATASETS / "olist"
MQLS = OLIST / "olist_marketing_qualified_leads_dataset.csv"
DEALS = OLIST / "olist_closed_deals_dataset.csv"
MAPPINGS = ROOT / "examples" / "mappings" / "olist"


@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('olist') / 'olist.db'}"
    assert revcycle("db", "upgrade", url=url).returncode == 0
    assert revcycle("pact", "apply", "--example", url=url).returncode == 0
    for kind, file, mapping in (
        ("people", MQLS, "people.yaml"),
        ("touchpoints", MQLS, "touchpoints.yaml"),
        ("users", DEALS, "users-sdr.yaml"),
        ("users", DEALS, "users-sr.yaml"),
        ("opportunities", DEALS, "opportunities.yaml"),
    ):
        result = revcycle("import", kind, file, "--mapping", MAPPINGS / mapping, "--quiet", url=url)
        assert result.returncode == 0, result.stderr
    return url


def _utc(values: pd.Series) -> pd.Series:
    local = pd.to_datetime(values).dt.tz_localize("America/Sao_Paulo", nonexistent="shift_forward")
    return local.dt.tz_convert("UTC").dt.tz_localize(None)


def _expected() -> pd.DataFrame:
    mqls, deals = pd.read_csv(MQLS), pd.read_csv(DEALS)
    mqls["origin"] = mqls.origin.fillna("none")
    won = deals.merge(mqls, on="mql_id")
    won["days"] = (_utc(won.won_date) - _utc(won.first_contact_date)).dt.total_seconds() / 86_400
    grouped = won.groupby("origin").days
    frame = pd.DataFrame(
        {
            "leads": mqls.groupby("origin").size(),
            "won": grouped.size(),
            "days_p50": grouped.median(),
            "days_p90": grouped.quantile(0.9),
        }
    )
    frame["won"] = frame.won.fillna(0)
    frame["conversion"] = frame.won / frame.leads
    return frame


@pytest.mark.parametrize("engine_name", ["sqlite", "duckdb"])
def test_olist_conversion_by_origin_and_days_to_won_match_pandas(
    olist: str, engine_name: str, tmp_path: Path, names: StageNames
) -> None:
    engine = connect(engine_name, url=olist)
    funnel = run(FunnelReport(names=names, grouping="source", renewal=False), engine).frame
    engine.close()
    got = funnel[funnel.stage == "customer"].set_index("group")
    expected = _expected()
    assert sorted(got.index) == sorted(expected.index)
    np.testing.assert_allclose(got.of_cohort[expected.index], expected.conversion, rtol=1e-12)
    np.testing.assert_array_equal(got.people[expected.index], expected.won)
    known = expected.won > 0
    for column in ("days_p50", "days_p90"):
        np.testing.assert_allclose(got[column][expected.index[known]], expected[column][known], rtol=1e-9)
    # every Olist lead arrives as an MQL: the funnel's cohort is the 8,000 leads
    assert funnel[funnel.stage == "known"].people.sum() == 8000


# BRL -> USD, approximately the month's opening rate: for this test only (its pandas oracle reads the same rows)
BRL_RATES = """currency,rate,valid_from
BRL,0.305,2017-12-01
BRL,0.300,2018-01-01
BRL,0.310,2018-02-01
BRL,0.305,2018-03-01
BRL,0.300,2018-04-01
BRL,0.285,2018-05-01
BRL,0.265,2018-06-01
BRL,0.260,2018-07-01
BRL,0.265,2018-08-01
BRL,0.245,2018-09-01
BRL,0.250,2018-10-01
BRL,0.270,2018-11-01
"""


def test_olist_kpis_count_the_won_deals_without_creation_date_and_convert_reais_at_the_won_date(
    olist: str, tmp_path: Path
) -> None:
    deals = pd.read_csv(DEALS)
    refused = revcycle("report", "kpis", url=olist)
    priced = int((deals.declared_monthly_revenue > 0).sum())
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"{priced} deals in BRL have no rate to USD in force on their date" in refused.stderr
    rates = tmp_path / "brl.csv"
    rates.write_text(BRL_RATES)
    imported = revcycle("rates", "import", rates, url=olist)
    assert imported.returncode == 0, imported.stderr
    result = revcycle("report", "kpis", "--format", "json", url=olist)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    (row,) = document["rows"]
    table = pd.read_csv(pd.io.common.StringIO(BRL_RATES), parse_dates=["valid_from"])
    deals["at"] = _utc(deals.won_date)
    merged = pd.merge_asof(deals.sort_values("at"), table, left_on="at", right_on="valid_from")
    assert row["won"] == row["opportunities"] == len(deals) == 842
    assert row["revenue"] == pytest.approx((merged.declared_monthly_revenue * merged.rate).sum(), rel=1e-9)
    assert row["cycle_days_p50"] is None  # no deal has a creation date: no cycle length
    assert any(note.startswith("842 deals have no creation date") for note in document["notes"])
    assert any(note.startswith(f"amounts in USD (the pact's currency); deals in other currencies ({priced} in BRL)")
               for note in document["notes"])

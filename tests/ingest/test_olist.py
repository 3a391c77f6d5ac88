"""The real Olist lead funnel goes in through `revcycle import` with the example mappings; its traps are
reported, not hidden. Every expected number is computed independently with pandas from the raw files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from tests.cli.helpers import ROOT, revcycle
from tests.conftest import DATASETS

OLIST = DATASETS / "olist"
MQLS = OLIST / "olist_marketing_qualified_leads_dataset.csv"
DEALS = OLIST / "olist_closed_deals_dataset.csv"
MAPPINGS = ROOT / "examples" / "mappings" / "olist"


def _import(url: str, kind: str, file: Path, mapping: str) -> str:
    result = revcycle("import", kind, file, "--mapping", MAPPINGS / mapping, "--quiet", url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture
def olist(store_url: str) -> str:
    assert revcycle("db", "upgrade", url=store_url).returncode == 0
    assert revcycle("pact", "apply", "--example", url=store_url).returncode == 0
    _import(store_url, "people", MQLS, "people.yaml")
    _import(store_url, "touchpoints", MQLS, "touchpoints.yaml")
    _import(store_url, "users", DEALS, "users-sdr.yaml")
    _import(store_url, "users", DEALS, "users-sr.yaml")
    return store_url


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.connect() as connection:
        value = connection.execute(text(sql)).scalar()
    engine.dispose()
    return value


def test_olist_imports_with_the_right_counts_and_reports_its_traps(olist: str) -> None:
    mqls, deals = pd.read_csv(MQLS), pd.read_csv(DEALS)
    output = _import(olist, "opportunities", DEALS, "opportunities.yaml")
    assert _scalar(olist, "select count(*) from person") == mqls.mql_id.nunique() == 8000
    assert _scalar(olist, "select count(*) from touchpoint") == 8000
    assert _scalar(olist, "select count(*) from opportunity where status = 'won'") == len(deals) == 842
    assert _scalar(olist, "select count(*) from person where stage = 'customer'") == deals.mql_id.nunique()
    # an empty origin is no channel, never the literal value "unknown"
    assert _scalar(olist, "select count(*) from touchpoint where channel is null") == mqls.origin.isna().sum() == 60
    assert (
        _scalar(olist, "select count(*) from touchpoint where channel = 'unknown'") == (mqls.origin == "unknown").sum()
    )
    # SDR and SR ids become users; ids that are both end on the AE team
    sdr, sr = set(deals.sdr_id), set(deals.sr_id)
    assert _scalar(olist, "select count(*) from app_user") == len(sdr | sr)
    assert _scalar(olist, "select count(*) from app_user u join team t on t.id = u.team_id where t.name = 'ae'") == len(
        sr
    )
    # deals won before their lead's first contact are reported as warnings with their line
    first = pd.to_datetime(mqls.set_index("mql_id").first_contact_date).dt.tz_localize(
        "America/Sao_Paulo", nonexistent="shift_forward"
    )
    won = pd.to_datetime(deals.won_date).dt.tz_localize("America/Sao_Paulo", nonexistent="shift_forward")
    early = deals[won.to_numpy() < first.reindex(deals.mql_id).to_numpy()]
    assert len(early) >= 1
    assert _scalar(
        olist, "select count(*) from import_issue where message like '%before its lead''s first contact%'"
    ) == len(early)
    for mql_id in early.mql_id:
        assert mql_id in output
    assert "empty (stored as no value" in output


def test_importing_olist_again_changes_nothing(olist: str) -> None:
    _import(olist, "opportunities", DEALS, "opportunities.yaml")
    before = _scalar(olist, "select count(*) from stage_change")
    again = _import(olist, "people", MQLS, "people.yaml")
    assert "0 inserted, 0 updated, 8000 unchanged, 0 rejected" in again
    again = _import(olist, "opportunities", DEALS, "opportunities.yaml")
    assert "0 inserted, 0 updated, 842 unchanged" in again
    assert _scalar(olist, "select count(*) from stage_change") == before

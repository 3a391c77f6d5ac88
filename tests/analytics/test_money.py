"""Reports sum one currency, the pact's: deals in others are converted in the engine at the rate in force on their
date, checked against pandas on the raw rows (an as-of merge), on SQLite, PostgreSQL, DuckDB and Spark; deals
without a creation date count by their close date; a deal with no rate makes the report refuse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import NOW

from revcycle.analytics.amounts import Census
from revcycle.analytics.engines import Engine, connect
from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.journeys import JourneySpec
from revcycle.analytics.kpis import opportunities
from revcycle.analytics.period import Period
from revcycle.analytics.reports import AttributionReport, ChannelReport, KpiReport, run
from revcycle.analytics.stages import StageNames
from revcycle.bootstrap import App
from revcycle.ingest.fields import Kind
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import make_engine, upgrade

RATES = """currency,rate,valid_from
EUR,1.05,2024-12-01
EUR,1.10,2025-06-01
EUR,1.17,2025-11-15
JPY,0.0064,2024-12-01
JPY,0.0068,2025-07-01
"""
DEALS = 90


def _deals(seed: int = 11) -> pd.DataFrame:
    """Deals in three currencies over 2025, some won or lost without a creation date."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 330, DEALS), unit="D")
    closed = created + pd.to_timedelta(rng.integers(5, 60, DEALS), unit="D") + pd.Timedelta(hours=13)
    currency = rng.choice(["USD", "EUR", "JPY"], DEALS)
    amount = np.round(rng.uniform(500, 20_000, DEALS), 2) * np.where(currency == "JPY", 150, 1)
    status = rng.choice(["open", "won", "lost"], DEALS, p=[0.3, 0.45, 0.25])
    frame = pd.DataFrame(
        {
            "external_id": [f"o{i}" for i in range(DEALS)],
            "amount": amount,
            "currency": currency,
            "status": status,
            "created_at": created,
            "closed_at": closed.where(status != "open"),
        }
    )
    undated = (frame.status != "open") & (np.arange(DEALS) % 7 == 0)
    frame.loc[undated, "created_at"] = pd.NaT
    frame.loc[3, "amount"] = np.nan  # an amount missing, in whatever currency: needs no rate
    return frame


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    for column in ("created_at", "closed_at"):
        out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False)
    return path


def _store(url: str, folder: Path, deals: pd.DataFrame, *, rates: str | None = RATES) -> App:
    engine = make_engine(url)
    upgrade(engine)
    app = App.for_engine(engine)
    PactService(app.uow()).apply_text(example_pact_text(), source="example", author="test", now=NOW)
    summary = app.imports.run(
        Kind.OPPORTUNITIES,
        _csv(deals, folder / "deals.csv"),
        source="crm",
        actor="test",
        now=NOW,
        report_dir=folder,
    )
    assert summary.counts.rejected == 0
    if rates is not None:
        (folder / "rates.csv").write_text(rates)
        assert not app.rates.import_file(folder / "rates.csv", now=NOW).rejected
    return app


def expected(deals: pd.DataFrame, period: Period = Period()) -> pd.Series:
    """The KPI money columns computed with pandas: an as-of merge on each deal's date, per currency."""
    rates = pd.read_csv(pd.io.common.StringIO(RATES), parse_dates=["valid_from"]).sort_values("valid_from")
    frame = deals.copy()
    closed = frame.status.isin(["won", "lost"])
    frame["on"] = frame.closed_at.where(closed, frame.created_at).fillna(frame.created_at).fillna(frame.closed_at)
    frame = frame.sort_values("on")
    merged = pd.merge_asof(frame, rates, left_on="on", right_on="valid_from", by="currency")
    merged["rate"] = merged.rate.where(merged.currency != "USD", 1.0)
    merged["usd"] = merged.amount.fillna(0) * merged.rate
    opened = merged.created_at.fillna(merged.closed_at)
    inside = opened.notna()
    if period.since:
        inside &= opened >= pd.Timestamp(period.since)
    if period.until:
        inside &= opened < pd.Timestamp(period.until)
    chosen = merged[inside]
    won = chosen[chosen.status == "won"]
    return pd.Series(
        {
            "opportunities": len(chosen),
            "pipeline": chosen.usd.sum(),
            "won": len(won),
            "revenue": won.usd.sum(),
            "lost": int((chosen.status == "lost").sum()),
        }
    )


@pytest.fixture(scope="module")
def deals() -> pd.DataFrame:
    return _deals()


@pytest.fixture(scope="module")
def sqlite_money(tmp_path_factory: pytest.TempPathFactory, deals: pd.DataFrame) -> str:
    folder = tmp_path_factory.mktemp("money")
    url = f"sqlite:///{folder / 'money.db'}"
    _store(url, folder, deals).close()
    return url


SPARK = pytest.param(
    "spark",
    marks=[  # Spark's Py4J gateway leaves sockets for the garbage collector (as in conftest.py)
        pytest.mark.filterwarnings("ignore:unclosed <socket:ResourceWarning"),
        pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    ],
)


@pytest.fixture(params=["sqlite", "postgres", "duckdb", SPARK])
def money_engine(
    request: pytest.FixtureRequest, sqlite_money: str, deals: pd.DataFrame, tmp_path: Path
) -> Iterator[Engine]:
    """Every engine over the same deals: the two stores themselves, DuckDB and Spark fed from the SQLite one."""
    yield from _engine(request, sqlite_money, deals, tmp_path)


@pytest.fixture(params=["sqlite", "postgres", "duckdb"])
def store_engine(
    request: pytest.FixtureRequest, sqlite_money: str, deals: pd.DataFrame, tmp_path: Path
) -> Iterator[Engine]:
    """The stores themselves and DuckDB (Spark, a minute per report, is held equal on the building block)."""
    yield from _engine(request, sqlite_money, deals, tmp_path)


def _engine(request: pytest.FixtureRequest, sqlite_money: str, deals: pd.DataFrame, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgresql_url")
        _store(url, tmp_path, deals).close()
    else:
        url = sqlite_money
    if request.param == "spark":
        request.getfixturevalue("spark_cleanup")
    engine = connect(request.param, url=url)
    yield engine
    engine.close()


def _kpis(engine: Engine, names: StageNames, period: Period = Period()) -> tuple[pd.Series, list[str]]:
    result = run(KpiReport(names=names, kinds=None, period=period), engine)
    return result.frame.set_index("group").loc["none"], result.notes


def test_every_engine_converts_each_deal_at_the_rate_in_force_on_its_date(
    money_engine: Engine, deals: pd.DataFrame
) -> None:
    chosen = opportunities(money_engine.tables, Period(), None)
    won = chosen.status == "won"
    query = chosen.aggregate(
        opportunities=chosen.count(), pipeline=chosen.amount.sum(), won=won.sum(), revenue=chosen.amount.sum(where=won)
    )
    got = money_engine.execute(query).iloc[0]
    want = expected(deals)
    assert got.opportunities == want.opportunities and got.won == want.won
    np.testing.assert_allclose([got.pipeline, got.revenue], [want.pipeline, want.revenue], rtol=1e-9)


def test_kpis_sum_every_deal_in_the_pacts_currency_and_say_so(
    store_engine: Engine, deals: pd.DataFrame, names: StageNames
) -> None:
    got, notes = _kpis(store_engine, names)
    want = expected(deals)
    assert got.opportunities == want.opportunities and got.won == want.won and got.lost == want.lost
    np.testing.assert_allclose([got.pipeline, got.revenue], [want.pipeline, want.revenue], rtol=1e-9)
    converted = deals[(deals.currency != "USD") & deals.amount.notna()].currency.value_counts()
    assert any(
        f"amounts in USD (the pact's currency); deals in other currencies ({converted['EUR']} in EUR, "
        f"{converted['JPY']} in JPY) converted" in note
        for note in notes
    )
    # the naive sum, JPY taken as dollars, is what the report used to print
    assert got.revenue < deals[deals.status == "won"].amount.sum() / 10


def test_deals_without_a_creation_date_count_in_the_period_they_closed_with_a_note(
    store_engine: Engine, deals: pd.DataFrame, names: StageNames
) -> None:
    period = Period(date(2025, 5, 1), date(2025, 9, 1))
    got, notes = _kpis(store_engine, names, period)
    want = expected(deals, period)
    assert got.won == want.won and got.opportunities == want.opportunities
    np.testing.assert_allclose([got.pipeline, got.revenue], [want.pipeline, want.revenue], rtol=1e-9)
    undated = deals.created_at.isna()
    in_period = undated & (deals.closed_at >= "2025-05-01") & (deals.closed_at < "2025-09-01")
    assert in_period.any() and (deals[in_period].status == "won").any()
    assert any(
        note.startswith(f"{undated.sum()} deals have no creation date: counted in the period of the close date")
        for note in notes
    )
    # a deal without a creation date has no cycle length: the median is over the dated won deals only
    won = deals[
        (deals.status == "won") & ~undated & (deals.created_at >= "2025-05-01") & (deals.created_at < "2025-09-01")
    ]
    days = (won.closed_at - won.created_at).dt.total_seconds() / 86_400
    assert got.cycle_days_p50 == pytest.approx(days.median(), rel=1e-9)


def test_attribution_and_channel_dollars_read_the_same_converted_amounts(
    sqlite_money: str, deals: pd.DataFrame, names: StageNames
) -> None:
    engine = connect("sqlite", url=sqlite_money)
    try:
        spec = JourneySpec(names=names, level="opportunity", conversion="won", kinds=None)
        attributed = run(AttributionReport(spec=spec, model="linear"), engine)
        channels = run(ChannelReport(), engine)
    finally:
        engine.close()
    np.testing.assert_allclose(attributed.frame.value.sum(), expected(deals).revenue, rtol=1e-9)
    assert any(note.startswith("amounts in USD") for note in attributed.notes)
    assert any(note.startswith("amounts in USD") for note in channels.notes)


def test_a_report_refuses_naming_the_currencies_and_deals_with_no_rate(
    sqlite_url: str, tmp_path: Path, deals: pd.DataFrame, names: StageNames
) -> None:
    only_eur_from_june = "currency,rate,valid_from\nEUR,1.10,2025-06-01\n"
    _store(sqlite_url, tmp_path, deals, rates=only_eur_from_june).close()
    priced = deals.amount.notna() & (deals.currency != "USD")
    on = deals.closed_at.where(deals.status != "open", deals.created_at).fillna(deals.created_at)
    jpy = int((priced & (deals.currency == "JPY")).sum())
    eur = int((priced & (deals.currency == "EUR") & (on < "2025-06-01")).sum())
    assert jpy > eur > 0
    engine = connect("sqlite", url=sqlite_url)
    try:
        with pytest.raises(AnalyticsError) as raised:
            run(KpiReport(names=names), engine)
    finally:
        engine.close()
    assert str(raised.value) == (
        f"{jpy} deals in JPY, {eur} in EUR have no rate to USD in force on their date (close date when won or "
        "lost, creation date when open): run `revcycle rates import FILE`"
    )


def test_the_refusal_names_one_deal_in_the_singular_and_the_largest_gap_first() -> None:
    frame = pd.DataFrame(
        {
            "currency": ["GBP", "USD"],
            "deals": [4, 9],
            "needing": [4, 0],
            "missing": [1, 0],
            "undated": [0, 0],
            "dateless": [0, 0],
        }
    )
    with pytest.raises(AnalyticsError, match=r"^1 deal in GBP has no rate to USD in force on its date \("):
        Census("USD", frame).refuse_missing()
    frame["currency"], frame["missing"] = ["GBP", "CHF"], [1, 5]
    with pytest.raises(AnalyticsError, match=r"^5 deals in CHF, 1 in GBP have no rate to USD in force on their date"):
        Census("USD", frame).refuse_missing()

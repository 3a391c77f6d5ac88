"""One simulated company imported into SQLite and PostgreSQL once per session, and every analytics engine
over it: the `engine` fixture is parametrised like Ibis's backend suite (sqlite, postgres, duckdb, spark)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from tests.conftest import NOW, POSTGRES_URL, _postgres_schema_url

from revcycle.analytics.engines import Engine, connect
from revcycle.analytics.spark import stop_spark
from revcycle.analytics.stages import StageNames
from revcycle.bootstrap import App
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.service import PactService
from revcycle.sim import SimParams, generate
from revcycle.store.session import make_engine, upgrade

ORDER = (Kind.USERS, Kind.ACCOUNTS, Kind.CAMPAIGNS, Kind.PEOPLE, Kind.STAGES, Kind.TOUCHPOINTS, Kind.OPPORTUNITIES)
TABLES = (
    "person",
    "touchpoint",
    "stage_change",
    "opportunity",
    "opportunity_contact",
    "campaign",
    "account",
    "app_user",
)
ENGINE_NAMES = ("sqlite", "postgres", "duckdb", "spark")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spark's Py4J gateway leaves sockets for the garbage collector: not ours to fix, so not an error here."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "spark":
            item.add_marker(pytest.mark.filterwarnings("ignore:unclosed <socket:ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))


@pytest.fixture(scope="session")
def names() -> StageNames:
    """The example pact's stage names: the pact every store of these tests is given."""
    return StageNames.of(load_pact(example_pact_text()))


@pytest.fixture(scope="session")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 people over 12 months, aligned teams (recycles, renewals, every stage)."""
    out = tmp_path_factory.mktemp("analytics") / "sim"
    generate(SimParams(people=600, months=12, mode="aligned", seed=5), out)
    return out


def _fill(url: str, sim: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uow = App.for_engine(engine).uow(check=False)
    PactService(uow).apply_text(example_pact_text(), source="example", author="test", now=NOW)
    service = ImportService(uow)
    for kind in ORDER:
        service.run(
            kind, sim / f"{kind.value}.csv", source="sim", actor="test", now=NOW, report_dir=sim.parent / "reports"
        )
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_store(sim_dir: Path) -> str:
    """The simulated company in a SQLite store."""
    url = f"sqlite:///{sim_dir.parent / 'analytics.db'}"
    _fill(url, sim_dir)
    return url


@pytest.fixture(scope="session")
def postgres_store(sim_dir: Path) -> Iterator[str]:
    """The same company in a fresh PostgreSQL schema, dropped at the end of the session."""
    if os.environ.get("REVCYCLE_SKIP_POSTGRES") == "1":
        pytest.skip("REVCYCLE_SKIP_POSTGRES=1: PostgreSQL tests switched off by the developer")
    schema = f"a_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # a clear failure, never a silent skip
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}")
    url = _postgres_schema_url(schema)
    try:
        _fill(url, sim_dir)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def spark_cleanup() -> Iterator[None]:
    """Stops the one Spark session at the end of the test session."""
    yield
    stop_spark()


@pytest.fixture(scope="session", params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest, sqlite_store: str) -> Iterator[Engine]:
    """Every engine over the same data: the stores themselves, DuckDB and Spark fed from the SQLite store."""
    name = request.param
    url = request.getfixturevalue("postgres_store") if name == "postgres" else sqlite_store
    if name == "spark":
        request.getfixturevalue("spark_cleanup")
    connected = connect(name, url=url)
    yield connected
    connected.close()


@pytest.fixture(scope="session")
def frames(sqlite_store: str) -> dict[str, pd.DataFrame]:
    """The store's tables read with pandas, for the independent computations."""
    engine = make_engine(sqlite_store)
    with engine.connect() as connection:
        out = {name: pd.read_sql_table(name, connection) for name in TABLES}
    engine.dispose()
    for frame in out.values():
        for column in frame.columns:
            if frame[column].dtype == object and column in (
                "at",
                "occurred_at",
                "created_at",
                "closed_at",
                "start_date",
            ):
                frame[column] = pd.to_datetime(frame[column])
    return out

"""Shared fixtures: a migrated store on every backend the product claims (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from revcycle.bootstrap import App
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork, make_engine, upgrade

POSTGRES_URL = os.environ.get("REVCYCLE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"
DATASETS = Path(os.environ.get("REVCYCLE_DATASETS", SHARED / "datasets"))
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@dataclass
class Store:
    """A migrated, empty store with the example pact applied, and the URL a subprocess can use."""

    url: str
    engine: Engine
    uow: UnitOfWork
    backend: str


def _postgres_schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'revcycle.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A URL on a fresh PostgreSQL schema, dropped afterwards. Unreachable PostgreSQL fails the test."""
    if os.environ.get("REVCYCLE_SKIP_POSTGRES") == "1":
        pytest.skip("REVCYCLE_SKIP_POSTGRES=1: PostgreSQL tests switched off by the developer")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # a clear failure, never a silent skip
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}")
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """A URL on an empty database of each backend."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated store on each backend, with the example pact applied."""
    engine = make_engine(store_url)
    upgrade(engine)
    uow = App.for_engine(engine).uow(check=False)
    PactService(uow).apply_text(example_pact_text(), source="example", author="test", now=NOW)
    yield Store(store_url, engine, uow, engine.dialect.name)
    engine.dispose()

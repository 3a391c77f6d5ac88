"""Database failures become one sentence naming the store: real driver errors, raised by real connections."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from revcycle.errors import ReadOnlyStore, StoreBusy, StoreError
from revcycle.store.failures import explain


def _raised(url: str, sql: str) -> DBAPIError:
    engine = create_engine(url)
    try:
        with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
            connection.execute(text(sql))
        return caught.value
    finally:
        engine.dispose()


def test_a_writer_held_past_the_busy_timeout_is_a_busy_store(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        waiter = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError) as caught:
            waiter.execute("INSERT INTO t VALUES (1)")
        waiter.close()
    finally:
        holder.close()
    explained = explain(caught.value, url=f"sqlite:///{path}")
    assert isinstance(explained, StoreBusy)
    assert str(explained) == (
        f"the store at {path} is busy: another revcycle command has been writing for over 10 s; "
        "gave up (try again when it finishes)"
    )


def test_a_read_only_sqlite_url_is_a_read_only_store(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.close()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    explained = explain(_raised(url, "INSERT INTO t VALUES (1)"), url=url)
    assert isinstance(explained, ReadOnlyStore)
    assert str(explained) == (
        f"the store at {path} is read-only (attempt to write a readonly database): revcycle cannot write to it; "
        "the URL opens it with mode=ro"
    )


def test_a_missing_table_says_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    explained = explain(_raised(url, "SELECT * FROM person"), url=url)
    assert type(explained) is StoreError
    assert str(explained) == f"the store at {tmp_path / 'empty.db'} has no person table: it is not migrated; " + (
        "run `revcycle db upgrade`"
    )


def test_an_undefined_postgresql_table_says_to_upgrade(postgresql_url: str) -> None:
    explained = explain(_raised(postgresql_url, "SELECT * FROM person"), url=postgresql_url)
    assert type(explained) is StoreError and "run `revcycle db upgrade`" in str(explained)
    assert 'relation "person" does not exist' in str(explained)


def test_unreachable_postgresql_names_the_url_without_its_password() -> None:
    url = "postgresql+psycopg://rc:secret@127.0.0.1:1/rc"
    explained = explain(_raised(url, "SELECT 1"), url=url)
    assert type(explained) is StoreError
    assert str(explained).startswith("cannot reach the database at postgresql+psycopg://rc:***@127.0.0.1:1/rc: ")
    assert "secret" not in str(explained) and "\n" not in str(explained)


def test_anything_but_a_database_error_is_left_alone() -> None:
    assert explain(KeyError("x")) is None
    assert explain(OSError("disk full")) is None

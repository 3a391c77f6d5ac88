"""The schema comes only from migrations, and the migrations match the models on every backend."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from revcycle.errors import StoreError
from revcycle.store.metadata import metadata
from revcycle.store.session import SCHEMA_HEAD, _alembic_config, check_revision, make_engine, upgrade


def test_migrations_build_exactly_the_models_and_downgrade_cleanly(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata()) == []
    command.downgrade(_alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_the_schema_head_every_command_checks_is_alembics_newest_migration(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    assert ScriptDirectory.from_config(_alembic_config(engine)).get_current_head() == SCHEMA_HEAD
    with pytest.raises(StoreError, match="has no schema yet"):
        check_revision(engine)
    upgrade(engine, "0003")
    with pytest.raises(StoreError, match=f"is at revision 0003, not {SCHEMA_HEAD}"):
        check_revision(engine)
    upgrade(engine)
    check_revision(engine)
    engine.dispose()

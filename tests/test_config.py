"""Settings check the database URL once, when they are made: a usable URL comes out canonical, any other is
refused in one sentence that says what revcycle accepts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from revcycle.config import Settings
from revcycle.errors import RevcycleError, SettingsError


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("sqlite:///revcycle.db", "sqlite:///revcycle.db"),
        ("sqlite:///data/store.db?mode=ro", "sqlite:///data/store.db?mode=ro"),
        ("sqlite:////var/lib/revcycle.db", "sqlite:////var/lib/revcycle.db"),
        ("sqlite+pysqlite:///x.db", "sqlite:///x.db"),
        ("postgresql://rc@db.internal:5432/rc", "postgresql+psycopg://rc@db.internal:5432/rc"),
        ("postgresql+psycopg://rc:pw@db/rc", "postgresql+psycopg://rc:pw@db/rc"),
        ("postgres://rc@db/rc", "postgresql+psycopg://rc@db/rc"),
        ("  sqlite:///padded.db\n", "sqlite:///padded.db"),
    ],
)
def test_a_usable_url_is_kept_in_its_canonical_form(given: str, canonical: str) -> None:
    assert Settings(database_url=given).database_url == canonical


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("revcycle.db", '"revcycle.db" is not a database URL; for a SQLite file write sqlite:///revcycle.db'),
        ("sqlite://x.db", '"sqlite://x.db" has two slashes after sqlite:'),
        ("sqlite://x.db", "write sqlite:///x.db (three slashes"),
        ("mysql://root@localhost/crm", 'revcycle stores its data in SQLite or PostgreSQL, not "mysql"'),
        ("oracle+cx_oracle://u@h/db", 'revcycle stores its data in SQLite or PostgreSQL, not "oracle+cx_oracle"'),
        ("postgresql+psycopg2://u@h/db", "through psycopg 3; write postgresql://u@h/db"),
        ("postgresql://u@h:notaport/db", '"postgresql://u@h:notaport/db" cannot be read as a database URL'),
        ("", '"" is not a database URL (use sqlite:///'),
    ],
)
def test_an_unusable_url_is_refused_naming_what_is_accepted(given: str, says: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(database_url=given)
    with pytest.raises(SettingsError):
        Settings.from_env(given or " ")
    message = str(caught.value)
    assert says in message
    assert "\n" not in message and ("sqlite:///" in message or "write postgresql://" in message)
    assert isinstance(caught.value, RevcycleError)


@pytest.mark.parametrize("given", ["sqlite://", "sqlite:///:memory:", "sqlite:///?cache=shared"])
def test_an_in_memory_store_is_refused_for_a_command_but_kept_for_an_engine_in_process(given: str) -> None:
    assert Settings(database_url=given).database_url == given  # e.g. bootstrap's App.for_engine in a test
    with pytest.raises(SettingsError, match=r"is an in-memory SQLite database: nothing would be kept; use sqlite:///"):
        Settings.from_env(given)


def test_a_refused_url_does_not_print_its_password() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(database_url="mysql://admin:hunter2@db/crm")
    assert "hunter2" not in str(caught.value) and "mysql://admin:***@db/crm" in str(caught.value)


def test_the_environment_is_read_and_an_explicit_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVCYCLE_DATABASE_URL", "postgres://env@db/rc")
    monkeypatch.setenv("REVCYCLE_ACTOR", "ada")
    assert Settings.from_env() == Settings("postgresql+psycopg://env@db/rc", "ada")
    assert Settings.from_env("sqlite:///given.db").database_url == "sqlite:///given.db"
    monkeypatch.setenv("REVCYCLE_DATABASE_URL", "crm.sqlite")
    with pytest.raises(SettingsError, match=r"sqlite:///crm\.sqlite"):
        Settings.from_env()


def test_the_workspace_is_the_folder_of_the_sqlite_file(tmp_path: Path) -> None:
    assert Settings(f"sqlite:///{tmp_path}/a/store.db").workspace == tmp_path / "a"
    assert Settings(f"sqlite:///file:{tmp_path}/store.db?mode=ro&uri=true").workspace == tmp_path
    assert Settings("postgresql://u@h/db").workspace == Path.cwd()


def test_importing_the_settings_does_not_import_sqlalchemy() -> None:
    code = "import sys, revcycle.config; print('sqlalchemy' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "False"

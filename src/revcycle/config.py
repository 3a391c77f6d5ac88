"""Settings read from the environment when a command starts (never at import time), checked once there."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from revcycle.errors import SettingsError

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "canonical_database_url", "printable_url", "sqlite_file"]

DEFAULT_DATABASE_URL = "sqlite:///revcycle.db"
_ACCEPTED = "use sqlite:///path/to/revcycle.db (sqlite:////an/absolute/path.db) or postgresql://user@host/database"


@dataclass(frozen=True)
class Settings:
    """Where the store lives and who is acting; the database URL is checked and made canonical on creation.

    An in-memory SQLite URL is accepted here, for an engine that lives as long as its process (tests, a library
    caller); `from_env`, which reads what a user typed for one command, refuses it."""

    database_url: str = DEFAULT_DATABASE_URL
    actor: str = "cli"

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", canonical_database_url(self.database_url))

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        """Settings from `REVCYCLE_DATABASE_URL` / `REVCYCLE_ACTOR`, an explicit URL winning."""
        url = database_url or os.environ.get("REVCYCLE_DATABASE_URL") or DEFAULT_DATABASE_URL
        actor = os.environ.get("REVCYCLE_ACTOR") or os.environ.get("USER") or "cli"
        return cls(database_url=canonical_database_url(url, persistent=True), actor=actor)

    @property
    def workspace(self) -> Path:
        """The folder beside a SQLite file (or the current folder) for reports the store does not hold."""
        path = sqlite_file(self.database_url)
        return Path.cwd() if path is None else Path(path).resolve().parent


def canonical_database_url(raw: str, *, persistent: bool = False) -> str:
    """The URL revcycle works with (`sqlite:///...` or `postgresql+psycopg://...`), or SettingsError saying why
    this one cannot be used and what would be; `persistent` also refuses an in-memory SQLite database."""
    url = raw.strip()
    shown = printable_url(url)
    scheme, separator, rest = url.partition("://")
    if not separator:
        hint = f"; for a SQLite file write sqlite:///{url}" if url else ""
        raise SettingsError(f'"{shown}" is not a database URL{hint} ({_ACCEPTED})')
    backend, _, driver = scheme.lower().partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        canonical = "sqlite://" + _sqlite_rest(rest, shown, persistent=persistent)
    elif backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        canonical = "postgresql+psycopg://" + rest
    elif backend in ("postgresql", "postgres"):
        raise SettingsError(f'"{shown}": revcycle talks to PostgreSQL through psycopg 3; write postgresql://{rest}')
    else:
        raise SettingsError(
            f'"{shown}": revcycle stores its data in SQLite or PostgreSQL, not "{scheme}" ({_ACCEPTED})'
        )
    _check_parses(canonical, shown)
    return canonical


def _sqlite_rest(rest: str, shown: str, *, persistent: bool) -> str:
    """What follows `sqlite://`: a third slash and a file path, or nothing (in memory) unless `persistent`."""
    path = rest.removeprefix("/").partition("?")[0]
    if not rest or path in ("", ":memory:"):
        if persistent:  # each command is a process of its own: an in-memory store is empty at the next one
            raise SettingsError(f'"{shown}" is an in-memory SQLite database: nothing would be kept; {_ACCEPTED}')
        return rest
    if not rest.startswith("/"):
        raise SettingsError(
            f'"{shown}" has two slashes after sqlite:, the file would be read as a host name; '
            f"write sqlite:///{rest} (three slashes, four for an absolute path)"
        )
    return rest


def _check_parses(url: str, shown: str) -> None:
    # SQLAlchemy is imported here, not at the top: `revcycle --help` must not pay for it.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except (ArgumentError, ValueError) as exc:  # a port that is not a number is a ValueError
        raise SettingsError(f'"{shown}" cannot be read as a database URL ({exc}); {_ACCEPTED}') from exc


def sqlite_file(url: str) -> str | None:
    """The file path in a `sqlite:///` URL (None for any other URL), without a query or a `file:` URI prefix."""
    if not url.startswith("sqlite:///"):
        return None
    return url.removeprefix("sqlite:///").partition("?")[0].removeprefix("file:")


def printable_url(url: str) -> str:
    """The URL as it may be printed: a password in it is replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)

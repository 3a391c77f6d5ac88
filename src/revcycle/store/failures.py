"""Database failures in one sentence: a driver's error (through SQLAlchemy or straight from sqlite3 / psycopg)
becomes the RevcycleError that says what happened to the store and what to do about it."""

from __future__ import annotations

import re
import sqlite3

from revcycle.config import printable_url, sqlite_file
from revcycle.errors import ReadOnlyStore, RevcycleError, StoreBusy, StoreError

__all__ = ["BUSY_TIMEOUT_SECONDS", "explain"]

# How long SQLite waits for another writer (store/session.py sets `PRAGMA busy_timeout` to this, in ms).
BUSY_TIMEOUT_SECONDS = 10
_UPGRADE = "run `revcycle db upgrade`"


def explain(exc: BaseException, *, url: str | None = None) -> RevcycleError | None:
    """The store failure behind `exc` as a RevcycleError, or None when `exc` is not a database error."""
    if isinstance(exc, RevcycleError):
        return exc
    driver = _driver_error(exc)
    if driver is None:
        return None
    where = _where(url)
    if isinstance(driver, sqlite3.Error):
        return _sqlite(driver, where, url or "")
    return _postgresql(driver, where)


def _driver_error(exc: BaseException) -> BaseException | None:
    """The DB-API error itself: SQLAlchemy wraps it in `.orig`; analytics' own connections raise it bare."""
    if type(exc).__module__.startswith("sqlalchemy"):
        exc = getattr(exc, "orig", None) or exc
    if isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg"):
        return exc
    return None


def _sqlite(error: sqlite3.Error, where: str, url: str) -> RevcycleError:
    message = _first_line(error)
    lowered = message.lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        return StoreBusy(
            f"the store at {where} is busy: another revcycle command has been writing for over "
            f"{BUSY_TIMEOUT_SECONDS} s; gave up (try again when it finishes)"
        )
    if "readonly database" in lowered or "read-only" in lowered:
        why = "the URL opens it with mode=ro" if "mode=ro" in url else "check the file's and its folder's modes"
        return ReadOnlyStore(f"the store at {where} is read-only ({message}): revcycle cannot write to it; {why}")
    if "unable to open database file" in lowered:
        return StoreError(
            f"cannot open the store at {where}: its folder must exist and be writable "
            "(SQLite keeps -wal and -shm files beside the store)"
        )
    if missing := re.search(r"no such table: (\S+)", message):
        return StoreError(f"the store at {where} has no {missing.group(1)} table: it is not migrated; {_UPGRADE}")
    return StoreError(f"the store at {where} failed: {message}")


def _postgresql(error: BaseException, where: str) -> RevcycleError:
    """psycopg's errors by SQLSTATE class, so a message in any server language is still understood."""
    state = str(getattr(error, "sqlstate", None) or "")
    message = _first_line(error)
    if state == "42P01":  # undefined_table
        return StoreError(f"the database at {where} lacks a table revcycle needs ({message}): {_UPGRADE}")
    if state in ("25006", "42501"):  # read_only_sql_transaction, insufficient_privilege
        return ReadOnlyStore(f"the database at {where} cannot be written by this user ({message})")
    if state in ("55P03", "57014"):  # lock_not_available, query_canceled (a lock or statement timeout)
        return StoreBusy(f"the database at {where} is busy: a lock was held too long ({message}); try again")
    if not state or state[:2] in ("08", "28", "3D"):  # no answer, connection, login or database name refused
        return StoreError(f"cannot reach the database at {where}: {message}")
    return StoreError(f"the database at {where} failed: {message}")


def _where(url: str | None) -> str:
    """The store as a user knows it: a SQLite file's path, or the URL without its password."""
    if url is None:
        return "the configured URL"
    return sqlite_file(url) or printable_url(url)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__

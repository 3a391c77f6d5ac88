"""Fast bulk statements for the import hot path, written once per dialect (SQLite, PostgreSQL).

SQLAlchemy's per-row parameter processing costs more than the database's own work at a million rows,
so these go to the driver directly; every other query stays in SQLAlchemy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

__all__ = ["execute_many", "insert_rows", "select_where_in", "timestamp_param", "timestamp_params"]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def select_where_in(
    session: Session, sql: str, values: Sequence[Any], *, integers: bool = False, **params: Any
) -> list[Any]:
    """Run `sql`, whose `:values` stands for a list, with one parameter however long the list is."""
    if not values:
        return []
    if _dialect(session) == "sqlite":
        clause = "(SELECT value FROM json_each(:values))"
        params["values"] = json.dumps(list(values))
    else:
        clause = f"(SELECT unnest(CAST(:values AS {'bigint' if integers else 'text'}[])))"
        params["values"] = [int(v) for v in values] if integers else [str(v) for v in values]
    sql = sql.replace(":values", clause)
    names = re.findall(r":(\w+)", sql)
    mark = "?" if _dialect(session) == "sqlite" else "%s"
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:  # the driver's own cursor: building SQLAlchemy rows costs more than the query at this size
        cursor.execute(re.sub(r":\w+", mark, sql), [params[name] for name in names])
        return list(cursor.fetchall())
    finally:
        cursor.close()


def timestamp_param(session: Session, value: datetime | None) -> Any:
    """A UTC instant in the form the column stores it (see `UtcDateTime`), for driver-level statements."""
    return None if value is None else _stored(value, _dialect(session) == "sqlite")


def timestamp_params(session: Session, values: Iterable[datetime]) -> dict[datetime, Any]:
    """Many instants in stored form, by instant (the dialect looked up once, each distinct instant done once)."""
    sqlite = _dialect(session) == "sqlite"
    return {value: _stored(value, sqlite) for value in set(values)}


def _stored(value: datetime, sqlite: bool) -> Any:
    naive = value.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(" ", "microseconds") if sqlite else naive  # SQLAlchemy's text form on SQLite


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT many rows through the driver's executemany (values already in stored form)."""
    if not rows:
        return
    execute_many(
        session, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})", rows
    )


def execute_many(session: Session, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run a `?`-placeholder statement once per row through the driver."""
    if rows:
        if _dialect(session) != "sqlite":
            sql = sql.replace("?", "%s")
        session.connection().exec_driver_sql(sql, list(rows))

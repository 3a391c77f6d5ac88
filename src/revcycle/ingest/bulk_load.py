"""Bulk loads on SQLite: a large touchpoint file from a source the store has never seen goes in with the
touchpoint table's indexes dropped; they are rebuilt once, sorted, before the import commits.

Inserting into three B-trees row by row costs more than building two of them from sorted data at the end.
Everything happens inside the import's one transaction: a failed import leaves the indexes as they were.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

__all__ = ["DeferredIndexes", "RepeatedIds", "worth_deferring"]

_MIN_ROWS = 200_000


class RepeatedIds(Exception):
    """The unique key could not be rebuilt: the file repeats an external id in different batches."""


def worth_deferring(session: Session, table: str, expected_rows: int) -> bool:
    """Whether rebuilding `table`'s indexes after the load is cheaper than keeping them: a large load that
    at least doubles the table (SQLite only; PostgreSQL would lock the table against readers)."""
    if session.get_bind().dialect.name != "sqlite" or expected_rows < _MIN_ROWS:
        return False
    stored = session.connection().exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0
    return expected_rows >= stored


class DeferredIndexes:
    """A table's secondary indexes, dropped for a bulk load and rebuilt from their own stored definitions."""

    def __init__(self, session: Session, table: str) -> None:
        self.session = session
        self.table = table
        self.definitions: list[str] = []

    @property
    def dropped(self) -> bool:
        """Whether the indexes are down (lookups by anything but the primary key would scan the table)."""
        return bool(self.definitions)

    def drop(self) -> None:
        """Drop every index the schema created on the table, remembering how to build it again."""
        connection = self.session.connection()
        found = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (self.table,),
        ).all()
        for name, _sql in found:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
        self.definitions = [sql for _name, sql in found]

    def rebuild(self) -> None:
        """Build the dropped indexes again; RepeatedIds if the data now breaks a unique one."""
        connection = self.session.connection()
        definitions, self.definitions = self.definitions, []
        for sql in definitions:
            try:
                connection.exec_driver_sql(sql)
            except IntegrityError as exc:
                raise RepeatedIds(str(exc.orig)) from exc

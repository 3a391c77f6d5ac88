"""Foreign keys checked once per transaction instead of once per row, for bulk loads into SQLite.

SQLite checks a row's foreign keys by looking each parent up as the row is written: at a million touchpoints
that is a third of the load. A bulk load writes only ids it has just read from the parent tables in the same
transaction (SQLite lets no other writer in meanwhile), so the unit of work turns per-row checks off for it and
checks every row the transaction added here, set-based, before it commits. A violation undoes the load.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection

from revcycle.errors import StoreError

__all__ = ["ReferenceMarks", "check_added_rows", "mark_tables"]


@dataclass(frozen=True)
class _Reference:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class ReferenceMarks:
    """For each table with foreign keys: its references, and its highest rowid when the transaction began."""

    references: dict[str, list[_Reference]]
    last_rowid: dict[str, int]


def mark_tables(connection: Connection) -> ReferenceMarks:
    """Where each table with foreign keys ends now (rows added after this are the transaction's own)."""
    tables = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).scalars().all()
    references: dict[str, list[_Reference]] = {}
    for table in tables:
        keys: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
        for row in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")'):
            key_id, parent, column, parent_column = row[0], row[2], row[3], row[4]
            keys[key_id].append((parent, column, parent_column))
        if keys:
            references[table] = [
                _Reference(tuple(c for _, c, _ in parts), parts[0][0],
                           tuple(str(p) for _, _, p in parts) if parts[0][2] else _primary_key(connection, parts[0][0]))
                for parts in keys.values()
            ]
    last = {
        table: connection.exec_driver_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').scalar() or 0
        for table in references
    }
    return ReferenceMarks(references, last)


def _primary_key(connection: Connection, table: str) -> tuple[str, ...]:
    """The columns a reference naming only the table points at: its primary key (the rowid if it declares none)."""
    columns = sorted((row[5], row[1]) for row in connection.exec_driver_sql(f'PRAGMA table_info("{table}")') if row[5])
    return tuple(name for _, name in columns) or ("rowid",)


def check_added_rows(connection: Connection, marks: ReferenceMarks) -> None:
    """StoreError naming the table, column and value of the first added reference that has no parent.
    Each distinct value is looked up once (a table's index on the column gives them sorted)."""
    for table, references in marks.references.items():
        for reference in references:
            values = [f"v{i}" for i in range(len(reference.columns))]
            picked = ", ".join(f'"{column}" AS {v}' for column, v in zip(reference.columns, values, strict=True))
            filled = " AND ".join(f"{value} IS NOT NULL" for value in values)
            matched = " AND ".join(
                f'p."{parent}" = {value}' for value, parent in zip(values, reference.parent_columns, strict=True)
            )
            found = connection.exec_driver_sql(
                f'SELECT {", ".join(values)} FROM (SELECT DISTINCT {picked} FROM "{table}" WHERE rowid > ?) '
                f'WHERE {filled} AND NOT EXISTS (SELECT 1 FROM "{reference.parent}" AS p WHERE {matched}) LIMIT 1',
                (marks.last_rowid[table],),
            ).first()
            if found is not None:
                raise StoreError(
                    f"{table}.{', '.join(reference.columns)} = {', '.join(map(str, found))} names no "
                    f"{reference.parent} (a reference the bulk load broke: nothing was written)"
                )

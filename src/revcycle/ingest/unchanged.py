"""The external ids an import found identical to their stored rows, kept for the rest of the import.

A row written by this import carries its run id, so a later copy of its id in the file is known for a repeat.
A row found unchanged is not written: without this record, a later copy of its id with other values would
pass for an update (last copy wins) instead of being rejected as a repeat. The ids live in a temporary table
of the import's own transaction, so memory stays flat however large the file; it goes when the import ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from revcycle.store.bulk import select_where_in

__all__ = ["UnchangedIds"]

_TABLE = "revcycle_unchanged_ids"


class UnchangedIds:
    """Ids of rows this import left as they were (one import, one kind: the external id alone is the key)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.created = False

    def add(self, keys: Sequence[str]) -> None:
        """Remember these ids (one statement, however many)."""
        if not keys:
            return
        connection = self.session.connection()
        if not self.created:
            connection.exec_driver_sql(
                f"CREATE TEMP TABLE {_TABLE} (external_id TEXT PRIMARY KEY) WITHOUT ROWID" if self.sqlite
                else f"CREATE TEMP TABLE {_TABLE} (external_id TEXT PRIMARY KEY) ON COMMIT DROP"
            )
            self.created = True
        if self.sqlite:
            connection.exec_driver_sql(
                f"INSERT OR IGNORE INTO temp.{_TABLE} SELECT value FROM json_each(?)", (json.dumps(list(keys)),)
            )
        else:
            connection.exec_driver_sql(
                f"INSERT INTO {_TABLE} SELECT unnest(CAST(%s AS text[])) ON CONFLICT DO NOTHING", ([*keys],)
            )

    def among(self, keys: Sequence[str]) -> set[str]:
        """Which of these ids were remembered."""
        if not self.created or not keys:
            return set()
        table = f"temp.{_TABLE}" if self.sqlite else _TABLE
        rows = select_where_in(self.session, f"SELECT external_id FROM {table} WHERE external_id IN :values", keys)
        return {row[0] for row in rows}

    def repeats(self, stored: Mapping[str, Sequence[Any]], rows: Iterable[tuple[str, str]]) -> set[str]:
        """The ids, among (id, row hash) pairs, whose stored row (id -> (row id, row hash, ...)) the row would
        change but that this import found unchanged earlier: later copies of an id in the file, not updates."""
        changed = [key for key, digest in rows if (found := stored.get(key)) is not None and found[1] != digest]
        return self.among(changed)

    def drop(self) -> None:
        """Forget them before the import commits (an import undone takes the table with it)."""
        if self.created:
            self.session.connection().exec_driver_sql(f"DROP TABLE {'temp.' if self.sqlite else ''}{_TABLE}")
        self.created = False

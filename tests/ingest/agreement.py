"""Builders for holding the columnar and row import paths equal: import through a chosen path, dump a store by
natural keys (so row ids, which a rolled-back batch may skip on PostgreSQL, do not matter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService, ImportSummary
from revcycle.store.metadata import metadata
from tests.conftest import NOW, Store
from tests.ingest.helpers import AUDIT_TABLES

KEYED = ("person", "account", "campaign", "app_user", "touchpoint", "opportunity")  # tables with external ids
_NOT_FOREIGN = {("score_hit", "touchpoint_id"): "touchpoint"}  # an id column without a declared foreign key


def import_via(
    store: Store, kind: str, path: Path, *, columnar: bool, mapping: Path | None = None, column_batch_size: int = 50_000
) -> ImportSummary:
    """Import one file through the columnar path (when it applies) or, with `columnar=False`, the row path."""
    service = ImportService(store.uow, batch_size=3, column_batch_size=column_batch_size, columnar=columnar)
    return service.run(Kind(kind), path, mapping=mapping, actor="test", now=NOW, report_dir=path.parent / "reports")


def natural_dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every business table's rows, every column but the row id, ids of other rows as their external keys."""
    tables = {table.name: table for table in metadata().sorted_tables}
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as connection:
        keys = {
            name: {
                row[0]: (row[1], row[2])
                for row in connection.execute(
                    select(tables[name].c.id, tables[name].c.source_system, tables[name].c.external_id)
                )
            }
            for name in KEYED
        }
        for name, table in tables.items():
            if name in AUDIT_TABLES:
                continue
            refs = {
                column.name: target
                for column in table.c
                for target in [_NOT_FOREIGN.get((name, column.name))]
                + [fk.column.table.name for fk in column.foreign_keys]
                if target in keys
            }
            columns = [column for column in table.c if column.name not in ("id", "import_run_id")]
            rows = connection.execute(select(*columns)).all()
            out[name] = sorted(
                (
                    tuple(
                        keys[refs[c.name]].get(value) if c.name in refs else value
                        for c, value in zip(columns, row, strict=True)
                    )
                    for row in rows
                ),
                key=repr,
            )
    return out


def stored_text(store: Store) -> list[tuple[Any, ...]]:
    """Touchpoints as the database holds them, without the column types' parsing (SQLite keeps instants as
    text: both paths must write the same text, not only text that parses to the same instant)."""
    with store.engine.connect() as connection:
        query = "SELECT external_id, occurred_at, row_hash, type, channel FROM touchpoint ORDER BY external_id"
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    """An import's inserted, updated, unchanged and rejected counts."""
    c = summary.counts
    return c.inserted, c.updated, c.unchanged, c.rejected

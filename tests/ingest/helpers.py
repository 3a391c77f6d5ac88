"""Keyword builders for import tests: write a small CSV or JSON Lines file, run an import, dump the store."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService, ImportSummary
from revcycle.store.metadata import metadata
from tests.conftest import NOW, Store

AUDIT_TABLES = {"import_run", "import_issue", "audit_log", "alembic_version"}


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    """A CSV with these rows (header from the first row unless given)."""
    header = header or list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """A JSON Lines file; a str line is written as given (to make broken JSON)."""
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def run_import(store: Store, kind: str, path: Path, **options: Any) -> ImportSummary:
    """Import one file through the service the CLI uses."""
    sizes = {"batch_size": options.pop("batch_size", 3), "column_batch_size": options.pop("column_batch_size", 50_000)}
    return ImportService(store.uow, **sizes).run(
        Kind(kind), path, actor="test", now=NOW, report_dir=path.parent / "reports", **options
    )


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every business table's rows, sorted (import bookkeeping left out)."""
    out = {}
    with store.engine.connect() as connection:
        for table in metadata().sorted_tables:
            if table.name in AUDIT_TABLES:
                continue
            columns = [c for c in table.c if c.name != "import_run_id"]
            rows = connection.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return out


def people_rows() -> list[dict[str, Any]]:
    return [
        {
            "external_id": "p1",
            "email": " Ada@Acme.com ",
            "first_name": "Ada",
            "title": "VP Engineering",
            "seniority": "vp",
            "created_at": "2025-01-02T10:00:00Z",
            "stage": "",
        },
        {
            "external_id": "p2",
            "email": "bob@acme.com",
            "first_name": "Bob",
            "title": "Engineer",
            "seniority": "ic",
            "created_at": "2025-01-03T10:00:00+01:00",
            "stage": "mql",
        },
        {
            "external_id": "p3",
            "email": "cy@other.io",
            "first_name": "Cy",
            "title": "Director",
            "seniority": "director",
            "created_at": "2025-01-04T10:00:00Z",
            "stage": "",
        },
    ]

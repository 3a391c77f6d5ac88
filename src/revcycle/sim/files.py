"""The output files: canonical columns (docs/imports.md), streamed by chunk, renamed into place at the end.

Values never contain commas, quotes or newlines (the writer refuses them), so nothing is quoted and a
byte-for-byte comparison of two runs is meaningful.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

__all__ = ["COLUMNS", "CsvFiles"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "external_id",
        "email",
        "name",
        "team",
        "time_zone",
        "capacity",
        "manager_external_id",
        "working_hours",
        "working_days",
        "time_off",
    ),
    "accounts": (
        "external_id",
        "name",
        "domain",
        "industry",
        "employees",
        "country",
        "technologies",
        "owner_external_id",
        "created_at",
    ),
    "campaigns": ("external_id", "name", "channel", "start_date", "end_date", "cost", "currency"),
    "people": (
        "external_id",
        "email",
        "first_name",
        "last_name",
        "title",
        "seniority",
        "department",
        "country",
        "persona",
        "account_external_id",
        "stage",
        "stage_reason",
        "owner_external_id",
        "created_at",
    ),
    "stages": (
        "external_id",
        "person_external_id",
        "person_email",
        "to_stage",
        "occurred_at",
        "reason",
        "actor_external_id",
        "note",
    ),
    "touchpoints": (
        "external_id",
        "person_external_id",
        "person_email",
        "type",
        "channel",
        "campaign_external_id",
        "content",
        "content_stage",
        "url",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "occurred_at",
        "user_external_id",
    ),
    "opportunities": (
        "external_id",
        "name",
        "account_external_id",
        "person_external_id",
        "contact_external_ids",
        "owner_external_id",
        "amount",
        "currency",
        "kind",
        "status",
        "stage",
        "created_at",
        "closed_at",
        "lost_reason",
    ),
}
_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)


class CsvFiles:
    """One open CSV writer per kind; `commit` renames the finished files into place."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.rows = {kind: 0 for kind in COLUMNS}
        self._handles: dict[str, BinaryIO] = {}
        self._writers: dict[str, pacsv.CSVWriter] = {}
        schema = {kind: pa.schema([(name, pa.string()) for name in cols]) for kind, cols in COLUMNS.items()}
        for kind, cols in COLUMNS.items():
            handle = open(self._partial(kind), "wb")  # noqa: SIM115 - closed in close()
            handle.write((",".join(cols) + "\n").encode())
            self._handles[kind] = handle
            self._writers[kind] = pacsv.CSVWriter(handle, schema[kind], write_options=_OPTIONS)

    def _partial(self, kind: str) -> Path:
        return self.out_dir / f".{kind}.csv.partial"

    def write(self, kind: str, columns: dict[str, pa.Array]) -> None:
        """Appends rows given as one string column per canonical column name."""
        table = pa.table([columns[name] for name in COLUMNS[kind]], names=list(COLUMNS[kind]))
        self._writers[kind].write_table(table)
        self.rows[kind] += table.num_rows

    def close(self) -> None:
        """Flushes and closes every file (idempotent)."""
        for writer in self._writers.values():
            writer.close()
        for handle in self._handles.values():
            handle.close()
        self._writers.clear()

    def commit(self) -> None:
        """Moves the finished files to their final names."""
        self.close()
        for kind in COLUMNS:
            self._partial(kind).replace(self.out_dir / f"{kind}.csv")

    def discard(self) -> None:
        """Removes unfinished files after a failure."""
        self.close()
        for kind in COLUMNS:
            self._partial(kind).unlink(missing_ok=True)

    def __enter__(self) -> CsvFiles:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if error is not None:
            self.discard()

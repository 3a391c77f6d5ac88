"""The fast path for large CSV files: convert a whole Arrow batch per column instead of cell by cell.

Each column goes through its type's entry in `vector_rules.VECTOR_RULES`, the row rule of `model.py` applied
column-wise (touchpoint files use text, email, choice, timestamp); any batch with a cell the row rule rejects
goes through the row path, which reports each bad row.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as arrow_csv

from revcycle.ingest.fields import Kind
from revcycle.ingest.mapping import FieldPlan, Plan
from revcycle.ingest.model import CellError, converter_for, is_empty
from revcycle.ingest.readers import RawRow
from revcycle.ingest.vector_rules import VECTOR_RULES, NeedsRows, convert_column, trimmed

if TYPE_CHECKING:
    import duckdb

__all__ = ["ColumnBatch", "NeedsRows", "arrow_batches", "convert_batch", "stored_text", "supports_columnar"]


@dataclass
class ColumnBatch:
    """A converted batch: typed columns by field, each row's hash, and the file line of its first row."""

    columns: dict[str, pa.Array]
    digests: list[str]
    first_line: int
    raw: pa.RecordBatch
    lists: dict[str, list[Any]] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)

    def values(self, name: str) -> list[Any]:
        """A column as Python values (None where empty, or everywhere for a column the file lacks)."""
        found = self.lists.get(name)
        if found is None:
            column = self.columns.get(name)
            found = self.lists[name] = column.to_pylist() if column is not None else [None] * self.size
        return found

    def stored(self, name: str) -> list[str]:
        """A timestamp column as the text SQLite stores (see `stored_text`)."""
        found = self.texts.get(name)
        if found is None:
            found = self.texts[name] = stored_text(self.columns[name]).to_pylist()
        return found

    def prepare(self) -> ColumnBatch:
        """Make every non-empty column's Python values now (the reading thread does this ahead of the writer)."""
        for name, column in self.columns.items():
            if pa.types.is_timestamp(column.type):
                self.stored(name)
            elif column.null_count < len(column):
                self.values(name)
        return self

    @property
    def size(self) -> int:
        """Rows in the batch."""
        return int(self.raw.num_rows)

    def raw_rows(self) -> list[RawRow]:
        """The batch as raw rows, for the row path."""
        return [
            RawRow(self.first_line + i, {k: v for k, v in row.items() if v is not None and v != ""})
            for i, row in enumerate(self.raw.to_pylist())
        ]


def supports_columnar(plan: Plan) -> bool:
    """Whether every field of the plan has a columnar rule (touchpoint files without value maps or attributes)."""
    return (
        plan.kind in (Kind.TOUCHPOINTS, Kind.PEOPLE)
        and not plan.attributes
        and all(
            fp.spec.type in VECTOR_RULES
            and fp.rule.values is None
            and fp.rule.derive is None
            and fp.rule.default is None
            and fp.rule.format is None
            for fp in plan.fields
        )
    )


def arrow_batches(
    path: Path, header: list[str], rows_per_batch: int, encoding: str = "utf-8"
) -> Iterator[tuple[pa.RecordBatch, int]]:
    """Stream a CSV as string batches of about `rows_per_batch` rows, with each batch's first line number.
    ArrowInvalid after the last batch when its last row may hold a quote never closed (Arrow, like Python's
    reader, takes the rest of the file as one cell): the row reader then reads the file and names the line."""
    # one thread: the reader keeps ahead of the writer with one core, and more would take the writer's core;
    # the header as the row reader read it (names trimmed), so a column is found under the same name
    read = arrow_csv.ReadOptions(
        block_size=1 << 22, use_threads=False, column_names=header, skip_rows=1, encoding=encoding
    )
    # a quoted cell may hold a line break anywhere in the file, even across the reader's blocks
    parse = arrow_csv.ParseOptions(newlines_in_values=True)
    convert = arrow_csv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    reader = arrow_csv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    line = 2
    last: pa.RecordBatch | None = None
    for batch in reader:
        for start in range(0, batch.num_rows, rows_per_batch):
            part = batch.slice(start, rows_per_batch)
            yield part, line
            line += part.num_rows
            last = part if part.num_rows else last
    if last is not None and _may_end_in_an_open_quote(path, last.slice(last.num_rows - 1)):
        raise pa.ArrowInvalid("the last row may hold an unclosed quote")


def _may_end_in_an_open_quote(path: Path, row: pa.RecordBatch) -> bool:
    """Whether a quote may be open at the end of the file: a line break in a cell of its last row, or a last
    line with a quote and no line break after it (the same test as the row reader's)."""
    cells = [value for value in row.to_pylist()[0].values() if isinstance(value, str)]
    if any("\n" in cell or "\r" in cell for cell in cells):
        return True
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - 65536, 0))
        end = handle.read()
    return not end.endswith((b"\n", b"\r")) and b'"' in end.rsplit(b"\n", 1)[-1]


def convert_batch(plan: Plan, batch: pa.RecordBatch, first_line: int) -> ColumnBatch:
    """Every field converted for the whole batch, or NeedsRows."""
    try:
        columns = {fp.spec.name: _column(plan, fp, batch) for fp in plan.fields}
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, CellError) as exc:
        raise NeedsRows(str(exc)) from exc
    return ColumnBatch(columns, _digests(columns, batch.num_rows), first_line, batch)


def _column(plan: Plan, fp: FieldPlan, batch: pa.RecordBatch) -> pa.Array:
    if fp.column is None:  # a constant from the mapping, converted once by the row rule
        value = None if is_empty(fp.rule.value) else converter_for(fp.spec, zone=plan.zone)(fp.rule.value)
        if value is None and fp.spec.required:
            raise NeedsRows(f"{fp.spec.name} is empty on every row")
        return pa.array([value] * batch.num_rows)
    values = trimmed(batch.column(fp.column))
    if fp.spec.required and values.null_count:
        raise NeedsRows(f"{fp.spec.name} is empty on some rows")
    return convert_column(values, fp.spec, plan.zone)


def _digests(columns: dict[str, pa.Array], size: int) -> list[str]:
    """Each row's hash, from the same canonical text as `rows.canonical` produces."""
    parts = []
    for values in columns.values():
        if pa.types.is_timestamp(values.type):
            iso = pc.replace_substring(stored_text(values), " ", "T", max_replacements=1)
            values = pc.binary_join_element_wise(iso, "Z", "")
        parts.append(pc.fill_null(pc.cast(values, pa.string()), "\x00"))
    if not parts:
        return [hashlib.md5(b"", usedforsecurity=False).hexdigest()[:16]] * size
    # md5 in DuckDB: no Python per row (the writer thread keeps the interpreter meanwhile)
    joined = pa.table({"text": pc.binary_join_element_wise(*parts, "\x1f")})
    with _HASHING:
        connection = _duckdb()
        connection.register("batch_rows", joined)
        try:
            hashed = connection.sql("SELECT substr(md5(text), 1, 16) FROM batch_rows").to_arrow_table()
        finally:
            connection.unregister("batch_rows")
    return hashed.column(0).to_pylist()  # type: ignore[no-any-return]


_HASHING = threading.Lock()  # one in-memory DuckDB for the process, used by one thread at a time
_CONNECTION: list[duckdb.DuckDBPyConnection] = []


def _duckdb() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB connection (opening one costs about 15 ms: once, not per import)."""
    if not _CONNECTION:
        import duckdb  # here: commands that hash no rows (most of them) do not load it

        _CONNECTION.append(duckdb.connect(config={"threads": 1}))  # hashing keeps ahead of the writer on one core
    return _CONNECTION[0]


def stored_text(instants: pa.Array) -> pa.Array:
    """UTC instants as `YYYY-MM-DD HH:MM:SS.ffffff` text: the form SQLAlchemy stores on SQLite, and with the
    space as `T`, the form `rows.canonical` hashes (a cast, many times faster than `strftime`)."""
    return pc.cast(pc.cast(instants, pa.timestamp("us")), pa.string())

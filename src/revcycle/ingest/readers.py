"""Streaming readers for CSV and JSON Lines: one row at a time, with its line number and byte position."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from revcycle.errors import ImportFileError

__all__ = ["RawRow", "SourceFile", "open_source"]

csv.field_size_limit(10_000_000)


@dataclass(frozen=True)
class RawRow:
    """One row as read: its line, its cells by column name, or the reason it could not be read."""

    line: int
    cells: dict[str, Any] | None
    problem: str | None = None


class SourceFile:
    """An open import file: its header (None for JSON Lines) and its rows."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.format = fmt
        self.size = path.stat().st_size
        self._binary: BinaryIO = path.open("rb")
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
        self.header: list[str] | None = self._read_header() if fmt == "csv" else None

    @property
    def position(self) -> int:
        """Bytes read so far (for the progress bar)."""
        return self._binary.tell()

    def close(self) -> None:
        """Release the file."""
        self._text.close()

    def _read_header(self) -> list[str]:
        self._reader = csv.reader(self._text)
        try:
            header = next(self._reader)
        except StopIteration:
            raise ImportFileError(f"{self.path}: the file is empty (a CSV needs a header row)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFileError(f"{self.path}: line 1: cannot read the header: {exc}") from None
        header = [name.strip() for name in header]
        duplicated = sorted({name for name in header if header.count(name) > 1})
        if duplicated:
            raise ImportFileError(f"{self.path}: line 1: column(s) {', '.join(duplicated)} appear twice")
        return header

    def rows(self) -> Iterator[RawRow]:
        """Every row in file order; unreadable rows come back with their problem instead of cells."""
        return self._csv_rows() if self.format == "csv" else self._json_rows()

    def _csv_rows(self) -> Iterator[RawRow]:
        header = self.header or []
        width = len(header)
        line = 1
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield RawRow(self._reader.line_num, None, f"malformed CSV: {exc}")
                return  # the reader cannot resynchronise after a broken quote
            line = self._reader.line_num
            if not cells:
                continue
            if len(cells) != width:
                yield RawRow(line, None, f"has {len(cells)} cells, the header has {width}")
                continue
            yield RawRow(line, {name: value for name, value in zip(header, cells, strict=True) if value != ""})

    def _json_rows(self) -> Iterator[RawRow]:
        try:
            for line, text in enumerate(self._text, start=1):
                if not text.strip():
                    continue
                try:
                    value = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield RawRow(line, None, f"malformed JSON: {exc.msg} at column {exc.colno}")
                    continue
                if not isinstance(value, dict):
                    yield RawRow(line, None, "a JSON Lines row must be an object")
                    continue
                yield RawRow(line, {k: v for k, v in value.items() if v is not None and v != ""})
        except UnicodeDecodeError as exc:
            yield RawRow(-1, None, f"not UTF-8: {exc}")


def open_source(path: Path, fmt: str | None) -> SourceFile:
    """Open an import file, its format given or taken from its extension."""
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    fmt = fmt or {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}.get(path.suffix.lower())
    if fmt not in ("csv", "jsonl"):
        raise ImportFileError(f"{path}: unknown format (use .csv or .jsonl, or --format csv|jsonl)")
    return SourceFile(path, fmt)

"""Streaming readers for CSV and JSON Lines: one row at a time, with its line number and byte position."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from revcycle.errors import ImportFileError

__all__ = ["RawRow", "SourceFile", "check_encoding", "open_source"]

csv.field_size_limit(10_000_000)


@dataclass(frozen=True)
class RawRow:
    """One row as read: its line, its cells by column name, or the reason it could not be read."""

    line: int
    cells: dict[str, Any] | None
    problem: str | None = None


class SourceFile:
    """An open import file: its header (None for JSON Lines) and its rows."""

    def __init__(self, path: Path, fmt: str, encoding: str = "utf-8") -> None:
        self.path = path
        self.format = fmt
        self.encoding = check_encoding(encoding)
        self.size = path.stat().st_size
        self._binary: BinaryIO = path.open("rb")
        self._text = io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")
        try:
            self.header: list[str] | None = self._read_header() if fmt == "csv" else None
        except BaseException:
            self.close()  # a refused file is not left open
            raise

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
        except UnicodeDecodeError:
            raise self._undecodable() from None
        except csv.Error as exc:
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
        last: tuple[int, list[str]] | None = None  # held back one row: the last may hold an unclosed quote
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                break
            except UnicodeDecodeError:
                raise self._undecodable() from None
            except csv.Error as exc:
                yield RawRow(self._reader.line_num, None, f"malformed CSV: {exc}")
                return  # the reader cannot resynchronise after a broken quote
            start, line = line + 1, self._reader.line_num
            if not cells:
                continue
            if last is not None:
                yield self._row(*last, header, width)
            last = (start, cells)
        if last is not None:
            opened = self._unclosed_quote(*last)
            if opened is not None:
                yield RawRow(opened, None, unclosed_quote(opened))
                return
            yield self._row(*last, header, width)

    @staticmethod
    def _row(line: int, cells: list[str], header: list[str], width: int) -> RawRow:
        if len(cells) != width:
            return RawRow(line, None, f"has {len(cells)} cells, the header has {width}")
        return RawRow(line, {name: value for name, value in zip(header, cells, strict=True) if value != ""})

    def _unclosed_quote(self, start: int, cells: list[str]) -> int | None:
        """The line a never-closed quote opened on, if the file's last row (from line `start`) has one: Python's
        reader, like Arrow's, then takes the rest of the file as one cell without a word."""
        if not any("\n" in cell or "\r" in cell for cell in cells) and not self._open_last_line():
            return None  # a quote left open at the end of a line keeps that line break in its cell
        return last_open_quote(self.path, self.encoding, start)

    def _open_last_line(self) -> bool:
        """Whether the file's last line has a quote and no line break after it (a quote open there keeps none)."""
        with self.path.open("rb") as handle:
            handle.seek(max(self.size - 65536, 0))
            end = handle.read()
        return not end.endswith((b"\n", b"\r")) and b'"' in end.rsplit(b"\n", 1)[-1]

    def _undecodable(self) -> ImportFileError:
        """The first byte the file's encoding cannot read, by line and offset, as the error to raise."""
        return undecodable(self.path, self.encoding)

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
        except UnicodeDecodeError:
            raise self._undecodable() from None


def open_source(path: Path, fmt: str | None, encoding: str | None = None) -> SourceFile:
    """Open an import file, its format given or taken from its extension, in `encoding` (default UTF-8)."""
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    fmt = fmt or {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}.get(path.suffix.lower())
    if fmt not in ("csv", "jsonl"):
        raise ImportFileError(f"{path}: unknown format (use .csv or .jsonl, or --format csv|jsonl)")
    return SourceFile(path, fmt, encoding or "utf-8")


def check_encoding(name: str) -> str:
    """The codec name to read a file with (UTF-8 skips a byte-order mark), or ImportFileError."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ImportFileError(f'unknown encoding "{name}" (e.g. utf-8, cp1252, latin-1, utf-16)') from None
    return "utf-8-sig" if codec in ("utf-8", "utf-8-sig") else codec


def undecodable(path: Path, encoding: str) -> ImportFileError:
    """The error for a file `encoding` cannot read, naming the first bad byte's line and offset."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                name = "UTF-8" if encoding == "utf-8-sig" else encoding
                return ImportFileError(
                    f"{path}: line {number} is not valid {name}: byte 0x{raw[exc.start]:02X} at offset {at} "
                    "(counted from 0 at the start of the file); if the file was saved in another encoding, "
                    "name it with --encoding (e.g. --encoding cp1252 for Excel on Windows, or --encoding latin-1)"
                )
            offset += len(raw)
    return ImportFileError(f"{path}: the file ends in the middle of a {encoding} character (offset {offset})")


def unclosed_quote(line: int) -> str:
    """The problem of a row whose quote is never closed."""
    return (
        f"unclosed quote: the quoted cell opened on line {line} is never closed, so the rest of the file would be "
        'one cell (close the quote; a quote inside a quoted cell is written twice: "")'
    )


def last_open_quote(path: Path, encoding: str, start: int) -> int | None:
    """The line of the quote still open at the end of the file, reading from line `start`, or None."""
    with path.open("rb") as handle:
        tail = b"".join(islice(handle, start - 1, None)).decode(encoding, errors="replace")
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return None
    else:
        return None
    opened, inside, line = None, False, start
    for char in tail:  # quotes pair up (a doubled quote is a pair): the one left unpaired opened the cell
        if char == '"':
            inside = not inside
            if inside:
                opened = line
        elif char == "\n":
            line += 1
    return opened if inside else start

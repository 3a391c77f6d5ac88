"""A finished report as CSV, JSON or tables: numbers formatted one way for every report; a table wider than the
terminal is split into several, each fitting its width and repeating the row's key columns."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
from rich.cells import cell_len
from rich.table import Table

from revcycle.analytics.reports.base import ReportResult

__all__ = ["FORMATS", "cells", "is_empty", "split_columns", "tables", "to_csv", "to_json"]

FORMATS = ("table", "csv", "json")
RATES = {
    "conversion",
    "of_cohort",
    "lead_to_opportunity",
    "lead_acceptance",
    "sourced_share",
    "influenced_share",
    "contacted_share",
    "roi",
    "conversion_share",
    "value_share",
    "win_rate",
}


def to_csv(result: ReportResult) -> str:
    """The report's rows as CSV (notes left out: use JSON to keep them with the numbers)."""
    return str(result.frame.to_csv(index=False))


def to_json(result: ReportResult) -> str:
    """The report, its engine, notes and rows as one JSON document (missing numbers are null)."""
    rows = json.loads(result.frame.to_json(orient="records", double_precision=15))
    document = {
        "report": result.slug,
        "title": result.title,
        "engine": result.engine,
        "notes": [note for note in result.notes if note],
        "rows": rows,
    }
    return json.dumps(document, indent=2)


def cells(frame: pd.DataFrame) -> list[list[str]]:
    """Every row as display strings: rates in percent, money and days with two decimals, counts with commas."""
    return [
        [_cell(column, value) for column, value in zip(frame.columns, row, strict=True)]
        for row in frame.itertuples(index=False)
    ]


def _cell(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | str):
        return str(value)
    if column in RATES:
        return f"{float(value):.1%}"
    if isinstance(value, int) or (hasattr(value, "is_integer") and column in INTEGERS):
        return f"{int(value):,}"
    return f"{float(value):,.2f}"


INTEGERS = {
    "people",
    "entries",
    "drop_off",
    "stays",
    "leads",
    "mqls",
    "accepted",
    "reached_opportunity",
    "opportunities",
    "won",
    "lost",
    "handoffs",
    "contacted",
    "customers",
    "touches",
    "n",
}


PADDING = 2  # a column of a box-less rich table takes one space either side of its widest cell
MAX_KEYS = 3  # at most this many leading text columns repeat in every part of a split table


def is_empty(frame: pd.DataFrame) -> bool:
    """No rows, or rows whose every number is 0 or missing (a funnel's steps with nobody on them): nobody and
    nothing in the period the report looked at. A row with any number (a campaign's spend) is not empty."""
    if frame.empty:
        return True
    numbers = frame.select_dtypes("number")
    counted = [column for column in numbers.columns if column in INTEGERS]
    return bool(counted) and not numbers.fillna(0).to_numpy().any()


def split_columns(headers: list[str], rows: list[list[str]], *, width: int) -> list[list[int]]:
    """The columns of each table a wide one is split into so that each fits `width`: the leading text columns
    (a row's key: group, stage ...) start every part; the others follow in order, as many as fit."""
    widths = [max([cell_len(h), *(cell_len(row[i]) for row in rows)]) + PADDING for i, h in enumerate(headers)]
    keys = _keys(rows, widths, width)
    parts: list[list[int]] = []
    current: list[int] = []
    used = sum(widths[i] for i in keys)
    for index in range(len(keys), len(headers)):
        if current and used + widths[index] > width:
            parts.append(keys + current)
            current, used = [], sum(widths[i] for i in keys)
        current.append(index)
        used += widths[index]
    return [*parts, keys + current] if current or not parts else parts


def _keys(rows: list[list[str]], widths: list[int], width: int) -> list[int]:
    """The leading columns holding text (not numbers), as many as leave half the width to the others."""
    keys: list[int] = []
    for index in range(min(MAX_KEYS, len(widths) - 1)):
        texts = [row[index] for row in rows if row[index]]
        if not texts or any(_numeric(text) for text in texts):
            break
        if sum(widths[i] for i in [*keys, index]) > width // 2:
            break
        keys.append(index)
    return keys


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace("%", "").replace(".", "", 1).lstrip("-").isdigit()


def tables(frame: pd.DataFrame, *, width: int) -> list[Table]:
    """The report's rows as tables that fit `width` without cutting a header or a cell (one when it fits).
    A single row of many columns becomes metric / value instead."""
    headers = [str(column) for column in frame.columns]
    rows = cells(frame)
    if len(rows) == 1 and len(headers) > 8:
        headers, rows = ["metric", "value"], [[header, value] for header, value in zip(headers, rows[0], strict=True)]
    out = []
    for part in split_columns(headers, rows, width=width):
        table = Table(box=None, header_style="bold")
        for index in part:
            numeric = any(_numeric(row[index]) for row in rows)
            table.add_column(headers[index], justify="right" if numeric else "left", overflow="fold")
        for row in rows:
            table.add_row(*(row[index] for index in part))
        out.append(table)
    return out

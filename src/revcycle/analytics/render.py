"""A finished report as CSV, JSON or table cells: numbers formatted one way for every report."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from revcycle.analytics.reports.base import ReportResult

__all__ = ["FORMATS", "cells", "to_csv", "to_json"]

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

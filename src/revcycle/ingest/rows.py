"""Turning raw rows into typed, hashed values following a plan (pure: no store, no clock)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from revcycle.ingest.fields import FieldSpec
from revcycle.ingest.mapping import ColumnRule, Plan
from revcycle.ingest.model import CellError, Converter, converter_for, is_empty, seniority_from_title, value_key
from revcycle.ingest.readers import RawRow

__all__ = ["Converted", "RowProblem", "canonical", "compile_plan", "row_digest"]


@dataclass
class Converted:
    """A row ready to write: typed values by field, free attributes, and a hash to detect changes."""

    line: int
    values: dict[str, Any]
    attributes: dict[str, Any] | None
    row_hash: str


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected (or, as a warning, what is odd about a kept row)."""

    line: int
    column: str | None
    message: str
    severity: str = "error"


def canonical(value: Any) -> str:
    """The text a value is hashed as; the columnar path (`columnar.py`) produces the same text."""
    if value is None:
        return "\x00"
    if isinstance(value, datetime):  # the year padded as Arrow prints it (`%Y` gives 999, not 0999)
        return f"{value.year:04d}{value:-%m-%dT%H:%M:%S.%f}Z"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def row_digest(values: Iterable[Any], extra: dict[str, Any] | None) -> str:
    """The hash that tells a changed row from an unchanged one on re-import."""
    text = "\x1f".join(canonical(value) for value in values)
    if extra:
        text += "\x1e" + repr(sorted(extra.items()))
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:16]  # as DuckDB's md5 (columnar.py)


def compile_plan(plan: Plan) -> Callable[[RawRow], Converted | RowProblem]:
    """A fast row converter for this plan (converters are built once, not per row)."""
    steps = [
        (
            fp.spec.name,
            fp.column,
            fp.rule.value,
            fp.rule.default,
            fp.rule.value_map(),
            fp.spec.required,
            _converter(fp.spec, fp.rule, plan),
        )
        for fp in plan.fields
    ]
    known = {fp.column for fp in plan.fields} | set(plan.attributes)
    attributes = plan.attributes

    def convert(raw: RawRow) -> Converted | RowProblem:
        if raw.cells is None:
            return RowProblem(raw.line, None, raw.problem or "unreadable row")
        cells = raw.cells
        if plan.strict and plan.columns_seen == ():
            unknown = sorted(str(key) for key in cells if key not in known)
            if unknown:
                return RowProblem(raw.line, unknown[0], f"unknown field(s) {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, column, constant, default, mapped, required, conv in steps:
            value = cells.get(column) if column is not None else constant
            if is_empty(value):  # a cell of spaces is as empty as an empty one: the default, or nothing
                value = default
            if mapped is not None and value is not None:  # matched trimmed and in any case: " Lead " is lead
                value = mapped.get(value_key(value), value)
            if is_empty(value):
                if required:
                    return RowProblem(raw.line, column or name, f"{name} is required but empty")
                values[name] = None
                continue
            try:
                values[name] = conv(value)
            except CellError as exc:
                return RowProblem(raw.line, column or name, f"{name}: {exc}")
        extra = {column: cells[column] for column in attributes if column in cells} or None
        return Converted(raw.line, values, extra, row_digest(values.values(), extra))

    return convert


def _converter(spec: FieldSpec, rule: ColumnRule, plan: Plan) -> Converter:
    """The field's converter, or the rule that derives it from another column's text."""
    if rule.derive == "seniority_from_title":
        return seniority_from_title
    return converter_for(spec, zone=plan.zone, date_format=rule.format)

"""The row rules of `model.py`, applied to a whole Arrow column at once, for the columnar path.

A field type's conversion is defined once, by its row rule. Each entry of `VECTOR_RULES` reproduces that
rule on the cells it can treat identically in Arrow (plain ASCII text, the usual ISO 8601 forms) and hands
every other cell to the row rule itself, so both paths store the same value for the same cell. A cell the
row rule rejects raises `NeedsRows`: the batch then goes the row path, which names the row.
`tests/ingest/test_vector_rules.py` holds each entry equal to its row rule on random cells.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, tzinfo

import pyarrow as pa
import pyarrow.compute as pc

from revcycle.ingest.fields import FieldSpec
from revcycle.ingest.model import EMAIL_FORM, WHITESPACE, CellError, Converter, converter_for

__all__ = ["AWARE_FORM", "LOCAL_FORM", "VECTOR_RULES", "NeedsRows", "convert_column", "trimmed"]

# The timestamps Arrow parses as `datetime.fromisoformat` does (held equal by a test): years 1000-9998
# (Arrow takes year 0 and instants past 9999, Python neither), seconds and up to 6 decimals optional.
_STAMP = r"^(?:1\d|[2-8]\d|9[0-8])\d\d-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?"
AWARE_FORM = _STAMP + r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)$"
LOCAL_FORM = _STAMP + "$"
_HOUR = timedelta(hours=1)
_US = timedelta(microseconds=1)


class NeedsRows(Exception):
    """This batch needs the row-by-row path (it has a value the columnar rules do not accept)."""


VectorRule = Callable[[pa.Array, FieldSpec, tzinfo | None], pa.Array]


def trimmed(values: pa.Array) -> pa.Array:
    """Cells as the row path sees them: trimmed as `str.strip` trims, null where nothing is left."""
    values = pc.utf8_trim(values, characters=WHITESPACE)
    blank = pc.equal(values, "")
    if pc.any(blank).as_py():
        values = pc.if_else(blank, pa.scalar(None, pa.string()), values)
    return values


def convert_column(values: pa.Array, spec: FieldSpec, zone: tzinfo | None) -> pa.Array:
    """A trimmed column converted by its type's rule (NeedsRows for a cell the row rule rejects)."""
    return VECTOR_RULES[spec.type](values, spec, zone)


def _by_row_rule(values: pa.Array, result: pa.Array, mask: pa.Array, convert: Converter) -> pa.Array:
    """`result` with the cells under `mask` converted by the row rule, one by one."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return result
    try:
        converted = [convert(cell) for cell in pc.filter(values, mask).to_pylist()]
    except CellError as exc:
        raise NeedsRows(str(exc)) from exc
    return pc.replace_with_mask(result, mask, pa.array(converted, result.type))


def _text(values: pa.Array, spec: FieldSpec, zone: tzinfo | None) -> pa.Array:
    return values  # `trimmed` is the whole text rule


def _lowered(values: pa.Array, spec: FieldSpec, zone: tzinfo | None, valid: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """ASCII cells lower-cased and checked in Arrow; other cells go to the row rule (Python's `str.lower`
    differs from Arrow's on some letters: final sigma, dotted capital I)."""
    ascii_ = pc.fill_null(pc.string_is_ascii(values), True)
    lowered = pc.ascii_lower(values)
    ok = pc.or_(pc.or_(pc.invert(ascii_), pc.is_null(values)), pc.fill_null(valid(lowered), False))
    if not pc.all(ok).as_py():
        raise NeedsRows(f"{spec.name} has values outside its rule")
    return _by_row_rule(values, lowered, pc.invert(ascii_), converter_for(spec, zone=zone))


def _email(values: pa.Array, spec: FieldSpec, zone: tzinfo | None) -> pa.Array:
    return _lowered(values, spec, zone, lambda low: pc.match_substring_regex(low, EMAIL_FORM))


def _choice(values: pa.Array, spec: FieldSpec, zone: tzinfo | None) -> pa.Array:
    choices = pa.array(spec.choices, pa.string())
    return _lowered(values, spec, zone, lambda low: pc.is_in(low, value_set=choices))


def _timestamp(values: pa.Array, spec: FieldSpec, zone: tzinfo | None) -> pa.Array:
    """Instants with an offset cast by Arrow; local times made UTC with the zone's offsets (from zoneinfo,
    as the row rule); any other cell, and a local time in an hour whose offset changes, by the row rule."""
    none = pa.scalar(None, pa.string())
    aware = pc.fill_null(pc.match_substring_regex(values, AWARE_FORM), False)
    result = pc.cast(pc.if_else(aware, values, none), pa.timestamp("us", "UTC"))
    rest = pc.and_(pc.is_valid(values), pc.invert(aware))
    if zone is not None and pc.any(rest).as_py():
        local = pc.and_(rest, pc.fill_null(pc.match_substring_regex(values, LOCAL_FORM), False))
        utc, changing = _from_local(pc.cast(pc.if_else(local, values, none), pa.timestamp("us")), zone)
        result = pc.if_else(local, utc, result)
        rest = pc.or_(pc.and_(rest, pc.invert(local)), changing)
    return _by_row_rule(values, result, rest, converter_for(spec, zone=zone))


def _from_local(naive: pa.Array, zone: tzinfo) -> tuple[pa.Array, pa.Array]:
    """Local times as UTC instants, `t - zone.utcoffset(t)` with fold=0 as the row rule does: the offset is
    looked up once per distinct hour; an hour whose offset differs at its first and last microsecond (a gap,
    a 30-minute change) is left null and marked for the row rule (no zone changes offset twice in an hour)."""
    hours = pc.floor_temporal(naive, unit="hour")
    distinct = pc.unique(hours)
    offsets = []
    for hour in distinct.to_pylist():
        first = zone.utcoffset(hour) if hour is not None else None
        steady = first is not None and first == zone.utcoffset(hour + _HOUR - _US)
        offsets.append(first // _US if steady and first is not None else None)
    offset = pc.take(pa.array(offsets, pa.int64()), pc.index_in(hours, value_set=distinct))
    utc = pc.cast(pc.subtract(pc.cast(naive, pa.int64()), offset), pa.timestamp("us", "UTC"))
    return utc, pc.and_(pc.is_valid(naive), pc.is_null(offset))


VECTOR_RULES: dict[str, VectorRule] = {
    "text": _text,
    "email": _email,
    "choice": _choice,
    "timestamp": _timestamp,
}

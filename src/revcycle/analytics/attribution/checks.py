"""Validation of journey columns, each failure naming the first journey (row) at fault."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.analytics.attribution.errors import AttributionError

__all__ = ["Columns", "checked_columns"]


@dataclass(frozen=True, eq=False)
class Columns:
    """Validated journey columns, with channels sorted and codes renumbered to match."""

    channels: tuple[str, ...]
    codes: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]
    conversions: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    nulls: npt.NDArray[np.float64]
    seconds: npt.NDArray[np.float64]
    lead_index: npt.NDArray[np.int64]
    opportunity_index: npt.NDArray[np.int64]


def checked_columns(
    channels: Sequence[str],
    codes: npt.ArrayLike,
    offsets: npt.ArrayLike,
    conversions: npt.ArrayLike,
    values: npt.ArrayLike,
    nulls: npt.ArrayLike,
    seconds: npt.ArrayLike | None,
    lead_index: npt.ArrayLike | None,
    opportunity_index: npt.ArrayLike | None,
) -> Columns:
    """Check every column and return them as arrays of the right dtype."""
    names = _checked_channels(channels)
    offs = _checked_offsets(np.asarray(offsets, np.int64))
    n_journeys, n_touches = len(offs) - 1, int(offs[-1])
    raw_codes = _ints(codes, n_touches, "codes")
    if raw_codes.size and (raw_codes.min() < 0 or raw_codes.max() >= len(names)):
        raise AttributionError(f"codes must lie in 0..{len(names) - 1} (one per channel name)")
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    renumber = np.empty(len(names), np.int64)
    renumber[order] = np.arange(len(names))
    conv = _floats(conversions, n_journeys, "conversions")
    val = _floats(values, n_journeys, "values")
    null = _floats(nulls, n_journeys, "nulls")
    _check_counts(conv, val, null)
    secs = _floats(seconds, n_touches, "seconds", missing=np.nan)
    _check_seconds(secs, offs)
    lead = _ints(lead_index, n_journeys, "lead_index", missing=-1)
    opp = _ints(opportunity_index, n_journeys, "opportunity_index", missing=-1)
    _check_milestones(lead, opp, np.diff(offs))
    return Columns(tuple(sorted(names)), renumber[raw_codes], offs, conv, val, null, secs, lead, opp)


def _checked_channels(channels: Sequence[str]) -> list[str]:
    names = list(channels)
    for position, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise AttributionError(f"channel name {position} must be a non-empty string, got {name!r}")
    if len(set(names)) != len(names):
        raise AttributionError("channel names must be distinct")
    return names


def _checked_offsets(offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    if offsets.ndim != 1 or len(offsets) < 2:
        raise AttributionError("no journeys to attribute")
    if offsets[0] != 0:
        raise AttributionError("offsets must start at 0")
    empty = np.flatnonzero(np.diff(offsets) <= 0)
    if empty.size:
        raise AttributionError(f"journey {int(empty[0])} has no touch: every journey needs at least one")
    return offsets


def _floats(
    column: npt.ArrayLike | None, size: int, name: str, missing: float | None = None
) -> npt.NDArray[np.float64]:
    if column is None and missing is not None:
        return np.full(size, missing, np.float64)
    array = np.asarray(column, np.float64)
    _check_shape(array.shape, size, name)
    return array


def _ints(column: npt.ArrayLike | None, size: int, name: str, missing: int | None = None) -> npt.NDArray[np.int64]:
    if column is None and missing is not None:
        return np.full(size, missing, np.int64)
    array = np.asarray(column, np.int64)
    _check_shape(array.shape, size, name)
    return array


def _check_shape(shape: tuple[int, ...], size: int, name: str) -> None:
    if shape != (size,):
        raise AttributionError(f"{name} must have {size} entries, got shape {shape}")


def _first(bad: npt.NDArray[np.bool_]) -> int | None:
    rows = np.flatnonzero(bad)
    return int(rows[0]) if rows.size else None


def _check_counts(
    conversions: npt.NDArray[np.float64], values: npt.NDArray[np.float64], nulls: npt.NDArray[np.float64]
) -> None:
    for name, column in (("conversions", conversions), ("nulls", nulls)):
        row = _first(~np.isfinite(column) | (column < 0))
        if row is not None:
            raise AttributionError(f"journey {row}: {name} must be finite and >= 0, got {column[row]!r}")
    row = _first(~np.isfinite(values))
    if row is not None:
        raise AttributionError(f"journey {row}: value must be finite, got {values[row]!r}")
    row = _first((conversions == 0) & (values != 0))
    if row is not None:
        raise AttributionError(f"journey {row}: value must be 0 when conversions is 0")


def _check_seconds(seconds: npt.NDArray[np.float64], offsets: npt.NDArray[np.int64]) -> None:
    journey = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    row = _first((seconds < 0) | np.isinf(seconds))
    if row is not None:
        raise AttributionError(f"journey {int(journey[row])}: seconds must be finite and >= 0")
    rises = np.zeros(len(seconds), bool)
    rises[1:] = (seconds[1:] > seconds[:-1]) & (journey[1:] == journey[:-1])
    row = _first(rises)
    if row is not None:
        raise AttributionError(
            f"journey {int(journey[row])}: seconds before conversion must not increase (touches oldest first)"
        )


def _check_milestones(
    lead: npt.NDArray[np.int64], opportunity: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64]
) -> None:
    for name, index in (("lead_index", lead), ("opportunity_index", opportunity)):
        row = _first((index < -1) | (index >= lengths))
        if row is not None:
            raise AttributionError(f"journey {row}: {name} {int(index[row])} is not a touch of the journey")
    row = _first((lead >= 0) & (opportunity >= 0) & (lead > opportunity))
    if row is not None:
        raise AttributionError(f"journey {row}: the lead-creation touch comes after the opportunity touch")

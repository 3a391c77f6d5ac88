"""The conventions applied to validated columns: collapse repeated channels, drop non-converting counts."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from revcycle.analytics.attribution.checks import Columns
from revcycle.analytics.attribution.journeys import Conventions

__all__ = ["shaped"]


def shaped(columns: Columns, conventions: Conventions) -> Columns:
    """Apply the conventions; lead and opportunity indices follow their touch into the collapsed path."""
    if not conventions.include_non_converting:
        columns = dataclasses.replace(columns, nulls=np.zeros_like(columns.nulls))
    return _collapsed(columns) if conventions.collapse_repeats else columns


def _collapsed(columns: Columns) -> Columns:
    """Keep one touch per run of the same channel: the run's latest, so time decay sees its freshest time."""
    codes, offsets = columns.codes, columns.offsets
    lengths = np.diff(offsets)
    journey = np.repeat(np.arange(len(lengths)), lengths)
    first = _marks(len(codes), offsets[:-1])
    last = _marks(len(codes), offsets[1:] - 1)
    run_starts = first.copy()
    run_starts[1:] |= codes[1:] != codes[:-1]
    run_ends = last.copy()
    run_ends[:-1] |= codes[:-1] != codes[1:]
    run_number = np.cumsum(run_starts) - 1
    run_in_journey = run_number - run_number[offsets[:-1]][journey]
    kept_per_journey = np.bincount(journey[run_ends], minlength=len(lengths))
    return dataclasses.replace(
        columns,
        codes=codes[run_ends],
        seconds=columns.seconds[run_ends],
        offsets=np.concatenate([[0], np.cumsum(kept_per_journey)]).astype(np.int64),
        lead_index=_followed(columns.lead_index, offsets, run_in_journey),
        opportunity_index=_followed(columns.opportunity_index, offsets, run_in_journey),
    )


def _marks(size: int, where: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    marks = np.zeros(size, bool)
    marks[where] = True
    return marks


def _followed(
    index: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], run_in_journey: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Map a touch index of the raw path to the index of its run in the collapsed path (-1 stays -1)."""
    known = index >= 0
    followed = np.full_like(index, -1)
    followed[known] = run_in_journey[offsets[:-1][known] + index[known]]
    return followed

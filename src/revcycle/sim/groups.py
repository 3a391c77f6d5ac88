"""Vectorised helpers over rows grouped by an owner (sessions of a person, touches of a session).

Rows are always stored contiguously per group, in group order, so each helper is a few numpy calls.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["expand", "first_where", "rank_within", "running_sum"]

Ints = npt.NDArray[np.int64]


def expand(counts: Ints) -> tuple[Ints, Ints]:
    """For groups of `counts` rows: each row's group and its rank (0, 1, ...) inside the group."""
    group = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return group, rank_within(counts)


def rank_within(counts: Ints) -> Ints:
    """Each row's position inside its group, for groups of `counts` consecutive rows."""
    starts = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)


def running_sum(values: npt.NDArray[np.float64] | Ints, rank: Ints) -> npt.NDArray[np.float64]:
    """The cumulative sum of `values` restarting at every row whose rank is 0."""
    total = np.cumsum(values, dtype=np.float64)
    first = np.flatnonzero(rank == 0)
    offsets = total[first] - np.asarray(values, dtype=np.float64)[first]
    return np.asarray(total - np.repeat(offsets, np.diff(np.append(first, len(values)))), dtype=np.float64)


def first_where(mask: npt.NDArray[np.bool_], group: Ints, groups: int) -> Ints:
    """For each group, the index of its first row where `mask` holds, or -1 (rows sorted by group)."""
    hits = np.flatnonzero(mask)
    owners = group[hits]
    first = np.ones(len(hits), dtype=np.bool_)
    first[1:] = owners[1:] != owners[:-1]
    out = np.full(groups, -1, dtype=np.int64)
    out[owners[first]] = hits[first]
    return out

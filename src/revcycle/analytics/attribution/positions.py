"""Rule-based models that give each touch a weight from its position in the journey."""

from __future__ import annotations

import math

import numpy as np

from revcycle.analytics.attribution.errors import AttributionError
from revcycle.analytics.attribution.result import Attribution
from revcycle.analytics.attribution.spread import touch_shares
from revcycle.analytics.attribution.table import FloatArray, IntArray, JourneyTable

__all__ = [
    "first_touch",
    "last_non_direct_touch",
    "last_touch",
    "lead_creation_touch",
    "linear",
    "position_weights",
    "required_milestone",
    "u_shaped",
]


def first_touch(table: JourneyTable) -> Attribution:
    """All credit to the journey's first touch."""
    return _single(table, "first_touch", np.zeros(table.n_journeys, np.int64))


def last_touch(table: JourneyTable) -> Attribution:
    """All credit to the journey's last touch."""
    return _single(table, "last_touch", table.lengths - 1)


def lead_creation_touch(table: JourneyTable) -> Attribution:
    """All credit to the touch that created the lead (``lead_index``, required on converting journeys)."""
    return _single(table, "lead_creation", required_milestone(table, table.lead_index, "lead_index"))


def last_non_direct_touch(table: JourneyTable) -> Attribution:
    """All credit to the last touch that is not the direct channel; to direct when it is the only channel."""
    direct = table.code_of(table.conventions.direct_channel)
    non_direct = table.codes != direct if direct is not None else np.ones(len(table.codes), bool)
    candidate = np.where(non_direct, table.position, -1)
    chosen = np.maximum.reduceat(candidate, table.offsets[:-1])
    return _single(table, "last_non_direct", np.where(chosen >= 0, chosen, table.lengths - 1))


def linear(table: JourneyTable) -> Attribution:
    """Equal credit to every touch (a channel touched twice gets two shares)."""
    return Attribution.of(table, "linear", touch_shares(table, np.ones(len(table.codes))))


def position_weights(table: JourneyTable, first: float, middle: float, last: float) -> Attribution:
    """Custom position weights: ``first`` and ``last`` to the ends, ``middle`` split over the touches between.

    The three must be >= 0 and sum to 1. One touch gets 100%; two touches split first:last in proportion
    (equally if both are 0).
    """
    _check_position_weights(first, middle, last)
    weights = _position_weights(table, first, middle, last)
    parameters = {"first": first, "middle": middle, "last": last}
    return Attribution.of(table, "position_weights", touch_shares(table, weights), parameters)


def u_shaped(table: JourneyTable) -> Attribution:
    """40% first, 40% last, 20% over the middle; one touch 100%, two touches 50/50."""
    return Attribution.of(table, "u_shaped", touch_shares(table, _position_weights(table, 0.4, 0.2, 0.4)))


def required_milestone(table: JourneyTable, index: IntArray, name: str) -> IntArray:
    """The milestone index per journey; an error names the first converting journey without one."""
    missing = np.flatnonzero((index < 0) & (table.conversions > 0))
    if missing.size:
        raise AttributionError(f"journey {int(missing[0])} converted but has no {name}")
    return np.where(index >= 0, index, 0)


def _single(table: JourneyTable, model: str, chosen: IntArray) -> Attribution:
    weights = (table.position == chosen[table.journey_of_touch]).astype(np.float64)
    return Attribution.of(table, model, touch_shares(table, weights))


def _position_weights(table: JourneyTable, first: float, middle: float, last: float) -> FloatArray:
    length = table.lengths[table.journey_of_touch]
    position = table.position
    ends = first + last
    two = np.where(position == 0, first / ends, last / ends) if ends > 0 else np.full(len(position), 0.5)
    inner = middle / np.maximum(length - 2, 1)
    many = np.where(position == 0, first, np.where(position == length - 1, last, inner))
    return np.asarray(np.where(length == 1, 1.0, np.where(length == 2, two, many)), np.float64)


def _check_position_weights(first: float, middle: float, last: float) -> None:
    for name, weight in (("first", first), ("middle", middle), ("last", last)):
        if not math.isfinite(weight) or weight < 0:
            raise AttributionError(f"position weight {name} must be finite and >= 0, got {weight!r}")
    if not math.isclose(first + middle + last, 1.0, abs_tol=1e-9):
        raise AttributionError(f"position weights must sum to 1, got {first + middle + last!r}")

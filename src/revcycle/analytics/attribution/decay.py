"""Time decay: a touch's weight halves with every half-life between it and the conversion."""

from __future__ import annotations

import math

import numpy as np

from revcycle.analytics.attribution.errors import AttributionError
from revcycle.analytics.attribution.result import Attribution
from revcycle.analytics.attribution.spread import touch_shares
from revcycle.analytics.attribution.table import JourneyTable

__all__ = ["time_decay"]

SECONDS_PER_DAY = 86_400.0


def time_decay(table: JourneyTable, half_life_days: float = 7.0) -> Attribution:
    """Weight each touch by 2^(-seconds_before / half-life), scaled so every journey sums to 1.

    Seconds are measured from each journey's latest touch before weighting, which leaves the shares
    unchanged (the factor cancels) and keeps very old journeys from underflowing to zero weight.
    """
    if not math.isfinite(half_life_days) or half_life_days <= 0:
        raise AttributionError(f"half_life_days must be > 0, got {half_life_days!r}")
    unknown = np.flatnonzero(np.isnan(table.seconds) & (table.conversions[table.journey_of_touch] > 0))
    if unknown.size:
        journey = int(table.journey_of_touch[unknown[0]])
        raise AttributionError(f"journey {journey} converted but has no seconds_before for time decay")
    seconds = np.nan_to_num(table.seconds, nan=0.0)
    latest = np.minimum.reduceat(seconds, table.offsets[:-1])
    age = seconds - latest[table.journey_of_touch]
    weights = np.exp2(-age / (half_life_days * SECONDS_PER_DAY))
    shares = touch_shares(table, weights)
    return Attribution.of(table, "time_decay", shares, {"half_life_days": half_life_days})

"""Turn touch weights or channel weights into each journey's split among channels (rows summing to 1)."""

from __future__ import annotations

import numpy as np

from revcycle.analytics.attribution.table import FloatArray, JourneyTable

__all__ = ["channel_shares", "touch_shares"]


def touch_shares(table: JourneyTable, weights: FloatArray) -> FloatArray:
    """Sum each touch's weight into its (journey, channel) cell, then scale every journey to 1."""
    cells = table.journey_of_touch * table.n_channels + table.codes
    size = table.n_journeys * table.n_channels
    sums = np.bincount(cells, weights=weights, minlength=size).reshape(table.n_journeys, table.n_channels)
    totals = sums.sum(axis=1, keepdims=True)
    return np.asarray(sums / totals, np.float64)


def channel_shares(table: JourneyTable, channel_weights: FloatArray) -> FloatArray:
    """Split each journey among the channels it touched in proportion to their weights.

    Negative weights count as 0; a journey whose channels all weigh 0 is split equally among them.
    """
    weighted = table.presence * np.maximum(channel_weights, 0.0)[None, :]
    totals = weighted.sum(axis=1, keepdims=True)
    equal = table.presence / table.presence.sum(axis=1, keepdims=True)
    safe = np.where(totals > 0, totals, 1.0)
    return np.asarray(np.where(totals > 0, weighted / safe, equal), np.float64)

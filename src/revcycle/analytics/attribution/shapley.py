"""Exact Shapley attribution over the channel sets (coalitions) that journeys use.

A journey's coalition is the set of channels it touched, all of them (no truncation).

``variant="conversions"`` (default): v(S) is the conversions (or dollars) of the journeys whose channel set is
a subset of S. v is a sum of unanimity games, one per coalition T weighted by its conversions conv(T), so
the Shapley value has the closed form phi_i = sum over T containing i of conv(T) / |T|: each journey's
conversions and value are split equally among its distinct channels. No enumeration is needed, so any
number of channels is fine; the tests check it against brute-force enumeration.

``variant="conversion_rate"`` (needs non-converting journeys): v(S) is conversions / (conversions + nulls)
over the journeys whose channel set is a subset of S (0 when there is none). The Shapley values, which sum
to the overall conversion rate, are computed by enumerating all 2^n coalitions of the n channels that carry
weight (n <= 20); each journey is then split among its channels in proportion to max(phi, 0).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from revcycle.analytics.attribution.errors import AttributionError
from revcycle.analytics.attribution.result import Attribution
from revcycle.analytics.attribution.spread import channel_shares
from revcycle.analytics.attribution.table import FloatArray, IntArray, JourneyTable

__all__ = ["MAX_ENUMERATED_CHANNELS", "VARIANTS", "shapley", "shapley_rate_values"]

MAX_ENUMERATED_CHANNELS = 20
VARIANTS = ("conversions", "conversion_rate")


def shapley(table: JourneyTable, variant: str = "conversions") -> Attribution:
    """Shapley credit per journey and channel; see the module docstring for the two games."""
    if variant not in VARIANTS:
        raise AttributionError(f"unknown Shapley variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    if variant == "conversions":
        shares = table.presence / table.presence.sum(axis=1, keepdims=True)
        phi = shares.T @ table.conversions
        measure = dict(zip(table.channels, phi.tolist(), strict=True))
    else:
        values = shapley_rate_values(table)
        shares = channel_shares(table, values)
        measure = dict(zip(table.channels, values.tolist(), strict=True))
    return Attribution.of(table, "shapley", shares, {"variant": variant}, {"shapley_value": measure})


def shapley_rate_values(table: JourneyTable) -> FloatArray:
    """Exact Shapley values of the conversion-rate game, one per channel (0 for channels with no weight)."""
    if not table.conventions.include_non_converting:
        raise AttributionError("the conversion_rate Shapley variant needs include_non_converting=True")
    weight = table.conversions + table.nulls
    players = np.flatnonzero((table.presence * weight[:, None]).sum(axis=0) > 0)
    if len(players) > MAX_ENUMERATED_CHANNELS:
        raise AttributionError(
            f"{len(players)} channels take part: exact enumeration of the conversion_rate game is limited "
            f"to {MAX_ENUMERATED_CHANNELS}; use variant='conversions', which has an exact closed form"
        )
    masks = (table.presence[:, players] > 0).astype(np.int64) @ (1 << np.arange(len(players), dtype=np.int64))
    game = _rate_game(masks, table.conversions, weight, len(players))
    values = np.zeros(table.n_channels)
    values[players] = _enumerated(game, len(players))
    return values


def _rate_game(masks: IntArray, conversions: FloatArray, weight: FloatArray, players: int) -> FloatArray:
    """v(S) for every coalition bitmask S: sums over subsets by the zeta transform, then the rate."""
    converted = _subset_sums(np.bincount(masks, conversions, minlength=1 << players), players)
    total = _subset_sums(np.bincount(masks, weight, minlength=1 << players), players)
    return np.divide(converted, total, out=np.zeros_like(total), where=total > 0)


def _subset_sums(exact: npt.ArrayLike, players: int) -> FloatArray:
    sums = np.array(exact, np.float64)
    for bit in range(players):
        view = sums.reshape(-1, 2, 1 << bit)
        view[:, 1, :] += view[:, 0, :]
    return sums


def _enumerated(game: FloatArray, players: int) -> FloatArray:
    """phi_i = sum over S without i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))."""
    coalitions = np.arange(1 << players, dtype=np.int64)
    sizes = sum(((coalitions >> bit) & 1 for bit in range(players)), np.zeros_like(coalitions))
    factorial = math.factorial
    weights = np.array(
        [factorial(s) * factorial(players - s - 1) / factorial(players) for s in range(players)], np.float64
    )
    phi = np.zeros(players)
    for player in range(players):
        without = coalitions[(coalitions >> player) & 1 == 0]
        gain = game[without | (1 << player)] - game[without]
        phi[player] = float(weights[sizes[without]] @ gain)
    return phi

"""Independent, deliberately plain re-implementations of the models, one journey at a time, with pandas.

They share no code with revcycle.analytics.attribution: loops over Python lists, pandas for the sums,
matrix powers instead of linear solves, ChannelAttribution's state convention for Markov.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from revcycle.analytics.attribution import Journey

__all__ = [
    "brute_force_shapley",
    "collapse",
    "markov_removal_effects",
    "reference_credits",
    "touch_weights",
]

Weights = Callable[[Journey], list[float]]


def collapse(journey: Journey) -> Journey:
    """Merge consecutive repeats, keeping each run's latest touch, and move the milestones along."""
    runs: list[int] = []  # the run each touch belongs to
    keep: list[int] = []  # the latest touch of each run
    for i, channel in enumerate(journey.channels):
        if i > 0 and journey.channels[i - 1] == channel:
            runs.append(runs[-1])
            keep[-1] = i
        else:
            runs.append(len(keep))
            keep.append(i)
    return Journey(
        tuple(journey.channels[i] for i in keep),
        tuple(journey.seconds_before[i] for i in keep) if journey.seconds_before else (),
        journey.conversions,
        journey.value,
        journey.nulls,
        None if journey.lead_index is None else runs[journey.lead_index],
        None if journey.opportunity_index is None else runs[journey.opportunity_index],
    )


def _milestones(n: int, marks: list[int], each: float, rest: float) -> list[float]:
    weights = [0.0] * n
    for mark in marks:
        weights[mark] += each
    distinct = sorted(set(marks))
    others = [i for i in range(n) if i not in distinct]
    for i in others or distinct:
        weights[i] += rest / len(others or distinct)
    return weights


def _positional(n: int, first: float, middle: float, last: float) -> list[float]:
    if n == 1:
        return [1.0]
    if n == 2:
        ends = first + last
        return [first / ends, last / ends] if ends else [0.5, 0.5]
    return [first] + [middle / (n - 2)] * (n - 2) + [last]


def _last_non_direct(journey: Journey, direct: str) -> list[float]:
    chosen = len(journey.channels) - 1
    for i, channel in enumerate(journey.channels):
        if channel != direct:
            chosen = i
    return [1.0 if i == chosen else 0.0 for i in range(len(journey.channels))]


def _one_hot(n: int, k: int) -> list[float]:
    return [1.0 if i == k else 0.0 for i in range(n)]


def touch_weights(model: str, direct: str = "direct", **parameters: float) -> Weights:
    """Per-touch weights of a rule-based model, written straight from its definition."""
    rules: dict[str, Weights] = {
        "first_touch": lambda j: _one_hot(len(j.channels), 0),
        "last_touch": lambda j: _one_hot(len(j.channels), len(j.channels) - 1),
        "lead_creation": lambda j: _one_hot(len(j.channels), j.lead_index or 0),
        "last_non_direct": lambda j: _last_non_direct(j, direct),
        "linear": lambda j: [1.0] * len(j.channels),
        "u_shaped": lambda j: _positional(len(j.channels), 0.4, 0.2, 0.4),
        "position_weights": lambda j: _positional(
            len(j.channels), parameters["first"], parameters["middle"], parameters["last"]
        ),
        "w_shaped": lambda j: _milestones(len(j.channels), [0, j.lead_index or 0, j.opportunity_index or 0], 0.3, 0.1),
        "full_path": lambda j: _milestones(
            len(j.channels),
            [0, j.lead_index or 0, j.opportunity_index or 0, len(j.channels) - 1],
            0.225,
            0.1,
        ),
        "time_decay": lambda j: [
            0.5 ** ((s - min(j.seconds_before)) / (parameters["half_life_days"] * 86_400.0)) for s in j.seconds_before
        ],
    }
    return rules[model]


def reference_credits(journeys: Sequence[Journey], shares_of: Callable[[Journey], dict[str, float]]) -> pd.DataFrame:
    """Conversions and value credited per (journey, channel), from a per-journey share function."""
    rows = [
        {
            "journey": j,
            "channel": channel,
            "conversions": share * journey.conversions,
            "value": share * journey.value,
        }
        for j, journey in enumerate(journeys)
        for channel, share in shares_of(journey).items()
    ]
    return pd.DataFrame(rows).groupby(["journey", "channel"], as_index=False)[["conversions", "value"]].sum()


def shares_from_weights(journey: Journey, weights: list[float]) -> dict[str, float]:
    """Normalise touch weights and add them up by channel."""
    total = sum(weights)
    shares: dict[str, float] = {}
    for channel, weight in zip(journey.channels, weights, strict=True):
        shares[channel] = shares.get(channel, 0.0) + weight / total
    return shares


def _states(path: tuple[str, ...], order: int) -> list[str]:
    """ChannelAttribution's convention: sliding windows of ``order`` channels, or the whole short path."""
    if len(path) <= order:
        return [">".join(path)]
    return [">".join(path[i : i + order]) for i in range(len(path) - order + 1)]


def _absorbed(transitions: pd.DataFrame, removed: str | None) -> float:
    """P(start -> conversion) by squaring the full transition matrix until nothing is left in transit."""
    names = sorted(set(transitions["source"]) | set(transitions["target"]) | {"(conversion)", "(null)"})
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)))
    for row in transitions.itertuples():
        matrix[index[row.source], index[row.target]] += row.weight
    for absorbing in ("(conversion)", "(null)"):
        matrix[index[absorbing], index[absorbing]] = 1.0
    if removed is not None:
        for name in names:
            if name not in ("(start)", "(conversion)", "(null)") and removed in name.split(">"):
                matrix[index[name], :] = 0.0
                matrix[index[name], index["(null)"]] = 1.0
    matrix = matrix / matrix.sum(axis=1, keepdims=True)
    for _ in range(64):
        matrix = matrix @ matrix
    return float(matrix[index["(start)"], index["(conversion)"]])


def markov_removal_effects(journeys: Sequence[Journey], order: int) -> dict[str, float]:
    """Removal effects from a pandas transition table and matrix powers (no linear solve)."""
    rows = []
    for journey in journeys:
        weight = journey.conversions + journey.nulls
        states = ["(start)", *_states(journey.channels, order)]
        rows += [{"source": a, "target": b, "weight": weight} for a, b in itertools.pairwise(states)]
        rows.append({"source": states[-1], "target": "(conversion)", "weight": journey.conversions})
        rows.append({"source": states[-1], "target": "(null)", "weight": journey.nulls})
    table = pd.DataFrame(rows)
    table = table[table["weight"] > 0].groupby(["source", "target"], as_index=False)["weight"].sum()
    full = _absorbed(table, None)
    channels = sorted({c for journey in journeys for c in journey.channels})
    return {c: 1.0 - _absorbed(table, c) / full for c in channels}


def brute_force_shapley(channels: Sequence[str], game: Callable[[frozenset[str]], float]) -> dict[str, float]:
    """Shapley values by averaging marginal contributions over every ordering of the players."""
    totals = dict.fromkeys(channels, 0.0)
    orderings = list(itertools.permutations(channels))
    for ordering in orderings:
        coalition: frozenset[str] = frozenset()
        for player in ordering:
            totals[player] += game(coalition | {player}) - game(coalition)
            coalition = coalition | {player}
    return {c: total / math.factorial(len(channels)) for c, total in totals.items()}

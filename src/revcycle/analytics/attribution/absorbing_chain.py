"""The absorbing Markov chain of journeys, solved exactly.

States of an order-k chain are the last k channels seen (fewer at the start of a journey, so the first
k - 1 steps have their own states). Transient states are ``start`` (index 0) and the channel states
(1..S); the absorbing states are conversion and null. A journey weighs conversions + nulls: each of its
steps adds that weight to a transition count, its last state adds ``conversions`` towards conversion and
``nulls`` towards null. P(conversion) is x[start] where (I - Q) x = r, Q the transient-to-transient
probabilities and r the probabilities of converting next. Removing channel c sends every state that
contains c to null, that is, drops those states from the system.

ChannelAttribution starts order-k paths straight at their first k-channel window instead of growing a prefix;
both reproduce the observed distribution of the first k channels, so conversion probabilities and removal
effects are the same (the tests check ours against a re-implementation of that convention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.analytics.attribution.errors import AttributionError
from revcycle.analytics.attribution.table import FloatArray, IntArray, JourneyTable

__all__ = ["MAX_ORDER", "MarkovChain", "chain_from_windows", "check_order", "markov_chain"]

MAX_ORDER = 3


@dataclass(frozen=True, eq=False)
class MarkovChain:
    """Transition counts: rows start + states, columns start + states + conversion + null."""

    order: int
    channels: tuple[str, ...]
    states: tuple[tuple[str, ...], ...]
    counts: FloatArray
    contains: npt.NDArray[np.bool_]

    def conversion_probability(self, removed: str | None = None) -> float:
        """P(start ends in conversion), optionally with one channel removed (its states lead to null)."""
        keep = np.ones(len(self.states) + 1, bool)
        if removed is not None:
            keep[1:] = ~self.contains[:, self.channels.index(removed)]
        probabilities = self.counts / self.counts.sum(axis=1, keepdims=True)
        transient = probabilities[np.ix_(keep, np.append(keep, [False, False]))]
        to_conversion = probabilities[keep, -2]
        solved = np.linalg.solve(np.eye(int(keep.sum())) - transient, to_conversion)
        return float(solved[0])

    def removal_effects(self) -> dict[str, float]:
        """1 - P(conversion without c) / P(conversion), for every channel c."""
        full = self.conversion_probability()
        if full <= 0:
            raise AttributionError("no journey converts: removal effects are undefined")
        return {c: 1.0 - self.conversion_probability(c) / full for c in self.channels}


def markov_chain(table: JourneyTable, order: int = 1, max_states: int = 5_000) -> MarkovChain:
    """Count the transitions of an order-``order`` chain over the journeys that carry weight."""
    _check_order(table, order)
    weight = table.conversions + table.nulls
    touches = weight[table.journey_of_touch] > 0
    if not touches.any():
        raise AttributionError("no journey has conversions or nulls to learn a Markov chain from")
    keys = _state_keys(table, order)[touches]
    unique_keys, state_of_touch = _numbered(keys, (table.n_channels + 1) ** order)
    if len(unique_keys) > max_states:
        raise AttributionError(
            f"the order-{order} chain has {len(unique_keys)} states, over max_states={max_states}: "
            "lower the order or merge channels"
        )
    counts = _counts(table, touches, state_of_touch + 1, len(unique_keys))
    digits = _digits(unique_keys.astype(np.int64), order, table.n_channels)
    return MarkovChain(
        order=order,
        channels=table.channels,
        states=tuple(tuple(table.channels[d - 1] for d in row[::-1] if d) for row in digits.tolist()),
        counts=counts,
        contains=np.stack([(digits == c + 1).any(axis=1) for c in range(table.n_channels)], axis=1),
    )


def chain_from_windows(
    channels: Sequence[str],
    windows: npt.ArrayLike,
    steps: npt.ArrayLike,
    conversions: npt.ArrayLike,
    nulls: npt.ArrayLike,
    order: int = 1,
    max_states: int = 5_000,
) -> MarkovChain:
    """The same chain as ``markov_chain`` from counts an engine took, without the journeys themselves.

    Each row of ``windows`` is k + 1 consecutive touches of the shaped journeys (k = ``order``): channel codes
    (indexes into ``channels``) k touches back, ..., 1 touch back, then the touch itself, -1 before a
    journey's start. ``steps`` is the weight (conversions + nulls) of the journeys stepping into the touch's
    state from the one before it (from start when 1 touch back is -1); ``conversions`` and ``nulls`` are the
    weight of journeys ending at the touch (their touches back do not matter then). Rows may repeat.
    """
    codes, weights = _checked_windows(channels, windows, order, (steps, conversions, nulls))
    step, conversion, null = weights
    if not (codes[:, 1] >= 0).any():  # as markov_chain: any journey, weighed or not
        raise AttributionError(f"Markov order {order} is higher than the longest path in the data")
    used = (step > 0) | (conversion > 0) | (null > 0)
    codes, step, conversion, null = codes[used], step[used], conversion[used], null[used]
    if not (step > 0).any():
        raise AttributionError("no journey has conversions or nulls to learn a Markov chain from")
    base, moving = len(channels) + 1, step > 0
    unique_keys, _ = _numbered(_window_keys(codes[moving, 1:], base), base**order)
    if len(unique_keys) > max_states:
        raise AttributionError(
            f"the order-{order} chain has {len(unique_keys)} states, over max_states={max_states}: "
            "lower the order or merge channels"
        )
    target = _state_numbers(unique_keys, _window_keys(codes[:, 1:], base))
    started = codes[:, -2] >= 0
    source = np.zeros(len(codes), np.int64)
    source[moving & started] = _state_numbers(unique_keys, _window_keys(codes[moving & started, :-1], base))
    n_states = len(unique_keys)
    width = n_states + 3
    cells = np.concatenate([source * width + target, target * width + n_states + 1, target * width + n_states + 2])
    cell_weights = np.concatenate([step, conversion, null])
    counts = np.bincount(cells, weights=cell_weights, minlength=(n_states + 1) * width)
    digits = _digits(unique_keys, order, len(channels))
    return MarkovChain(
        order=order,
        channels=tuple(channels),
        states=tuple(tuple(channels[d - 1] for d in row[::-1] if d) for row in digits.tolist()),
        counts=np.asarray(counts.reshape(n_states + 1, width), np.float64),
        contains=np.stack([(digits == c + 1).any(axis=1) for c in range(len(channels))], axis=1),
    )


def _checked_windows(
    channels: Sequence[str], windows: npt.ArrayLike, order: int, weights: tuple[npt.ArrayLike, ...]
) -> tuple[IntArray, tuple[FloatArray, ...]]:
    check_order(order)
    if list(channels) != sorted(set(channels)) or not all(isinstance(c, str) and c for c in channels):
        raise AttributionError("channels must be distinct non-empty names in sorted order")
    codes = np.asarray(windows, np.int64)
    if codes.ndim != 2 or codes.shape[1] != order + 1:
        raise AttributionError(f"windows must have {order + 1} columns for order {order}, got shape {codes.shape}")
    if ((codes < -1) | (codes >= len(channels))).any() or (codes[:, -1] < 0).any():
        raise AttributionError("window codes must index the channels (-1 only before a journey's start)")
    if (np.diff((codes >= 0).astype(np.int8), axis=1) < 0).any():
        raise AttributionError("a window has a touch before the journey's start (-1 after a channel)")
    arrays = tuple(np.asarray(w, np.float64) for w in weights)
    for name, array in zip(("steps", "conversions", "nulls"), arrays, strict=True):
        if array.shape != (len(codes),) or not np.isfinite(array).all() or (array < 0).any():
            raise AttributionError(f"{name} must be one finite, non-negative weight per window")
    return codes, arrays


def _state_numbers(unique_keys: IntArray, keys: IntArray) -> IntArray:
    """1 + the index of each key among the chain's states; a key that is not a state is refused."""
    found = np.minimum(np.searchsorted(unique_keys, keys), len(unique_keys) - 1)
    if (unique_keys[found] != keys).any():
        raise AttributionError("a window steps from or ends in a state no journey steps into: inconsistent counts")
    return np.asarray(found + 1, np.int64)


def _window_keys(codes: IntArray, base: int) -> IntArray:
    """State keys as ``_state_keys`` numbers them: digit ``lag`` is the channel ``lag`` touches back, plus 1."""
    lags = codes.shape[1]
    powers = base ** np.arange(lags, dtype=np.int64)
    return np.asarray(((codes[:, ::-1] + 1) * powers).sum(axis=1), np.int64)


def check_order(order: int) -> None:
    """Refuse an order that is not an int in 1..MAX_ORDER."""
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise AttributionError(f"Markov order must be an int in 1..{MAX_ORDER}, got {order!r}")


def _check_order(table: JourneyTable, order: int) -> None:
    check_order(order)
    longest = int(table.lengths.max())
    if order > longest:
        raise AttributionError(f"Markov order {order} is higher than the longest path in the data ({longest} touches)")


def _state_keys(table: JourneyTable, order: int) -> IntArray:
    """One integer per touch naming its state: digit ``lag`` is the channel ``lag`` touches back, plus 1."""
    base = table.n_channels + 1
    keys = np.zeros(len(table.codes), np.int64)
    for lag in range(order):
        lagged = np.concatenate([np.full(lag, -1, np.int64), table.codes[: len(table.codes) - lag]])
        keys += np.where(table.position >= lag, lagged + 1, 0) * base**lag
    return keys


def _numbered(keys: IntArray, key_space: int) -> tuple[IntArray, IntArray]:
    """The distinct keys in order and the rank of each key among them (dense lookup for small key spaces)."""
    if key_space > 1 << 24:
        unique, rank = np.unique(keys, return_inverse=True)
        return unique.astype(np.int64), rank.astype(np.int64)
    seen = np.bincount(keys, minlength=key_space) > 0
    rank_of_key = np.cumsum(seen) - 1
    return np.flatnonzero(seen).astype(np.int64), rank_of_key[keys].astype(np.int64)


def _digits(keys: IntArray, order: int, n_channels: int) -> IntArray:
    base = n_channels + 1
    return np.stack([(keys // base**lag) % base for lag in range(order)], axis=1)


def _counts(table: JourneyTable, touches: npt.NDArray[np.bool_], state: IntArray, n_states: int) -> FloatArray:
    """Add every step's weight: start -> first state, state -> next state, last state -> conversion/null."""
    width = n_states + 3
    conversion, null = n_states + 1, n_states + 2
    journey = table.journey_of_touch[touches]
    position = table.position[touches]
    weight = (table.conversions + table.nulls)[journey]
    is_last = position == table.lengths[journey] - 1
    previous = np.concatenate([[0], state[:-1]])
    sources = np.concatenate([np.where(position == 0, 0, previous), state[is_last], state[is_last]])
    ends = int(is_last.sum())
    targets = np.concatenate([state, np.full(ends, conversion), np.full(ends, null)])
    weights = np.concatenate([weight, table.conversions[journey[is_last]], table.nulls[journey[is_last]]])
    counts = np.bincount(sources * width + targets, weights=weights, minlength=(n_states + 1) * width)
    return np.asarray(counts.reshape(n_states + 1, width), np.float64)

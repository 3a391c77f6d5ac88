"""Markov transition counts taken in the engine: the chain without a path per journey in Python.

A Markov model reads only how often each window of k + 1 consecutive channels occurs, and where journeys end.
The engine numbers each journey's touches with window functions (lag/lead over the journey, in time order),
collapses repeats the way the conventions say, and groups the windows: Python receives one row per distinct
window (a few hundred for 8 channels at order 2) and solves the chain exactly with
`chain_from_windows`. The chain is the one `markov_chain` learns from the same journeys as a `JourneyTable`.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from revcycle.analytics.attribution import AttributionError, Conventions, MarkovChain
from revcycle.analytics.attribution.absorbing_chain import chain_from_windows, check_order

__all__ = ["markov_windows", "windows_chain"]


def markov_windows(
    touches: ir.Table, outcomes: ir.Table, order: int = 1, conventions: Conventions | None = None
) -> ir.Table:
    """(lag_k, ..., lag_1, channel, steps, conversions, nulls): the distinct windows of the journeys.

    `touches` has (journey_id, at, channel), channel never null, and optionally `id` to order touches at the
    same instant; `outcomes` has (journey_id, conversions, nulls), one row per journey (journeys without
    one are left out). `lag_i` is the channel i touches back (null before the journey's start).
    """
    check_order(order)
    conventions = conventions or Conventions()
    keys = [touches.at, *([touches.id] if "id" in touches.columns else [])]
    rows = touches.select("journey_id", "channel", *(key.get_name() for key in keys))
    window = _journey_window(rows, keys)
    if conventions.collapse_repeats and order == 1:
        windows = _collapsed_pairs(rows, window)
    else:
        if conventions.collapse_repeats:
            # the lag is a column before it is filtered on: engines without QUALIFY (SQLite) need a subquery
            marked = rows.mutate(_before=rows.channel.lag().over(window))
            rows = marked.filter(_changes(marked._before, marked.channel)).drop("_before")
            window = _journey_window(rows, keys)
        lags = {f"lag_{i}": rows.channel.lag(i).over(window) for i in range(order, 0, -1)}
        windows = rows.select(
            "journey_id", **lags, channel=rows.channel, _moves=True, _last=rows.channel.lead().over(window).isnull()
        )
    return _weighed(windows, outcomes, order, conventions)


def _lags(order: int) -> list[str]:
    """The window's columns before the touch itself: lag_k, ..., lag_1."""
    return [f"lag_{i}" for i in range(order, 0, -1)]


def _journey_window(rows: ir.Table, keys: list[ir.Value]) -> ibis.expr.builders.LegacyWindowBuilder:
    """Each journey's touches in time order (then by id, when `keys` has it)."""
    return ibis.window(group_by=rows.journey_id, order_by=[rows[key.get_name()] for key in keys])


def _collapsed_pairs(rows: ir.Table, window: ibis.expr.builders.LegacyWindowBuilder) -> ir.Table:
    """Order 1 with repeats collapsed, in one pass: a step where the channel changes (or the journey starts),
    an end at the journey's last touch (whose run began at or before it: same state)."""
    before = rows.channel.lag().over(window)
    marked = rows.mutate(_before=before, _last=rows.channel.lead().over(window).isnull())
    moves = _changes(marked._before, marked.channel)
    kept = marked.mutate(_moves=moves).filter(moves | marked._last)
    # an end-only row names its own channel as the touch before: any window ending in the state will do
    lag = ibis.ifelse(kept._moves, kept._before, kept.channel)
    return kept.select("journey_id", lag_1=lag, channel=kept.channel, _moves=kept._moves, _last=kept._last)


def _changes(before: ir.StringValue, channel: ir.StringValue) -> ir.BooleanValue:
    """A touch that starts a run: first of its journey, or a new channel. A touch without a channel is kept,
    so `windows_chain` sees it and refuses the counts rather than losing it silently."""
    return before.isnull() | channel.isnull() | (before != channel)


def _weighed(windows: ir.Table, outcomes: ir.Table, order: int, conventions: Conventions) -> ir.Table:
    nulls = outcomes.nulls if conventions.include_non_converting else ibis.literal(0.0)
    weights = outcomes.select(
        "journey_id", _conversions=outcomes.conversions.cast("float64"), _nulls=nulls.cast("float64")
    )
    joined = windows.join(weights, "journey_id")
    weight = joined._conversions + joined._nulls
    zero = ibis.literal(0.0)
    keys = [*_lags(order), "channel"]
    counted = joined.select(
        *keys,
        steps=ibis.ifelse(joined._moves, weight, zero),
        conversions=ibis.ifelse(joined._last, joined._conversions, zero),
        nulls=ibis.ifelse(joined._last, joined._nulls, zero),
    )
    return counted.group_by(keys).aggregate(
        steps=counted.steps.sum(), conversions=counted.conversions.sum(), nulls=counted.nulls.sum()
    )


def windows_chain(frame: pd.DataFrame, order: int = 1, max_states: int = 5_000) -> MarkovChain:
    """The exact chain from `markov_windows` rows (channels coded in sorted order)."""
    if frame.channel.isna().any():
        raise AttributionError("a touch has no channel: fill missing channels before counting windows")
    channels = sorted(set(frame.channel))
    code = {name: i for i, name in enumerate(channels)}
    columns = [frame[name].map(code).fillna(-1).to_numpy(np.int64) for name in [*_lags(order), "channel"]]
    return chain_from_windows(
        channels,
        np.stack(columns, axis=1) if len(frame) else np.zeros((0, order + 1), np.int64),
        frame.steps.to_numpy(np.float64),
        frame.conversions.to_numpy(np.float64),
        frame.nulls.to_numpy(np.float64),
        order=order,
        max_states=max_states,
    )

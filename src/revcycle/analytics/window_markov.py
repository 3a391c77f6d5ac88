"""Markov attribution from counts the engine takes, with no path per journey: the report's fast path.

The chain needs only how often each window of consecutive channels occurs and where journeys end
(`transitions.markov_windows`). Each journey's credit needs only the set of channels it touched: the engine
numbers the channels of the converting journeys, packs each journey's set into bitmask words (WORD_BITS
channels per int64 word) and sums conversions and dollars per distinct set. Python then solves the chain and
splits each set by removal effects exactly as `markov` splits each journey, so the result equals the
path-per-journey one to rounding (tests hold them equal on random journeys and on every engine).
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from revcycle.analytics.attribution import Attribution, AttributionError, Conventions, JourneyTable
from revcycle.analytics.attribution.markov import split_by_removal_effects
from revcycle.analytics.journeys import JourneySpec, journey_touches
from revcycle.analytics.tables import Tables
from revcycle.analytics.transitions import markov_windows, windows_chain

__all__ = ["MAX_CHANNELS", "channel_sets", "converted_values", "markov_queries", "window_attribution"]

WORDS = 4
WORD_BITS = 62  # bits 0..61 of an int64: a full word stays positive
MAX_CHANNELS = WORDS * WORD_BITS


def markov_queries(tables: Tables, spec: JourneySpec, conventions: Conventions, order: int) -> dict[str, ir.Table]:
    """The engine-side queries of a Markov report: windows, channel sets (and their codes), converted journeys."""
    touches, outcomes = journey_touches(tables, spec)
    converting_touches, converting = journey_touches(tables, spec, converted_only=True)
    return {
        "windows": markov_windows(touches, outcomes, order, conventions),
        **channel_sets(converting_touches, converting),
        "converted": converted_values(outcomes),
    }


def converted_values(outcomes: ir.Table) -> ir.Table:
    """(value, journeys, conversions) of the converted journeys, touched or not: the ones the channel sets
    miss had no touch in their window (the direct fallback), found without reading the touches again."""
    converted = outcomes.filter(outcomes.conversions > 0)
    return converted.group_by("value").aggregate(journeys=converted.count(), conversions=converted.conversions.sum())


def channel_sets(touches: ir.Table, outcomes: ir.Table) -> dict[str, ir.Table]:
    """{"sets": (word_0 .. word_3, value, journeys, conversions) per distinct channel set and journey value of
    the converting journeys, "codes": (channel, code)}: bit `code % 62` of word `code // 62` is set when the
    journey touched it. Dollars are grouped, not summed, in the engine: Python sums them in one order, so every
    engine gives the same figures to the last digit."""
    converting = outcomes.filter(outcomes.conversions > 0).select("journey_id", "conversions", "value")
    pairs = touches.join(converting.select("journey_id"), "journey_id").select("journey_id", "channel").distinct()
    names = pairs.select("channel").distinct()
    codes = names.select("channel", code=ibis.dense_rank().over(order_by=names.channel).cast("int64"))
    coded = pairs.join(codes, "channel")
    bit = ibis.literal(1).cast("int64") << (coded.code % WORD_BITS).cast("int32")  # PostgreSQL: bigint << int
    word = coded.code // WORD_BITS
    words = [f"word_{i}" for i in range(WORDS)]
    masks = coded.group_by("journey_id").aggregate(
        **{name: ibis.ifelse(word == i, bit, 0).sum() for i, name in enumerate(words)}
    )
    weighed = masks.join(converting, "journey_id")
    sets = weighed.group_by([*words, "value"]).aggregate(
        journeys=weighed.count(), conversions=weighed.conversions.sum()
    )
    return {"sets": sets, "codes": codes}


def window_attribution(
    frames: Mapping[str, pd.DataFrame],
    conventions: Conventions,
    *,
    order: int = 1,
    max_states: int = 5_000,
) -> Attribution:
    """Removal effects from the window counts, each channel set's conversions and dollars split by them;
    a conversion with no touch counts as a one-touch journey of the direct channel, as in the path report."""
    count, value = _untouched(frames)
    windows = frames["windows"]
    if count:
        direct = {"channel": conventions.direct_channel, "steps": count, "conversions": count, "nulls": 0.0}
        windows = pd.concat([windows, pd.DataFrame([direct])], ignore_index=True)
    chain = windows_chain(windows, order, max_states)
    chain.removal_effects()  # refuses data where nothing converts before the sets are decoded
    return split_by_removal_effects(_set_table(frames, chain.channels, (count, value), conventions), chain)


def _untouched(frames: Mapping[str, pd.DataFrame]) -> tuple[float, float]:
    """(conversions, dollars) of the converted journeys no channel set holds, summed in one order."""
    keys = ["journeys", "conversions"]
    touched = frames["sets"].groupby("value")[keys].sum()
    converted = frames["converted"].set_index("value")[keys]
    left = converted.sub(touched.reindex(converted.index, fill_value=0)).sort_index()
    return float(left.conversions.sum()), float((left.index.to_numpy(np.float64) * left.journeys).sum())


def _set_table(
    frames: Mapping[str, pd.DataFrame],
    channels: tuple[str, ...],
    untouched: tuple[float, float],
    conventions: Conventions,
) -> JourneyTable:
    """One row per channel set and value (the untouched conversions as the set {direct}), over all the chain's
    channels, in one order whatever the engine returned."""
    codes = frames["codes"]
    if len(codes) > MAX_CHANNELS:
        raise AttributionError(f"{len(codes)} channels convert: the window path counts at most {MAX_CHANNELS}")
    sets = frames["sets"].sort_values([*(f"word_{i}" for i in range(WORDS)), "value"], kind="stable")
    masks = sets[[f"word_{i}" for i in range(WORDS)]].fillna(0).to_numpy(np.int64)
    bits = ((masks[:, :, None] >> np.arange(WORD_BITS)) & 1).astype(bool).reshape(len(masks), MAX_CHANNELS)
    presence = np.zeros((len(masks) + 1, len(channels)), bool)  # the last row: the untouched conversions
    for channel, code in zip(codes.channel, codes.code, strict=True):
        presence[:-1, channels.index(channel)] = bits[:, int(code)]
    conversions = sets.conversions.to_numpy(np.float64)
    values = sets.value.fillna(0.0).to_numpy(np.float64) * sets.journeys.to_numpy(np.float64)
    count, value = untouched
    if count:
        presence[-1, channels.index(conventions.direct_channel)] = True
        conversions, values = np.append(conversions, count), np.append(values, value)
    else:
        presence = presence[:-1]
    _, columns = np.nonzero(presence)  # row by row, each row's channels in order
    return JourneyTable.from_arrays(
        channels,
        codes=columns.astype(np.int64),
        offsets=np.concatenate([[0], np.cumsum(presence.sum(axis=1))]).astype(np.int64),
        conversions=conversions,
        values=values,
        nulls=np.zeros(len(presence)),
        conventions=conventions,
    )

"""Markov window counts taken in the engine give the chain learnt from the same journeys in Python."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from revcycle.analytics.attribution import AttributionError, Conventions, Journey, JourneyTable, markov_chain
from revcycle.analytics.engines import Engine, quiet
from revcycle.analytics.transitions import markov_windows, windows_chain

Frames = dict[str, pd.DataFrame]
START = datetime(2025, 1, 1)


def random_journeys(seed: int, count: int = 250) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touches with runs of repeats and ties in time (broken by id, listed out of order) and outcomes."""
    rng = np.random.default_rng(seed)
    touches, outcomes = [], []
    for journey in range(count):
        length = int(rng.integers(1, 8))
        channels = rng.choice(["ads", "email", "events", "web"], length, p=[0.4, 0.3, 0.1, 0.2])
        for position, channel in enumerate(channels):
            at = START + timedelta(days=journey, seconds=int(position // 2))  # pairs of touches tie
            touches.append((journey, at, 10 * journey + position, str(channel)))
        outcomes.append((journey, float(rng.integers(0, 3)), float(rng.integers(0, 3))))
    frame = pd.DataFrame(touches, columns=["journey_id", "at", "id", "channel"]).sample(frac=1.0, random_state=seed)
    return frame, pd.DataFrame(outcomes, columns=["journey_id", "conversions", "nulls"])


def python_chain(touches: pd.DataFrame, outcomes: pd.DataFrame, order: int, conventions: Conventions) -> Any:
    """The chain from Journey objects built by sorting the rows in pandas."""
    ordered = touches.sort_values(["journey_id", "at", "id"])
    paths = ordered.groupby("journey_id").channel.agg(tuple)
    journeys = [
        Journey(paths[row.journey_id], conversions=row.conversions, nulls=row.nulls)
        for row in outcomes.itertuples()
        if row.journey_id in paths.index
    ]
    return markov_chain(JourneyTable.from_journeys(journeys, conventions), order)


@pytest.mark.parametrize("backend", ["duckdb", "sqlite"])
@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize(
    "conventions",
    [Conventions(), Conventions(collapse_repeats=False), Conventions(include_non_converting=False)],
    ids=["collapsed", "kept", "converting-only"],
)
def test_window_counts_in_the_engine_equal_the_chain_from_journeys(
    backend: str, order: int, conventions: Conventions
) -> None:
    touches, outcomes = random_journeys(seed=order)
    con = ibis.duckdb.connect() if backend == "duckdb" else ibis.sqlite.connect()
    with quiet():
        frame = con.execute(markov_windows(ibis.memtable(touches), ibis.memtable(outcomes), order, conventions))
    got = windows_chain(frame, order)
    expected = python_chain(touches, outcomes, order, conventions)
    assert got.states == expected.states
    np.testing.assert_array_equal(got.counts, expected.counts)
    assert got.removal_effects() == pytest.approx(expected.removal_effects(), abs=1e-12)


def test_windows_are_a_small_count_table_not_a_row_per_touch() -> None:
    touches, outcomes = random_journeys(seed=7, count=400)
    with quiet():
        frame = ibis.duckdb.connect().execute(markov_windows(ibis.memtable(touches), ibis.memtable(outcomes), 1))
    assert len(frame) <= 4 * 5  # (start or a channel) x channel, plus the end-only rows (c, c)
    assert frame.conversions.sum() == outcomes.conversions.sum()


def test_a_touch_without_channel_and_a_bad_order_are_refused() -> None:
    touches, outcomes = random_journeys(seed=3, count=5)
    touches.loc[touches.index[0], "channel"] = None
    with quiet():
        frame = ibis.duckdb.connect().execute(markov_windows(ibis.memtable(touches), ibis.memtable(outcomes), 1))
    with pytest.raises(AttributionError, match="no channel"):
        windows_chain(frame, 1)
    with quiet(), pytest.raises(AttributionError, match="order must be an int"):
        markov_windows(ibis.memtable(touches), ibis.memtable(outcomes), 4)


@pytest.mark.parametrize("order", [1, 2])
def test_store_touches_give_the_same_chain_on_every_engine(engine: Engine, frames: Frames, order: int) -> None:
    # Each person is a journey of their touches; customers convert, everyone else is a null.
    touch, person = engine.tables.touchpoint, engine.tables.person
    touches = touch.select(journey_id=touch.person_id, at=touch.occurred_at, id=touch.id, channel=touch.channel)
    touches = touches.mutate(channel=touches.channel.fill_null("none"))
    customer = ibis.ifelse(person.stage == "customer", 1.0, 0.0)
    outcomes = person.select(journey_id=person.id, conversions=customer, nulls=1.0 - customer)
    got = windows_chain(engine.execute(markov_windows(touches, outcomes, order)), order)
    rows = frames["touchpoint"].rename(columns={"person_id": "journey_id", "occurred_at": "at"})
    rows = rows.assign(channel=rows.channel.fillna("none"))
    converted = (frames["person"].stage == "customer").astype(float)
    people = pd.DataFrame({"journey_id": frames["person"].id, "conversions": converted, "nulls": 1.0 - converted})
    expected = python_chain(rows, people, order, Conventions())
    assert got.states == expected.states
    np.testing.assert_array_equal(got.counts, expected.counts)
    assert got.removal_effects() == pytest.approx(expected.removal_effects(), abs=1e-12)

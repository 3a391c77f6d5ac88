"""Markov from window counts and channel sets (the report's fast path) equals Markov on a path per journey."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revcycle.analytics.attribution import Attribution, AttributionError, Conventions, Journey, JourneyTable, markov
from revcycle.analytics.engines import quiet
from revcycle.analytics.transitions import markov_windows
from revcycle.analytics.window_markov import MAX_CHANNELS, channel_sets, converted_values, window_attribution

START = datetime(2025, 1, 1)
CHANNELS = ("ads", "direct", "email", "events", "web")

# A journey: its channels in time order, whether it converted, and its dollars when it did.
journey = st.tuples(
    st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=7),
    st.booleans(),
    st.floats(min_value=0, max_value=50_000, allow_nan=False).map(lambda v: round(v, 2)),
)


def _plain(
    rows: list[tuple[list[str], bool, float]], untouched: tuple[int, float], conventions: Conventions, order: int
) -> Attribution:
    """Markov on one Journey per journey, the untouched conversions as one journey of the direct channel."""
    journeys = [
        Journey(tuple(path), conversions=float(won), nulls=float(not won), value=value * won)
        for path, won, value in rows
    ]
    if untouched[0]:
        count, value = untouched
        journeys.append(Journey((conventions.direct_channel,), conversions=count, value=count * value))
    return markov(JourneyTable.from_journeys(journeys, conventions), order)


def _fast(
    rows: list[tuple[list[str], bool, float]], untouched: tuple[int, float], conventions: Conventions, order: int
) -> Attribution:
    """The same through the engine's window counts and channel sets (DuckDB), touches listed out of order; the
    untouched conversions are converted journeys without a touch, each worth the untouched value."""
    touches = [
        (j, START + timedelta(days=j, seconds=position // 2), 10 * j + position, channel)  # pairs of touches tie
        for j, (path, _, _) in enumerate(rows)
        for position, channel in enumerate(path)
    ]
    frame = pd.DataFrame(touches, columns=["journey_id", "at", "id", "channel"]).iloc[::-1]
    bare = [(len(rows) + k, 1.0, 0.0, untouched[1]) for k in range(untouched[0])]
    outcomes = pd.DataFrame(
        [(j, float(won), float(not won), value * won) for j, (_, won, value) in enumerate(rows)] + bare,
        columns=["journey_id", "conversions", "nulls", "value"],
    )
    with quiet():
        con = ibis.duckdb.connect()
        touch, outcome = ibis.memtable(frame), ibis.memtable(outcomes)
        queries = {
            "windows": markov_windows(touch, outcome, order, conventions),
            **channel_sets(touch, outcome),
            "converted": converted_values(outcome),
        }
        frames = {name: con.execute(query) for name, query in queries.items()}
    return window_attribution(frames, conventions, order=order)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(journey, min_size=1, max_size=25),
    untouched=st.tuples(st.integers(0, 3), st.floats(0, 9_000, allow_nan=False).map(lambda v: round(v, 2))),
    collapse=st.booleans(),
    non_converting=st.booleans(),
    order=st.integers(1, 3),
)
def test_window_counts_give_the_removal_effects_and_credits_of_the_path_per_journey(
    rows: list[tuple[list[str], bool, float]],
    untouched: tuple[int, float],
    collapse: bool,
    non_converting: bool,
    order: int,
) -> None:
    untouched = untouched if untouched[0] else (0, 0.0)
    conventions = Conventions(collapse_repeats=collapse, include_non_converting=non_converting)
    try:
        plain = _plain(rows, untouched, conventions, order)
    except AttributionError as exc:  # nothing converts, or the order is above the longest path: both refuse
        with pytest.raises(AttributionError, match=str(exc).split(" (")[0].split(":")[0]):
            _fast(rows, untouched, conventions, order)
        return
    fast = _fast(rows, untouched, conventions, order)
    assert fast.channels == plain.channels
    for measure in ("removal_effect", "classic_conversions", "classic_value"):
        assert fast.measures[measure] == pytest.approx(plain.measures[measure], rel=1e-9, abs=1e-9), measure
    assert fast.channel_conversions() == pytest.approx(plain.channel_conversions(), rel=1e-9, abs=1e-9)
    assert fast.channel_values() == pytest.approx(plain.channel_values(), rel=1e-9, abs=1e-9)
    assert fast.statistics["states"] == plain.statistics["states"]


def test_channel_sets_are_one_row_per_distinct_set_not_per_journey() -> None:
    rows = [(["ads", "email", "ads"], True, 10.0), (["email", "ads"], True, 5.0), (["web"], True, 1.0)] * 50
    touches = pd.DataFrame(
        [
            (j, START + timedelta(hours=i), channel)
            for j, (path, _, _) in enumerate(rows)
            for i, channel in enumerate(path)
        ],
        columns=["journey_id", "at", "channel"],
    )
    outcomes = pd.DataFrame({"journey_id": range(len(rows)), "conversions": 1.0, "value": [v for *_, v in rows]})
    with quiet():
        sets = ibis.duckdb.connect().execute(channel_sets(ibis.memtable(touches), ibis.memtable(outcomes))["sets"])
    rows = sorted(zip(sets.value, sets.journeys, sets.conversions, strict=True))
    assert rows == [(1.0, 50, 50.0), (5.0, 50, 50.0), (10.0, 50, 50.0)]  # {web}; {ads, email} at two values
    assert sets[sets.value == 5.0].iloc[0].tolist()[:4] == sets[sets.value == 10.0].iloc[0].tolist()[:4]


def test_more_channels_than_the_bitmask_words_hold_are_refused() -> None:
    names = [f"c{i:03d}" for i in range(MAX_CHANNELS + 1)]
    frames = {
        "windows": pd.DataFrame(
            {"lag_1": [None] * len(names), "channel": names, "steps": 1.0, "conversions": 1.0, "nulls": 0.0}
        ),
        "codes": pd.DataFrame({"channel": names, "code": range(len(names))}),
        "sets": pd.DataFrame(
            {f"word_{i}": [0] for i in range(4)} | {"value": [0.0], "journeys": [1], "conversions": [1.0]}
        ),
        "converted": pd.DataFrame({"value": [0.0], "journeys": [1], "conversions": [1.0]}),
    }
    with pytest.raises(AttributionError, match=f"{MAX_CHANNELS + 1} channels convert"):
        window_attribution(frames, Conventions())

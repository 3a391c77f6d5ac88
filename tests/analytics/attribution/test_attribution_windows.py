"""The Markov chain from window counts equals the chain learnt from the journeys themselves."""

from __future__ import annotations

import numpy as np
import pytest
from attribution_reference import collapse
from attribution_strategies import CHANNELS, journey_lists
from hypothesis import given, settings
from hypothesis import strategies as st

from revcycle.analytics.attribution import (
    AttributionError,
    Conventions,
    Journey,
    JourneyTable,
    MarkovChain,
    markov_chain,
)
from revcycle.analytics.attribution.absorbing_chain import chain_from_windows

Window = tuple[int, ...]


def hand_windows(journeys: list[Journey], order: int) -> tuple[list[str], dict[Window, list[float]]]:
    """Every window of order + 1 touches, counted journey by journey in plain Python."""
    channels = sorted({c for journey in journeys for c in journey.channels})
    code = {c: i for i, c in enumerate(channels)}
    counts: dict[Window, list[float]] = {}
    for journey in journeys:
        padded = [-1] * order + [code[c] for c in journey.channels]
        for end in range(order, len(padded)):
            row = counts.setdefault(tuple(padded[end - order : end + 1]), [0.0, 0.0, 0.0])
            row[0] += journey.conversions + journey.nulls
            if end == len(padded) - 1:
                row[1] += journey.conversions
                row[2] += journey.nulls
    return channels, counts


def from_hand(journeys: list[Journey], order: int) -> MarkovChain:
    channels, counts = hand_windows(journeys, order)
    weights = np.array(list(counts.values()))
    return chain_from_windows(channels, list(counts), weights[:, 0], weights[:, 1], weights[:, 2], order=order)


@settings(max_examples=80, deadline=None)
@given(journeys=journey_lists(max_size=10, max_touches=5), order=st.integers(1, 3), collapsed=st.booleans())
def test_window_counts_give_the_chain_learnt_from_journeys(
    journeys: list[Journey], order: int, collapsed: bool
) -> None:
    table = JourneyTable.from_journeys(journeys, Conventions(collapse_repeats=collapsed))
    if order > int(table.lengths.max()):
        return
    shaped = [collapse(journey) for journey in journeys] if collapsed else journeys
    expected = markov_chain(table, order)
    got = from_hand(shaped, order)
    assert got.states == expected.states
    np.testing.assert_allclose(got.counts, expected.counts, rtol=1e-12, atol=0)
    assert got.removal_effects() == pytest.approx(expected.removal_effects(), abs=1e-12)


def test_an_end_only_window_adds_its_ending_to_the_state_it_names() -> None:
    # start->A 2; A->conv 1, A->null 1: the ending of (A) is given on a row of its own with no step.
    chain = chain_from_windows(["A"], [[-1, 0], [0, 0]], steps=[2, 0], conversions=[0, 1], nulls=[0, 1])
    assert chain.conversion_probability() == pytest.approx(0.5)
    assert chain.counts.tolist() == [[0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]


def test_repeated_rows_add_up() -> None:
    journeys = [Journey(("A", "B"), conversions=1), Journey(("B",), conversions=0, nulls=1)]
    channels, counts = hand_windows(journeys, 1)
    rows = [*counts.items(), *counts.items()]
    doubled = chain_from_windows(
        channels,
        [list(window) for window, _ in rows],
        [w[0] for _, w in rows],
        [w[1] for _, w in rows],
        [w[2] for _, w in rows],
    )
    np.testing.assert_array_equal(doubled.counts, 2 * markov_chain(JourneyTable.from_journeys(journeys)).counts)


@pytest.mark.parametrize(
    ("channels", "windows", "steps", "order", "message"),
    [
        (["A"], [[-1, 0]], [1.0], 4, "order must be an int"),
        (["B", "A"], [[-1, 0]], [1.0], 1, "sorted order"),
        (["A"], [[-1, 0, 0]], [1.0], 1, "2 columns"),
        (["A"], [[-1, 1]], [1.0], 1, "index the channels"),
        (["A"], [[0, -1]], [1.0], 1, "index the channels"),
        (["A"], [[0, -1, 0]], [1.0], 2, "before the journey's start"),
        (["A"], [[-1, 0]], [-1.0], 1, "non-negative"),
        (["A"], [[-1, 0]], [0.0], 1, "no journey has conversions or nulls"),
        (["A"], [[-1, -1, 0], [-1, 0, 0]], [1.0, 0.0], 2, "no journey steps into"),
        (["A"], [[-1, -1, 0]], [1.0], 2, "higher than the longest path"),
        (["A", "B"], [[-1, 0], [1, 0]], [1.0, 1.0], 1, "inconsistent counts"),
    ],
)
def test_bad_windows_are_refused(
    channels: list[str], windows: list[list[int]], steps: list[float], order: int, message: str
) -> None:
    zeros = [0.0] * len(steps)
    with pytest.raises(AttributionError, match=message):
        chain_from_windows(channels, windows, steps, zeros, [1.0] * len(steps), order=order)


def test_too_many_states_is_refused() -> None:
    windows = [[-1, -1, i] for i in range(5)] + [[-1, i, j] for i in range(5) for j in range(5) if i != j]
    steps = [1.0] * len(windows)
    with pytest.raises(AttributionError, match="over max_states=10"):
        chain_from_windows(list("abcde"), windows, steps, [0.0] * len(steps), steps, order=2, max_states=10)


def test_whole_number_weights_give_identical_counts() -> None:
    journeys = [Journey(tuple(CHANNELS[i % 3 : i % 3 + 2]), conversions=i % 2, nulls=1 - i % 2) for i in range(9)]
    expected = markov_chain(JourneyTable.from_journeys(journeys), 2)
    np.testing.assert_array_equal(from_hand(journeys, 2).counts, expected.counts)

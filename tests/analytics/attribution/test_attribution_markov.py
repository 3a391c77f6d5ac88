"""Markov attribution: hand-worked chains, path enumeration, a pandas re-implementation, and bad orders."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from attribution_reference import collapse, markov_removal_effects
from attribution_strategies import journey_lists
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from revcycle.analytics.attribution import (
    AttributionError,
    Conventions,
    Journey,
    JourneyTable,
    absorbing_chain,
    attribute,
    markov_chain,
)


def test_removal_effects_match_a_chain_solved_by_hand() -> None:
    # start->A 1/2, start->B 1/2; A->B 1/2, A->null 1/2; B->conv 2/3, B->null 1/3.
    # P = 1/2*1/2*2/3 + 1/2*2/3 = 1/2; without A: 1/3 (RE 1/3); without B: 0 (RE 1).
    journeys = [
        Journey(("A", "B"), conversions=1),
        Journey(("A",), conversions=0, nulls=1),
        Journey(("B",), conversions=1, nulls=1),
    ]
    result = attribute(journeys, "markov")
    assert result.statistics["conversion_probability"] == pytest.approx(0.5, abs=1e-12)
    assert result.measures["removal_effect"] == pytest.approx({"A": 1 / 3, "B": 1.0}, abs=1e-12)
    # Journey (A, B) splits 1/3 : 1 -> 1/4, 3/4; journey (B) is all B.
    assert result.channel_conversions() == pytest.approx({"A": 0.25, "B": 1.75}, abs=1e-12)


def test_removal_effects_solve_a_chain_with_a_loop_exactly() -> None:
    # start->A 2/3, start->B 1/3; A->B 1/4, A->conv 1/4, A->null 1/2; B->A 1.
    # x_A = 1/4 + x_A/4 -> 1/3, P = 1/3; without B: x_A = 1/4, P = 1/6 (RE 1/2); without A: 0 (RE 1).
    journeys = [
        Journey(("A", "B", "A")),
        Journey(("B", "A"), conversions=0, nulls=1),
        Journey(("A",), conversions=0, nulls=1),
    ]
    result = attribute(journeys, "markov")
    assert result.statistics["conversion_probability"] == pytest.approx(1 / 3, abs=1e-12)
    assert result.measures["removal_effect"] == pytest.approx({"A": 1.0, "B": 0.5}, abs=1e-12)
    assert result.channel_conversions() == pytest.approx({"A": 2 / 3, "B": 1 / 3}, abs=1e-12)


def test_order_two_removal_effects_match_a_chain_solved_by_hand() -> None:
    # States are the last two channels (one at a journey's start). From start: (A) 8/14, (B) 3/14, (C) 3/14.
    # (A): ->(A,B) 4/8, ->conv 1/8, ->null 2/8, ->(A,C) 1/8; (A,B) conv 3/4; (A,C)->(C,B)->conv;
    # (B)->(B,C) conv 2/3; (C)->null. P = 8/14*5/8 + 3/14*2/3 = 1/2.
    # Without A: 2/14 (RE 5/7); without B: 1/14 (RE 6/7); without C: 4/14 (RE 3/7).
    journeys = [
        Journey(("A", "B"), conversions=3, nulls=1, value=30),
        Journey(("A",), conversions=1, nulls=2, value=5),
        Journey(("B", "C"), conversions=2, nulls=1, value=7),
        Journey(("A", "C", "B"), conversions=1, value=1),
        Journey(("C",), conversions=0, nulls=3),
    ]
    result = attribute(journeys, "markov", order=2)
    assert result.statistics["conversion_probability"] == pytest.approx(0.5, abs=1e-12)
    assert result.measures["removal_effect"] == pytest.approx({"A": 5 / 7, "B": 6 / 7, "C": 3 / 7}, abs=1e-12)
    # The classic global split: 7 conversions in proportion 5:6:3.
    assert result.measures["classic_conversions"] == pytest.approx({"A": 2.5, "B": 3.0, "C": 1.5}, abs=1e-12)


def test_kept_repeats_become_self_loops_of_the_chain() -> None:
    # start->A; A->A 1/3, A->conv 1/3, A->null 1/3: x_A = 1/3 + x_A/3 -> 1/2.
    journeys = [Journey(("A", "A")), Journey(("A",), conversions=0, nulls=1)]
    chain = markov_chain(JourneyTable.from_journeys(journeys, Conventions(collapse_repeats=False)))
    assert chain.conversion_probability() == pytest.approx(0.5, abs=1e-12)
    assert chain.states == (("A",),)


def test_higher_order_states_are_the_last_k_channels() -> None:
    table = JourneyTable.from_journeys([Journey(("A", "B", "C", "A"))])
    assert markov_chain(table, order=3).states == (("A",), ("A", "B"), ("A", "B", "C"), ("B", "C", "A"))


def _enumerated_probability(journeys: list[Journey], depth: int) -> tuple[float, float]:
    """P(conversion) of the order-1 chain by listing every path of up to ``depth`` channels.

    Returns the probability of the listed converting paths and the mass still in transit at ``depth``.
    """
    counts: dict[tuple[str, str], float] = {}
    for journey in journeys:
        weight = journey.conversions + journey.nulls
        steps = itertools.pairwise(("(start)", *journey.channels))
        for source, target in steps:
            counts[(source, target)] = counts.get((source, target), 0.0) + weight
        for end, amount in (("(conversion)", journey.conversions), ("(null)", journey.nulls)):
            counts[(journey.channels[-1], end)] = counts.get((journey.channels[-1], end), 0.0) + amount
    out: dict[str, float] = {}
    for (source, _), amount in counts.items():
        out[source] = out.get(source, 0.0) + amount
    channels = sorted({c for journey in journeys for c in journey.channels})
    converted, in_transit = 0.0, 0.0
    frontier: list[tuple[str, float]] = [("(start)", 1.0)]
    for _ in range(depth):
        next_frontier = []
        for state, probability in frontier:
            if out.get(state, 0.0) == 0:
                continue
            converted += probability * counts.get((state, "(conversion)"), 0.0) / out[state]
            for channel in channels:
                step = counts.get((state, channel), 0.0) / out[state]
                if step:
                    next_frontier.append((channel, probability * step))
        frontier = next_frontier
    for _, probability in frontier:
        in_transit += probability
    return converted, in_transit


small_channels = ("A", "B", "C")


@settings(max_examples=60, deadline=None)
@given(journeys=journey_lists(channels=small_channels, max_size=8, max_touches=4))
def test_order_one_conversion_probability_matches_path_enumeration(journeys: list[Journey]) -> None:
    shaped = [collapse(journey) for journey in journeys]
    exact = markov_chain(JourneyTable.from_journeys(journeys)).conversion_probability()
    listed, in_transit = _enumerated_probability(shaped, depth=12)
    assert listed - 1e-12 <= exact <= listed + in_transit + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    journeys=st.lists(
        st.builds(
            lambda channels, conversions, nulls: Journey(tuple(sorted(channels)), (), conversions, 0.0, nulls),
            st.sets(st.sampled_from(small_channels), min_size=1),
            st.integers(0, 5).map(float),
            st.integers(0, 5).map(float),
        ),
        min_size=1,
        max_size=8,
    ).filter(lambda found: any(j.conversions > 0 for j in found))
)
def test_order_one_conversion_probability_equals_the_full_enumeration_of_an_acyclic_chain(
    journeys: list[Journey],
) -> None:
    # Channels always appear in the order A < B < C, so every path has at most 3 channels and the listing
    # is complete: nothing is in transit after 4 steps.
    exact = markov_chain(JourneyTable.from_journeys(journeys)).conversion_probability()
    listed, in_transit = _enumerated_probability(journeys, depth=4)
    assert in_transit == 0
    assert exact == pytest.approx(listed, abs=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
@settings(max_examples=40, deadline=None)
@given(journeys=journey_lists(max_size=10, max_touches=5))
def test_removal_effects_match_a_pandas_chain_solved_by_matrix_powers(order: int, journeys: list[Journey]) -> None:
    shaped = [collapse(journey) for journey in journeys]
    assume(order <= max(len(j.channels) for j in shaped))
    result = attribute(journeys, "markov", order=order)
    expected = markov_removal_effects(shaped, order)
    assert result.measures["removal_effect"] == pytest.approx(expected, abs=1e-9)
    effects = np.array([expected[c] for c in result.channels])
    for j, journey in enumerate(shaped):
        if journey.conversions == 0:
            assert not result.conversion_credits()[j].any()
            continue
        touched = np.array([c in journey.channels for c in result.channels])
        split = effects * touched / (effects * touched).sum()
        assert result.conversion_credits()[j] == pytest.approx(split * journey.conversions, abs=1e-9)


def test_an_order_higher_than_the_longest_path_is_an_error() -> None:
    journeys = [Journey(("A", "B")), Journey(("B", "B", "B"), conversions=0, nulls=1)]
    with pytest.raises(AttributionError, match=r"order 3 is higher than the longest path in the data \(2 touches\)"):
        attribute(journeys, "markov", order=3)


@pytest.mark.parametrize("order", [0, 4, 1.5])
def test_an_order_outside_one_to_three_is_an_error(order: float) -> None:
    with pytest.raises(AttributionError, match=r"Markov order must be an int in 1\.\.3"):
        attribute([Journey(("A", "B", "C", "D", "E"))], "markov", order=order)


def test_a_chain_with_too_many_states_is_refused_with_advice() -> None:
    journeys = [Journey(("A", "B", "C")), Journey(("C", "B", "A"), conversions=0, nulls=1)]
    with pytest.raises(AttributionError, match="over max_states=2: lower the order"):
        attribute(journeys, "markov", max_states=2)


def test_journeys_that_never_convert_have_no_removal_effects() -> None:
    with pytest.raises(AttributionError, match="no journey converts"):
        attribute([Journey(("A",), conversions=0, nulls=2)], "markov")


def test_state_numbering_is_the_same_for_small_and_huge_key_spaces() -> None:
    keys = np.array([7, 3, 7, 0, 12, 3], np.int64)
    dense = absorbing_chain._numbered(keys, 13)
    sorted_ = absorbing_chain._numbered(keys, 1 << 30)
    assert dense[0].tolist() == sorted_[0].tolist() == [0, 3, 7, 12]
    assert dense[1].tolist() == sorted_[1].tolist() == [2, 1, 2, 0, 3, 1]

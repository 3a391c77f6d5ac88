"""Shapley attribution: the closed form against brute-force enumeration, and the game's axioms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from attribution_reference import brute_force_shapley
from attribution_strategies import journey_lists
from hypothesis import given, settings
from hypothesis import strategies as st

from revcycle.analytics.attribution import (
    AttributionError,
    Conventions,
    Journey,
    JourneyTable,
    attribute,
    shapley_rate_values,
)

FEW = ("direct", "email", "paid", "webinar")


Game = Callable[[frozenset[str]], float]


def subset_game(journeys: list[Journey], field: str) -> Game:
    """v(S) = the conversions (or value) of journeys whose channel set lies inside S."""
    return lambda coalition: float(sum(getattr(j, field) for j in journeys if set(j.channels) <= coalition))


def rate_game(journeys: list[Journey]) -> Game:
    """v(S) = conversions / (conversions + nulls) over journeys whose channel set lies inside S."""

    def game(coalition: frozenset[str]) -> float:
        inside = [j for j in journeys if set(j.channels) <= coalition]
        total = sum(j.conversions + j.nulls for j in inside)
        return sum(j.conversions for j in inside) / total if total else 0.0

    return game


def test_a_hand_worked_game_splits_each_journey_equally_among_its_distinct_channels() -> None:
    # v({A})=1, v({B})=0, v({A,B})=1+2=3: phi_A = 1 + 2/2 = 2, phi_B = 2/2 = 1 (the closed form);
    # by orderings: AB -> A 1, B 2; BA -> B 0, A 3; averages 2 and 1.
    journeys = [Journey(("A",), value=10), Journey(("A", "B", "A"), conversions=2, value=30)]
    result = attribute(journeys, "shapley")
    assert result.channel_conversions() == pytest.approx({"A": 2.0, "B": 1.0}, abs=1e-12)
    assert result.channel_values() == pytest.approx({"A": 25.0, "B": 15.0}, abs=1e-12)
    assert result.measures["shapley_value"] == pytest.approx({"A": 2.0, "B": 1.0}, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(journeys=journey_lists(channels=FEW, max_size=10))
def test_the_closed_form_matches_brute_force_enumeration_of_the_subset_game(journeys: list[Journey]) -> None:
    result = attribute(journeys, "shapley")
    channels = sorted({c for j in journeys for c in j.channels})
    expected_conversions = brute_force_shapley(channels, subset_game(journeys, "conversions"))
    expected_values = brute_force_shapley(channels, subset_game(journeys, "value"))
    assert result.channel_conversions() == pytest.approx(expected_conversions, abs=1e-9)
    assert result.channel_values() == pytest.approx(expected_values, abs=1e-7)


@settings(max_examples=60, deadline=None)
@given(journeys=journey_lists(channels=FEW, max_size=10))
def test_the_rate_variant_matches_brute_force_enumeration(journeys: list[Journey]) -> None:
    table = JourneyTable.from_journeys(journeys)
    expected = brute_force_shapley(list(table.channels), rate_game(journeys))
    got = dict(zip(table.channels, shapley_rate_values(table).tolist(), strict=True))
    weighted = {c for j in journeys if j.conversions + j.nulls > 0 for c in j.channels}
    assert got == pytest.approx({c: v if c in weighted else 0.0 for c, v in expected.items()}, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(journeys=journey_lists(channels=FEW, max_size=10))
def test_shapley_values_add_up_to_the_grand_coalition(journeys: list[Journey]) -> None:
    table = JourneyTable.from_journeys(journeys)
    conversions = attribute(table, "shapley").measures["shapley_value"]
    assert sum(conversions.values()) == pytest.approx(sum(j.conversions for j in journeys), abs=1e-9)
    rate = sum(j.conversions for j in journeys) / sum(j.conversions + j.nulls for j in journeys)
    assert shapley_rate_values(table).sum() == pytest.approx(rate, abs=1e-12)


together = st.lists(
    st.tuples(st.lists(st.sampled_from(FEW), max_size=3), st.booleans(), st.integers(0, 3), st.integers(0, 3)),
    min_size=1,
    max_size=8,
).filter(lambda rows: any(r[1] and r[2] > 0 for r in rows))


@pytest.mark.parametrize("variant", ["conversions", "conversion_rate"])
@settings(max_examples=60, deadline=None)
@given(rows=together)
def test_two_channels_that_always_appear_together_get_equal_credit(
    variant: str, rows: list[tuple[list[str], bool, int, int]]
) -> None:
    journeys = [
        Journey((*base, "twin_a", "twin_b") if with_twins else (*base, "solo"), (), float(conv), 0.0, float(nulls))
        for base, with_twins, conv, nulls in rows
    ]
    result = attribute(journeys, "shapley", variant=variant)
    credits = result.channel_conversions()
    assert credits["twin_a"] == pytest.approx(credits["twin_b"], abs=1e-12)
    if variant == "conversion_rate":
        values = result.measures["shapley_value"]
        assert values["twin_a"] == pytest.approx(values["twin_b"], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(journeys=journey_lists(channels=FEW, max_size=8))
def test_a_channel_seen_only_on_non_converting_journeys_is_a_null_player(journeys: list[Journey]) -> None:
    lurker = Journey(("lurker", *journeys[0].channels), conversions=0, nulls=3)
    result = attribute([*journeys, lurker], "shapley")
    assert result.measures["shapley_value"]["lurker"] == 0.0
    assert result.channel_conversions()["lurker"] == 0.0


def test_the_subset_game_has_no_channel_limit() -> None:
    channels = tuple(f"c{i:02d}" for i in range(40))
    result = attribute([Journey(channels), Journey(channels[:2], conversions=3)], "shapley")
    assert result.channel_conversions()["c00"] == pytest.approx(1 / 40 + 1.5)


def test_the_rate_variant_refuses_more_channels_than_it_can_enumerate() -> None:
    channels = tuple(f"c{i:02d}" for i in range(21))
    expected = r"21 channels take part.*limited to 20.*variant='conversions'"
    with pytest.raises(AttributionError, match=expected):
        attribute([Journey(channels, nulls=1)], "shapley", variant="conversion_rate")


def test_the_rate_variant_needs_non_converting_journeys() -> None:
    with pytest.raises(AttributionError, match="needs include_non_converting=True"):
        attribute(
            [Journey(("a",))],
            "shapley",
            variant="conversion_rate",
            conventions=Conventions(include_non_converting=False),
        )


def test_an_unknown_shapley_variant_is_an_error() -> None:
    with pytest.raises(AttributionError, match="unknown Shapley variant 'banzhaf'"):
        attribute([Journey(("a",))], "shapley", variant="banzhaf")

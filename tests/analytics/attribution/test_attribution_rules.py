"""Rule-based models against hand-worked journeys and against a plain per-journey re-implementation."""

from __future__ import annotations

from typing import Any

import pytest
from attribution_reference import collapse, reference_credits, shares_from_weights, touch_weights
from attribution_strategies import journey_lists
from hypothesis import given, settings

from revcycle.analytics.attribution import Attribution, Conventions, Journey, attribute

DAY = 86_400.0

# Worked by hand in the comments of each test. J3 never converts, and its repeat collapses.
JOURNEYS = [
    Journey(("paid", "email", "webinar", "direct"), (21 * DAY, 14 * DAY, 7 * DAY, 0.0), 2, 1000.0, 0, 1, 2),
    Journey(("direct",), (0.0,), 1, 100.0, 0, 0, 0),
    Journey(("organic", "direct"), (7 * DAY, 0.0), 1, 50.0, 3, 0, 1),
    Journey(("paid", "paid", "email"), (3 * DAY, 2 * DAY, DAY), 0, 0.0, 2, 0, 1),
]


def totals(result: Attribution) -> tuple[dict[str, float], dict[str, float]]:
    conversions = {c: v for c, v in result.channel_conversions().items() if abs(v) > 1e-12}
    values = {c: v for c, v in result.channel_values().items() if abs(v) > 1e-12}
    return conversions, values


def assert_totals(result: Attribution, conversions: dict[str, float], values: dict[str, float]) -> None:
    got_conversions, got_values = totals(result)
    assert got_conversions == pytest.approx(conversions, abs=1e-12)
    assert got_values == pytest.approx(values, abs=1e-9)


def test_first_touch_credits_the_channel_that_opened_each_journey() -> None:
    assert_totals(
        attribute(JOURNEYS, "first_touch"),
        {"paid": 2, "direct": 1, "organic": 1},
        {"paid": 1000, "direct": 100, "organic": 50},
    )


def test_last_touch_credits_the_channel_just_before_conversion() -> None:
    assert_totals(attribute(JOURNEYS, "last_touch"), {"direct": 4}, {"direct": 1150})


def test_last_non_direct_skips_direct_unless_direct_is_all_there_is() -> None:
    assert_totals(
        attribute(JOURNEYS, "last_non_direct"),
        {"webinar": 2, "direct": 1, "organic": 1},
        {"webinar": 1000, "direct": 100, "organic": 50},
    )


def test_last_non_direct_uses_the_direct_channel_named_in_the_conventions() -> None:
    result = attribute(JOURNEYS, "last_non_direct", conventions=Conventions(direct_channel="webinar"))
    assert totals(result)[0] == pytest.approx({"direct": 4})


def test_lead_creation_credits_the_touch_that_created_the_lead() -> None:
    assert_totals(
        attribute(JOURNEYS, "lead_creation"),
        {"email": 2, "direct": 1, "organic": 1},
        {"email": 1000, "direct": 100, "organic": 50},
    )


def test_linear_splits_each_journey_equally_among_its_touches() -> None:
    # J0: 1/4 each of 2 conversions and $1000; J1: all to direct; J2: half each.
    assert_totals(
        attribute(JOURNEYS, "linear"),
        {"paid": 0.5, "email": 0.5, "webinar": 0.5, "direct": 2.0, "organic": 0.5},
        {"paid": 250, "email": 250, "webinar": 250, "direct": 375, "organic": 25},
    )


def test_u_shaped_gives_forty_percent_to_each_end_and_halves_two_touch_journeys() -> None:
    # J0: 40/10/10/40; J1: 100; J2: 50/50.
    assert_totals(
        attribute(JOURNEYS, "u_shaped"),
        {"paid": 0.8, "email": 0.2, "webinar": 0.2, "direct": 2.3, "organic": 0.5},
        {"paid": 400, "email": 100, "webinar": 100, "direct": 525, "organic": 25},
    )


def test_w_shaped_stacks_coinciding_milestones_and_spreads_the_rest_over_them_when_no_touch_is_left() -> None:
    # J0: 30 paid, 30 email (lead), 30 webinar (opportunity), 10 direct. J1: 100 direct.
    # J2: organic is first and lead (60), direct is opportunity (30); no other touch, so 10 -> 5 + 5.
    assert_totals(
        attribute(JOURNEYS, "w_shaped"),
        {"paid": 0.6, "email": 0.6, "webinar": 0.6, "direct": 1.55, "organic": 0.65},
        {"paid": 300, "email": 300, "webinar": 300, "direct": 217.5, "organic": 32.5},
    )


def test_full_path_adds_the_closing_touch_as_a_fourth_milestone() -> None:
    # J0: four distinct milestones of 22.5 and no other touch, so 25 each. J2: 45 + 5 each side.
    assert_totals(
        attribute(JOURNEYS, "full_path"),
        {"paid": 0.5, "email": 0.5, "webinar": 0.5, "direct": 2.0, "organic": 0.5},
        {"paid": 250, "email": 250, "webinar": 250, "direct": 375, "organic": 25},
    )


def test_time_decay_halves_a_touch_weight_every_half_life() -> None:
    # J0 ages 21, 14, 7, 0 days: weights 1/8, 1/4, 1/2, 1 -> 1/15, 2/15, 4/15, 8/15. J2: 1/3, 2/3.
    assert_totals(
        attribute(JOURNEYS, "time_decay", half_life_days=7),
        {"paid": 2 / 15, "email": 4 / 15, "webinar": 8 / 15, "direct": 41 / 15, "organic": 1 / 3},
        {
            "paid": 1000 / 15,
            "email": 2000 / 15,
            "webinar": 4000 / 15,
            "direct": 8000 / 15 + 100 + 100 / 3,
            "organic": 50 / 3,
        },
    )


def test_custom_position_weights_follow_first_middle_last() -> None:
    # J0: 60/5/5/30 of 2; J1: 100; J2: first:last = 0.6:0.3 -> 2/3, 1/3.
    assert_totals(
        attribute(JOURNEYS, "position_weights", first=0.6, middle=0.1, last=0.3),
        {"paid": 1.2, "email": 0.1, "webinar": 0.1, "direct": 0.6 + 1 + 1 / 3, "organic": 2 / 3},
        {"paid": 600, "email": 50, "webinar": 50, "direct": 300 + 100 + 50 / 3, "organic": 100 / 3},
    )


def test_journey_credits_push_one_journey_split_down_to_its_opportunity() -> None:
    result = attribute(JOURNEYS, "u_shaped")
    expected = {"paid": (0.8, 400.0), "email": (0.2, 100.0), "webinar": (0.2, 100.0), "direct": (0.8, 400.0)}
    credits = result.journey_credits(0)
    assert credits.keys() == expected.keys()
    for channel, (conversions, value) in expected.items():
        assert credits[channel][0] == pytest.approx(conversions)
        assert credits[channel][1] == pytest.approx(value)
    assert result.journey_credits(3) == {"paid": (0.0, 0.0), "email": (0.0, 0.0)}


def test_describe_shows_the_model_its_parameters_and_the_conventions() -> None:
    text = attribute(JOURNEYS, "time_decay", half_life_days=3.5).describe()
    assert "model: time_decay (parameters: half_life_days=3.5)" in text
    assert "repeats: consecutive repeats of a channel collapsed" in text
    assert "total" in text


RULES: list[tuple[str, dict[str, Any]]] = [
    ("first_touch", {}),
    ("last_touch", {}),
    ("lead_creation", {}),
    ("last_non_direct", {}),
    ("linear", {}),
    ("u_shaped", {}),
    ("w_shaped", {}),
    ("full_path", {}),
    ("time_decay", {"half_life_days": 3.0}),
    ("position_weights", {"first": 0.5, "middle": 0.2, "last": 0.3}),
]


@pytest.mark.parametrize(("model", "parameters"), RULES)
@pytest.mark.parametrize("collapse_repeats", [True, False])
@settings(max_examples=30, deadline=None)
@given(journeys=journey_lists())
def test_every_rule_model_matches_a_plain_per_journey_reimplementation(
    model: str, parameters: dict[str, Any], collapse_repeats: bool, journeys: list[Journey]
) -> None:
    result = attribute(journeys, model, conventions=Conventions(collapse_repeats=collapse_repeats), **parameters)
    shaped = [collapse(j) if collapse_repeats else j for j in journeys]
    weights = touch_weights(model, **parameters)
    expected = reference_credits(shaped, lambda j: shares_from_weights(j, weights(j)))
    got_conversions, got_values = result.conversion_credits(), result.value_credits()
    for row in expected.itertuples():
        channel = result.channels.index(row.channel)
        assert got_conversions[row.journey, channel] == pytest.approx(row.conversions, abs=1e-9)
        assert got_values[row.journey, channel] == pytest.approx(row.value, abs=1e-7)
    assert got_conversions.sum() == pytest.approx(expected["conversions"].sum(), abs=1e-9)

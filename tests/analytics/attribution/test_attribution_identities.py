"""Identities every model keeps, and the errors of running a model by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from attribution_strategies import journey_lists
from hypothesis import given, settings

from revcycle.analytics.attribution import (
    MODELS,
    AttributionError,
    Conventions,
    Journey,
    JourneyTable,
    attribute,
)

PARAMETERS: dict[str, dict[str, Any]] = {
    "time_decay": {"half_life_days": 2.0},
    "position_weights": {"first": 0.25, "middle": 0.5, "last": 0.25},
    "markov": {"order": 1},
}
EVERY_MODEL = [*MODELS, "markov_order_2", "markov_order_3", "shapley_conversion_rate"]
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "markov_order_2": ("markov", {"order": 2}),
    "markov_order_3": ("markov", {"order": 3}),
    "shapley_conversion_rate": ("shapley", {"variant": "conversion_rate"}),
}


@pytest.mark.parametrize("name", EVERY_MODEL)
@pytest.mark.parametrize("collapse_repeats", [True, False])
@settings(max_examples=30, deadline=None)
@given(journeys=journey_lists(max_size=15, max_touches=7))
def test_every_model_credits_each_journey_exactly_its_conversions_and_value(
    name: str, collapse_repeats: bool, journeys: list[Journey]
) -> None:
    model, parameters = VARIANTS.get(name, (name, PARAMETERS.get(name, {})))
    table = JourneyTable.from_journeys(journeys, Conventions(collapse_repeats=collapse_repeats))
    if model == "markov" and parameters["order"] > int(table.lengths.max()):
        with pytest.raises(AttributionError, match="higher than the longest path"):
            attribute(table, model, **parameters)
        return
    result = attribute(table, model, **parameters)
    assert (result.shares >= 0).all()
    conversions = np.array([j.conversions for j in journeys])
    values = np.array([j.value for j in journeys])
    np.testing.assert_allclose(result.conversion_credits().sum(axis=1), conversions, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.value_credits().sum(axis=1), values, rtol=0, atol=1e-9)
    touched = table.presence > 0
    assert not result.shares[~touched].any(), "credit went to a channel the journey never touched"


def test_an_unknown_model_name_is_an_error_that_lists_the_known_ones() -> None:
    with pytest.raises(AttributionError, match="unknown attribution model 'last_click'; known models: first_touch"):
        attribute([Journey(("a",))], "last_click")


def test_a_parameter_the_model_does_not_take_is_an_error() -> None:
    with pytest.raises(AttributionError, match=r"model 'linear':.*half_life_days"):
        attribute([Journey(("a",))], "linear", half_life_days=3)


@pytest.mark.parametrize("half_life", [0.0, -7.0, float("nan")])
def test_a_half_life_that_is_not_positive_is_an_error(half_life: float) -> None:
    with pytest.raises(AttributionError, match="half_life_days must be > 0"):
        attribute([Journey(("a",), (0.0,))], "time_decay", half_life_days=half_life)


def test_time_decay_needs_the_time_of_every_converting_touch() -> None:
    with pytest.raises(AttributionError, match="journey 1 converted but has no seconds_before"):
        attribute([Journey(("a",), (5.0,)), Journey(("b",))], "time_decay")


def test_milestone_models_name_the_converting_journey_without_a_lead_touch() -> None:
    journeys = [Journey(("a", "b"), lead_index=0, opportunity_index=1), Journey(("b",), opportunity_index=0)]
    for model in ("lead_creation", "w_shaped", "full_path"):
        with pytest.raises(AttributionError, match="journey 1 converted but has no lead_index"):
            attribute(journeys, model)


def test_milestones_are_not_needed_on_journeys_that_did_not_convert() -> None:
    journeys = [
        Journey(("a", "b"), lead_index=0, opportunity_index=1),
        Journey(("b",), conversions=0, nulls=4),
    ]
    assert attribute(journeys, "w_shaped").channel_conversions() == pytest.approx({"a": 0.65, "b": 0.35})


@pytest.mark.parametrize(
    ("weights", "message"),
    [((0.5, 0.5, 0.5), "must sum to 1"), ((1.2, 0.0, -0.2), "last must be finite and >= 0")],
)
def test_custom_position_weights_must_be_a_split_of_one(weights: tuple[float, float, float], message: str) -> None:
    first, middle, last = weights
    with pytest.raises(AttributionError, match=message):
        attribute([Journey(("a",))], "position_weights", first=first, middle=middle, last=last)


def test_a_table_cannot_be_reshaped_with_other_conventions() -> None:
    table = JourneyTable.from_journeys([Journey(("a",))])
    with pytest.raises(AttributionError, match="built with other conventions"):
        attribute(table, "linear", conventions=Conventions(collapse_repeats=False))

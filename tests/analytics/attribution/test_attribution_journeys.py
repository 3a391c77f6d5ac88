"""Journeys, conventions and the shaped table every model reads."""

from __future__ import annotations

import numpy as np
import pytest

from revcycle.analytics.attribution import AttributionError, Conventions, Journey, JourneyTable

DAY = 86_400.0


def test_a_journey_needs_at_least_one_channel() -> None:
    with pytest.raises(AttributionError, match="non-empty tuple"):
        Journey(())


def test_a_journey_rejects_an_empty_channel_name() -> None:
    with pytest.raises(AttributionError, match=r"channels\[1\]"):
        Journey(("email", ""))


def test_seconds_before_must_have_one_entry_per_channel() -> None:
    with pytest.raises(AttributionError, match="2 entries for 3 channels"):
        Journey(("a", "b", "c"), (2.0, 1.0))


def test_seconds_before_must_not_increase_along_the_journey() -> None:
    with pytest.raises(AttributionError, match="must not increase"):
        Journey(("a", "b"), (1.0, 5.0))


def test_value_without_a_conversion_is_rejected() -> None:
    with pytest.raises(AttributionError, match="value must be 0 when conversions is 0"):
        Journey(("a",), conversions=0, value=10.0, nulls=1)


def test_negative_counts_are_rejected() -> None:
    with pytest.raises(AttributionError, match="nulls must be finite and >= 0"):
        Journey(("a",), nulls=-1)


def test_a_lead_created_after_the_opportunity_is_rejected() -> None:
    with pytest.raises(AttributionError, match="lead_index must not come after opportunity_index"):
        Journey(("a", "b"), lead_index=1, opportunity_index=0)


def test_a_milestone_outside_the_journey_is_rejected() -> None:
    with pytest.raises(AttributionError, match=r"lead_index must be an int in 0\.\.1"):
        Journey(("a", "b"), lead_index=2)


def test_conventions_describe_every_choice_that_changes_the_numbers() -> None:
    text = Conventions(collapse_repeats=False, include_non_converting=False, direct_channel="(none)").describe()
    assert "repeats of a channel kept" in text
    assert "non-converting journeys ignored" in text
    assert "'(none)'" in text
    assert "lookback window: applied upstream" in text


def test_collapsing_repeats_keeps_the_latest_touch_of_each_run_and_moves_the_milestones() -> None:
    journey = Journey(
        ("paid", "paid", "email", "email", "paid"),
        (5 * DAY, 4 * DAY, 3 * DAY, 2 * DAY, DAY),
        lead_index=3,
        opportunity_index=4,
    )
    table = JourneyTable.from_journeys([journey])
    assert [table.channels[c] for c in table.codes] == ["paid", "email", "paid"]
    assert table.seconds.tolist() == [4 * DAY, 2 * DAY, DAY]
    assert (int(table.lead_index[0]), int(table.opportunity_index[0])) == (1, 2)


def test_keeping_repeats_leaves_the_path_as_it_came() -> None:
    journey = Journey(("paid", "paid", "email"), lead_index=1)
    table = JourneyTable.from_journeys([journey], Conventions(collapse_repeats=False))
    assert [table.channels[c] for c in table.codes] == ["paid", "paid", "email"]
    assert int(table.lead_index[0]) == 1


def test_ignoring_non_converting_journeys_zeroes_their_nulls_and_keeps_the_rows() -> None:
    journeys = [Journey(("a",), conversions=1, nulls=3), Journey(("b",), conversions=0, nulls=2)]
    table = JourneyTable.from_journeys(journeys, Conventions(include_non_converting=False))
    assert table.nulls.tolist() == [0.0, 0.0]
    assert table.n_journeys == 2


def test_building_from_columns_gives_the_same_table_as_building_from_journeys() -> None:
    journeys = [
        Journey(("web", "ads", "ads"), (3.0, 2.0, 1.0), 2, 40.0, 1, 0, 2),
        Journey(("ads",), (0.0,), 0, 0.0, 5),
    ]
    from_objects = JourneyTable.from_journeys(journeys)
    from_columns = JourneyTable.from_arrays(
        ["web", "ads"],
        codes=[0, 1, 1, 1],
        offsets=[0, 3, 4],
        conversions=[2, 0],
        values=[40.0, 0.0],
        nulls=[1, 5],
        seconds=[3.0, 2.0, 1.0, 0.0],
        lead_index=[0, -1],
        opportunity_index=[2, -1],
    )
    assert from_columns.channels == from_objects.channels == ("ads", "web")
    for column in ("codes", "offsets", "seconds", "conversions", "values", "nulls", "lead_index"):
        assert np.array_equal(getattr(from_columns, column), getattr(from_objects, column)), column
    assert from_columns.opportunity_index.tolist() == [1, -1]


def test_building_from_columns_names_the_journey_with_a_bad_count() -> None:
    with pytest.raises(AttributionError, match="journey 1: conversions must be finite and >= 0"):
        JourneyTable.from_arrays(
            ["a"], codes=[0, 0], offsets=[0, 1, 2], conversions=[1, -2], values=[0, 0], nulls=[0, 0]
        )


def test_building_from_columns_rejects_a_journey_without_touches() -> None:
    with pytest.raises(AttributionError, match="journey 1 has no touch"):
        JourneyTable.from_arrays(["a"], codes=[0], offsets=[0, 1, 1], conversions=[1, 1], values=[0, 0], nulls=[0, 0])


def test_building_from_columns_rejects_codes_without_a_channel_name() -> None:
    with pytest.raises(AttributionError, match=r"codes must lie in 0\.\.0"):
        JourneyTable.from_arrays(["a"], codes=[1], offsets=[0, 1], conversions=[1], values=[0], nulls=[0])


def test_an_empty_list_of_journeys_is_an_error() -> None:
    with pytest.raises(AttributionError, match="no journeys"):
        JourneyTable.from_journeys([])

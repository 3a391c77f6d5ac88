"""Hypothesis strategies for random journeys, shared by the attribution property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from revcycle.analytics.attribution import Journey

__all__ = ["CHANNELS", "journey_lists", "journeys"]

CHANNELS = ("direct", "email", "organic", "paid", "webinar")
DAY = 86_400.0


@st.composite
def journeys(draw: st.DrawFn, channels: tuple[str, ...] = CHANNELS, max_touches: int = 6) -> Journey:
    """One journey with milestones, decreasing times, whole-number counts and a value when it converted."""
    path = tuple(draw(st.lists(st.sampled_from(channels), min_size=1, max_size=max_touches)))
    gaps = draw(st.lists(st.floats(0, 20 * DAY), min_size=len(path), max_size=len(path)))
    seconds = tuple(sum(gaps[i:]) for i in range(len(path)))
    lead, opportunity = sorted(draw(st.lists(st.integers(0, len(path) - 1), min_size=2, max_size=2)))
    conversions = float(draw(st.integers(0, 4)))
    value = round(draw(st.floats(1, 5_000)), 2) * conversions
    nulls = float(draw(st.integers(0, 4)))
    return Journey(path, seconds, conversions, value, nulls, lead, opportunity)


def journey_lists(
    channels: tuple[str, ...] = CHANNELS, max_size: int = 12, max_touches: int = 6
) -> st.SearchStrategy[list[Journey]]:
    """Lists of journeys in which at least one journey converts."""
    return st.lists(journeys(channels, max_touches), min_size=1, max_size=max_size).filter(
        lambda found: any(journey.conversions > 0 for journey in found)
    )

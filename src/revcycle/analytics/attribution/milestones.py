"""Milestone models: W-shaped (first, lead, opportunity) and full path (those plus the closing touch).

Both need ``lead_index`` and ``opportunity_index`` on every converting journey. Fallbacks, stated once:

* milestones that fall on the same touch stack: a first touch that also created the lead gets 30 + 30 = 60%
  (W-shaped), a one-touch journey gets 100%;
* the remainder (10%) is split equally over the touches that are no milestone; when every touch is a
  milestone it is split equally over the distinct milestone touches (three distinct milestones in a
  three-touch journey: 33.3% each; W-shaped with the lead at touch 0 and the opportunity at touch 1 of a
  two-touch journey: 65% / 35%).

In full path the closing (closed-won) milestone is the journey's last touch: journeys end at the conversion.
"""

from __future__ import annotations

import numpy as np

from revcycle.analytics.attribution.positions import required_milestone
from revcycle.analytics.attribution.result import Attribution
from revcycle.analytics.attribution.spread import touch_shares
from revcycle.analytics.attribution.table import FloatArray, IntArray, JourneyTable

__all__ = ["full_path", "w_shaped"]


def w_shaped(table: JourneyTable) -> Attribution:
    """30% each to the first, lead-creation and opportunity-creation touches, 10% over the rest."""
    milestones = [np.zeros(table.n_journeys, np.int64), *_lead_and_opportunity(table)]
    return Attribution.of(table, "w_shaped", touch_shares(table, _weights(table, milestones, 0.3, 0.1)))


def full_path(table: JourneyTable) -> Attribution:
    """22.5% each to first, lead-creation, opportunity-creation and closing touches, 10% over the rest."""
    first = np.zeros(table.n_journeys, np.int64)
    milestones = [first, *_lead_and_opportunity(table), table.lengths - 1]
    return Attribution.of(table, "full_path", touch_shares(table, _weights(table, milestones, 0.225, 0.1)))


def _lead_and_opportunity(table: JourneyTable) -> list[IntArray]:
    return [
        required_milestone(table, table.lead_index, "lead_index"),
        required_milestone(table, table.opportunity_index, "opportunity_index"),
    ]


def _weights(table: JourneyTable, milestones: list[IntArray], each: float, rest: float) -> FloatArray:
    journey, position = table.journey_of_touch, table.position
    stacked = sum((each * (position == m[journey]) for m in milestones), np.zeros(len(position)))
    is_milestone = stacked > 0
    milestone_touches = np.bincount(journey, weights=is_milestone, minlength=table.n_journeys)
    others = table.lengths - milestone_touches
    to_milestone = np.where(others == 0, rest / milestone_touches, 0.0)
    to_other = rest / np.maximum(others, 1)
    return np.asarray(stacked + np.where(is_milestone, to_milestone[journey], to_other[journey]), np.float64)

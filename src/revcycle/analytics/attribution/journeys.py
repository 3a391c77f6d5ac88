"""The input of every attribution model: journeys, and the conventions that shape them.

A journey is the time-ordered list of channels that touched one person (or opportunity, or account) before a
conversion, or before the journey ended without one. Identical journeys may be aggregated: ``conversions``
and ``nulls`` then count how many of them converted and how many did not, and ``value`` is the dollars of all
their conversions. Aggregate only journeys that share everything a model reads: the path, the lead and
opportunity touches, and (for time decay) the touch times; otherwise run time decay on per-person journeys.

The lookback window is applied upstream, by whatever builds the journeys (only touches inside the window are
listed); a journey must keep at least one touch, so the builder decides what a conversion with no touch in the
window becomes (dropped, or one touch of the direct channel).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from revcycle.analytics.attribution.errors import AttributionError

__all__ = ["Conventions", "Journey"]


@dataclass(frozen=True, slots=True)
class Journey:
    """One path of touches, with how often it converted, how often it did not, and the dollars it brought."""

    channels: tuple[str, ...]
    seconds_before: tuple[float, ...] = ()
    conversions: float = 1.0
    value: float = 0.0
    nulls: float = 0.0
    lead_index: int | None = None
    opportunity_index: int | None = None

    def __post_init__(self) -> None:
        _check_channels(self.channels)
        _check_seconds(self.seconds_before, len(self.channels))
        _check_counts(self.conversions, self.nulls, self.value)
        _check_index("lead_index", self.lead_index, len(self.channels))
        _check_index("opportunity_index", self.opportunity_index, len(self.channels))
        if (
            self.lead_index is not None
            and self.opportunity_index is not None
            and self.lead_index > self.opportunity_index
        ):
            raise AttributionError("lead_index must not come after opportunity_index")


@dataclass(frozen=True, slots=True)
class Conventions:
    """The choices that change every model's numbers, shown beside every result."""

    collapse_repeats: bool = True
    include_non_converting: bool = True
    direct_channel: str = "direct"

    def describe(self) -> str:
        """Say, one line each, how journeys were shaped before any model ran."""
        repeats = (
            "consecutive repeats of a channel collapsed into one touch (the latest of the run kept)"
            if self.collapse_repeats
            else "consecutive repeats of a channel kept as separate touches"
        )
        nulls = (
            "non-converting journeys included (Markov learns from them)"
            if self.include_non_converting
            else "non-converting journeys ignored (Markov then sees only converting paths)"
        )
        return "\n".join(
            [
                f"repeats: {repeats}",
                f"non-converting: {nulls}",
                f"direct channel: {self.direct_channel!r} (skipped by last non-direct touch)",
                "lookback window: applied upstream when journeys were built",
            ]
        )


def _check_channels(channels: tuple[str, ...]) -> None:
    if not isinstance(channels, tuple) or not channels:
        raise AttributionError("channels must be a non-empty tuple of channel names")
    for position, channel in enumerate(channels):
        if not isinstance(channel, str) or not channel:
            raise AttributionError(f"channels[{position}] must be a non-empty string, got {channel!r}")


def _check_seconds(seconds: tuple[float, ...], touches: int) -> None:
    if not seconds:
        return
    if len(seconds) != touches:
        raise AttributionError(f"seconds_before has {len(seconds)} entries for {touches} channels")
    for position, second in enumerate(seconds):
        if not math.isfinite(second) or second < 0:
            raise AttributionError(f"seconds_before[{position}] must be finite and >= 0, got {second!r}")
    if any(later > earlier for earlier, later in itertools.pairwise(seconds)):
        raise AttributionError("seconds_before must not increase: touches are listed oldest first")


def _check_counts(conversions: float, nulls: float, value: float) -> None:
    for name, number in (("conversions", conversions), ("nulls", nulls)):
        if not math.isfinite(number) or number < 0:
            raise AttributionError(f"{name} must be finite and >= 0, got {number!r}")
    if not math.isfinite(value):
        raise AttributionError(f"value must be finite, got {value!r}")
    if conversions == 0 and value != 0:
        raise AttributionError("value must be 0 when conversions is 0")


def _check_index(name: str, index: int | None, touches: int) -> None:
    if index is None:
        return
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < touches:
        raise AttributionError(f"{name} must be an int in 0..{touches - 1}, got {index!r}")

"""Journeys as flat numpy columns, shaped by the conventions, which every model reads.

Touches of all journeys sit back to back: journey ``j`` owns ``codes[offsets[j]:offsets[j + 1]]``. Channels
are coded by their index in the sorted ``channels`` tuple, so the same data always gives the same columns.
Unknown seconds are NaN; unknown lead or opportunity touches are -1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from revcycle.analytics.attribution import checks, shaping
from revcycle.analytics.attribution.errors import AttributionError
from revcycle.analytics.attribution.journeys import Conventions, Journey

__all__ = ["FloatArray", "IntArray", "JourneyTable"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class JourneyTable:
    """The shaped journeys: one row per input journey, in input order, touches flattened."""

    channels: tuple[str, ...]
    codes: IntArray
    seconds: FloatArray
    offsets: IntArray
    conversions: FloatArray
    values: FloatArray
    nulls: FloatArray
    lead_index: IntArray
    opportunity_index: IntArray
    conventions: Conventions = field(default_factory=Conventions)

    @classmethod
    def from_journeys(cls, journeys: Sequence[Journey], conventions: Conventions | None = None) -> JourneyTable:
        """Encode validated ``Journey`` objects, then apply the conventions."""
        if not journeys:
            raise AttributionError("no journeys to attribute")
        channels = tuple(sorted({channel for journey in journeys for channel in journey.channels}))
        code_of = {channel: code for code, channel in enumerate(channels)}
        lengths = [len(journey.channels) for journey in journeys]
        return cls.from_arrays(
            channels,
            codes=np.fromiter((code_of[c] for j in journeys for c in j.channels), np.int64, sum(lengths)),
            offsets=np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]),
            conversions=np.array([j.conversions for j in journeys], np.float64),
            values=np.array([j.value for j in journeys], np.float64),
            nulls=np.array([j.nulls for j in journeys], np.float64),
            seconds=np.array([s for j in journeys for s in _seconds_or_nan(j)], np.float64),
            lead_index=np.array([_or_minus_one(j.lead_index) for j in journeys], np.int64),
            opportunity_index=np.array([_or_minus_one(j.opportunity_index) for j in journeys], np.int64),
            conventions=conventions,
        )

    @classmethod
    def from_arrays(
        cls,
        channels: Sequence[str],
        *,
        codes: npt.ArrayLike,
        offsets: npt.ArrayLike,
        conversions: npt.ArrayLike,
        values: npt.ArrayLike,
        nulls: npt.ArrayLike,
        seconds: npt.ArrayLike | None = None,
        lead_index: npt.ArrayLike | None = None,
        opportunity_index: npt.ArrayLike | None = None,
        conventions: Conventions | None = None,
    ) -> JourneyTable:
        """Build from columns (fast path for millions of journeys), validate, then apply the conventions."""
        columns = checks.checked_columns(
            channels, codes, offsets, conversions, values, nulls, seconds, lead_index, opportunity_index
        )
        conventions = conventions or Conventions()
        shaped = shaping.shaped(columns, conventions)
        return cls(
            channels=shaped.channels,
            codes=shaped.codes,
            seconds=shaped.seconds,
            offsets=shaped.offsets,
            conversions=shaped.conversions,
            values=shaped.values,
            nulls=shaped.nulls,
            lead_index=shaped.lead_index,
            opportunity_index=shaped.opportunity_index,
            conventions=conventions,
        )

    @property
    def n_journeys(self) -> int:
        """How many journeys (rows) the table holds."""
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        """How many distinct channels the journeys use."""
        return len(self.channels)

    @cached_property
    def lengths(self) -> IntArray:
        """Touches per journey, after the conventions."""
        return np.diff(self.offsets)

    @cached_property
    def journey_of_touch(self) -> IntArray:
        """The journey each touch belongs to."""
        return np.repeat(np.arange(self.n_journeys, dtype=np.int64), self.lengths)

    @cached_property
    def position(self) -> IntArray:
        """Each touch's 0-based position inside its journey."""
        return np.arange(len(self.codes), dtype=np.int64) - self.offsets[:-1][self.journey_of_touch]

    @cached_property
    def presence(self) -> FloatArray:
        """1.0 where a journey touches a channel at least once, shape (journeys, channels)."""
        cells = self.journey_of_touch * self.n_channels + self.codes
        counts = np.bincount(cells, minlength=self.n_journeys * self.n_channels)
        return (counts > 0).astype(np.float64).reshape(self.n_journeys, self.n_channels)

    def code_of(self, channel: str) -> int | None:
        """The code of a channel, or None when no journey uses it."""
        return self.channels.index(channel) if channel in self.channels else None


def _seconds_or_nan(journey: Journey) -> tuple[float, ...]:
    return journey.seconds_before or (float("nan"),) * len(journey.channels)


def _or_minus_one(index: int | None) -> int:
    return -1 if index is None else index

"""What a pact would have done over a past period, from each person's first qualifying moment: MQLs per
month, how many of them reached each later stage, the SDR workload it implies, and who changes status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["Backtest", "Outcome", "months_between", "outcome"]

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Outcome:
    """One pact over the period."""

    label: str
    mqls: int
    by_month: dict[str, int]
    reached: dict[str, int]
    per_sdr_month: float | None

    def rate(self, stage: str) -> float | None:
        """Share of the MQLs that reached a later stage (None without MQLs)."""
        return self.reached[stage] / self.mqls if self.mqls else None


@dataclass(frozen=True)
class Backtest:
    """The current pact and a proposal over the same history."""

    since: datetime
    until: datetime
    months: list[str]
    sdrs: int
    current: Outcome
    proposed: Outcome
    newly_qualified: int
    no_longer_qualified: int
    earlier: int
    later: int
    examples: list[tuple[str, str, str]] = field(default_factory=list)


def months_between(since: datetime, until: datetime, zone: str) -> list[str]:
    """The calendar months (YYYY-MM, in the pact's time zone) the period touches."""
    first = since.astimezone(ZoneInfo(zone))
    last = (until - timedelta(microseconds=1)).astimezone(ZoneInfo(zone))
    year, month, out = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def outcome(label: str, first_us: Ints, person_ids: Ints, reached: Mapping[str, set[int]], months: list[str],
            zone: str, sdrs: int) -> Outcome:
    """Count one pact's MQLs by month and how many reached each later stage."""
    qualified = first_us >= 0
    stamps = pd.to_datetime(first_us[qualified], unit="us", utc=True).tz_convert(zone)
    counted = pd.Series(stamps.strftime("%Y-%m")).value_counts().to_dict()
    ids = set(person_ids[qualified].tolist())
    mqls = len(ids)
    per_sdr = mqls / len(months) / sdrs if sdrs and months else None
    return Outcome(label, mqls, {month: int(counted.get(month, 0)) for month in months},
                   {stage: len(ids & people) for stage, people in reached.items()}, per_sdr)

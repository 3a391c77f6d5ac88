"""When each sales user works, as UTC windows, and the first working moment at or after a time.

Windows are computed day by day with the user's real IANA zone (so daylight saving is right), skipping
non-working days and time off; a lookup is one `searchsorted` over all users' windows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

__all__ = ["Shift", "WorkWindows", "add_months", "build_windows", "epoch_seconds"]

Ints = npt.NDArray[np.int64]
_SPAN = 1 << 40  # more seconds than any simulated period, to key windows by (user, time)


def epoch_seconds(day: date) -> int:
    """Seconds since 1970-01-01T00:00Z at midnight UTC of `day`."""
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (the 28th at most, so every month has it)."""
    total = day.month - 1 + months
    return date(day.year + total // 12, total % 12 + 1, min(day.day, 28))


@dataclass(frozen=True)
class Shift:
    """One user's working pattern: zone, hours (minutes after midnight), weekdays (0 = Monday), time off."""

    zone: str
    start_minute: int
    end_minute: int
    weekdays: tuple[int, ...]
    time_off: tuple[tuple[date, date], ...]

    def works_on(self, day: date) -> bool:
        """Whether `day` is a working day for this user."""
        if day.weekday() not in self.weekdays:
            return False
        return not any(first <= day <= last for first, last in self.time_off)


@lru_cache(maxsize=4096)
def _utc_seconds(zone: str, day: date, minute: int) -> int:
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=ZoneInfo(zone))
    return int(local.astimezone(UTC).timestamp())


@dataclass(frozen=True)
class WorkWindows:
    """All users' working windows, sorted by user then time, keyed for vectorised lookups."""

    starts: Ints
    end_keys: Ints  # user * _SPAN + end, ascending

    def next_working(self, users: npt.NDArray[np.integer], at: Ints) -> Ints:
        """For each (user, time), that time if the user is working then, else when their next window opens."""
        users64 = users.astype(np.int64)
        index = np.searchsorted(self.end_keys, users64 * _SPAN + at, side="right")
        index = np.minimum(index, len(self.starts) - 1)
        return np.maximum(at, self.starts[index])


def build_windows(shifts: list[Shift], first: date, last: date) -> WorkWindows:
    """The windows of every shift from `first` to `last` (inclusive), in epoch seconds."""
    starts: list[int] = []
    end_keys: list[int] = []
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    for user, shift in enumerate(shifts):
        for day in days:
            if shift.works_on(day):
                starts.append(_utc_seconds(shift.zone, day, shift.start_minute))
                end_keys.append(user * _SPAN + _utc_seconds(shift.zone, day, shift.end_minute))
    return WorkWindows(np.array(starts, dtype=np.int64), np.array(end_keys, dtype=np.int64))

"""The period a report looks at: [since, until) in UTC, either end open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import ibis.expr.types as ir

from revcycle.analytics.errors import AnalyticsError

__all__ = ["Period"]


@dataclass(frozen=True)
class Period:
    """Half-open [since, until); dates are midnight UTC. An empty period is refused."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise AnalyticsError(f"empty period: since {self.since} is not before until {self.until}")

    def contains(self, column: ir.TimestampValue) -> ir.BooleanValue:
        """True where the instant falls in the period (a missing instant is outside a bounded period)."""
        condition = column.notnull()
        if self.since is not None:
            condition &= column >= _midnight(self.since)
        if self.until is not None:
            condition &= column < _midnight(self.until)
        return condition

    def describe(self) -> str:
        """The period in words."""
        if self.since is None and self.until is None:
            return "all time"
        return f"from {self.since or 'the start'} until {self.until or 'now'} (exclusive)"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)

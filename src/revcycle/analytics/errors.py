"""The error analytics raises for a request it cannot answer (bad engine, grouping, period, model ...)."""

from __future__ import annotations

from revcycle.errors import RevcycleError

__all__ = ["AnalyticsError"]


class AnalyticsError(RevcycleError, ValueError):
    """A report asked for something the data or the engine cannot give; the message says what to change."""

"""The error analytics raises for a request it cannot answer (bad engine, grouping, period, model ...).

It lives in `revcycle.errors` with the rest of the tree; this name stays so analytics imports read locally."""

from __future__ import annotations

from revcycle.errors import AnalyticsError

__all__ = ["AnalyticsError"]

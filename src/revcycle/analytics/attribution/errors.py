"""The one error that attribution raises for input it cannot use; defined in `revcycle.errors` with the tree."""

from __future__ import annotations

from revcycle.errors import AttributionError

__all__ = ["AttributionError"]

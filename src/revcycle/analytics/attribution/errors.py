"""The one error that attribution raises for input it cannot use, a branch of revcycle's error tree."""

from revcycle.errors import RevcycleError

__all__ = ["AttributionError"]


class AttributionError(RevcycleError, ValueError):
    """Bad journeys, conventions or model parameters; the message names the journey, field or parameter."""

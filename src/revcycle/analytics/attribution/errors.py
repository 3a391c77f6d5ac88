"""The one error that attribution raises for input it cannot use."""

__all__ = ["AttributionError"]


class AttributionError(ValueError):
    """Bad journeys, conventions or model parameters; the message names the journey, field or parameter."""

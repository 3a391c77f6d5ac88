"""Run any model by name, from journeys or from an already shaped table."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from revcycle.analytics.attribution.decay import time_decay
from revcycle.analytics.attribution.errors import AttributionError
from revcycle.analytics.attribution.journeys import Conventions, Journey
from revcycle.analytics.attribution.markov import markov
from revcycle.analytics.attribution.milestones import full_path, w_shaped
from revcycle.analytics.attribution.positions import (
    first_touch,
    last_non_direct_touch,
    last_touch,
    lead_creation_touch,
    linear,
    position_weights,
    u_shaped,
)
from revcycle.analytics.attribution.result import Attribution
from revcycle.analytics.attribution.shapley import shapley
from revcycle.analytics.attribution.table import JourneyTable

__all__ = ["MODELS", "as_table", "attribute"]

MODELS: Mapping[str, Callable[..., Attribution]] = {
    "first_touch": first_touch,
    "lead_creation": lead_creation_touch,
    "last_touch": last_touch,
    "last_non_direct": last_non_direct_touch,
    "linear": linear,
    "u_shaped": u_shaped,
    "w_shaped": w_shaped,
    "full_path": full_path,
    "time_decay": time_decay,
    "position_weights": position_weights,
    "markov": markov,
    "shapley": shapley,
}


def as_table(journeys: Sequence[Journey] | JourneyTable, conventions: Conventions | None = None) -> JourneyTable:
    """Shape journeys into a table; a table passes through if it was built with the same conventions."""
    if isinstance(journeys, JourneyTable):
        if conventions is not None and conventions != journeys.conventions:
            raise AttributionError("this table was built with other conventions; rebuild it from journeys")
        return journeys
    return JourneyTable.from_journeys(journeys, conventions)


def attribute(
    journeys: Sequence[Journey] | JourneyTable,
    model: str,
    *,
    conventions: Conventions | None = None,
    **parameters: Any,
) -> Attribution:
    """Run the model called ``model`` (a key of ``MODELS``) with its keyword parameters."""
    if model not in MODELS:
        raise AttributionError(f"unknown attribution model {model!r}; known models: {', '.join(MODELS)}")
    function = MODELS[model]
    table = as_table(journeys, conventions)
    try:
        inspect.signature(function).bind(table, **parameters)
    except TypeError as error:
        raise AttributionError(f"model {model!r}: {error}") from None
    return function(table, **parameters)

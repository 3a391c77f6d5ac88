"""Exact multi-touch attribution over aggregated journeys: rule-based models, Markov and Shapley.

Build journeys (or a ``JourneyTable`` from columns), pick ``Conventions``, run a model by function or by
name with ``attribute``; every result carries each journey's split so credits can be pushed down to
opportunities, and ``describe()`` shows the conventions beside the numbers.
"""

from revcycle.analytics.attribution.absorbing_chain import MarkovChain, markov_chain
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
from revcycle.analytics.attribution.registry import MODELS, as_table, attribute
from revcycle.analytics.attribution.result import Attribution
from revcycle.analytics.attribution.shapley import shapley, shapley_rate_values
from revcycle.analytics.attribution.table import JourneyTable

__all__ = [
    "MODELS",
    "Attribution",
    "AttributionError",
    "Conventions",
    "Journey",
    "JourneyTable",
    "MarkovChain",
    "as_table",
    "attribute",
    "first_touch",
    "full_path",
    "last_non_direct_touch",
    "last_touch",
    "lead_creation_touch",
    "linear",
    "markov",
    "markov_chain",
    "position_weights",
    "shapley",
    "shapley_rate_values",
    "time_decay",
    "u_shaped",
    "w_shaped",
]

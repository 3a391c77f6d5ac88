"""Markov attribution: exact removal effects, then each journey split by its channels' removal effects."""

from __future__ import annotations

import numpy as np

from revcycle.analytics.attribution.absorbing_chain import MarkovChain, markov_chain
from revcycle.analytics.attribution.result import Attribution
from revcycle.analytics.attribution.spread import channel_shares
from revcycle.analytics.attribution.table import JourneyTable

__all__ = ["classic_split", "markov", "split_by_removal_effects"]


def markov(table: JourneyTable, order: int = 1, max_states: int = 5_000) -> Attribution:
    """Credit by removal effect, solved exactly on the absorbing chain of order 1 to 3.

    Each journey's conversions and value are split among the distinct channels it touched in proportion
    to their removal effects, so credits add up journey by journey. The measures also carry the classic
    global split (total conversions and value x removal effect / sum of removal effects) used by
    ChannelAttribution, for comparison.
    """
    return split_by_removal_effects(table, markov_chain(table, order, max_states))


def split_by_removal_effects(table: JourneyTable, chain: MarkovChain) -> Attribution:
    """Each journey of `table` split among its channels by the chain's removal effects (the chain may come
    from the same journeys or from window counts of them; its channels include the table's)."""
    effects = chain.removal_effects()
    vector = np.array([effects[c] for c in table.channels], np.float64)
    classic_conversions, classic_value = classic_split(
        effects, float(table.conversions.sum()), float(table.values.sum())
    )
    return Attribution.of(
        table,
        "markov",
        channel_shares(table, vector),
        parameters={"order": chain.order},
        measures={
            "removal_effect": effects,
            "classic_conversions": classic_conversions,
            "classic_value": classic_value,
        },
        statistics={"conversion_probability": chain.conversion_probability(), "states": len(chain.states)},
    )


def classic_split(
    effects: dict[str, float], conversions: float, value: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Total conversions and value shared in proportion to the removal effects (ChannelAttribution's output)."""
    total = sum(effects.values())
    return (
        {channel: effect / total * conversions for channel, effect in effects.items()},
        {channel: effect / total * value for channel, effect in effects.items()},
    )

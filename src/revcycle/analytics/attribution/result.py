"""What every model returns: each journey's split among channels, in conversions and in dollars."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from revcycle.analytics.attribution.journeys import Conventions
from revcycle.analytics.attribution.table import FloatArray, JourneyTable

__all__ = ["Attribution"]


@dataclass(frozen=True, eq=False)
class Attribution:
    """A model's credits; ``shares[j]`` is journey j's split (sums to 1), so credits can be pushed down."""

    model: str
    parameters: Mapping[str, float | int | str]
    channels: tuple[str, ...]
    shares: FloatArray
    conversions: FloatArray
    values: FloatArray
    conventions: Conventions
    measures: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    statistics: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        table: JourneyTable,
        model: str,
        shares: FloatArray,
        parameters: Mapping[str, float | int | str] | None = None,
        measures: Mapping[str, Mapping[str, float]] | None = None,
        statistics: Mapping[str, float] | None = None,
    ) -> Attribution:
        """Wrap a model's shares with the table's channels, counts and conventions."""
        return cls(
            model=model,
            parameters=dict(parameters or {}),
            channels=table.channels,
            shares=shares,
            conversions=table.conversions,
            values=table.values,
            conventions=table.conventions,
            measures=dict(measures or {}),
            statistics=dict(statistics or {}),
        )

    def conversion_credits(self) -> FloatArray:
        """Conversions credited to each (journey, channel)."""
        return self.shares * self.conversions[:, None]

    def value_credits(self) -> FloatArray:
        """Dollars credited to each (journey, channel)."""
        return self.shares * self.values[:, None]

    def channel_conversions(self) -> dict[str, float]:
        """Total conversions credited to each channel."""
        return dict(zip(self.channels, self.conversion_credits().sum(axis=0).tolist(), strict=True))

    def channel_values(self) -> dict[str, float]:
        """Total dollars credited to each channel."""
        return dict(zip(self.channels, self.value_credits().sum(axis=0).tolist(), strict=True))

    def journey_credits(self, journey: int) -> dict[str, tuple[float, float]]:
        """One journey's credits by channel as (conversions, dollars), for pushing down to its opportunity."""
        row = self.shares[journey]
        return {
            channel: (float(share * self.conversions[journey]), float(share * self.values[journey]))
            for channel, share in zip(self.channels, row.tolist(), strict=True)
            if share != 0
        }

    def describe(self) -> str:
        """A plain-text report: model, parameters, conventions and the credit of each channel."""
        parameters = ", ".join(f"{name}={value}" for name, value in self.parameters.items()) or "none"
        conversions, values = self.channel_conversions(), self.channel_values()
        rows = [f"  {c:<24} {conversions[c]:>14.4f} {values[c]:>16.2f}" for c in self.channels]
        total_conversions, total_value = float(np.sum(self.conversions)), float(np.sum(self.values))
        return "\n".join(
            [
                f"model: {self.model} (parameters: {parameters})",
                self.conventions.describe(),
                f"  {'channel':<24} {'conversions':>14} {'value':>16}",
                *rows,
                f"  {'total':<24} {total_conversions:>14.4f} {total_value:>16.2f}",
            ]
        )

"""Attribution report: any model of the attribution package over journeys built in the engine.

Markov reads window counts and channel sets (`window_markov`), not a path per journey; every other model reads
the distinct paths. `attribution` also accepts path rows for Markov: the plain path the fast one equals.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import ibis.expr.types as ir
import pandas as pd

from revcycle.analytics.attribution import MODELS, Attribution, AttributionError, Conventions, attribute, markov
from revcycle.analytics.attribution.absorbing_chain import check_order
from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.journeys import JourneySpec, journey_paths, untouched_conversions
from revcycle.analytics.paths import journey_table
from revcycle.analytics.reports.base import Report, describe_kinds
from revcycle.analytics.tables import Tables
from revcycle.analytics.window_markov import markov_queries, window_attribution

__all__ = ["AttributionReport"]


@dataclass(frozen=True)
class AttributionReport(Report):
    """Conversions and dollars credited to each channel by one model, with the conventions shown."""

    slug: ClassVar[str] = "attribution"
    title: ClassVar[str] = "Attribution by channel"

    spec: JourneySpec
    model: str = "linear"
    conventions: Conventions = field(default_factory=Conventions)
    parameters: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise AnalyticsError(f"unknown attribution model {self.model!r}; known models: {', '.join(MODELS)}")
        if self.model == "time_decay" and not self.spec.with_seconds:
            raise AnalyticsError("time_decay needs journeys built with seconds (JourneySpec(with_seconds=True))")
        if self.model != "markov":  # a parameter the model does not take is named before any journey is read
            try:
                inspect.signature(MODELS[self.model]).bind(None, **dict(self.parameters))
            except TypeError as exc:
                raise AnalyticsError(f"attribution ({self.model}): model {self.model!r}: {exc}") from None
        if self.model == "markov":
            try:
                inspect.signature(markov).bind(None, **dict(self.parameters))
                check_order(self._order)
            except TypeError as exc:
                raise AnalyticsError(f"attribution (markov): model 'markov': {exc}") from None
            except AttributionError as exc:
                raise AnalyticsError(f"attribution (markov): {exc}") from exc

    @property
    def _order(self) -> Any:
        return dict(self.parameters).get("order", 1)

    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        if self.model == "markov":
            return markov_queries(tables, self.spec, self.conventions, self._order)
        return {"paths": journey_paths(tables, self.spec), "untouched": untouched_conversions(tables, self.spec)}

    def attribution(self, frames: Mapping[str, pd.DataFrame]) -> Attribution:
        """The model's full result from the engine's aggregated rows: per distinct path, or for Markov's window
        counts per distinct channel set of the converting journeys (their shares, the same credits)."""
        if "windows" in frames:
            if frames["windows"].empty and frames["converted"].empty:
                raise AnalyticsError("no journeys in the period: nothing to attribute")
            try:
                return window_attribution(frames, self.conventions, **dict(self.parameters))
            except AttributionError as exc:
                raise AnalyticsError(f"attribution ({self.model}): {exc}") from exc
        untouched = frames["untouched"].iloc[0]
        count, value = int(untouched.conversions or 0), float(untouched.value or 0.0)
        if frames["paths"].empty and not count:
            raise AnalyticsError("no journeys in the period: nothing to attribute")
        try:
            table = journey_table(
                frames["paths"], (count, value), self.conventions, with_seconds=self.spec.with_seconds
            )
            return attribute(table, self.model, **dict(self.parameters))
        except AttributionError as exc:
            raise AnalyticsError(f"attribution ({self.model}): {exc}") from exc

    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        result = self.attribution(frames)
        conversions, values = result.channel_conversions(), result.channel_values()
        frame = pd.DataFrame(
            {
                "channel": list(result.channels),
                "conversions": [conversions[c] for c in result.channels],
                "value": [values[c] for c in result.channels],
            }
        )
        total_conversions, total_value = frame.conversions.sum(), frame.value.sum()
        frame["conversion_share"] = frame.conversions / total_conversions if total_conversions else float("nan")
        frame["value_share"] = frame.value / total_value if total_value else float("nan")
        for measure, by_channel in result.measures.items():
            frame[measure] = [by_channel.get(c, float("nan")) for c in result.channels]
        return frame.sort_values("conversions", ascending=False, kind="stable").reset_index(drop=True)

    def notes(self) -> list[str]:
        spec = self.spec
        parameters = ", ".join(f"{k}={v}" for k, v in self.parameters) or "defaults"
        lookback = "none (every earlier touch)" if spec.lookback_days is None else f"{spec.lookback_days:g} days"
        kinds = describe_kinds(spec.kinds)
        return [
            f"model: {self.model} ({parameters}); level: {spec.level}; conversion: {spec.describe_conversion()}; "
            f"opportunities: {kinds}; subjects created {spec.period.describe()}",
            f"lookback window: {lookback}; sales touches {'included' if spec.include_sales else 'left out'}",
            *[line for line in self.conventions.describe().splitlines() if not line.startswith("lookback")],
            "a conversion with no touch in the window is credited to the direct channel (one-touch journey); "
            "missing lead/opportunity milestones fall back to the first/last touch",
        ]

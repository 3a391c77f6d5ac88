"""Time in stage: how long completed stays lasted, stage by stage (median, p90, mean)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import ibis.expr.types as ir
import pandas as pd

from revcycle.analytics.facts import Definitions, person_groups
from revcycle.analytics.funnel import stays
from revcycle.analytics.period import Period
from revcycle.analytics.quantiles import quantiles
from revcycle.analytics.reports.base import Report
from revcycle.analytics.stages import StageNames
from revcycle.analytics.tables import Tables

__all__ = ["TimeInStageReport"]


@dataclass(frozen=True)
class TimeInStageReport(Report):
    """Days spent in each stage by the stays that began in the period and have ended."""

    slug: ClassVar[str] = "time-in-stage"
    title: ClassVar[str] = "Time in stage (completed stays)"

    names: StageNames
    grouping: str = "none"
    period: Period = field(default_factory=Period)
    definitions: Definitions = field(default_factory=Definitions)

    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        people = person_groups(tables, self.grouping, self.definitions)
        spans = stays(tables)
        spans = spans.filter(self.period.contains(spans.at))
        joined = spans.join(people, spans.person_id == people.person_id)
        rows = joined.select("group", "stage", "days")
        levels = {"days_p50": 0.5, "days_p90": 0.9}
        stats = quantiles(rows, ["group", "stage"], "days", levels, native=tables.native_quantiles)
        means = rows.group_by(["group", "stage"]).aggregate(days_mean=rows.days.mean())
        return {"stats": stats, "means": means}

    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        frame = frames["stats"].merge(frames["means"], on=["group", "stage"])
        order = {stage: i for i, stage in enumerate((*self.names.stages, *self.names.detours))}
        frame = frame.assign(_order=frame.stage.map(order).fillna(len(order)))
        frame = frame.sort_values(["group", "_order", "stage"]).rename(columns={"n": "stays"})
        frame["stays"] = frame.stays.astype("int64")
        return frame[["group", "stage", "stays", "days_p50", "days_p90", "days_mean"]].reset_index(drop=True)

    def notes(self) -> list[str]:
        return [
            f"stays that began {self.period.describe()} and ended with the person's next move; open stays left out",
            f"grouped by {self.grouping}; days_p50/p90 exact (linear interpolation, as numpy)",
        ]

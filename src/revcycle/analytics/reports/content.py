"""Content and campaigns -> pipeline: which assets or campaigns the people on opportunities touched first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import ibis.expr.types as ir
import pandas as pd

from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.facts import Definitions
from revcycle.analytics.kpis import opportunities, opportunity_people
from revcycle.analytics.period import Period
from revcycle.analytics.reports.base import Report, describe_kinds, filled
from revcycle.analytics.tables import Tables

__all__ = ["ContentReport"]

BY = ("content", "campaign", "content_stage")


@dataclass(frozen=True)
class ContentReport(Report):
    """Per asset (or campaign): people reached, and the opportunities and dollars it touched before creation."""

    slug: ClassVar[str] = "content"
    title: ClassVar[str] = "Content and campaigns -> pipeline (influence)"

    by: str = "content"
    period: Period = field(default_factory=Period)
    kinds: tuple[str, ...] | None = ("new_business",)
    definitions: Definitions = field(default_factory=Definitions)

    def __post_init__(self) -> None:
        if self.by not in BY:
            raise AnalyticsError(f"unknown grouping {self.by!r} for content; choose one of {', '.join(BY)}")

    def _touches(self, tables: Tables) -> ir.Table:
        touch = tables.touchpoint
        if self.by == "campaign":
            campaign = tables.campaign
            joined = touch.join(campaign, touch.campaign_id == campaign.id)
            return joined.select("person_id", "occurred_at", item=joined.name)
        item = touch[self.by]
        return touch.filter(item.notnull()).select("person_id", "occurred_at", item=item)

    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        touches = self._touches(tables)
        reached = touches.group_by("item").aggregate(touches=touches.count(), people=touches.person_id.nunique())
        chosen = opportunities(tables, self.period, self.kinds)
        chosen = chosen.select(
            opportunity_id=chosen.id, created_at=chosen.opened_at, amount=chosen.amount, status=chosen.status
        )
        pairs = chosen.join(opportunity_people(tables), "opportunity_id")
        hits = pairs.join(touches, [pairs.person_id == touches.person_id, touches.occurred_at < pairs.created_at])
        unique = hits.select("item", "opportunity_id", "amount", "status").distinct()
        amount = unique.amount.fill_null(0.0)
        influence = unique.group_by("item").aggregate(
            opportunities=unique.count(),
            pipeline=amount.sum(),
            won=(unique.status == "won").sum(),
            revenue=amount.sum(where=unique.status == "won"),
        )
        return {"reached": reached, "influence": influence}

    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        frame = frames["reached"].set_index("item").join(frames["influence"].set_index("item"), how="outer")
        filled(frame, ("touches", "people", "opportunities", "won"), ("pipeline", "revenue"))
        frame = frame.sort_values(["pipeline", "opportunities"], ascending=False, kind="stable")
        return frame.reset_index().rename(columns={"item": self.by})

    def notes(self) -> list[str]:
        kinds = describe_kinds(self.kinds)
        return [
            f"touches/people: every touch on the {self.by}, all time; opportunities: opened (created, or closed "
            f"when they have no creation date) {self.period.describe()} ({kinds}) with a touch on it by one of "
            "their people before they opened",
            "influence, not attribution: one opportunity counts in full for every item its people touched",
        ]

"""Channels and campaigns: spend, leads, pipeline, customers, CAC, ROI and lifetime value.

Spend is campaign.cost of the campaigns starting in the period (all campaigns when the period is open).
Leads, pipeline and customers are the people created in the period, credited to their lead source (first
touch channel or campaign). A customer is an account whose first won new-business opportunity (by close
time) has a primary person sourced there; its lifetime value is every won amount on that account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import ibis
import ibis.expr.types as ir
import pandas as pd

from revcycle.analytics.amounts import valued
from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.facts import Definitions, person_groups
from revcycle.analytics.period import Period
from revcycle.analytics.reports.base import Report, filled
from revcycle.analytics.tables import Tables

__all__ = ["ChannelReport"]

BY = ("channel", "campaign")


@dataclass(frozen=True)
class ChannelReport(Report):
    """Return on marketing spend by lead-source channel or campaign."""

    slug: ClassVar[str] = "channels"
    title: ClassVar[str] = "Channels: spend, pipeline, CAC, ROI, lifetime value"

    by: str = "channel"
    period: Period = field(default_factory=Period)
    definitions: Definitions = field(default_factory=Definitions)

    def __post_init__(self) -> None:
        if self.by not in BY:
            raise AnalyticsError(f"unknown grouping {self.by!r} for channels; choose one of {', '.join(BY)}")

    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        people = person_groups(tables, "source" if self.by == "channel" else "campaign", self.definitions)
        cohort = people.filter(self.period.contains(people.created_at))
        return {
            "spend": self._spend(tables),
            "leads": cohort.group_by("group").aggregate(leads=cohort.count()),
            "pipeline": self._pipeline(tables, cohort),
            "customers": self._customers(tables, cohort),
        }

    def _spend(self, tables: Tables) -> ir.Table:
        campaign = tables.campaign
        if self.period.since is not None or self.period.until is not None:
            campaign = campaign.filter(self.period.contains(campaign.start_date))
        key = campaign.channel.fill_null("none") if self.by == "channel" else campaign.name
        return campaign.group_by(group=key).aggregate(spend=campaign.cost.fill_null(0.0).sum())

    def _pipeline(self, tables: Tables, cohort: ir.Table) -> ir.Table:
        opp = valued(tables).filter(lambda opp: opp.kind == "new_business")
        joined = opp.join(cohort, opp.person_id == cohort.person_id)
        return joined.group_by("group").aggregate(
            opportunities=joined.count(), pipeline=joined.amount.fill_null(0.0).sum()
        )

    def _customers(self, tables: Tables, cohort: ir.Table) -> ir.Table:
        opp = valued(tables)
        won = opp.filter((opp.status == "won") & opp.account_id.notnull() & opp.closed_at.notnull())
        new = won.filter(won.kind == "new_business")
        order = ibis.row_number().over(group_by=new.account_id, order_by=[new.closed_at, new.id])
        first = new.mutate(_rank=order)
        first = first.filter(first._rank == 0).select("account_id", "person_id", new_revenue=first.amount)
        lifetime = won.group_by("account_id").aggregate(lifetime=won.amount.fill_null(0.0).sum())
        joined = first.join(cohort, first.person_id == cohort.person_id).join(lifetime, "account_id")
        return joined.group_by("group").aggregate(
            customers=joined.count(),
            new_revenue=joined.new_revenue.fill_null(0.0).sum(),
            lifetime_revenue=joined.lifetime.sum(),
        )

    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        parts = [frames[name].set_index("group") for name in ("spend", "leads", "pipeline", "customers")]
        frame = parts[0].join(parts[1:], how="outer").sort_index()
        filled(frame, ("leads", "opportunities", "customers"), ("spend", "pipeline", "new_revenue", "lifetime_revenue"))
        spend = frame.spend.where(frame.spend > 0)
        customers = frame.customers.where(frame.customers > 0)
        frame["cac"] = spend / customers
        frame["roi"] = (frame.new_revenue - frame.spend) / spend
        frame["ltv"] = frame.lifetime_revenue / customers
        frame["ltv_to_cac"] = frame.ltv / frame.cac
        frame["pipeline_per_spend"] = frame.pipeline / spend
        return frame.reset_index().rename(columns={"group": self.by})

    def notes(self) -> list[str]:
        return [
            f"spend: campaigns starting {self.period.describe()}; leads: people created in it, by lead source "
            f"{self.by} (first touch)",
            "pipeline: their new-business opportunities; customers: accounts whose first won new-business deal "
            "came from those leads; ltv: every won amount on those accounts / customers",
            "cac = spend / customers; roi = (new revenue - spend) / spend; empty where spend or customers is 0",
        ]

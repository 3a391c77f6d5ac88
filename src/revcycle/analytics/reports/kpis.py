"""Alignment KPIs: sourced and influenced pipeline, lead conversion and acceptance, first contact, cycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from typing import ClassVar

import ibis.expr.types as ir
import pandas as pd

from revcycle.analytics.facts import Definitions, person_groups
from revcycle.analytics.funnel import describe_reach, elapsed, stage_facts
from revcycle.analytics.kpis import first_contacts, influenced, opportunities
from revcycle.analytics.period import Period
from revcycle.analytics.quantiles import quantiles
from revcycle.analytics.reports.base import Report, describe_kinds, filled
from revcycle.analytics.stages import StageNames
from revcycle.analytics.tables import Tables

__all__ = ["KpiReport"]


@dataclass(frozen=True)
class KpiReport(Report):
    """The numbers both teams are measured on, per group, for the leads and opportunities of the period."""

    slug: ClassVar[str] = "kpis"
    title: ClassVar[str] = "Alignment KPIs"

    names: StageNames
    grouping: str = "none"
    period: Period = field(default_factory=Period)
    kinds: tuple[str, ...] | None = ("new_business",)
    definitions: Definitions = field(default_factory=Definitions)

    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        people = person_groups(tables, self.grouping, self.definitions)
        return {
            "leads": self._leads(tables, people),
            "pipeline": self._pipeline(tables, people),
            "contact": self._contact(tables, people),
            **self._cycle(tables, people),
        }

    def _leads(self, tables: Tables, people: ir.Table) -> ir.Table:
        cohort = people.filter(self.period.contains(people.created_at))
        facts = stage_facts(tables, self.names)
        joined = cohort.left_join(facts, cohort.person_id == facts.person_id)

        def reached(stage: str) -> ir.IntegerValue:
            return joined[f"step_{self.names.index(stage)}"].notnull().sum()

        return joined.group_by("group").aggregate(
            leads=joined.count(),
            mqls=reached(self.names.mql),
            accepted=reached(self.names.sal),
            reached_opportunity=reached(self.names.opportunity),
        )

    def _opportunities(self, tables: Tables, people: ir.Table, *, influence: bool = True) -> ir.Table:
        chosen = opportunities(tables, self.period, self.kinds)
        joined = chosen.left_join(people, chosen.person_id == people.person_id)
        joined = joined.select(
            "id",
            "amount",
            "status",
            "created_at",
            "closed_at",
            group=joined.group.fill_null("none"),
            sourced=joined.sourced.fill_null(False),
        )
        if not influence:
            return joined
        hits = influenced(tables, chosen, self.definitions).mutate(influenced=True)
        flagged = joined.left_join(hits, joined.id == hits.opportunity_id)
        return flagged.select(*joined.columns, influenced=flagged.influenced.fill_null(False))

    def _pipeline(self, tables: Tables, people: ir.Table) -> ir.Table:
        opp = self._opportunities(tables, people)
        amount, won = opp.amount.fill_null(0.0), opp.status == "won"
        return opp.group_by("group").aggregate(
            opportunities=opp.count(),
            pipeline=amount.sum(),
            sourced_pipeline=amount.sum(where=opp.sourced),
            influenced_pipeline=amount.sum(where=opp.influenced),
            won=won.sum(),
            lost=(opp.status == "lost").sum(),
            revenue=amount.sum(where=won),
            sourced_revenue=amount.sum(where=won & opp.sourced),
            influenced_revenue=amount.sum(where=won & opp.influenced),
        )

    def _contact(self, tables: Tables, people: ir.Table) -> ir.Table:
        handoffs = first_contacts(tables, self.names.mql, self.period, self.definitions)
        joined = handoffs.join(people, handoffs.person_id == people.person_id)
        stats = quantiles(
            joined.select("group", "hours"),
            ["group"],
            "hours",
            {"contact_hours_p50": 0.5, "contact_hours_p90": 0.9},
            native=tables.native_quantiles,
        )
        counts = joined.group_by("group").aggregate(handoffs=joined.count())
        merged = counts.left_join(stats, counts.group == stats.group)
        columns = [merged[name] for name in stats.columns[2:]]
        return merged.select(counts.group, "handoffs", *columns, contacted=merged.n.fill_null(0))

    def _cycle(self, tables: Tables, people: ir.Table) -> dict[str, ir.Table]:
        opp = self._opportunities(tables, people, influence=False)
        won = opp.filter((opp.status == "won") & opp.closed_at.notnull())
        won = won.mutate(days=elapsed(won.closed_at, won.created_at))
        levels = {"cycle_days_p50": 0.5, "cycle_days_p90": 0.9}
        sourced = won.filter(won.sourced)
        native = tables.native_quantiles
        return {
            "cycle": quantiles(won.select("group", "days"), ["group"], "days", levels, native=native),
            "sourced_cycle": quantiles(
                sourced.select("group", "days"), ["group"], "days", {"sourced_cycle_days_p50": 0.5}, native=native
            ),
        }

    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        parts = [
            frames[name].drop(columns=["n"], errors="ignore").set_index("group")
            for name in ("leads", "pipeline", "contact", "cycle", "sourced_cycle")
        ]
        frame = reduce(lambda left, right: left.join(right, how="outer"), parts).sort_index()
        filled(
            frame,
            counts=(
                "leads",
                "mqls",
                "accepted",
                "reached_opportunity",
                "opportunities",
                "won",
                "lost",
                "handoffs",
                "contacted",
            ),
            amounts=(
                "pipeline",
                "sourced_pipeline",
                "influenced_pipeline",
                "revenue",
                "sourced_revenue",
                "influenced_revenue",
            ),
        )
        frame["lead_to_opportunity"] = _ratio(frame.reached_opportunity, frame.leads)
        frame["lead_acceptance"] = _ratio(frame.accepted, frame.mqls)
        frame["sourced_share"] = _ratio(frame.sourced_pipeline, frame.pipeline)
        frame["influenced_share"] = _ratio(frame.influenced_pipeline, frame.pipeline)
        frame["contacted_share"] = _ratio(frame.contacted, frame.handoffs)
        frame["win_rate"] = _ratio(frame.won, frame.won + frame.lost)
        frame["velocity_per_day"] = (
            frame.pipeline * frame.win_rate / frame.cycle_days_p50.where(frame.cycle_days_p50 > 0)
        )
        return frame.reset_index()[KPI_COLUMNS]

    def notes(self) -> list[str]:
        kinds = describe_kinds(self.kinds)
        return [
            f"leads: people created {self.period.describe()}; opportunities: created in it ({kinds}); "
            f"grouped by {self.grouping}",
            "sourced = the primary person's first touch was marketing's; influenced = a marketing touch by any "
            "person on the opportunity before it was created",
            f"mqls, accepted, reached_opportunity: leads reaching {self.names.mql}, {self.names.sal}, "
            f"{self.names.opportunity} (the pact's hand-offs); lead_to_opportunity = reached_opportunity / leads; "
            "lead_acceptance = accepted / mqls",
            describe_reach(self.names),
            f"first contact: hours from each move into {self.names.mql} in the period to the first sales activity",
            "cycle: days from opportunity creation to closed-won (exact quantiles); win_rate = won / (won + lost); "
            "velocity_per_day = pipeline x win_rate / median cycle days",
            self.definitions.describe(),
        ]


KPI_COLUMNS = [
    "group",
    "leads",
    "mqls",
    "accepted",
    "reached_opportunity",
    "lead_to_opportunity",
    "lead_acceptance",
    "opportunities",
    "pipeline",
    "sourced_pipeline",
    "sourced_share",
    "influenced_pipeline",
    "influenced_share",
    "won",
    "lost",
    "win_rate",
    "revenue",
    "sourced_revenue",
    "influenced_revenue",
    "handoffs",
    "contacted",
    "contacted_share",
    "contact_hours_p50",
    "contact_hours_p90",
    "cycle_days_p50",
    "cycle_days_p90",
    "sourced_cycle_days_p50",
    "velocity_per_day",
]


def _ratio(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (part / whole.where(whole > 0)).astype("float64")

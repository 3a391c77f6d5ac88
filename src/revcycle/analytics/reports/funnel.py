"""The funnel report: people reaching each step, conversion and drop-off, re-entries and detours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from revcycle.analytics.facts import Definitions, person_groups
from revcycle.analytics.funnel import RENEWED, elapsed, reach
from revcycle.analytics.period import Period
from revcycle.analytics.quantiles import quantiles
from revcycle.analytics.reports.base import Report
from revcycle.analytics.tables import Tables

__all__ = ["DEFAULT_DETOURS", "DEFAULT_STAGES", "FunnelReport"]

DEFAULT_STAGES = ("known", "engaged", "mql", "sal", "sql", "opportunity", "customer")
DEFAULT_DETOURS = ("recycled", "disqualified", "lost")


@dataclass(frozen=True)
class FunnelReport(Report):
    """Stage-to-stage conversion of the people who entered in the period (their creation), by group."""

    slug: ClassVar[str] = "funnel"
    title: ClassVar[str] = "Funnel: people reaching each step, from first touch to closed-won and renewal"

    stages: tuple[str, ...] = DEFAULT_STAGES
    detours: tuple[str, ...] = DEFAULT_DETOURS
    grouping: str = "none"
    period: Period = field(default_factory=Period)
    renewal: bool = True
    definitions: Definitions = field(default_factory=Definitions)

    @property
    def steps(self) -> tuple[str, ...]:
        """The funnel's steps in order: the pact's main stages, then "renewed"."""
        return (*self.stages, RENEWED) if self.renewal else self.stages

    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        people = person_groups(tables, self.grouping, self.definitions)
        people = people.filter(self.period.contains(people.created_at))
        reached = reach(tables, self.stages, renewal=self.renewal)
        joined = reached.join(people, reached.person_id == people.person_id)
        timed = joined.select("group", "step", days=elapsed(joined.at, joined.created_at))
        change = tables.stage_change
        per_person = change.group_by(["person_id", change.to_stage.name("stage")]).aggregate(moves=change.count())
        moved = per_person.join(people, "person_id")
        entries = moved.group_by(["group", "stage"]).aggregate(entries=moved.moves.sum(), people=moved.count())
        cohort = people.group_by("group").aggregate(people=people.count())
        levels = {"days_p50": 0.5, "days_p90": 0.9}
        stats = quantiles(timed, ["group", "step"], "days", levels, native=tables.native_quantiles)
        return {"reach": stats, "entries": entries, "cohort": cohort}

    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        rows: list[dict[str, object]] = []
        reach_by = {(r.group, int(r.step)): r for r in frames["reach"].itertuples()}
        entries = {(r.group, r.stage): (int(r.entries), int(r.people)) for r in frames["entries"].itertuples()}
        for group, size in sorted(zip(frames["cohort"].group, frames["cohort"].people, strict=True)):
            previous = None
            for step, stage in enumerate(self.steps):
                row = reach_by.get((group, step))
                reached = int(row.n) if row is not None else 0
                rows.append(
                    {
                        "group": group,
                        "stage": stage,
                        "kind": "stage",
                        "people": reached,
                        "entries": entries.get((group, stage), (reached, reached))[0] if stage != RENEWED else reached,
                        "conversion": _rate(reached, previous),
                        "drop_off": None if previous is None else previous - reached,
                        "of_cohort": _rate(reached, int(size)),
                        "days_p50": float(row.days_p50) if row is not None else np.nan,
                        "days_p90": float(row.days_p90) if row is not None else np.nan,
                    }
                )
                previous = reached
            for detour in self.detours:
                count, people = entries.get((group, detour), (0, 0))
                rows.append(
                    {
                        "group": group,
                        "stage": detour,
                        "kind": "detour",
                        "people": people,
                        "entries": count,
                        "conversion": None,
                        "drop_off": None,
                        "of_cohort": _rate(people, int(size)),
                        "days_p50": np.nan,
                        "days_p90": np.nan,
                    }
                )
        return pd.DataFrame(rows, columns=COLUMNS)

    def notes(self) -> list[str]:
        return [
            f"people: those created {self.period.describe()}; grouped by {self.grouping}",
            "people = distinct people who reached the step (a later stage counts as passing the earlier ones); "
            "entries = moves into the stage, so a recycled lead's return shows there, not twice in people",
            "conversion = people at this step / people at the previous step; of_cohort = / people in the group",
            "days_p50/p90 = days from the person's creation to first reaching the step (exact quantiles)",
            "renewed = on a won renewal opportunity (primary person or contact)" if self.renewal else "",
            self.definitions.describe(),
        ]


COLUMNS = ["group", "stage", "kind", "people", "entries", "conversion", "drop_off", "of_cohort", "days_p50", "days_p90"]


def _rate(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None

"""The funnel report: people reaching each step, conversion and drop-off, re-entries and detours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from revcycle.analytics.facts import Definitions, person_groups
from revcycle.analytics.funnel import EXISTING, RENEWED, describe_reach, elapsed, reach, reached_at, stage_facts
from revcycle.analytics.period import Period
from revcycle.analytics.quantiles import at_levels, quantiles, unpacked
from revcycle.analytics.reports.base import Report
from revcycle.analytics.stages import StageNames
from revcycle.analytics.tables import Tables

__all__ = ["FunnelReport"]


@dataclass(frozen=True)
class FunnelReport(Report):
    """Stage-to-stage conversion of the people who entered in the period (their creation), by group."""

    slug: ClassVar[str] = "funnel"
    title: ClassVar[str] = "Funnel: people reaching each step, from first touch to closed-won and renewal"

    names: StageNames
    grouping: str = "none"
    period: Period = field(default_factory=Period)
    renewal: bool = True
    definitions: Definitions = field(default_factory=Definitions)

    @property
    def stages(self) -> tuple[str, ...]:
        """The pact's main stages in cycle order."""
        return self.names.stages

    @property
    def detours(self) -> tuple[str, ...]:
        """The pact's detours."""
        return self.names.detours

    @property
    def steps(self) -> tuple[str, ...]:
        """The funnel's steps in order: the pact's main stages, then "renewed"."""
        return (*self.stages, RENEWED) if self.renewal else self.stages

    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        people = person_groups(tables, self.grouping, self.definitions)
        people = people.filter(self.period.contains(people.created_at))
        facts = stage_facts(tables, self.names)
        joined = facts.join(people, facts.person_id == people.person_id)
        change = tables.stage_change
        moves = change.select("person_id", stage=change.to_stage)
        moves = moves.join(people.select("person_id", "group"), "person_id")
        detours = moves.filter(moves.stage.isin(list(self.detours)))
        return {
            "reach": self._reach(tables, joined, people),
            "entries": moves.group_by(["group", "stage"]).aggregate(entries=moves.count()),
            "detours": detours.group_by(["group", "stage"]).aggregate(people=detours.person_id.nunique()),
            "cohort": people.group_by("group").aggregate(people=people.count()),
            "existing": joined.group_by("group").aggregate(people=joined.existing_at.notnull().sum()),
        }

    def _reach(self, tables: Tables, joined: ir.Table, people: ir.Table) -> ir.Table:
        """Per group and step: people reaching it and the days it took (p50, p90). With an exact percentile
        aggregate, one pass over the per-person table with one column per step; SQLite ranks each step."""
        levels = {"days_p50": 0.5, "days_p90": 0.9}
        n_stages = len(self.stages)
        if not tables.native_quantiles:
            reached = reach(tables, self.names, renewal=self.renewal)
            timed = reached.join(people, reached.person_id == people.person_id)
            timed = timed.select("group", "step", days=elapsed(timed.at, timed.created_at))
            return quantiles(timed, ["group", "step"], "days", levels, native=False)
        aggregates: dict[str, ir.Value] = {}
        for step in range(len(self.steps)):
            days = elapsed(reached_at(joined, step, n_stages), joined.created_at)
            aggregates[f"n_{step}"] = days.count()
            aggregates[f"_levels_{step}"] = at_levels(days, levels)
        grouped = joined.group_by("group").aggregate(**aggregates)
        columns: dict[str, ir.Value] = {}
        for step in range(len(self.steps)):
            values = unpacked(grouped[f"_levels_{step}"], levels)
            columns.update({f"n_{step}": grouped[f"n_{step}"], **{f"{k}_{step}": v for k, v in values.items()}})
        return grouped.select("group", **columns)

    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        rows: list[dict[str, object]] = []
        reach_by = {(r.group, int(r.step)): r for r in _long_reach(frames["reach"], len(self.steps)).itertuples()}
        entries = {(r.group, r.stage): int(r.entries) for r in frames["entries"].itertuples()}
        detoured = {(r.group, r.stage): int(r.people) for r in frames["detours"].itertuples()}
        existing = {r.group: int(r.people) for r in frames["existing"].itertuples()}
        for group, size in sorted(zip(frames["cohort"].group, frames["cohort"].people, strict=True)):
            previous = None
            for step, stage in enumerate(self.steps):
                row = reach_by.get((group, step))
                reached = int(row.n) if row is not None else 0
                renewed = stage == RENEWED  # a step of its own: its people are not a part of the previous step's
                rows.append(
                    {
                        "group": group,
                        "stage": stage,
                        "kind": "renewal" if renewed else "stage",
                        "people": reached,
                        "entries": None if renewed else entries.get((group, stage), 0),
                        "conversion": None if renewed else _rate(reached, previous),
                        "drop_off": None if previous is None or renewed else previous - reached,
                        "of_cohort": _rate(reached, int(size)),
                        "days_p50": float(row.days_p50) if row is not None else np.nan,
                        "days_p90": float(row.days_p90) if row is not None else np.nan,
                    }
                )
                previous = reached
            rows.append(
                {
                    "group": group,
                    "stage": EXISTING,
                    "kind": "existing",
                    "people": existing.get(group, 0),
                    "entries": None,
                    "conversion": None,
                    "drop_off": None,
                    "of_cohort": _rate(existing.get(group, 0), int(size)),
                    "days_p50": np.nan,
                    "days_p90": np.nan,
                }
            )
            for detour in self.detours:
                count, people = entries.get((group, detour), 0), detoured.get((group, detour), 0)
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
            "people = distinct people who reached the step; entries = moves into the stage (0 when none), so a "
            "lead's return after a detour shows there, not twice in people",
            describe_reach(self.names),
            f"{EXISTING} = people whose first move into {self.names.won} came without reaching {self.names.mql}",
            "conversion = people at this step / people at the previous step; of_cohort = / people in the group",
            "days_p50/p90 = days from the person's creation to first reaching the step (exact quantiles)",
            "renewed = on a won renewal opportunity (primary person or contact), when it closed; no conversion "
            "from the previous step" if self.renewal else "",
            self.definitions.describe(),
        ]


COLUMNS = ["group", "stage", "kind", "people", "entries", "conversion", "drop_off", "of_cohort", "days_p50", "days_p90"]


def _long_reach(frame: pd.DataFrame, steps: int) -> pd.DataFrame:
    """(group, step, n, days_p50, days_p90) rows, from the one-row-per-group form where it came in that."""
    if "step" in frame.columns:
        return frame
    parts = [
        pd.DataFrame(
            {
                "group": frame.group,
                "step": step,
                "n": frame[f"n_{step}"],
                "days_p50": frame[f"days_p50_{step}"],
                "days_p90": frame[f"days_p90_{step}"],
            }
        )
        for step in range(steps)
    ]
    long = pd.concat(parts, ignore_index=True)
    return long[long.n > 0]


def _rate(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None

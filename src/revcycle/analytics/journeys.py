"""Attribution journeys built in the engine, aggregated there, then handed to the attribution maths.

A journey belongs to a person, an opportunity (its primary person and contacts) or an account (its people,
the buying group). Its touches are its people's touches up to the conversion (at or before it), within the
lookback window, marketing's only unless sales touches are included. A journey that never converted ends
at its last touch, and the lookback counts back from there. The engine numbers each journey's touches,
joins them into one ordered path string, and groups identical paths (with their milestone touches), so
Python receives one row per distinct path.

Stated fallbacks: a conversion with no touch in the window becomes one touch of the direct channel; a
non-converting journey with no touch is left out. The lead milestone is the last touch at or before the
first move into MQL, the opportunity milestone the last touch at or before the opportunity (or the
conversion); a missing milestone falls back to the first touch (lead) and the last touch (opportunity).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from revcycle.analytics.amounts import valued
from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.facts import Definitions, is_marketing
from revcycle.analytics.funnel import DAY, elapsed, reach
from revcycle.analytics.kpis import opportunities, opportunity_people
from revcycle.analytics.period import Period
from revcycle.analytics.stages import StageNames
from revcycle.analytics.tables import Tables
from revcycle.pact.schema import HANDOFF_ROLES

__all__ = [
    "CONVERSIONS",
    "LEVELS",
    "SEPARATOR",
    "JourneySpec",
    "journey_paths",
    "journey_touches",
    "untouched_conversions",
]

LEVELS = ("person", "opportunity", "account")
CONVERSIONS = ("mql", "sql", "opportunity", "won")
SEPARATOR = "\x1f"
WIDTH = 6  # digits of a touch's position in the path key: journeys up to 999,999 touches


@dataclass(frozen=True)
class JourneySpec:
    """Which journeys to build: the pact's stage names, level, conversion, window, whose touches."""

    names: StageNames
    level: str = "person"
    conversion: str = "won"
    lookback_days: float | None = None
    include_sales: bool = False
    period: Period = field(default_factory=Period)
    kinds: tuple[str, ...] | None = ("new_business",)
    with_seconds: bool = False
    source_only: bool = False  # each person's first touch only (their lead source), not the whole path
    among: str | None = None  # only subjects that reached this hand-off or stage ("mql": which made MQLs SQLs)
    definitions: Definitions = field(default_factory=Definitions)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise AnalyticsError(f"unknown level {self.level!r}; choose one of {', '.join(LEVELS)}")
        if self.conversion not in CONVERSIONS:
            raise AnalyticsError(f"unknown conversion {self.conversion!r}; choose one of {', '.join(CONVERSIONS)}")
        if self.level == "opportunity" and self.conversion in ("mql", "sql"):
            raise AnalyticsError("opportunity journeys convert at opportunity or won, not at a lead stage")
        if self.among is not None and self.level == "opportunity":
            raise AnalyticsError("`among` filters people or accounts, not opportunities")
        if self.among is not None:
            self.stage_of(self.among)
        if self.lookback_days is not None and not self.lookback_days > 0:
            raise AnalyticsError(f"the lookback window must be a positive number of days, got {self.lookback_days}")

    @property
    def stages(self) -> tuple[str, ...]:
        """The pact's main stages in cycle order."""
        return self.names.stages

    def stage_of(self, role: str) -> int:
        """The funnel step of a hand-off role (mql, sal, sql, opportunity, won) or of a main stage by name."""
        if role in HANDOFF_ROLES:
            return self.names.index(self.names.role(role))
        if role in self.names.stages:
            return self.names.index(role)
        raise AnalyticsError(f"{role!r} is neither a hand-off ({', '.join(HANDOFF_ROLES)}) nor a stage of the pact")

    def describe_conversion(self) -> str:
        """The conversion in words, naming the pact's stage where it is one."""
        if self.conversion in ("mql", "sql"):
            return f"{self.conversion} (reaching stage {self.names.role(self.conversion)})"
        return f"{self.conversion} (first {'won deal' if self.conversion == 'won' else 'opportunity created'})"


def _subjects(tables: Tables, spec: JourneySpec) -> tuple[ir.Table, ir.Table]:
    """(journey_id, converted_at, value, lead_at, opportunity_at) and (journey_id, person_id), each built
    once per engine: both queries of a report read them."""
    journeys = tables.shared(("journeys", spec), lambda: _built_subjects(tables, spec)[0], index="journey_id")
    members = tables.shared(("members", spec), lambda: _built_subjects(tables, spec)[1])
    return journeys, members


def _built_subjects(tables: Tables, spec: JourneySpec) -> tuple[ir.Table, ir.Table]:
    if spec.level == "opportunity":
        return _opportunity_subjects(tables, spec)
    person = tables.person.filter(spec.period.contains(tables.person.created_at))
    if spec.level == "person":
        members = person.select(journey_id=person.id, person_id=person.id)
    else:
        chosen = person.filter(person.account_id.notnull()).select(journey_id=person.account_id).distinct()
        everyone = tables.person.filter(tables.person.account_id.notnull())
        members = everyone.select(journey_id=everyone.account_id, person_id=everyone.id).join(chosen, "journey_id")
    steps = {"lead_at": spec.stage_of("mql"), "opportunity_at": spec.stage_of("opportunity")}
    if spec.conversion in ("mql", "sql"):
        steps["converted_at"] = spec.stage_of(spec.conversion)
    if spec.among is not None:
        steps["among_at"] = spec.stage_of(spec.among)
    reached = reach(tables, spec.names, renewal=False)
    reached = reached.filter(reached.step.isin(list(steps.values())))
    timed = members.left_join(reached, "person_id")
    journeys = timed.group_by("journey_id").aggregate(
        **{name: timed.at.min(where=timed.step == step) for name, step in steps.items()}
    )
    if spec.among is not None:
        journeys = journeys.filter(journeys.among_at.notnull()).drop("among_at")
        members = members.join(journeys.select("journey_id"), "journey_id")
    if spec.conversion in ("mql", "sql"):
        return journeys.mutate(value=ibis.literal(0.0)), members
    deals = _deals(tables, spec)
    joined = journeys.left_join(deals, "journey_id")
    return joined.select(*journeys.columns, converted_at=joined.at, value=joined.value.fill_null(0.0)), members


def _deals(tables: Tables, spec: JourneySpec) -> ir.Table:
    """(journey_id, at, value): each person's or account's first opportunity created, or first won."""
    opp = valued(tables)
    if spec.kinds is not None:
        opp = opp.filter(opp.kind.isin(list(spec.kinds)))
    if spec.conversion == "won":
        opp = opp.filter((opp.status == "won") & opp.closed_at.notnull()).mutate(at=opp.closed_at)
    else:
        opp = opp.filter(opp.created_at.notnull()).mutate(at=opp.created_at)
    key = opp.person_id if spec.level == "person" else opp.account_id
    opp = opp.filter(key.notnull()).mutate(journey_id=key)
    first = opp.mutate(_rank=ibis.row_number().over(group_by=opp.journey_id, order_by=[opp.at, opp.id]))
    first = first.filter(first._rank == 0)
    return first.select("journey_id", "at", value=first.amount.fill_null(0.0))


def _first_reach(tables: Tables, spec: JourneySpec, conversion: str) -> ir.Table:
    """(person_id, at): when each person first reached the conversion's stage."""
    reached = reach(tables, spec.names, renewal=False)
    reached = reached.filter(reached.step == spec.stage_of(conversion))
    return reached.select("person_id", "at")


def _opportunity_subjects(tables: Tables, spec: JourneySpec) -> tuple[ir.Table, ir.Table]:
    chosen = opportunities(tables, spec.period, spec.kinds)
    if spec.conversion == "won":
        chosen = chosen.filter(chosen.status.isin(["won", "lost"]))
        converted_at = ibis.ifelse(chosen.status == "won", chosen.closed_at, ibis.null("timestamp"))
        end_at = chosen.closed_at
    else:
        converted_at = end_at = chosen.created_at
    journeys = chosen.select(
        journey_id=chosen.id,
        converted_at=converted_at,
        end_at=end_at,
        value=ibis.ifelse(converted_at.notnull(), chosen.amount.fill_null(0.0), 0.0),
        opportunity_at=chosen.created_at,
    )
    members = opportunity_people(tables).rename(journey_id="opportunity_id")
    members = members.join(journeys.select("journey_id"), "journey_id")
    lead = members.join(_first_reach(tables, spec, "mql"), "person_id")
    lead = lead.group_by("journey_id").aggregate(lead_at=lead.at.min())
    joined = journeys.left_join(lead, "journey_id")
    return joined.select(*journeys.columns, "lead_at"), members


def _touches(tables: Tables, spec: JourneySpec, journeys: ir.Table, members: ir.Table) -> ir.Table:
    """(journey_id, at, id, channel[, seconds]): the touches inside each journey's window; seconds (before
    the journey's end) only when the spec reads them, since they cost a window over every touch."""
    touch = tables.touchpoint
    if spec.source_only:
        order = ibis.row_number().over(group_by=touch.person_id, order_by=[touch.occurred_at, touch.id])
        touch = touch.mutate(_rank=order)
        touch = touch.filter(touch._rank == 0)
    if not spec.include_sales:
        touch = touch.filter(is_marketing(touch, spec.definitions))
    touch = touch.select("person_id", "id", at=touch.occurred_at, channel=touch.channel.fill_null("none"))
    joined = members.join(touch, "person_id").drop("person_id")
    if "end_at" not in journeys.columns:
        journeys = journeys.mutate(end_at=journeys.converted_at)
    windowed = joined.join(journeys.select("journey_id", "end_at", "converted_at"), "journey_id")
    windowed = windowed.filter(windowed.end_at.isnull() | (windowed.at <= windowed.end_at))
    if not spec.with_seconds and spec.lookback_days is None:
        return windowed.select("journey_id", "at", "id", "channel")
    last = windowed.at.max().over(group_by=windowed.journey_id)
    windowed = windowed.mutate(end_at=windowed.end_at.fill_null(last))
    seconds = elapsed(windowed.end_at, windowed.at, 1.0)
    windowed = windowed.mutate(seconds=seconds)
    if spec.lookback_days is not None:
        windowed = windowed.filter(windowed.seconds <= spec.lookback_days * DAY)
    return windowed.select("journey_id", "at", "id", "channel", "seconds")


def journey_paths(tables: Tables, spec: JourneySpec) -> ir.Table:
    """Distinct paths with their milestones: (path, lead_index, opportunity_index, conversions, nulls, value).

    Positions in the path keys and in the milestone indexes start at 0."""
    journeys, members = _subjects(tables, spec)
    touches = _touches(tables, spec, journeys, members)
    position = ibis.row_number().over(group_by=touches.journey_id, order_by=[touches.at, touches.id])
    key = position.cast("string").lpad(WIDTH, "0") + ":" + touches.channel
    if spec.with_seconds:
        key = key + ":" + touches.seconds.cast("int64").cast("string")
    touches = touches.mutate(key=key, position=position)
    moments = touches.join(journeys.select("journey_id", "lead_at", "opportunity_at"), "journey_id")
    paths = moments.group_by("journey_id").aggregate(
        path=_concat(moments.key, moments.position, tables.paths),
        lead_index=moments.position.max(where=moments.at <= moments.lead_at),
        opportunity_index=moments.position.max(where=moments.at <= moments.opportunity_at),
    )
    rows = paths.join(journeys.select("journey_id", "converted_at", "value"), "journey_id")
    converted = rows.converted_at.notnull()
    # unordered paths cannot be grouped before Python sorts them, so SQLite returns one row per journey
    keys = ["path", "lead_index", "opportunity_index"] + (["journey_id"] if tables.paths == "unordered" else [])
    return rows.group_by(keys).aggregate(
        conversions=ibis.ifelse(converted, 1, 0).sum(),
        nulls=ibis.ifelse(converted, 0, 1).sum(),
        value=rows.value.sum(where=converted),
    )


def journey_touches(tables: Tables, spec: JourneySpec, *, converted_only: bool = False) -> tuple[ir.Table, ir.Table]:
    """(journey_id, at, id, channel) of the touches in each journey's window and (journey_id, conversions,
    nulls, value) of the journeys (converted ones only, if asked): what Markov's window counts read."""
    journeys, members = _subjects(tables, spec)
    if converted_only:
        journeys = journeys.filter(journeys.converted_at.notnull())
    touches = _touches(tables, spec, journeys, members).select("journey_id", "at", "id", "channel")
    converted = journeys.converted_at.notnull()
    outcomes = journeys.select(
        "journey_id",
        conversions=ibis.ifelse(converted, 1.0, 0.0),
        nulls=ibis.ifelse(converted, 0.0, 1.0),
        value=ibis.ifelse(converted, journeys.value.fill_null(0.0), 0.0),
    )
    return touches, outcomes


def untouched_conversions(tables: Tables, spec: JourneySpec) -> ir.Table:
    """(conversions, value) of converted journeys with no touch in their window: the direct fallback."""
    journeys, members = _subjects(tables, spec)
    touched = _touches(tables, spec, journeys, members).select("journey_id").distinct()
    converted = journeys.filter(journeys.converted_at.notnull())
    bare = converted.anti_join(touched, "journey_id")
    return bare.aggregate(conversions=bare.count(), value=bare.value.sum())


def _concat(key: ir.StringValue, position: ir.IntegerValue, strategy: str) -> ir.StringValue:
    """The keys joined in position order: an ordered group_concat, or a sorted array where that is missing
    (keys start with the zero-padded position, so sorting them sorts by position); "unordered" engines
    (SQLite) concatenate in any order and the caller sorts each path's keys before grouping."""
    if strategy == "ordered":
        return key.group_concat(SEPARATOR, order_by=position)
    if strategy == "arrays":
        return key.collect().sort().join(SEPARATOR)
    return key.group_concat(SEPARATOR)

"""Stage reach and stays: when each person first reached each funnel step, and how long stays lasted.

Reach is defined once, here, and every count of "people who reached a stage" reads it: the funnel, the KPIs,
attribution's journeys, calibration and back-tests, the demo (and later the dashboard). `describe_reach` is
the rule in words, printed with every report that counts reach:

* a **lead step** (a main stage before the pact's won stage) is reached by a move into it, or into a later lead
  step (a skip passes the steps skipped), made *as a lead*: before the person's first move into the won stage;
* the **won step** (and any main stage after it) is reached by a lead's first move into the won stage: one made
  after a move into the MQL step or a later lead step. A person whose first move into the won stage came with
  no such move before it is an **existing customer**: counted on a line of its own, never as an MQL, SAL or
  SQL, and not as a customer won through the funnel;
* **renewed** (a person on a won renewal opportunity, its primary person or a contact, when it closed) is a
  step of its own that passes no earlier step: a renewal contact is not counted as an MQL;
* a recycled person who comes back to a stage is one person there; the return is counted under `entries`
  (moves into the stage, 0 when there are none).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from revcycle.analytics.tables import Tables, union

if TYPE_CHECKING:
    from revcycle.analytics.stages import StageNames

__all__ = [
    "EXISTING",
    "RENEWED",
    "describe_reach",
    "elapsed",
    "reach",
    "reached_at",
    "stage_facts",
    "stage_index",
    "stays",
]

RENEWED = "renewed"
EXISTING = "existing customers"
DAY = 86_400.0


def describe_reach(names: StageNames) -> str:
    """The reach rule in one sentence, for a report's notes."""
    won = names.won
    return (
        f"reached = people with a move into the step or a later one made as a lead (before their first move into "
        f"{won}); {won} = a lead's first move into {won} after reaching {names.mql}; people moved into {won} "
        f"without reaching {names.mql} first are existing customers (not MQLs, not won through the funnel); "
        f"renewed passes no earlier step"
    )


def elapsed(later: ir.TimestampValue, earlier: ir.TimestampValue, unit: float = DAY) -> ir.FloatingValue:
    """Time between two instants in days (or `unit` seconds), as float64 on every engine (Spark would
    otherwise divide in decimals and round to six places)."""
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64") / unit


def stage_index(stage: ir.StringValue, stages: Sequence[str]) -> ir.IntegerValue:
    """The stage's position on the main path, -1 for a detour or an unknown stage."""
    return stage.cases(*[(name, i) for i, name in enumerate(stages)], else_=-1)


def renewals(tables: Tables) -> ir.Table:
    """(person_id, at): each person on a won renewal opportunity and when it closed."""
    opportunity = tables.opportunity
    won = opportunity.filter((opportunity.kind == "renewal") & (opportunity.status == "won"))
    won = won.filter(won.closed_at.notnull())
    contacts = tables.opportunity_contact
    primary = won.filter(won.person_id.notnull()).select(person_id=won.person_id, at=won.closed_at)
    on_won = contacts.join(won.select(opportunity_id=won.id, at=won.closed_at), "opportunity_id")
    return union(primary, on_won.select("person_id", "at"))


def stage_facts(tables: Tables, names: StageNames) -> ir.Table:
    """One row per person with a main-stage move or a won renewal: `step_i` = when they reached main stage i
    (the module's rule), `existing_at` = when an existing customer first moved into the won stage,
    `renewed_at` = first won renewal. Every report reading reach shares it (built once per engine)."""
    key = ("stage_facts", names.stages, names.mql, names.won)
    return tables.shared(key, lambda: _stage_facts(tables, names))


def _stage_facts(tables: Tables, names: StageNames) -> ir.Table:
    stages = names.stages
    won, mql = names.index(names.won), names.index(names.mql)
    change = tables.stage_change
    moves = change.select(person_id=change.person_id, index=stage_index(change.to_stage, stages), at=change.at)
    moves = moves.filter(moves.index >= 0)
    first_won = moves.group_by(_person="person_id").aggregate(
        _won_at=moves.at.min(where=moves.index >= won)
    )
    joined = moves.join(first_won, moves.person_id == first_won._person)
    as_lead = (joined.index < won) & (joined._won_at.isnull() | (joined.at <= joined._won_at))
    lead_steps = {
        f"step_{i}": joined.at.min(where=as_lead & (joined.index >= i)) for i in range(won)
    }
    later_steps = {f"_after_{i}": joined.at.min(where=joined.index >= i) for i in range(won + 1, len(stages))}
    per_person = joined.group_by("person_id").aggregate(
        **lead_steps, **later_steps, _won_at=joined._won_at.min()
    )
    was_lead = per_person[f"step_{mql}"].notnull()
    null_at = ibis.null(per_person._won_at.type())  # the stored type (timestamp(6) on PostgreSQL)
    columns: dict[str, ir.Value] = {"person_id": per_person.person_id}
    columns.update({name: per_person[name] for name in lead_steps})
    columns[f"step_{won}"] = ibis.ifelse(was_lead, per_person._won_at, null_at)
    for i in range(won + 1, len(stages)):
        columns[f"step_{i}"] = ibis.ifelse(was_lead, per_person[f"_after_{i}"], null_at)
    columns["existing_at"] = ibis.ifelse(was_lead, null_at, per_person._won_at)
    reached = per_person.select(**columns)
    renewed = renewals(tables)
    renewed = renewed.group_by(_person="person_id").aggregate(renewed_at=renewed.at.min())
    outer = reached.outer_join(renewed, reached.person_id == renewed._person)
    return outer.select(
        person_id=ibis.coalesce(outer.person_id, outer._person),
        **{name: outer[name] for name in columns if name != "person_id"},
        renewed_at=outer.renewed_at,
    )


def reached_at(facts: ir.Table, step: int, n_stages: int) -> ir.TimestampValue:
    """When the person first reached funnel step `step` (step `n_stages` is "renewed")."""
    return facts.renewed_at if step == n_stages else facts[f"step_{step}"]


def reach(tables: Tables, names: StageNames, *, renewal: bool) -> ir.Table:
    """(person_id, step, at): when each person reached step `step` (the module's rule), one row per reach."""
    facts = stage_facts(tables, names)
    n_stages = len(names.stages)
    long = []
    for i in range(n_stages + int(renewal)):
        at = reached_at(facts, i, n_stages)
        long.append(facts.filter(at.notnull()).select("person_id", step=ibis.literal(i), at=at))
    return union(*long)


def stays(tables: Tables) -> ir.Table:
    """(person_id, stage, at, days): each completed stay in a stage, until the person's next move."""
    change = tables.stage_change
    following = change.at.lead().over(group_by=change.person_id, order_by=[change.at, change.id])
    moves = change.mutate(next_at=following)
    done = moves.filter(moves.next_at.notnull())
    days = elapsed(done.next_at, done.at)
    return done.select(person_id=done.person_id, stage=done.to_stage, at=done.at, days=days)

"""Stage reach and stays: when each person first reached each funnel step, and how long stays lasted.

A person reaches step i the first time they enter stage i or any later main stage (a skip passes the stages
skipped); a recycled person who comes back to a stage is still one person there, and the re-entry is
counted under `entries`. The last step, "renewed", is reached when a won renewal opportunity closes for a
person on it (its primary person or a contact).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from revcycle.analytics.tables import Tables, union

__all__ = [
    "RENEWED",
    "elapsed",
    "reach",
    "reached_at",
    "stage_facts",
    "stage_index",
    "stays",
]

RENEWED = "renewed"
DAY = 86_400.0


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


def stage_facts(tables: Tables, stages: Sequence[str]) -> ir.Table:
    """One row per person from one pass over the moves (and won renewals): `step_i` = first time at main
    stage i or beyond, `renewed_at` = first won renewal. Every report reading reach shares it."""
    return tables.shared(("stage_facts", tuple(stages)), lambda: _stage_facts(tables, tuple(stages)))


def _stage_facts(tables: Tables, stages: tuple[str, ...]) -> ir.Table:
    change = tables.stage_change
    entered = change.select(person_id=change.person_id, index=stage_index(change.to_stage, stages), at=change.at)
    entered = entered.filter(entered.index >= 0)
    renewed = renewals(tables)
    entered = union(entered, renewed.select(renewed.person_id, index=ibis.literal(len(stages)), at=renewed.at))
    main = entered.index < len(stages)
    return entered.group_by("person_id").aggregate(
        **{f"step_{i}": entered.at.min(where=(entered.index >= i) & main) for i in range(len(stages))},
        renewed_at=entered.at.min(where=~main),
    )


def reached_at(facts: ir.Table, step: int, n_stages: int, *, renewal: bool) -> ir.TimestampValue:
    """When the person first reached funnel step `step`: with renewals, being renewed passes every step."""
    if step == n_stages:
        return facts.renewed_at
    at = facts[f"step_{step}"]
    if not renewal:
        return at
    renewed = facts.renewed_at
    return ibis.cases((at.isnull(), renewed), (renewed.isnull() | (at <= renewed), at), else_=renewed)


def reach(tables: Tables, stages: Sequence[str], *, renewal: bool) -> ir.Table:
    """(person_id, step, at): the first time each person reached step `step` or a later one."""
    facts = stage_facts(tables, stages)
    steps = len(stages) + int(renewal)
    long = []
    for i in range(steps):
        at = reached_at(facts, i, len(stages), renewal=renewal)
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

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

__all__ = ["RENEWED", "elapsed", "reach", "stage_index", "stays"]

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


def reach(tables: Tables, stages: Sequence[str], *, renewal: bool) -> ir.Table:
    """(person_id, step, at): the first time each person reached step `step` or a later one."""
    wide = tables.shared(("reach", tuple(stages), renewal), lambda: _reach_wide(tables, stages, renewal=renewal))
    steps = len(stages) + int(renewal)
    long = [
        wide.filter(wide[f"step_{i}"].notnull()).select("person_id", step=ibis.literal(i), at=wide[f"step_{i}"])
        for i in range(steps)
    ]
    return union(*long)


def _reach_wide(tables: Tables, stages: Sequence[str], *, renewal: bool) -> ir.Table:
    """One row per person, column `step_i` = first time at step i or beyond: one pass over the moves."""
    change = tables.stage_change
    entered = change.select(person_id=change.person_id, index=stage_index(change.to_stage, stages), at=change.at)
    entered = entered.filter(entered.index >= 0)
    if renewal:
        renewed = renewals(tables)
        entered = union(entered, renewed.select(renewed.person_id, index=ibis.literal(len(stages)), at=renewed.at))
    steps = len(stages) + int(renewal)
    return entered.group_by("person_id").aggregate(
        **{f"step_{i}": entered.at.min(where=entered.index >= i) for i in range(steps)}
    )


def stays(tables: Tables) -> ir.Table:
    """(person_id, stage, at, days): each completed stay in a stage, until the person's next move."""
    change = tables.stage_change
    following = change.at.lead().over(group_by=change.person_id, order_by=[change.at, change.id])
    moves = change.mutate(next_at=following)
    done = moves.filter(moves.next_at.notnull())
    days = elapsed(done.next_at, done.at)
    return done.select(person_id=done.person_id, stage=done.to_stage, at=done.at, days=days)

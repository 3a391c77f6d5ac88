"""Building blocks every report shares: who is marketing, each person's first touch, and report groups.

Conventions (shown in reports' notes):
* a sales touch is one made by a user of ours (`user_id` set) or on a sales channel (default: "sales");
  every other touch is marketing's;
* a person's lead source is the channel of their first touch (earliest `occurred_at`, then lowest id);
  they are marketing-sourced when that touch is marketing's; no touch at all is source "none";
* a sales activity (first contact) is a touch of type call, email or meeting made by a user.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.tables import Tables

__all__ = ["BANDS", "GROUPINGS", "Definitions", "first_touches", "is_marketing", "people", "person_groups"]

GROUPINGS = ("none", "cohort", "source", "campaign", "segment", "industry", "owner")
BANDS = ((1, "1-49"), (50, "50-199"), (200, "200-999"), (1000, "1000-4999"), (5000, "5000+"))
NONE = "none"


@dataclass(frozen=True)
class Definitions:
    """What counts as sales, and which touches are a first sales contact."""

    sales_channels: tuple[str, ...] = ("sales",)
    activity_types: tuple[str, ...] = ("call", "email", "meeting")

    def describe(self) -> str:
        """The definitions in one line."""
        return (
            f"sales touches: made by a user or on channel(s) {', '.join(self.sales_channels)}; "
            f"first contact: a {'/'.join(self.activity_types)} by a user"
        )


def is_marketing(touch: ir.Table, definitions: Definitions) -> ir.BooleanValue:
    """True for marketing's touches (no user, not on a sales channel)."""
    channel = touch.channel.fill_null("")
    return touch.user_id.isnull() & ~channel.isin(list(definitions.sales_channels))


def is_activity(touch: ir.Table, definitions: Definitions) -> ir.BooleanValue:
    """True for a sales activity: a call, email or meeting made by a user."""
    return touch.user_id.notnull() & touch.type.isin(list(definitions.activity_types))


ID_SPAN = 2_147_483_648  # touch ids must stay below 2^31 for the packed order key


def touch_order(touch: ir.Table) -> ir.IntegerValue:
    """One integer that orders touches by time (to the second), then id, and carries the id (key % 2^31)."""
    return touch.occurred_at.epoch_seconds().cast("int64") * ID_SPAN + touch.id


def first_touches(tables: Tables, definitions: Definitions) -> ir.Table:
    """One row per touched person: source channel, source campaign id, when, marketing-sourced, and when
    their first marketing touch was (what marketing influence asks); kept on the engine inside `people`.

    One aggregate over every touch gives each person's smallest order key (which carries their first
    touch's id) and their first marketing touch's time; the first touch is then looked up by id. A join
    back on (person, key) or a window over every touch costs several times as much (measured on DuckDB)."""
    tp = tables.touchpoint
    summary = tp.group_by(_person=tp.person_id).aggregate(
        _key=touch_order(tp).min(),
        first_marketing_at=tp.occurred_at.min(where=is_marketing(tp, definitions)),
    )
    summary = summary.mutate(_first_id=summary._key & (ID_SPAN - 1))
    # a projection of its own: the same table on both sides of the join becomes a CTE that DuckDB materializes
    looked_up = tp.select("id", "person_id", "channel", "campaign_id", "occurred_at", "user_id")
    first = looked_up.join(summary, looked_up.id == summary._first_id)
    return first.select(
        person_id=first.person_id,
        source=first.channel.fill_null(NONE),
        source_campaign_id=first.campaign_id,
        first_at=first.occurred_at,
        sourced=is_marketing(first, definitions),
        first_marketing_at=first.first_marketing_at,
    )


def person_groups(tables: Tables, grouping: str, definitions: Definitions) -> ir.Table:
    """Every person with their report group (`group`), creation time, source and marketing-sourced flag."""
    if grouping not in GROUPINGS:
        raise AnalyticsError(f"unknown grouping {grouping!r}; choose one of {', '.join(GROUPINGS)}")
    everyone = people(tables, definitions)
    if grouping in PROJECTED:
        return _with_group(everyone, tables, grouping)
    return tables.shared(("people", grouping, definitions), lambda: _with_group(everyone, tables, grouping))


# Groupings that are a column of the shared people table (no join): projected, not stored again.
PROJECTED = ("none", "cohort", "source")


def people(tables: Tables, definitions: Definitions) -> ir.Table:
    """Every person with creation time, account, owner, lead source, marketing-sourced flag and first
    marketing touch time: the one per-person table the reports share (built once per engine)."""
    return tables.shared(("people", definitions), lambda: _people(tables, definitions))


def _people(tables: Tables, definitions: Definitions) -> ir.Table:
    person = tables.person
    first = first_touches(tables, definitions)
    joined = person.left_join(first, person.id == first.person_id)
    return joined.select(
        person_id=joined.id,
        created_at=joined.created_at,
        account_id=joined.account_id,
        owner_id=joined.owner_id,
        source=joined.source.fill_null(NONE),
        source_campaign_id=joined.source_campaign_id,
        sourced=joined.sourced.fill_null(False),
        first_marketing_at=joined.first_marketing_at,
    )


def _with_group(people: ir.Table, tables: Tables, grouping: str) -> ir.Table:
    if grouping == "none":
        return people.mutate(group=ibis.literal("all"))
    if grouping == "cohort":
        return people.mutate(group=people.created_at.strftime("%Y-%m"))
    if grouping == "source":
        return people.mutate(group=people.source)
    if grouping == "campaign":
        campaign = tables.campaign
        joined = people.left_join(campaign, people.source_campaign_id == campaign.id)
        return joined.select(*people.columns, group=joined.name.fill_null(NONE))
    if grouping == "owner":
        user = tables.app_user
        joined = people.left_join(user, people.owner_id == user.id)
        label = joined.name.fill_null(joined.email).fill_null(joined.owner_id.cast("string"))
        return joined.select(*people.columns, group=label.fill_null("unassigned"))
    account = tables.account
    joined = people.left_join(account, people.account_id == account.id)
    if grouping == "industry":
        return joined.select(*people.columns, group=joined.industry.fill_null("unknown"))
    return joined.select(*people.columns, group=_band(joined.employees))


def _band(employees: ir.IntegerValue) -> ir.StringValue:
    """The employee band a company falls in (the segment), "unknown" without a head count."""
    branches = [(employees >= low, label) for low, label in reversed(BANDS)]
    return ibis.cases(*branches, else_="unknown")

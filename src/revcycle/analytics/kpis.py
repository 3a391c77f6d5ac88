"""Alignment building blocks: an opportunity's people, marketing influence, first contact after hand-off.

* an opportunity's people are its primary person and its contacts (opportunity_contact);
* amounts are in the pact's currency (`amounts.valued`), and a deal without a creation date is placed by its
  close date (`amounts.opened_at`);
* it is marketing-influenced when any of them had a marketing touch before it was created (before its close
  when it has no creation date);
* it is marketing-sourced when its primary person's first touch was marketing's;
* time to first contact runs from a move into the MQL stage to the person's first sales activity at or
  after it; a hand-off with no activity yet counts as not contacted.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from revcycle.analytics.amounts import opened_at, valued
from revcycle.analytics.facts import Definitions, is_activity, people
from revcycle.analytics.funnel import elapsed
from revcycle.analytics.period import Period
from revcycle.analytics.tables import Tables, union

__all__ = ["first_contacts", "influenced", "opportunities", "opportunity_people"]

HOUR = 3_600.0


def opportunity_people(tables: Tables) -> ir.Table:
    """(opportunity_id, person_id): every person on each opportunity, primary or contact, once."""
    opportunity, contact = tables.opportunity, tables.opportunity_contact
    primary = opportunity.filter(opportunity.person_id.notnull())
    primary = primary.select(opportunity_id=primary.id, person_id=primary.person_id)
    return union(primary, contact.select("opportunity_id", "person_id")).distinct()


def opportunities(tables: Tables, period: Period, kinds: Sequence[str] | None) -> ir.Table:
    """Opportunities opened in the period (created, or closed when they have no creation date), of the given
    kinds (all kinds for None), with amounts in the pact's currency and `opened_at`."""
    opportunity = valued(tables)
    opportunity = opportunity.mutate(opened_at=opened_at(opportunity))
    chosen = opportunity.filter(period.contains(opportunity.opened_at))
    return chosen if kinds is None else chosen.filter(chosen.kind.isin(list(kinds)))


def influenced(tables: Tables, chosen: ir.Table, definitions: Definitions) -> ir.Table:
    """(opportunity_id): the chosen opportunities a marketing touch by one of their people preceded.

    A marketing touch precedes the opportunity exactly when the person's first marketing touch does, so
    each person's first marketing time (kept with the shared people) answers it without reading the touches.
    """
    members = opportunity_people(tables)
    first = people(tables, definitions).select("person_id", "first_marketing_at")
    on_chosen = chosen.select(opportunity_id=chosen.id, created_at=opened_at(chosen))
    pairs = on_chosen.join(members, "opportunity_id")
    hits = pairs.join(first, [pairs.person_id == first.person_id, first.first_marketing_at < pairs.created_at])
    return hits.select(hits.opportunity_id).distinct()


def first_contacts(tables: Tables, mql_stage: str, period: Period, definitions: Definitions) -> ir.Table:
    """(handoff_id, person_id, at, hours): each move into the MQL stage in the period and the hours to
    the first sales activity at or after it (null when none)."""
    change = tables.stage_change
    handoffs = change.filter((change.to_stage == mql_stage) & period.contains(change.at))
    handoffs = handoffs.select(handoff_id=handoffs.id, person_id=handoffs.person_id, at=handoffs.at)
    touch = tables.touchpoint
    activity = touch.filter(is_activity(touch, definitions)).select(
        activity_person=touch.person_id, activity_at=touch.occurred_at
    )
    joined = handoffs.join(
        activity, [handoffs.person_id == activity.activity_person, activity.activity_at >= handoffs.at]
    )
    first = joined.group_by("handoff_id").aggregate(first_at=joined.activity_at.min())
    result = handoffs.left_join(first, handoffs.handoff_id == first.handoff_id)
    hours = elapsed(result.first_at, result.at, HOUR)
    return result.select(
        handoff_id=result.handoff_id,
        person_id=result.person_id,
        at=result.at,
        hours=ibis.ifelse(result.first_at.isnull(), ibis.null("float64"), hours.cast("float64")),
    )

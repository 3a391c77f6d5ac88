"""What a lead is worth under the pact, and which first-contact tier that puts them in. Pure: the pact, the
person's touch types and `now` are arguments."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from revcycle.pact.conditions import Facts, evaluate
from revcycle.pact.schema import FirstContactTier, Pact

__all__ = ["LeadValue", "first_contact_tier", "lead_value"]


@dataclass(frozen=True)
class LeadValue:
    """A person's value: their highest-value touch by the pact's `lead_values` (None: no touch has a value)."""

    amount: Decimal
    currency: str
    touch_type: str | None


def lead_value(pact: Pact, touch_types: Iterable[str]) -> LeadValue | None:
    """The person's highest-value touch, in the pact's currency; None when the pact sets no lead values. A
    person none of whose touches has a value is worth 0."""
    if pact.lead_values is None:
        return None
    prices = pact.lead_values.by_touch_type
    valued = sorted(((prices[kind], kind) for kind in set(touch_types) if kind in prices), reverse=True)
    amount, kind = valued[0] if valued else (Decimal(0), None)
    return LeadValue(amount, pact.lead_values.currency, kind)


def first_contact_tier(
    pact: Pact, value: LeadValue | None, facts: Callable[[], Facts] | None, *, now: datetime
) -> FirstContactTier | None:
    """The first of the pact's first-contact tiers whose lead-value range holds the value and whose condition
    holds (`facts` is asked for only when a tier has a condition); None when the pact has no tiers or none fits."""
    if pact.sla is None:
        return None
    for tier in pact.sla.sales.first_contact:
        if tier.lead_value is not None:
            if value is None or value.amount < tier.lead_value.min:
                continue
            if tier.lead_value.max is not None and value.amount >= tier.lead_value.max:
                continue
        if tier.when is not None and (facts is None or not evaluate(tier.when, facts(), now=now)):
            continue
        return tier
    return None

"""A lead is worth their highest-value touch; that value (or a condition) picks their first-contact tier."""

from __future__ import annotations

import re
from decimal import Decimal

from revcycle.pact.conditions import Facts
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.values import LeadValue, first_contact_tier, lead_value
from tests.conftest import NOW

PACT = load_pact(example_pact_text())


def test_a_lead_is_worth_their_highest_value_touch_and_nothing_without_one() -> None:
    assert lead_value(PACT, ["page_view", "download", "contact_request"]) == LeadValue(
        Decimal(400), "USD", "contact_request")
    assert lead_value(PACT, ["page_view"]) == LeadValue(Decimal(0), "USD", None)
    no_values = load_pact(re.sub(r"^lead_values:\n(?:  .*\n)+", "", example_pact_text(), flags=re.MULTILINE))
    assert no_values.lead_values is None and lead_value(no_values, ["contact_request"]) is None


def test_the_tier_is_the_first_whose_range_holds_the_value_ranges_being_half_open() -> None:
    def tier(amount: int) -> str | None:
        found = first_contact_tier(PACT, LeadValue(Decimal(amount), "USD", None), None, now=NOW)
        return found.name if found else None

    assert [tier(0), tier(99), tier(100), tier(399), tier(400), tier(5000)] == [
        "standard", "standard", "warm", "warm", "hot", "hot"]
    assert first_contact_tier(PACT, None, None, now=NOW) is None  # no value: no range holds


def test_a_tier_with_a_condition_is_chosen_by_the_persons_facts() -> None:
    text = example_pact_text().replace(
        "      - {name: hot, lead_value: {min: 400}, within: 5m, escalate_to: ae}\n",
        "      - {name: vip, when: {field: person.seniority, gte: vp}, within: 2m}\n"
        "      - {name: hot, lead_value: {min: 400}, within: 5m, escalate_to: ae}\n",
    )
    pact = load_pact(text)
    value = LeadValue(Decimal(400), "USD", "contact_request")
    vp = first_contact_tier(pact, value, lambda: Facts(person={"seniority": "vp"}), now=NOW)
    manager = first_contact_tier(pact, value, lambda: Facts(person={"seniority": "manager"}), now=NOW)
    assert vp is not None and vp.name == "vip" and manager is not None and manager.name == "hot"

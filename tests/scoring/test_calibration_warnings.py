"""Calibration says so when its proposal goes against the written MQL definition or collapses MQL volume."""

from __future__ import annotations

from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.scoring.calibration import collapse, contradictions

PACT = load_pact(example_pact_text())


def test_negative_points_for_a_signal_the_mql_definition_requires_are_flagged() -> None:
    warnings = contradictions(PACT, {"conversation_request": -19, "bottom_funnel_asset": 15})
    assert len(warnings) == 1
    assert '"conversation_request"' in warnings[0] and "-19 points" in warnings[0]
    assert "definitions.mql.when requires it" in warnings[0] and "contact_request" in warnings[0]


def test_dropping_a_required_fit_rule_is_flagged_and_a_rule_the_definition_does_not_name_is_not() -> None:
    warnings = contradictions(PACT, {"director_plus": None, "pricing_page_3_in_7_days": -21, "email_click": None})
    assert len(warnings) == 1 and 'drops "director_plus"' in warnings[0]
    assert "person.seniority, gte: director" in warnings[0]


def test_a_proposal_that_keeps_the_required_signals_positive_is_not_flagged() -> None:
    assert contradictions(PACT, {"director_plus": 25, "company_500_plus": 12, "conversation_request": 40,
                                 "bottom_funnel_asset": 3}) == []


def test_without_a_written_definition_nothing_can_contradict_it() -> None:
    text = example_pact_text().replace("      Director or above, at a company", "      Anyone at a company")
    without = load_pact(text.split("    when:\n      all:")[0] + "\n  sal:" + text.split("\n  sal:", 1)[1])
    assert without.definitions["mql"].when is None
    assert contradictions(without, {"conversation_request": -19}) == []


def test_a_proposal_making_fewer_than_half_the_mqls_is_flagged_with_both_counts() -> None:
    warning = collapse(2773, 50)
    assert warning is not None and "50 MQLs" in warning and "2,773" in warning and "(2%)" in warning
    assert collapse(2773, 1400) is None and collapse(0, 0) is None
    assert collapse(100, 49) is not None and collapse(100, 50) is None

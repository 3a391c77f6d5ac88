"""A scoring section that cannot work is refused with every problem named by YAML path and line."""

from __future__ import annotations

import pytest

from revcycle.pact.loader import example_pact_text, load_pact, pact_issues

EXAMPLE = example_pact_text()


def _broken(old: str, new: str) -> str:
    assert EXAMPLE.count(old) == 1, old
    return EXAMPLE.replace(old, new)


def _line_of(text: str, needle: str) -> int:
    return text[: text.rindex(needle)].count("\n") + 1


def test_the_example_scoring_section_is_valid_and_encodes_the_seeds_numbers() -> None:
    scoring = load_pact(EXAMPLE).scoring
    assert scoring is not None and scoring.qualify is not None
    assert (scoring.qualify.fit, scoring.qualify.engagement) == (40, 60)
    points = {rule.name: rule.points for rule in [*scoring.fit.rules, *scoring.engagement.rules]}
    assert (points["director_plus"], points["company_500_plus"]) == (20, 20)
    assert (points["bottom_funnel_asset"], points["conversation_request"]) == (15, 30)
    assert sum(points.values()) - 20 - 20 - 15 - 30 < 40


CASES = {
    "unknown field": (
        "when: {field: person.seniority, gte: director}", "when: {field: person.senority, gte: director}",
        "scoring.fit.rules[0].when.field", '"person.senority" is not a field', "person.senority"),
    "unknown touch type": (
        "conversation_request, touches: {type: [contact_request, chat]}",
        "conversation_request, touches: {type: [contact_request, chatt]}",
        "scoring.engagement.rules[1].touches.type", '"chatt" is not a touch type', "chatt"),
    "a window that can never matter": (
        "touches: {type: webinar_attendance}, points: 5", "touches: {type: webinar_attendance}, within: 7d, points: 5",
        "scoring.engagement.rules[3].within", "can never matter with at_least 1", "within: 7d, points: 5"),
    "a window in business days": (
        "at_least: 3, within: 7d", "at_least: 3, within: 5bd",
        "scoring.engagement.rules[2].within", "5bd cannot be honoured: scoring counts wall-clock time", "5bd"),
    "a cap below one rule's points": (
        "fit:\n    cap: 60", "fit:\n    cap: 15",
        "scoring.fit.cap", 'cap 15 is below the 20 points of rule "director_plus"', "cap: 15\n"),
    "a threshold nobody can reach": (
        "fit: 40, engagement: 60,", "fit: 40, engagement: 160,",
        "scoring.qualify.engagement", "160 can never be reached: the most engagement points anybody can have is 73",
        "engagement: 160"),
    "a total cap below the thresholds": (
        "total_cap: 150", "total_cap: 90",
        "scoring.total_cap", "90 is below fit 40 + engagement 60: nobody could qualify", "total_cap: 90"),
    "a decay that the window makes impossible": (
        "window: 90d ", "window: 90d\n    decay: {percent: 10, every: 120d}\n   ",
        "scoring.engagement.decay.every", "decay every 120d can never apply", "percent: 10"),
    "a half-life shorter than a day": (
        "window: 90d ", "window: 90d\n    decay: {half_life: 12h}\n   ",
        "scoring.engagement.decay.half_life", "decay counts the age of a hit in whole days", "half_life: 12h"),
    "a move the cycle forbids": (
        "from: [known, engaged]", "from: [known, customer]",
        "scoring.qualify.from[1]", 'the pact does not allow "customer" -> "mql"', "from: [known, customer]"),
    "a repeated rule name": (
        "name: email_click,", "name: webinar_attended,",
        "scoring.engagement.rules[4].name", 'rule "webinar_attended" is already named at scoring.engagement.rules[3]',
        "name: webinar_attended,"),
    "touch behaviour in a fit rule": (
        "when: {field: account.industry, in: [software, financial_services]}",
        "when: {touches: {type: download}, at_least: 2}",
        "scoring.fit.rules[2].when", "a field rule tests fields only", "touches: {type: download}, at_least: 2}"),
    "an unknown key": (
        "points: 8}", "pointz: 8}", "scoring.fit.rules[2].pointz", "unknown key", "pointz"),
    "a positive negative rule": (
        "points: -100}", "points: 100}", "scoring.negative[0].points", "a negative rule takes points away",
        "points: 100}"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_a_broken_scoring_section_names_the_path_line_and_problem(case: tuple[str, str, str, str, str]) -> None:
    old, new, path, message, needle = case
    text = _broken(old, new)
    found = [issue for issue in pact_issues(text) if issue.path == path and message in issue.message]
    assert found, pact_issues(text)
    assert found[0].line == _line_of(text, needle)

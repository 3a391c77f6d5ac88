"""The pact file: the example is valid, and every mistake is named by YAML path and line."""

from __future__ import annotations

import re

import pytest

from revcycle.errors import PactError
from revcycle.pact.loader import example_pact_text, load_pact, pact_issues

EXAMPLE = example_pact_text()


def _broken(old: str, new: str) -> str:
    assert old in EXAMPLE, old
    return EXAMPLE.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_example_pact_encodes_the_articles_numbers() -> None:
    pact = load_pact(EXAMPLE)
    assert pact.stage_names() == ["known", "engaged", "mql", "sal", "sql", "opportunity", "customer"]
    values = pact.lead_values.by_touch_type  # type: ignore[union-attr]
    assert (values["download"], values["webinar_attendance"], values["contact_request"]) == (20, 100, 400)
    assert pact.sla is not None and pact.sla.marketing.monthly_lead_value == 50000
    windows = [str(tier.within) for tier in pact.sla.sales.first_contact]
    assert windows == ["5m", "1h", "24h"]
    assert "Director or above" in pact.definitions["mql"].description
    assert {d.name for d in pact.detours} == {"recycled", "disqualified", "lost"}
    assert all(d.reasons for d in pact.detours)


def test_an_unparseable_window_names_its_path_line_and_the_fix() -> None:
    text = _broken(
        "{name: warm, lead_value: {min: 100, max: 400}, within: 1h}",
        '{name: warm, lead_value: {min: 100, max: 400}, within: "1 hr"}',
    )
    with pytest.raises(PactError) as caught:
        load_pact(text, source="pact.yaml")
    message = str(caught.value)
    line = _line_of(text, "name: warm")
    assert (
        f'pact.yaml:{line}: sla.sales.first_contact[1].within: "1 hr" is not a duration (use 5m, 1h, 24h, 3bd)'
        in message
    )


def test_a_detour_from_an_unknown_stage_is_named() -> None:
    issues = pact_issues(_broken("from: [mql, sal, sql]", "from: [mql, sal, sqll]"))
    assert [(i.path, i.line) for i in issues] == [("detours[0].from[2]", _line_of(EXAMPLE, "from: [mql, sal, sql]"))]
    assert '"sqll" is not a stage' in issues[0].message


def test_a_detour_without_reason_codes_is_refused() -> None:
    text = re.sub(r"(  - name: lost\n(?:    .*\n)*?    reasons:\n)(?:      - .*\n)+", r"\1      []\n", EXAMPLE)
    paths = {i.path: i.message for i in pact_issues(text)}
    assert "detours[2].reasons" in paths and "at least one reason code" in paths["detours[2].reasons"]


def test_overlapping_sla_windows_are_refused() -> None:
    issues = pact_issues(_broken("{name: warm, lead_value: {min: 100,", "{name: warm, lead_value: {min: 50,"))
    assert [i.path for i in issues] == ["sla.sales.first_contact[2].lead_value"]
    assert "overlaps sla.sales.first_contact[1].lead_value" in issues[0].message


def test_a_negative_lead_value_is_refused() -> None:
    issues = pact_issues(_broken("download: 20", "download: -20"))
    assert [i.path for i in issues] == ["lead_values.by_touch_type.download"]


def test_an_unknown_stage_in_a_lifecycle_rule_is_named() -> None:
    issues = pact_issues(_broken("{on: opportunity_won, to: customer}", "{on: opportunity_won, to: client}"))
    assert [i.path for i in issues] == ["lifecycle[2].to"]


def test_an_unknown_field_in_a_definition_lists_the_known_ones() -> None:
    issues = pact_issues(_broken("person.seniority", "person.seniorty"))
    assert issues[0].path == "definitions.mql.when.all[0].field"
    assert "seniority" in issues[0].message


def test_an_unknown_key_is_an_error_not_ignored() -> None:
    issues = pact_issues(_broken("cycle:\n  allow_skip: true", "cycle:\n  allow_skips: true"))
    assert [i.path for i in issues] == ["cycle.allow_skips"]


def test_broken_yaml_reports_its_line() -> None:
    issues = pact_issues("name: x\nstages: [\n  {name: a\n")
    assert len(issues) == 1 and issues[0].line is not None and "not valid YAML" in issues[0].message


def test_every_problem_is_reported_at_once() -> None:
    text = _broken("from: [mql, sal, sql]", "from: [mql, sal, sqll]")
    text = text.replace("{on: opportunity_won, to: customer}", "{on: opportunity_won, to: client}")
    assert len(pact_issues(text)) == 2

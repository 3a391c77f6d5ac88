"""Pact diffs read section by section, by path."""

from __future__ import annotations

from revcycle.pact.diff import diff_pacts
from revcycle.pact.loader import example_pact_text, load_pact


def test_a_changed_window_and_an_added_reason_show_in_their_sections() -> None:
    old = load_pact(example_pact_text())
    text = example_pact_text().replace("within: 5m", "within: 10m")
    text = text.replace(
        '{code: no_budget, description: "No budget this cycle"}',
        '{code: no_budget, description: "No budget this cycle"}\n      - {code: went_dark}',
    )
    sections = diff_pacts(old, load_pact(text))
    assert set(sections) == {"sla", "detours"}
    assert "~ sla.sales.first_contact[hot].within: 5m -> 10m" in sections["sla"]
    assert "+ detours[recycled].reasons[went_dark]: {code: went_dark, fit: False}" in sections["detours"]


def test_identical_pacts_have_no_differences() -> None:
    pact = load_pact(example_pact_text())
    assert diff_pacts(pact, pact) == {}

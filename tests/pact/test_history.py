"""`pact history` lists every stored version with what it changed; `pact show v3` prints a stored one; `pact diff`
shows the items a changed list gained and lost."""

from __future__ import annotations

from pathlib import Path

from revcycle.pact.diff import diff_pacts, summary
from revcycle.pact.loader import example_pact_text, load_pact
from tests.cli.inprocess import invoke
from tests.conftest import Store

SLOWER = example_pact_text().replace("within: 5m", "within: 10m")
WIDER = SLOWER.replace("from: [mql, sal, sql]", "from: [known, mql, sql]")


def test_a_changed_list_shows_the_items_added_and_removed_not_the_whole_list() -> None:
    sections = diff_pacts(load_pact(SLOWER), load_pact(WIDER))
    assert sections == {"detours": ["- detours[recycled].from: sal", "+ detours[recycled].from: known"]}
    rule = "{on: opportunity_won, to: customer}"
    example = load_pact(example_pact_text())
    index = [r.on for r in example.lifecycle].index("opportunity_won")
    changed = load_pact(example_pact_text().replace(rule, "{on: opportunity_won, to: customer, from: [opportunity]}"))
    added = f"+ lifecycle[{index}]: {{on: opportunity_won, to: customer, from: [opportunity]}}"
    assert diff_pacts(example, changed)["lifecycle"] == [f"- lifecycle[{index}]: {rule}", added]


def test_a_reordered_list_is_named_as_a_reorder() -> None:
    reordered = example_pact_text().replace("from: [mql, sal, sql]", "from: [sql, mql, sal]")
    sections = diff_pacts(load_pact(example_pact_text()), load_pact(reordered))
    assert sections == {"detours": ["~ detours[recycled].from: order [mql, sal, sql] -> [sql, mql, sal]"]}


def test_the_summary_names_stages_added_and_removed_and_counts_the_other_changes() -> None:
    sections = diff_pacts(load_pact(example_pact_text()), load_pact(WIDER))
    assert summary(sections) == "detours: 1 added, 1 removed; sla: 1 changed"
    assert summary({}) == "no changes"
    renamed = {"stages": ["- stages[sal]: removed", "+ stages[accepted]: {name: accepted, team: sdr}"],
               "lifecycle": ["- lifecycle[1]: {on: touchpoint_recorded, to: engaged}"]}
    assert summary(renamed) == "stages: sal removed, accepted added; lifecycle: 1 removed"


def test_history_lists_each_version_with_what_it_changed_and_show_prints_a_stored_one(
    store: Store, tmp_path: Path
) -> None:
    for number, text in ((2, SLOWER), (3, WIDER)):
        path = tmp_path / f"v{number}.yaml"
        path.write_text(text)
        assert f"applied pact version {number}" in invoke("pact", "apply", str(path), url=store.url).stdout
    history = invoke("pact", "history", url=store.url)
    assert history.code == 0, history
    rows = [line.split() for line in history.stdout.splitlines()[1:]]
    assert [row[0] for row in rows] == ["v1", "v2", "v3"]
    assert rows[0][3] == "test" and rows[1][3] == "tester"  # the fixture applied v1 as "test"
    assert history.stdout.splitlines()[1].rstrip().endswith("first version")
    assert history.stdout.splitlines()[2].rstrip().endswith("sla: 1 changed")
    assert history.stdout.splitlines()[3].rstrip().endswith("detours: 1 added, 1 removed")
    assert "Example Co. sales & marketing pact (2026.1)" in history.stdout
    for ref in ("v2", "2"):
        shown = invoke("pact", "show", ref, url=store.url)
        assert shown.code == 0 and shown.stdout.startswith("# pact version 2, applied by tester")
        assert "within: 10m" in shown.stdout and "from: [mql, sal, sql]" in shown.stdout
    assert "from: [known, mql, sql]" in invoke("pact", "show", url=store.url).stdout
    for ref, words in (("v9", "there is no stored pact version 9"), ("latest", '"latest" is not a pact version')):
        missing = invoke("pact", "show", ref, url=store.url)
        assert missing.code == 1 and words in missing.stderr and missing.stderr.count("\n") == 1, missing

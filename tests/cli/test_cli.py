"""The command line as users meet it: clear errors with exit status 1 and no traceback, and the lead timeline."""

from __future__ import annotations

from pathlib import Path

from revcycle.pact.loader import example_pact_text
from tests.cli.helpers import revcycle
from tests.ingest.helpers import people_rows, write_csv


def test_pact_check_names_the_path_and_exits_1(tmp_path: Path, sqlite_url: str) -> None:
    bad = tmp_path / "pact.yaml"
    bad.write_text(example_pact_text().replace("within: 1h", 'within: "1 hr"'))
    result = revcycle("pact", "check", bad, url=sqlite_url)
    assert result.returncode == 1
    assert 'sla.sales.first_contact[1].within: "1 hr" is not a duration (use 5m, 1h, 24h, 3bd)' in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_pact_is_refused_and_the_stored_one_stays(tmp_path: Path, store_url: str) -> None:
    assert revcycle("db", "upgrade", url=store_url).returncode == 0
    good = tmp_path / "good.yaml"
    good.write_text(example_pact_text())
    assert "applied pact version 1" in revcycle("pact", "apply", good, url=store_url).stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(example_pact_text().replace("download: 20", "download: -20"))
    refused = revcycle("pact", "apply", bad, url=store_url)
    assert refused.returncode == 1 and "lead_values.by_touch_type.download" in refused.stderr
    shown = revcycle("pact", "show", url=store_url)
    assert "# pact version 1, applied by tester" in shown.stdout and "download: 20" in shown.stdout
    changed = tmp_path / "v2.yaml"
    changed.write_text(example_pact_text().replace("within: 5m", "within: 10m"))
    assert "applied pact version 2" in revcycle("pact", "apply", changed, url=store_url).stdout
    diff = revcycle("pact", "diff", "v1", "v2", url=store_url)
    assert "~ sla.sales.first_contact[hot].within: 5m -> 10m" in diff.stdout


def test_a_store_without_schema_says_to_upgrade(sqlite_url: str) -> None:
    result = revcycle("pact", "show", url=sqlite_url)
    assert result.returncode == 1 and "run `revcycle db upgrade`" in result.stderr


def test_an_unreachable_database_is_a_clear_error(sqlite_url: str) -> None:
    result = revcycle("db", "upgrade", url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode == 1 and "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_with_bad_rows_exits_3_after_keeping_the_good_ones(tmp_path: Path, sqlite_url: str) -> None:
    revcycle("db", "upgrade", url=sqlite_url)
    revcycle("pact", "apply", "--example", url=sqlite_url)
    rows = people_rows()
    rows[1]["created_at"] = "2025-01-03 10:00"
    result = revcycle("import", "people", write_csv(tmp_path / "p.csv", rows), "-q", url=sqlite_url)
    assert result.returncode == 3  # committed with rejected rows; 1 is a failed import that wrote nothing
    assert "2 inserted, 0 updated, 0 unchanged, 1 rejected" in result.stdout
    assert "has no time zone" in result.stdout
    timeline = revcycle("lead", "show", "ada@acme.com", url=sqlite_url)
    assert timeline.returncode == 0 and "stage known since 2025-01-02 10:00" in timeline.stdout
    assert "(new) -> known" in timeline.stdout
    missing = revcycle("lead", "show", "nobody@x.com", url=sqlite_url)
    assert missing.returncode == 1 and 'no person with email, id or external id "nobody@x.com"' in missing.stderr


def test_impossible_simulation_parameters_are_clear_errors(tmp_path: Path, sqlite_url: str) -> None:
    negative = revcycle("sim", "generate", "--people", "-5", "--out", tmp_path / "a", url=sqlite_url)
    assert negative.returncode == 1 and "Traceback" not in negative.stderr and "people" in negative.stderr
    no_months = revcycle("sim", "generate", "--months", "0", "--out", tmp_path / "b", url=sqlite_url)
    assert no_months.returncode == 1 and "months" in no_months.stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    refused = revcycle("sim", "generate", "--people", "50", "--months", "1", "--out", busy, url=sqlite_url)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    forced = revcycle("sim", "generate", "--people", "50", "--months", "1", "--out", busy, "--force", url=sqlite_url)
    assert forced.returncode == 0 and (busy / "touchpoints.csv").is_file() and (busy / "notes.txt").is_file()

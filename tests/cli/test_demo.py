"""`revcycle demo`: the README's main command shows a living company, on a fresh SQLite workspace, that keeps
the pact it applies, lives up to today, and never replaces a store it did not make."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from revcycle.pact.loader import example_pact_text
from tests.cli.helpers import revcycle

SENIOR = ("director", "vp", "c_level", "owner")


def _one(database: Path, sql: str, *params: object) -> tuple[object, ...]:
    with sqlite3.connect(database) as connection:
        return tuple(connection.execute(sql, params).fetchone())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One demo run at 1,500 people: its folder and what it printed."""
    tmp_path = tmp_path_factory.mktemp("demo")
    result = revcycle("demo", "--dir", tmp_path / "demo", "--people", "1500", url="sqlite:///unused.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    return tmp_path, result


def test_the_demo_simulates_imports_and_shows_funnel_time_in_stage_and_a_timeline(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tmp_path, result = demo
    out = result.stdout
    for expected in ("Funnel (people who ever reached each stage)", "Time in stage", "one lead's timeline"):
        assert expected in out
    assert out.count(" 0 rejected") == 7  # users, accounts, campaigns, people, stages, touchpoints, opportunities
    database = tmp_path / "demo" / "revcycle.db"
    assert database.is_file()
    again = revcycle("demo", "--dir", tmp_path / "demo", "--people", "1500", url="sqlite:///unused.db", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.count("Funnel (people") == 1


def test_the_demo_year_ends_today_its_scores_have_engagement_and_its_lead_meets_the_mql_definition(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tmp_path, result = demo
    database = tmp_path / "demo" / "revcycle.db"
    today = datetime.now(UTC)
    (last,) = _one(database, "SELECT MAX(occurred_at) FROM touchpoint")
    last_touch = datetime.fromisoformat(str(last)).replace(tzinfo=UTC)
    assert today - timedelta(days=7) < last_touch <= today
    (engaged,) = _one(database, "SELECT COUNT(*) FROM person_score WHERE engagement > 0")
    assert isinstance(engaged, int) and engaged > 50
    key = re.search(r"one lead's timeline \((\S+)\)", result.stdout)
    assert key is not None, result.stdout[-3000:]
    seniority, employees = _one(database, "SELECT p.seniority, a.employees FROM person p JOIN account a "
                                          "ON a.id = p.account_id WHERE p.email = ?", key.group(1))
    assert "Director or above, at a company of 500+ employees" in example_pact_text()
    assert seniority in SENIOR and isinstance(employees, int) and employees >= 500


def test_the_demo_refuses_a_store_it_did_not_make_unless_forced(tmp_path: Path) -> None:
    mine = tmp_path / "revcycle.db"
    mine.write_bytes(b"my company's data")
    refused = revcycle("demo", "--dir", tmp_path, "--people", "300", url="sqlite:///unused.db", cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "was not made by `revcycle demo`" in refused.stderr and "--force" in refused.stderr
    assert refused.stderr.strip().count("\n") == 0  # one sentence
    assert mine.read_bytes() == b"my company's data" and not (tmp_path / "data").exists()
    forced = revcycle("demo", "--dir", tmp_path, "--people", "300", "--force", "--start", "2025-01-01",
                      "--end", "2025-07-01", url="sqlite:///unused.db", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr[-2000:]
    first, last = _one(mine, "SELECT MIN(occurred_at), MAX(occurred_at) FROM touchpoint")
    assert str(first) >= "2025-01-01" and str(last) < "2025-07-01"


def test_a_period_that_ends_before_it_starts_is_refused_naming_start(tmp_path: Path) -> None:
    refused = revcycle("sim", "generate", "--people", "50", "--out", tmp_path / "out", "--start", "2026-06-01",
                       "--end", "2026-05-01", url="sqlite:///unused.db", cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--start" in refused.stderr and "is not before the end, 2026-05-01" in refused.stderr
    assert not (tmp_path / "out").exists()

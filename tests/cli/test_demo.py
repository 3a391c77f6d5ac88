"""`revcycle demo`: the README's main command shows a living company, on a fresh SQLite workspace."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import revcycle


def test_the_demo_simulates_imports_and_shows_funnel_time_in_stage_and_a_timeline(tmp_path: Path) -> None:
    result = revcycle("demo", "--dir", tmp_path / "demo", "--people", "1500", url="sqlite:///unused.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for expected in ("Funnel (people who ever reached each stage)", "People reaching each stage, by source", "Time in stage",
                     "one lead's timeline"):
        assert expected in out
    assert out.count(" 0 rejected") == 7  # users, accounts, campaigns, people, stages, touchpoints, opportunities
    assert (tmp_path / "demo" / "revcycle.db").is_file()
    again = revcycle("demo", "--dir", tmp_path / "demo", "--people", "1500", url="sqlite:///unused.db", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.count("Funnel (people") == 1

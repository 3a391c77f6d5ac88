"""The demo prints the numbers `revcycle report funnel` prints for its store: one answer per number."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.helpers import revcycle


def _printed_funnel(out: str) -> dict[str, int]:
    """The demo's first table: stage (or "(line)") -> people reached."""
    table = out.split("Funnel (people who ever reached each stage)", 1)[1].split("People reaching each stage", 1)[0]
    found = {}
    for line in table.splitlines():
        match = re.match(r"^\s*\(?([a-z_ ]+?)\)?\s{2,}([\d,]+)\b", line)
        if match:
            found[match.group(1)] = int(match.group(2).replace(",", ""))
    return found


def test_the_demo_prints_the_funnel_reports_counts(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    shown = revcycle("demo", "--dir", folder, "--people", "1200", url="sqlite:///unused.db", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr[-2000:]
    printed = _printed_funnel(shown.stdout)
    url = f"sqlite:///{folder / 'revcycle.db'}"
    report = revcycle("report", "funnel", "--format", "json", url=url, cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    rows = {row["stage"]: row["people"] for row in json.loads(report.stdout)["rows"]}
    assert printed["mql"] > 0 and printed["customer"] > 0
    assert printed == rows
    assert "existing customers" in printed and "renewed" in printed

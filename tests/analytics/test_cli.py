"""`revcycle report ...` and `revcycle export parquet`, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.helpers import revcycle


def test_kpis_print_json_with_the_conventions_on_duckdb(sqlite_store: str) -> None:
    result = revcycle("report", "kpis", "--engine", "duckdb", "--format", "json", "--by", "source", url=sqlite_store)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["engine"] == "duckdb" and document["report"] == "kpis"
    assert any("sourced = the primary person's first touch" in note for note in document["notes"])
    assert {row["group"] for row in document["rows"]} >= {"organic", "paid_search"}


def test_attribution_prints_csv_and_the_export_feeds_duckdb(sqlite_store: str, tmp_path: Path) -> None:
    exported = revcycle("export", "parquet", tmp_path / "pq", url=sqlite_store)
    assert exported.returncode == 0, exported.stderr
    args = ("report", "attribution", "--model", "markov", "--level", "opportunity", "--format", "csv")
    on_store = revcycle(*args, url=sqlite_store)
    on_parquet = revcycle(*args, "--engine", "duckdb", "--parquet", tmp_path / "pq", url=sqlite_store)
    assert on_store.returncode == 0 and on_parquet.returncode == 0, on_store.stderr + on_parquet.stderr
    assert on_store.stdout.splitlines()[0].startswith("channel,conversions,value")
    assert on_store.stdout == on_parquet.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "attribution", "--model", "magic"), "unknown attribution model 'magic'"),
        (("report", "funnel", "--by", "planet"), "unknown grouping 'planet'"),
        (("report", "kpis", "--engine", "oracle"), "unknown engine 'oracle'"),
        (("report", "funnel", "--since", "2025-05-01", "--until", "2025-04-01"), "empty period"),
        (("report", "attribution", "--model", "time_decay", "--half-life-days", "0"), "half_life_days must be > 0"),
        (("report", "attribution", "--model", "markov", "--order", "4"), "Markov order must be an int in 1..3"),
    ],
)
def test_bad_report_requests_print_a_message_not_a_traceback(
    sqlite_store: str, args: tuple[str, ...], message: str
) -> None:
    result = revcycle(*args, url=sqlite_store)
    assert result.returncode == 1
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr

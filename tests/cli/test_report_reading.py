"""Reports as a reader meets them: wide tables split to the terminal's width without cutting a header or a cell,
an empty period said in a sentence, company-size segments in size order."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from revcycle.analytics.engines import connect
from revcycle.analytics.ordering import SEGMENTS, in_display_order, segment_key
from revcycle.analytics.period import Period
from revcycle.analytics.render import is_empty
from revcycle.analytics.reports import FunnelReport, KpiReport, run
from revcycle.analytics.stages import StageNames
from revcycle.cli.report import _show
from revcycle.pact.loader import example_pact_text, load_pact
from tests.cli.inprocess import invoke
from tests.conftest import Store
from tests.ingest.helpers import run_import, write_csv

SIZES = {"1-49": 10, "50-199": 60, "200-999": 300, "1000-4999": 1500, "5000+": 6000, "unknown": None}
LEADS = {"1-49": 1, "50-199": 2, "200-999": 3, "1000-4999": 1, "5000+": 2, "unknown": 1}
sqlite_only = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


@pytest.fixture
def segmented(store: Store, tmp_path: Path) -> Store:
    """People at companies of every size band (and one of unknown size), each with a touch; one in mql."""
    accounts = [{"external_id": band, "name": f"Co {band}", "employees": "" if size is None else size}
                for band, size in SIZES.items()]
    run_import(store, "accounts", write_csv(tmp_path / "accounts.csv", accounts))
    people = [{"external_id": f"{band}-{i}", "email": f"p{i}@{SEGMENTS.index(band)}.example",
               "account_external_id": band, "created_at": "2025-06-02T09:00:00Z", "stage": "mql" if i == 0 else ""}
              for band, count in LEADS.items() for i in range(count)]
    run_import(store, "people", write_csv(tmp_path / "people.csv", people))
    touches = [{"external_id": f"t-{p['external_id']}", "person_external_id": p["external_id"], "type": "page_view",
                "channel": "organic", "occurred_at": "2025-06-03T09:00:00Z"} for p in people]
    run_import(store, "touchpoints", write_csv(tmp_path / "touches.csv", touches))
    return store


def test_segments_sort_by_company_size_not_as_text() -> None:
    assert sorted(["1000-4999", "unknown", "200-999", "5000+", "1-49", "50-199"], key=segment_key) == list(SEGMENTS)
    frame = pd.DataFrame({"group": ["1000-4999", "1000-4999", "1-49", "1-49"], "stage": ["a", "b", "a", "b"]})
    ordered = in_display_order(frame, "segment")
    assert list(zip(ordered.group, ordered.stage, strict=True)) == [
        ("1-49", "a"), ("1-49", "b"), ("1000-4999", "a"), ("1000-4999", "b")]
    assert in_display_order(frame, "cohort").equals(frame)


@sqlite_only
@pytest.mark.parametrize("report", ["kpis", "funnel", "time-in-stage"])
def test_every_report_grouped_by_segment_lists_the_segments_by_size(segmented: Store, report: str) -> None:
    done = invoke("report", report, "--by", "segment", "--format", "csv", url=segmented.url)
    assert done.code == 0, done
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    groups = list(dict.fromkeys(row["group"] for row in rows))
    assert groups == sorted(groups, key=segment_key) and len(groups) >= 2
    if report == "kpis":
        assert groups == list(SEGMENTS)
        assert {row["group"]: int(row["leads"]) for row in rows} == LEADS  # the numbers did not move with the rows


@sqlite_only
@pytest.mark.parametrize("width", [80, 200])
def test_a_wide_report_is_split_to_fit_the_width_and_no_header_is_cut(segmented: Store, width: int) -> None:
    names = StageNames.of(load_pact(example_pact_text()))
    engine = connect("sqlite", url=segmented.url)
    try:
        result = run(KpiReport(names=names, grouping="segment", period=Period()), engine)
    finally:
        engine.close()
    frame = in_display_order(result.frame, "segment")
    assert len(frame.columns) > 20
    out = Console(width=width, file=io.StringIO(), color_system=None)
    _show(dataclasses.replace(result, frame=frame, notes=[]), out=out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width and "…" not in text
    headers = [line.split() for line in lines if line.split()[:1] == ["group"]]
    assert [name for header in headers for name in header if name != "group"] == list(frame.columns[1:])
    parts = len(headers)
    assert parts >= 5 if width == 80 else parts <= 3  # 28 columns need several tables at 80, few at 200
    for band in SEGMENTS:  # every part repeats the group column, in size order
        assert sum(1 for line in lines if line.split()[:1] == [band]) == parts
    first = [line.split()[0] for line in lines if line.split() and line.split()[0] in SEGMENTS][: len(SEGMENTS)]
    assert first == list(SEGMENTS)


@sqlite_only
@pytest.mark.parametrize("report", ["kpis", "funnel", "time-in-stage"])
def test_an_empty_period_says_so_in_a_sentence(segmented: Store, report: str) -> None:
    done = invoke("report", report, "--since", "2030-01-01", url=segmented.url)
    assert done.code == 0, done
    said = " ".join(done.stdout.split())
    assert "No people or opportunities from 2030-01-01 until now (exclusive): nothing to report." in said
    assert not re.search(r"^\s*group\s", done.stdout, re.MULTILINE)  # no bare header


@sqlite_only
def test_the_funnel_still_prints_its_rows_when_the_period_has_people(segmented: Store) -> None:
    names = StageNames.of(load_pact(example_pact_text()))
    engine = connect("sqlite", url=segmented.url)
    try:
        result = run(FunnelReport(names=names, grouping="none", period=Period()), engine)
    finally:
        engine.close()
    out = Console(width=80, file=io.StringIO(), color_system=None)
    _show(result, out=out)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "nothing to report" not in text and re.search(r"^\s*all\s+known\s+stage\s+10\s", text, re.MULTILINE)


def test_rows_with_nobody_are_empty_but_a_row_with_spend_is_not() -> None:
    nobody = pd.DataFrame({"group": ["all", "all"], "stage": ["known", "mql"], "people": [0, 0],
                           "conversion": [float("nan"), 0.0]})
    spend = pd.DataFrame({"channel": ["events"], "spend": [1200.0], "leads": [0], "customers": [0]})
    assert is_empty(nobody) and is_empty(nobody.iloc[0:0]) and not is_empty(spend)

"""Bulk loads: a large touchpoint file from a new source goes in with the touchpoint indexes deferred on SQLite.
The store it leaves is the store a row-by-row load leaves, with the same indexes; what the deferred unique key
cannot catch at once (an id repeated in another batch) is still reported; a bad row mid-file still goes the
row path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from revcycle.bootstrap import App
from revcycle.ingest import bulk_load
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService, ImportSummary
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import make_engine, upgrade
from tests.conftest import NOW
from tests.ingest.helpers import dump, write_csv

PEOPLE = 40


def _people(folder: Path) -> Path:
    return write_csv(folder / "people.csv", [
        {"external_id": f"p{i}", "email": f"person{i}@firm{i % 7}.example", "created_at": "2025-01-01T00:00:00Z"}
        for i in range(PEOPLE)
    ])


def _touches(folder: Path, count: int, **override: dict[str, Any]) -> Path:
    rows = [
        {"external_id": f"t{i}", "person_external_id": f"p{(i * 7) % PEOPLE}", "type": "page_view",
         "channel": ("email", "organic", "paid_search")[i % 3], "content_stage": ("top", "", "bottom")[i % 3],
         "occurred_at": f"2025-02-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"}
        for i in range(count)
    ]
    for index, values in override.items():
        rows[int(index.removeprefix("row"))].update(values)
    return write_csv(folder / "touchpoints.csv", rows)


class _Store:
    def __init__(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.url = f"sqlite:///{folder / name}"
        self.engine = make_engine(self.url)
        upgrade(self.engine)
        self.uow = App.for_engine(self.engine).uow(check=False)
        PactService(self.uow).apply_text(example_pact_text(), source="example", author="test", now=NOW)
        self.folder = folder

    def load(self, people: Path, touches: Path, *, defer: bool, monkeypatch: pytest.MonkeyPatch) -> ImportSummary:
        service = ImportService(self.uow, column_batch_size=25)
        service.run(Kind.PEOPLE, people, actor="test", now=NOW, report_dir=self.folder)
        monkeypatch.setattr(bulk_load, "_MIN_ROWS", 1 if defer else 10**12)
        deferred: list[bool] = []
        real = bulk_load.DeferredIndexes.drop

        def drop(self_: bulk_load.DeferredIndexes) -> None:
            deferred.append(True)
            real(self_)

        monkeypatch.setattr(bulk_load.DeferredIndexes, "drop", drop)
        summary = service.run(Kind.TOUCHPOINTS, touches, actor="test", now=NOW, report_dir=self.folder)
        assert bool(deferred) == defer
        return summary

    def indexes(self) -> list[tuple[str, str]]:
        with self.engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'touchpoint'")))

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        return dump(self)  # type: ignore[arg-type]


def _pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, touches: Path) -> tuple[Any, ...]:
    people = _people(tmp_path)
    bulk, rows = _Store(tmp_path / "bulk", "bulk.db"), _Store(tmp_path / "rows", "rows.db")
    return (bulk, bulk.load(people, touches, defer=True, monkeypatch=monkeypatch),
            rows, rows.load(people, touches, defer=False, monkeypatch=monkeypatch))


def test_a_bulk_load_leaves_the_store_and_the_indexes_a_row_by_row_load_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk, summary, rows, expected = _pair(tmp_path, monkeypatch, _touches(tmp_path, 200))
    assert (summary.counts.inserted, summary.counts.rejected) == (200, 0) == (expected.counts.inserted, 0)
    assert bulk.dump() == rows.dump()
    assert bulk.indexes() == rows.indexes() and len(bulk.indexes()) == 2
    with bulk.engine.connect() as connection:  # the lifecycle moved everybody touched, once
        moves = connection.execute(text("SELECT count(*) FROM stage_change WHERE to_stage = 'engaged'")).scalar()
    assert moves == PEOPLE


def test_an_id_repeated_in_another_batch_of_a_bulk_load_is_reported_as_a_row_by_row_load_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touches = _touches(tmp_path, 120, row100={"external_id": "t3", "channel": "events"},
                       row110={"external_id": "t4"})
    bulk, summary, rows, expected = _pair(tmp_path, monkeypatch, touches)
    assert summary.counts.rejected == expected.counts.rejected == 2
    assert [(p.line, p.column) for p in summary.problems] == [(p.line, p.column) for p in expected.problems]
    assert [p.line for p in summary.problems] == [102, 112]
    assert all("appears earlier" in p.message for p in summary.problems)
    assert [note.split(":")[0] for note in summary.notes] == ["an external id appears in two parts of the file"]
    assert not expected.notes
    reports = list(bulk.folder.glob("import-*-touchpoints-problems.csv"))  # the undone first try left none
    assert reports == [summary.report] and reports[0].read_text().count("appears earlier") == 2
    assert bulk.dump() == rows.dump()
    assert bulk.indexes() == rows.indexes()
    with bulk.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM touchpoint")).scalar() == 118
        assert connection.execute(text("SELECT count(*) FROM import_run WHERE kind = 'touchpoints'")).scalar() == 1


def test_a_bad_row_in_the_middle_of_a_bulk_load_is_rejected_and_the_rest_go_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touches = _touches(tmp_path, 150, row60={"occurred_at": "yesterday"}, row130={"person_external_id": "nobody"})
    bulk, summary, rows, expected = _pair(tmp_path, monkeypatch, touches)
    assert [(p.line, p.column) for p in summary.problems] == [(62, "occurred_at"), (132, "person_external_id")]
    assert [(p.line, p.column) for p in expected.problems] == [(62, "occurred_at"), (132, "person_external_id")]
    assert summary.counts.inserted == 148
    assert bulk.dump() == rows.dump()
    assert bulk.indexes() == rows.indexes()


def test_a_repeated_id_in_a_new_sources_later_batch_is_reported_on_every_backend(store: Any, tmp_path: Path) -> None:
    """A new source skips the look-ups of stored ids; the unique key catches the repeat and the batch is redone
    row by row inside its savepoint (PostgreSQL would otherwise abort the whole transaction)."""
    service = ImportService(store.uow, column_batch_size=25)
    service.run(Kind.PEOPLE, _people(tmp_path), actor="test", now=NOW, report_dir=tmp_path)
    touches = _touches(tmp_path, 80, row60={"external_id": "t5", "channel": "events"})
    summary = service.run(Kind.TOUCHPOINTS, touches, actor="test", now=NOW, report_dir=tmp_path)
    assert (summary.counts.inserted, summary.counts.rejected) == (79, 1)
    assert summary.problems[0].line == 62 and "appears earlier" in summary.problems[0].message
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM touchpoint")).scalar() == 79
        channel = connection.execute(text("SELECT channel FROM touchpoint WHERE external_id = 't5'")).scalar()
    assert channel == "paid_search"  # the first copy stays


@pytest.mark.parametrize("read_all", [False, True])
def test_people_are_found_by_key_or_email_whether_looked_up_or_read_all_at_once(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_all: bool
) -> None:
    """A first batch naming many people reads every person's key at once; either way the same people are found,
    by external id or else by email, and a row naming nobody known is rejected by line."""
    from revcycle.ingest import touchpoints_fast

    monkeypatch.setattr(touchpoints_fast, "_READ_ALL", 1 if read_all else 10**9)
    service = ImportService(store.uow, column_batch_size=25)
    service.run(Kind.PEOPLE, _people(tmp_path), actor="test", now=NOW, report_dir=tmp_path)
    rows = [{"external_id": f"t{i}", "person_external_id": f"p{i % PEOPLE}" if i % 3 else "",
             "person_email": "" if i % 3 else f"person{i % PEOPLE}@firm{i % PEOPLE % 7}.example",
             "type": "page_view", "occurred_at": f"2025-02-{1 + i % 28:02d}T10:00:00Z"} for i in range(60)]
    rows[40]["person_external_id"] = "nobody"
    summary = service.run(Kind.TOUCHPOINTS, write_csv(tmp_path / "touches.csv", rows), actor="test", now=NOW,
                          report_dir=tmp_path)
    assert (summary.counts.inserted, summary.counts.rejected) == (59, 1)
    assert (summary.problems[0].line, summary.problems[0].column) == (42, "person_external_id")
    with store.engine.connect() as connection:
        pairs = connection.execute(text(
            "SELECT t.external_id, p.external_id FROM touchpoint t JOIN person p ON p.id = t.person_id")).all()
    assert sorted(pairs) == sorted((f"t{i}", f"p{i % PEOPLE}") for i in range(60) if i != 40)

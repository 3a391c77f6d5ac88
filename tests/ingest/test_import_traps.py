"""The traps a HubSpot or Salesforce user fell into, each closed: values in any case, thousands separators,
other encodings, an unclosed quote, mapping errors in our words, exit statuses and an interrupted import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from revcycle.cli.imports import interrupted
from revcycle.cycle.tables import Account, Person, Touchpoint
from revcycle.errors import Conflict, ImportFileError
from revcycle.ingest.fields import Kind
from revcycle.ingest.mapping import load_mapping
from revcycle.ingest.model import seniority_from_title
from revcycle.ingest.service import ImportService
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork, make_engine, upgrade
from tests.cli.helpers import ROOT
from tests.cli.inprocess import invoke
from tests.conftest import NOW, Store
from tests.ingest.agreement import import_via
from tests.ingest.helpers import dump, run_import, write_csv, write_jsonl

PYDANTIC_WORDS = ("Input should", "Field required", "type=", "errors.pydantic.dev", "Extra inputs", "ColumnRule")


def _count(store: Store, table: type) -> int:
    with store.uow.begin() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def _cli(*args: str | Path, url: str) -> tuple[int, str]:
    """`revcycle ARGS` in-process through the console entry point: exit status and output on one line."""
    ran = invoke(*args, url=url, columns=300)
    return ran.code, ran.output


@pytest.mark.parametrize(
    ("title", "level"),
    [("VP Marketing", "vp"), ("Vice President, Sales", "vp"), ("SVP Revenue", "vp"), ("President", "c_level"),
     ("Chief Revenue Officer", "c_level"), ("CFO", "c_level"), ("Co-Founder & CEO", "owner"), ("Owner", "owner"),
     ("Product Owner", "ic"), ("Head of Growth", "director"), ("Senior Director, IT", "director"),
     ("Marketing Manager", "manager"), ("Team Lead", "manager"), ("Marketing Specialist", "ic"), ("Intern", "ic"),
     ("  ", None)],
)
def test_seniority_is_read_from_the_job_title_by_the_documented_keywords(title: str, level: str | None) -> None:
    assert seniority_from_title(title) == level


def test_values_match_trimmed_and_in_any_case(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: people\ncolumns:\n  external_id: id\n  stage: {column: Stage, values: {Lead: engaged}}\n")
    rows = [{"id": "a", "Stage": " Lead "}, {"id": "b", "Stage": "LEAD"}, {"id": "c", "Stage": "lead"}]
    summary = run_import(store, "people", write_csv(tmp_path / "p.csv", rows), mapping=mapping)
    assert (summary.counts.inserted, summary.counts.rejected) == (3, 0)
    with store.uow.begin() as session:
        assert set(session.scalars(select(Person.stage))) == {"engaged"}


def test_two_values_that_match_the_same_cells_are_refused(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  stage: {column: S, values: {Lead: engaged, ' lead': mql}}\n")
    with pytest.raises(ImportFileError, match=r'columns\.stage\.values: "Lead" and " lead" are the same value'):
        load_mapping(mapping)


def test_a_thousands_separator_is_read_where_it_cannot_be_a_decimal_comma(store: Store, tmp_path: Path) -> None:
    rows = [{"external_id": "a1", "name": "A", "employees": "5,000"},
            {"external_id": "a2", "name": "B", "employees": "1,234,567"},
            {"external_id": "a3", "name": "C", "employees": "1,5"},
            {"external_id": "a4", "name": "D", "employees": "12,34"}]
    summary = run_import(store, "accounts", write_csv(tmp_path / "a.csv", rows))
    assert (summary.counts.inserted, summary.counts.rejected) == (2, 2)
    assert [(p.line, p.column) for p in summary.problems] == [(4, "employees"), (5, "employees")]
    assert "groups of 3 digits" in summary.problems[0].message
    with store.uow.begin() as session:
        assert dict(session.execute(select(Account.external_id, Account.employees)).all()) == {
            "a1": 5000, "a2": 1234567}


def _latin1_people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes("external_id,first_name\np1,Ada\np2,Jürgen\np3,Zoë\n".encode("latin-1"))
    return path


def test_a_latin1_file_is_refused_naming_line_and_byte_then_read_with_its_encoding(
    store: Store, tmp_path: Path
) -> None:
    path = _latin1_people(tmp_path)
    with pytest.raises(ImportFileError) as refused:
        run_import(store, "people", path)
    message = str(refused.value)
    assert "line 3 is not valid UTF-8: byte 0xFC at offset 34" in message and "--encoding" in message
    assert _count(store, Person) == 0
    summary = run_import(store, "people", path, encoding="latin-1")
    assert (summary.counts.inserted, summary.counts.rejected) == (3, 0)
    with store.uow.begin() as session:
        assert set(session.scalars(select(Person.first_name))) == {"Ada", "Jürgen", "Zoë"}


def test_the_cli_reads_cp1252_with_encoding_and_explains_an_unknown_one(sqlite_url: str, tmp_path: Path) -> None:
    assert _cli("db", "upgrade", url=sqlite_url)[0] == 0
    assert _cli("pact", "apply", "--example", url=sqlite_url)[0] == 0
    path = tmp_path / "people.csv"
    path.write_bytes("external_id,first_name\np1,Chloé\n".encode("cp1252"))
    code, output = _cli("import", "people", path, "-q", url=sqlite_url)
    assert code == 1 and "line 2 is not valid UTF-8" in output and "--encoding" in output, output
    code, output = _cli("import", "people", path, "-q", "--encoding", "windows-1252-x", url=sqlite_url)
    assert code == 1 and 'unknown encoding "windows-1252-x"' in output and "Traceback" not in output, output
    code, output = _cli("import", "people", path, "-q", "--encoding", "cp1252", url=sqlite_url)
    assert code == 0 and "1 inserted" in output, output


@pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "rows"])
def test_an_unclosed_quote_is_named_with_the_line_it_opened_on(
    store: Store, tmp_path: Path, columnar: bool
) -> None:
    people = write_csv(tmp_path / "people.csv", [{"external_id": "p1"}])
    run_import(store, "people", people)
    path = tmp_path / "touches.csv"
    path.write_text(
        "external_id,person_external_id,type,occurred_at,content\n"
        "t1,p1,download,2025-03-04T10:00:00Z,guide\n"
        "t2,p1,download,2025-03-05T10:00:00Z,\"ebook\n"
        "t3,p1,download,2025-03-06T10:00:00Z,webinar\n"
    )
    summary = import_via(store, "touchpoints", path, columnar=columnar)
    assert (summary.counts.inserted, summary.counts.rejected) == (1, 1)
    [problem] = summary.problems
    assert problem.line == 3 and problem.message.startswith("unclosed quote: the quoted cell opened on line 3")
    assert "cells" not in problem.message


def test_a_file_ending_in_a_quoted_cell_with_a_line_break_is_not_an_unclosed_quote(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text('external_id,title\np1,Engineer\np2,"Head of\nSales"')
    summary = run_import(store, "people", path)
    assert (summary.counts.inserted, summary.counts.rejected) == (2, 0)


BAD_MAPPINGS = {
    "kind: peple\n": "kind (line 1): must be one of users, accounts",
    "columns:\n  email: {colum: Email}\n": "columns.email.colum (line 2): unknown key",
    "columns:\n  email: 5\n": "columns.email (line 2): must be a column name",
    "columns: [Email]\n": "columns (line 1): must be a mapping",
    "source_system: Hub Spot\n": "source_system (line 1): must be 1 to 40 lower-case letters",
    "attributes: Lead Status\n": "attributes (line 1): must be a list",
    "columns:\n  seniority: {column: Title, derive: guess}\n": "columns.seniority.derive (line 2): must be seniority_",
    "colums: {}\n": "colums (line 1): unknown key (check its spelling and indentation; the keys here are kind",
    "- kind\n": "a mapping file must be a YAML mapping",
}


@pytest.mark.parametrize("text", BAD_MAPPINGS, ids=range(len(BAD_MAPPINGS)))
def test_a_mapping_error_names_its_yaml_path_in_our_words(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(ImportFileError) as refused:
        load_mapping(path)
    message = str(refused.value)
    assert BAD_MAPPINGS[text] in message, message
    assert not [words for words in PYDANTIC_WORDS if words in message], message


def test_every_shipped_mapping_loads_and_checks_against_its_kind() -> None:
    mappings = sorted((ROOT / "examples" / "mappings").rglob("*.yaml"))
    assert len(mappings) >= 18
    for path in mappings:
        mapping = load_mapping(path)
        assert mapping.kind is not None, path


def test_the_exit_status_tells_all_in_from_some_rejected_from_failed(sqlite_url: str, tmp_path: Path) -> None:
    assert _cli("db", "upgrade", url=sqlite_url)[0] == 0
    assert _cli("pact", "apply", "--example", url=sqlite_url)[0] == 0
    good = write_csv(tmp_path / "good.csv", [{"external_id": "p1"}, {"external_id": "p2"}])
    assert _cli("import", "people", good, "-q", url=sqlite_url)[0] == 0
    some = write_csv(tmp_path / "some.csv", [{"external_id": "p3"}, {"external_id": "p4", "email": "not-an-email"}])
    code, output = _cli("import", "people", some, "-q", url=sqlite_url)
    assert code == 3 and "1 inserted" in output and "1 rejected" in output, output
    bad_mapping = tmp_path / "m.yaml"
    bad_mapping.write_text("kind: people\ncolumns: {external_id: {colum: id}}\n")
    code, output = _cli("import", "people", good, "-q", "-m", bad_mapping, url=sqlite_url)
    assert code == 1 and "columns.external_id.colum" in output and "Traceback" not in output, output


def test_an_interrupt_before_the_commit_leaves_nothing_and_says_so(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [{"external_id": f"p{i}"} for i in range(20)])
    runs: list[int] = []

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    service = ImportService(store.uow, batch_size=5)
    before = dump(store)
    with pytest.raises(KeyboardInterrupt):
        service.run(Kind.PEOPLE, path, actor="test", now=NOW, report_dir=tmp_path, progress=interrupt,
                    started=runs.append)
    assert runs and dump(store) == before
    assert interrupted(service, runs[-1]).startswith("interrupted before the commit: nothing was written")
    assert interrupted(service, None).startswith("interrupted before the commit")


def test_an_interrupt_after_the_commit_says_what_is_in_the_store(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [{"external_id": "p1"}, {"external_id": "p2", "email": "x"}])
    runs: list[int] = []
    service = ImportService(store.uow)
    service.run(Kind.PEOPLE, path, actor="test", now=NOW, report_dir=tmp_path, started=runs.append)
    assert interrupted(service, runs[-1]) == (
        f"interrupted after the commit: import #{runs[-1]} is in the store (1 inserted, 0 updated, 0 unchanged, "
        "1 rejected); running it again changes nothing"
    )
    assert _count(store, Person) == 1 and _count(store, Touchpoint) == 0


@pytest.mark.parametrize("columnar", [True, False], ids=["columnar", "rows"])
def test_a_cp1252_touchpoint_file_reads_the_same_on_both_paths(store: Store, tmp_path: Path, columnar: bool) -> None:
    run_import(store, "people", write_csv(tmp_path / "people.csv", [{"external_id": "p1"}]))
    path = tmp_path / "touches.csv"
    path.write_bytes(
        "external_id,person_external_id,type,occurred_at,content\n"
        "t1,p1,download,2025-03-04T10:00:00Z,Café – guide\n".encode("cp1252")
    )
    service = ImportService(store.uow, columnar=columnar)
    summary = service.run(Kind.TOUCHPOINTS, path, actor="test", now=NOW, report_dir=tmp_path, encoding="cp1252")
    assert (summary.counts.inserted, summary.counts.rejected) == (1, 0)
    with store.uow.begin() as session:
        assert list(session.scalars(select(Touchpoint.content))) == ["Café – guide"]


def test_ctrl_c_during_a_real_import_says_nothing_was_written_and_nothing_was(sqlite_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "REVCYCLE_DATABASE_URL": sqlite_url, "REVCYCLE_ACTOR": "tester", "COLUMNS": "300"}
    engine = make_engine(sqlite_url)
    upgrade(engine)
    PactService(UnitOfWork(engine)).apply_text(example_pact_text(), source="example", author="test", now=NOW)
    # JSON Lines go the row path, 5,000 rows a batch: the bad first row's problem is written with the first batch,
    # which shows that the import is under way (and about 3 of its 4 batches are still to come)
    rows = [{"external_id": "bad", "email": "not-an-email"}]
    rows += [{"external_id": f"p{i}", "email": f"p{i}@x{i % 97}.example"} for i in range(20_000)]
    path = write_jsonl(tmp_path / "people.jsonl", rows)
    reports = tmp_path / "reports"
    process = subprocess.Popen(
        [sys.executable, "-m", "revcycle", "import", "people", str(path), "-q", "--report-dir", str(reports)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 60
    while not any(reports.glob("*.csv")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the import ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130, output
    assert " ".join(output.split()).startswith("interrupted before the commit: nothing was written"), output
    assert "Traceback" not in output
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Person.__table__)) == 0
    engine.dispose()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_an_import_that_meets_another_writers_rows_says_so_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    """Two writers at once on PostgreSQL (SQLite lets one write at a time): the other one's uncommitted person
    holds the email this file brings; the import waits on it, and once it commits, the import is undone whole
    with one sentence saying why, not a driver's duplicate-key message and not a note about repeated ids."""
    path = write_csv(tmp_path / "people.csv", [{"external_id": "p1", "email": "ada@acme.example"},
                                               {"external_id": "p2", "email": "bob@acme.example"}])
    outcome: list[BaseException | None] = []

    def run_import_in_thread() -> None:
        try:
            run_import(store, "people", path)
            outcome.append(None)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    other = store.engine.connect()
    other.execute(Person.__table__.insert().values(
        source_system="crm", external_id="c1", email="ada@acme.example", stage="known", stage_entered_at=NOW,
        created_at=NOW))
    holder = other.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    thread = threading.Thread(target=run_import_in_thread)
    thread.start()
    deadline = time.monotonic() + 30
    waiting = f"SELECT count(*) FROM pg_stat_activity WHERE {int(holder or 0)} = ANY(pg_blocking_pids(pid))"
    with store.engine.connect() as watcher:  # until the import waits on the other writer's row
        while not watcher.exec_driver_sql(waiting).scalar() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
    other.commit()
    other.close()
    thread.join(30)
    [error] = outcome
    assert isinstance(error, Conflict), error
    assert "another import stored some of the same people while this one was running" in str(error)
    assert "wrote nothing" in str(error) and "duplicate key" not in str(error)
    with store.uow.begin() as session:
        assert list(session.scalars(select(Person.external_id))) == ["c1"]

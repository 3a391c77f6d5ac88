"""The columnar and the row import paths store the same people for the same file (entry moves, account links by
reference and by domain, scores included), report the same problems, and importing a file again through the
other path does the same to both stores."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from revcycle.bootstrap import App
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService, ImportSummary
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import make_engine, upgrade
from tests.conftest import NOW, Store
from tests.ingest.agreement import counts, import_via, natural_dump

HEADER = ["external_id", "email", "first_name", "seniority", "account_external_id", "stage", "stage_reason",
          "created_at"]  # fmt: skip
ACCOUNTS = "external_id,name,domain\na1,Acme,acme.com\na2,Other,other.io\n"
STORED = "external_id,email,first_name\nold1,kim@acme.com,Kim\n"  # a person already in the store


def _store(url: str) -> Store:
    engine = make_engine(url)
    return Store(url, engine, App.for_engine(engine).uow(check=False), engine.dialect.name)


def _seed(store: Store, folder: Path) -> None:
    (folder / "accounts.csv").write_text(ACCOUNTS)
    (folder / "stored.csv").write_text(STORED)
    import_via(store, "accounts", folder / "accounts.csv", columnar=False)
    import_via(store, "people", folder / "stored.csv", columnar=False)


def _people_text(store: Store) -> list[tuple[Any, ...]]:
    """People as the database holds them (instants as SQLite's text), without the column types' parsing."""
    with store.engine.connect() as connection:
        query = ("SELECT external_id, email, stage, stage_entered_at, created_at, row_hash, seniority "
                 "FROM person ORDER BY external_id")  # fmt: skip
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def _problems(summary: ImportSummary) -> list[tuple[Any, ...]]:
    return sorted((p.line, p.column, p.message, p.severity) for p in summary.problems)


def _by_columns(store: Store, path: Path, batch: int) -> ImportSummary:
    """The columnar path, however small the file (the CLI sends files under 2,000 rows the row path)."""
    service = ImportService(store.uow, column_batch_size=batch, columnar_from_rows=0)
    return service.run(Kind.PEOPLE, path, actor="test", now=NOW, report_dir=path.parent / "reports")


def _by_rows(store: Store, path: Path, batch: int) -> ImportSummary:
    """The row path in batches of the columnar path's size: a people batch holds each email once, so which
    of two rows sharing an email is refused depends on where batches start, on both paths alike."""
    service = ImportService(store.uow, batch_size=batch, columnar=False)
    return service.run(Kind.PEOPLE, path, actor="test", now=NOW, report_dir=path.parent / "reports")


def assert_paths_agree(columnar: Store, rows: Store, people: Path, batch: int = 4) -> None:
    """Import `people` through each path into stores seeded alike; stores, counts and problems must agree, and
    so must importing the file again through the other path (which changes nothing when the file is clean)."""
    for store in (columnar, rows):
        _seed(store, people.parent)
    by_columns = _by_columns(columnar, people, batch)
    by_rows = _by_rows(rows, people, batch)
    assert counts(by_columns) == counts(by_rows)
    assert (by_columns.rows, by_columns.empty, by_columns.counts.linked) == (
        by_rows.rows, by_rows.empty, by_rows.counts.linked)  # fmt: skip
    assert _problems(by_columns) == _problems(by_rows)
    stored = natural_dump(rows)
    assert natural_dump(columnar) == stored
    assert _people_text(columnar) == _people_text(rows)
    by_rows_again = counts(_by_rows(columnar, people, batch))
    by_columns_again = counts(_by_columns(rows, people, batch))
    assert by_rows_again == by_columns_again
    assert natural_dump(columnar) == natural_dump(rows)
    if not by_rows.problems:  # a clean file is unchanged when imported again through either path
        assert by_rows_again == (0, 0, by_rows.rows, 0)
        assert natural_dump(columnar) == stored


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


ids = st.sampled_from(["p1", "p2", "p3", " p4 ", "old1", "P1"])
emails = st.sampled_from(["", "ada@acme.com", " ADA@Acme.com ", "bob@other.io", "dee@gmail.com", "kim@acme.com",
                          "eve@nowhere.example", "not an email", "Σίσυφος@acme.com"])  # fmt: skip
person = st.builds(
    lambda key, email, name, seniority, account, stage, at: [key, email, name, seniority, account, *stage, at],
    ids,
    emails,
    st.sampled_from(["Ada", " Bob ", "", "Zoë"]),
    st.sampled_from(["", "vp", " VP ", "ic", "chief"]),
    st.sampled_from(["", "a1", "a2", "zz"]),
    st.sampled_from([("", ""), ("mql", ""), ("nope", ""), ("disqualified", ""), ("disqualified", "no_budget")]),
    st.sampled_from(["", "2025-01-02T10:00:00Z", "2025-03-01 09:30:00+01:00", "2025-02-30T10:00:00Z"]),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store with the example pact, copied for each example (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    store = _store(f"sqlite:///{path}")
    upgrade(store.engine)
    PactService(store.uow).apply_text(example_pact_text(), source="example", author="test", now=NOW)
    store.engine.dispose()
    return path


# no shrinking: an example takes a second, and shrinking one ran past five minutes
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.generate])  # fmt: skip
@given(rows=st.lists(person, min_size=1, max_size=9), batch=st.sampled_from([2, 4, 50]))
def test_both_paths_store_the_same_people_for_any_people_file(
    template: Path, rows: list[list[str]], batch: int
) -> None:
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stores = []
        for name in ("columnar", "rows"):
            shutil.copy(template, folder / f"{name}.db")
            stores.append(_store(f"sqlite:///{folder / name}.db"))
        try:
            assert_paths_agree(*stores, _write(folder / "people.csv", rows), batch)
        finally:
            for store in stores:
                store.engine.dispose()


@pytest.fixture
def twin(store: Store, tmp_path: Path) -> Iterator[Store]:
    """A second empty store on the same backend as `store` (a schema of its own on PostgreSQL)."""
    from tests.ingest.test_paths_agree import twin as make_twin  # the touchpoint agreement test's own twin

    generator = make_twin.__wrapped__(store, tmp_path)  # type: ignore[attr-defined]
    yield next(generator)
    next(generator, None)


def test_both_paths_store_the_same_people_on_every_backend(store: Store, twin: Store, tmp_path: Path) -> None:
    rows = [
        ["p1", " Ada@Acme.com ", "Ada", "vp", "", "", "", "2025-01-02T10:00:00Z"],
        ["p2", "bob@other.io", "Bob", "ic", "a1", "mql", "", "2025-01-03T10:00:00+01:00"],
        ["p3", "dee@gmail.com", "Dee", "", "", "disqualified", "no_budget", ""],
        ["p4", "eve@nowhere.example", "Eve", "chief", "", "", "", ""],
        ["p5", "fay@acme.com", "Fay", "", "zz", "", "", ""],
        ["p6", "guy@acme.com", "Guy", "", "", "", "", "2025-01-05T08:00:00Z"],
    ]
    folder = tmp_path / "files"
    folder.mkdir()
    assert_paths_agree(store, twin, _write(folder / "people.csv", rows), batch=3)

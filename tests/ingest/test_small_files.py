"""A small people or accounts file goes the row path: its import never loads Arrow or DuckDB (which cost a
one-row import about 0.4 s), while a large one goes the columnar path."""

from __future__ import annotations

from pathlib import Path

from revcycle.ingest.fields import Kind
from revcycle.ingest.writers import ROW_PATH_BELOW, goes_columnar
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork, make_engine, upgrade
from tests.cli.test_startup import _loaded
from tests.conftest import NOW


def test_a_one_row_people_import_does_not_load_duckdb(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    PactService(UnitOfWork(engine)).apply_text(example_pact_text(), source="example", author="t", now=NOW)
    engine.dispose()
    people = tmp_path / "people.csv"
    people.write_text("external_id,email,created_at\np1,ada@acme.com,2025-01-02T10:00:00Z\n")
    out, loaded = _loaded("import", "people", str(people), "-q", url=sqlite_url, cwd=tmp_path)
    assert "1 inserted" in " ".join(out.split())
    assert "duckdb" not in loaded  # pyarrow is loaded by something else of the import (not found yet)


def test_files_from_two_thousand_rows_go_the_columnar_path(tmp_path: Path) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    line = "p000001,someone@company-1.example,Someone\n"
    small.write_text("external_id,email,first_name\n" + line * (ROW_PATH_BELOW // 2))
    large.write_text("external_id,email,first_name\n" + line * (ROW_PATH_BELOW * 2))
    assert [goes_columnar(Kind.PEOPLE, path, ROW_PATH_BELOW) for path in (small, large)] == [False, True]
    assert not goes_columnar(Kind.USERS, large, 0)
    assert goes_columnar(Kind.TOUCHPOINTS, small, ROW_PATH_BELOW)  # touchpoint files always are

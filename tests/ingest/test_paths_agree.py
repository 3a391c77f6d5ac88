"""The columnar and the row import paths store the same rows for the same touchpoint file, and a file imported
through one is unchanged when imported again through the other (`ImportService(columnar=False)` forces rows)."""

from __future__ import annotations

import csv
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from revcycle.bootstrap import App
from revcycle.cycle.tables import Touchpoint
from revcycle.ingest.service import ImportSummary
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import make_engine, upgrade
from tests.conftest import NOW, POSTGRES_URL, Store
from tests.ingest.agreement import counts, import_via, natural_dump, stored_text

HEADER = ["external_id", "person_external_id", "person_email", "type", "channel", "content", "content_stage",
          "utm_term", "occurred_at"]  # fmt: skip
PEOPLE = (
    "external_id,email,first_name,created_at\n"
    "p1,Ada@Acme.com,Ada,2025-01-02T10:00:00Z\np2,bob@acme.com,Bob,2025-01-03T10:00:00Z\n"
)


def _store(url: str) -> Store:
    """A store with every event handler, built as `tests/conftest.py` builds its `store`."""
    engine = make_engine(url)
    return Store(url, engine, App.for_engine(engine).uow(check=False), engine.dialect.name)


def _migrated(url: str) -> Store:
    store = _store(url)
    upgrade(store.engine)
    PactService(store.uow).apply_text(example_pact_text(), source="example", author="test", now=NOW)
    return store


@pytest.fixture
def twin(store: Store, tmp_path: Path) -> Iterator[Store]:
    """A second empty store on the same backend as `store`."""
    if store.backend == "sqlite":
        other = _migrated(f"sqlite:///{tmp_path / 'twin.db'}")
        yield other
        other.engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    other = _migrated(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        yield other
    finally:
        other.engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _mapping(folder: Path, zone: str | None) -> Path | None:
    if zone is None:
        return None
    path = folder / "mapping.yaml"
    path.write_text(f"kind: touchpoints\ntimezone: {zone}\n")
    return path


def assert_paths_agree(columnar: Store, rows: Store, touches: Path, zone: str | None = None) -> None:
    """Import the people, then `touches` through each path; the stores, counts and problems must agree, and
    importing the file again through the other path must change nothing."""
    folder = touches.parent
    (folder / "people.csv").write_text(PEOPLE)
    mapping = _mapping(folder, zone)
    for store in (columnar, rows):
        import_via(store, "people", folder / "people.csv", columnar=False)
    by_columns = import_via(columnar, "touchpoints", touches, columnar=True, mapping=mapping, column_batch_size=4)
    by_rows = import_via(rows, "touchpoints", touches, columnar=False, mapping=mapping)
    assert counts(by_columns) == counts(by_rows)
    assert (by_columns.rows, by_columns.empty) == (by_rows.rows, by_rows.empty)
    spanning = any(mark in cell for row in _cells(touches) for cell in row for mark in "\r\n")
    assert _problems(by_columns, spanning) == _problems(by_rows, spanning)
    stored = natural_dump(rows)
    assert natural_dump(columnar) == stored
    assert stored_text(columnar) == stored_text(rows)
    kept, rejected = by_rows.counts.inserted, by_rows.counts.rejected
    assert counts(import_via(columnar, "touchpoints", touches, columnar=False, mapping=mapping)) == (
        0,
        0,
        kept,
        rejected,
    )
    assert counts(import_via(rows, "touchpoints", touches, columnar=True, mapping=mapping)) == (0, 0, kept, rejected)
    assert natural_dump(columnar) == natural_dump(rows) == stored


def _cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def _problems(summary: ImportSummary, spanning: bool) -> list[tuple[Any, ...]]:
    """The problems an import reported; their lines only when no quoted cell spans lines (the columnar path
    numbers records, not lines, when it hands a batch to the row path: a known gap of its reports)."""
    return sorted((None if spanning else p.line, p.column, p.message, p.severity) for p in summary.problems)


def _encode(value: str, style: str) -> str:
    """A CSV cell: bare when it can be, quoted, or half-quoted (`"a"bc` reads as `abc` in both readers)."""
    special = any(mark in value for mark in ',"\r\n')
    if style == "bare" and not special:
        return value
    if style == "half" and not special and len(value) > 1:
        return f'"{value[0]}"{value[1:]}'
    return '"' + value.replace('"', '""') + '"'


def write_touches(
    path: Path,
    rows: list[list[str]],
    styles: list[str],
    *,
    newline: str = "\n",
    bom: bool = False,
    padded: bool = False,
) -> Path:
    """A touchpoint CSV with these cells, each written in its style (cycled), some header names padded with
    spaces when `padded` (the row reader trims them; the columnar reader used to look for the padded name)."""
    lines = [",".join(f" {name} " if padded and i % 3 == 0 else name for i, name in enumerate(HEADER))]
    cycle = iter(styles * (len(rows) * len(HEADER)))
    lines += [",".join(_encode(cell, next(cycle)) for cell in row) for row in rows]
    path.write_bytes(("\ufeff" if bom else "").encode() + newline.join([*lines, ""]).encode())
    return path


spaces = st.text(st.sampled_from(" \t\u00a0\u2003\x1f"), max_size=2)
odd_text = st.text(st.sampled_from('ab ,"\n\r;ΣİßÉ\u00a0\x1c€'), max_size=8)
numbers = st.sampled_from([" 1e3 ", "TRUE", "false", "0012", "-0", "1,5", " 3.50 ", "NaN", "١٢", "Yes", "0x1F"])
# times around New York's 2026 changes (a gap on 8 March, a fold on 1 November), with and without offsets
moments = st.builds(
    lambda day, hour, minute, second: f"2026-{day} {hour:02d}:{minute:02d}" + (f":{second:02d}" if second else ""),
    st.sampled_from(["03-08", "11-01", "07-04"]), st.integers(0, 4), st.integers(0, 59), st.integers(0, 59),
)  # fmt: skip
stamps = st.one_of(
    moments,
    st.builds(
        lambda m, sep, suffix: m.replace(" ", sep) + suffix,
        moments,
        st.sampled_from("T "),
        st.sampled_from(["Z", "+01:00", "-0500", "+05", ".5Z", ".123456-04:00"]),
    ),
    st.sampled_from(["20260308T023000Z", "2026-03-08", "2026-02-30T10:00:00Z", "not a time", "", "   "]),
)
people = st.sampled_from([("p1", ""), ("", " ADA@acme.com "), ("p2", "bob@acme.com"), (" p2 ", ""), ("P1", ""),
                          ("", "nobody@acme.com"), ("", ""), ("", "bad email")])  # fmt: skip
touch = st.builds(
    lambda who, kind, channel, content, stage, term, at: [who[0], who[1], kind, channel, content, stage, term, at],
    people,
    st.sampled_from(["page_view", " Download ", "webinar", "   "]),
    st.one_of(st.sampled_from(["", "organic", "  email  ", "\u00a0"]), odd_text),
    odd_text,
    st.sampled_from(["", "top", " TOP ", "Middle", "bottom", "nope", "mİddle", "   "]),
    numbers,
    st.builds(lambda a, stamp, b: a + stamp + b, spaces, stamps, spaces),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store with the example pact, copied for each example (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    _migrated(f"sqlite:///{path}").engine.dispose()
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    rows=st.lists(touch, min_size=1, max_size=10),
    styles=st.lists(st.sampled_from(["bare", "quoted", "half"]), min_size=1, max_size=5),
    zone=st.sampled_from([None, "America/New_York"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    padded=st.booleans(),
)
def test_both_paths_store_the_same_rows_for_any_touchpoint_file(
    template: Path, rows: list[list[str]], styles: list[str], zone: str | None, newline: str, bom: bool, padded: bool
) -> None:
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        numbered = [[f"{' ' * (i % 2)}t{i}", *row] for i, row in enumerate(rows)]  # an id padded, or not
        touches = write_touches(folder / "touches.csv", numbered, styles, newline=newline, bom=bom, padded=padded)
        stores = []
        for name in ("columnar.db", "rows.db"):
            shutil.copy(template, folder / name)
            stores.append(_store(f"sqlite:///{folder / name}"))
        try:
            assert_paths_agree(stores[0], stores[1], touches, zone)
        finally:
            for store in stores:
                store.engine.dispose()


def _occurred(store: Store) -> dict[str, tuple[datetime, str | None]]:
    with store.uow.begin() as session:
        found = session.execute(select(Touchpoint.external_id, Touchpoint.occurred_at, Touchpoint.channel)).all()
    return {key: (at.astimezone(UTC).replace(tzinfo=None), channel) for key, at, channel in found}


def test_a_local_time_in_the_spring_forward_gap_is_stored_as_the_row_rule_reads_it(store: Store, twin: Store,
                                                                                   tmp_path: Path) -> None:  # fmt: skip
    """02:30 on 8 March 2026 never showed on New York clocks: fold=0 reads it with EST, 07:30 UTC, on both paths
    (the columnar path used to store 07:00, Arrow's `nonexistent="latest"`)."""
    rows = [["t1", "p1", "", "page_view", "organic", "", "", "", "2026-03-08 02:30:00"],
            ["t2", "p2", "", "page_view", "organic", "", "", "", "2026-11-01T01:30:00"]]  # fmt: skip
    touches = write_touches(tmp_path / "touches.csv", rows, ["bare"])
    assert_paths_agree(store, twin, touches, "America/New_York")
    assert _occurred(store)["t1"][0] == datetime(2026, 3, 8, 7, 30)
    assert _occurred(store)["t2"][0] == datetime(2026, 11, 1, 5, 30)  # twice on the clock: the first, EDT


def test_a_cell_of_spaces_is_stored_empty_on_both_paths(store: Store, twin: Store, tmp_path: Path) -> None:
    """A cell of spaces is an empty cell on both paths: a channel of spaces is NULL (the row path used to store
    '' and the columnar path NULL), a choice of spaces is no choice (the row path used to reject it), a
    required type of spaces is missing (the row path used to store '')."""
    rows = [["t1", "p1", "", "page_view", "   ", "", "", "\u00a0", "2026-01-05T10:00:00Z"],
            ["t2", "p2", "", "page_view", "organic", "", " ", "", "2026-01-05T11:00:00Z"],
            ["t3", "p2", "", "page_view", "organic", "", "", "", "2026-01-05T12:00:00Z"],
            ["t4", "p2", "", "page_view", "organic", "", "", "", "2026-01-05T13:00:00Z"],
            ["t5", "p2", "", "   ", "organic", "", "", "", "2026-01-05T14:00:00Z"]]  # fmt: skip
    touches = write_touches(tmp_path / "touches.csv", rows, ["quoted"])
    assert_paths_agree(store, twin, touches)
    stored = _occurred(store)
    assert sorted(stored) == ["t1", "t2", "t3", "t4"] and stored["t1"][1] is None


def test_odd_cells_agree_on_every_backend(store: Store, twin: Store, tmp_path: Path) -> None:
    """Quoting, line breaks in cells, unicode, odd numbers and cases, offsets, a fold and a gap, on each backend."""
    rows = [
        ["t1", "p1", "", " Download ", "  email  ", 'a "quoted", \r\nline', " TOP ", " 1e3 ", " 2026-03-08T02:59:59 "],
        ["t2", "", " ADA@Acme.COM ", "webinar", "\u00a0", "ΣİßÉ€", "Middle", "TRUE", "2026-11-01 01:00"],
        ["t3", " p2 ", "", "page_view", "organic", "x\x1c", "", "١٢", "2026-07-04T10:15:00.5+05"],
        ["t4", "p2", "", "page_view", "", "", "", "0012", "20260308T023000Z"],
        ["t5", "p1", "", "page_view", "", "", "mİddle", "", "2026-03-08T03:00:00-0500"],
    ]
    touches = write_touches(
        tmp_path / "touches.csv", rows, ["half", "quoted", "bare"], newline="\r\n", bom=True, padded=True
    )
    assert_paths_agree(store, twin, touches, "America/New_York")
    stored = _occurred(store)
    assert sorted(stored) == ["t1", "t2", "t3", "t4"]  # Python lower-cases "mİddle" to "mi̇ddle": no choice
    assert stored["t4"][0] == datetime(2026, 3, 8, 2, 30)  # the basic ISO form, read by the row rule

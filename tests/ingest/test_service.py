"""Imports on both backends: idempotent by external id, bad rows rejected with their place, good rows kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from revcycle.cycle.tables import Account, Opportunity, OpportunityContact, Person, StageChange, Touchpoint
from revcycle.errors import ImportFileError
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from tests.conftest import NOW, Store
from tests.ingest.helpers import dump, people_rows, run_import, write_csv, write_jsonl


def _seed(store: Store, tmp_path: Path) -> None:
    run_import(
        store,
        "accounts",
        write_csv(
            tmp_path / "accounts.csv",
            [
                {"external_id": "a1", "name": "Acme", "domain": "https://www.Acme.com/", "employees": "1200"},
                {"external_id": "a2", "name": "Other", "domain": "other.io", "employees": "40"},
            ],
        ),
    )
    run_import(store, "people", write_csv(tmp_path / "people.csv", people_rows()))


def _count(store: Store, model: type) -> int:
    with store.uow.begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_importing_the_same_files_twice_gives_the_identical_store(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    touches = write_csv(
        tmp_path / "touches.csv",
        [
            {
                "external_id": f"t{i}",
                "person_email": "ada@acme.com" if i % 2 else "bob@acme.com",
                "type": "page_view",
                "channel": "organic",
                "occurred_at": f"2025-02-0{i}T09:00:00Z",
            }
            for i in range(1, 8)
        ],
    )
    run_import(store, "touchpoints", touches)
    before = dump(store)
    summary = run_import(store, "touchpoints", touches)
    run_import(store, "people", tmp_path / "people.csv")
    assert (summary.counts.inserted, summary.counts.updated, summary.counts.unchanged) == (0, 0, 7)
    assert dump(store) == before


def test_people_are_deduplicated_by_email_and_linked_to_their_account_by_domain(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    summary = run_import(
        store,
        "people",
        write_csv(
            tmp_path / "again.csv",
            [{"external_id": "hubspot-77", "email": "ADA@acme.com", "first_name": "Ada", "title": "CTO"}],
        ),
    )
    assert summary.counts.inserted == 0 and summary.counts.updated == 1
    assert "merged" in summary.problems[0].message
    with store.uow.begin() as session:
        ada = session.scalars(select(Person).where(Person.email == "ada@acme.com")).one()
        acme = session.scalars(select(Account).where(Account.domain == "acme.com")).one()
        assert (ada.title, ada.account_id) == ("CTO", acme.id)
    assert _count(store, Person) == 3


def test_a_changed_row_updates_and_moves_stage_when_the_pact_allows(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    rows = people_rows()
    rows[0]["stage"] = "sal"
    rows[1]["title"] = "Staff Engineer"
    rows[2]["stage"] = "recycled"  # a detour without a reason: not applied, the row still updates
    summary = run_import(store, "people", write_csv(tmp_path / "people2.csv", rows))
    assert summary.counts.updated == 3
    assert any('stage "recycled" not applied' in p.message for p in summary.problems)
    with store.uow.begin() as session:
        stages = dict(session.execute(select(Person.external_id, Person.stage)).all())
        assert stages == {"p1": "sal", "p2": "mql", "p3": "known"}
        moves = session.execute(
            select(StageChange.from_stage, StageChange.to_stage)
            .join(Person)
            .where(Person.external_id == "p1")
            .order_by(StageChange.id)
        ).all()
        assert [tuple(m) for m in moves] == [(None, "known"), ("known", "sal")]


def test_bad_rows_are_rejected_with_line_and_column_while_good_rows_go_in(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    rows = [
        {
            "external_id": "t1",
            "person_email": "ada@acme.com",
            "type": "download",
            "occurred_at": "2025-02-01T09:00:00Z",
        },
        {"external_id": "t2", "person_email": "ada@acme.com", "type": "download", "occurred_at": "2025-02-01 09:00"},
        {
            "external_id": "t3",
            "person_email": "nobody@acme.com",
            "type": "download",
            "occurred_at": "2025-02-01T09:00:00Z",
        },
        {"external_id": "t4", "person_email": "ada@acme.com", "type": "", "occurred_at": "2025-02-01T09:00:00Z"},
        {
            "external_id": "t1",
            "person_email": "bob@acme.com",
            "type": "webinar_attendance",
            "occurred_at": "2025-02-01T09:00:00Z",
        },
        {"external_id": "t6", "person_email": "bob@acme.com", "type": "download", "occurred_at": "yesterday"},
        {
            "external_id": "t7",
            "person_email": "bob@acme.com",
            "type": "download",
            "content_stage": "bottomish",
            "occurred_at": "2025-02-01T09:00:00Z",
        },
        {
            "external_id": "t8",
            "person_email": "bob@acme.com",
            "type": "download",
            "occurred_at": "2025-02-02T09:00:00Z",
        },
    ]
    summary = run_import(store, "touchpoints", write_csv(tmp_path / "t.csv", rows))
    problems = {(p.line, p.column): p.message for p in summary.problems if p.severity == "error"}
    assert set(problems) == {
        (3, "occurred_at"),
        (4, "person_email"),
        (5, "type"),
        (6, "external_id"),
        (7, "occurred_at"),
        (8, "content_stage"),
    }
    assert "has no time zone" in problems[(3, "occurred_at")]
    assert "import the people first" in problems[(4, "person_email")]
    assert "appears earlier in this file" in problems[(6, "external_id")]
    assert (summary.counts.inserted, summary.counts.rejected) == (2, 6)
    assert _count(store, Touchpoint) == 2
    report = summary.report.read_text()  # type: ignore[union-attr]
    assert "t.csv,3,occurred_at,error" in report


def test_a_touch_moves_a_known_person_to_engaged_by_lifecycle_rule(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    run_import(
        store,
        "touchpoints",
        write_csv(
            tmp_path / "t.csv",
            [
                {
                    "external_id": "t1",
                    "person_external_id": "p3",
                    "type": "page_view",
                    "occurred_at": "2025-03-01T09:00:00Z",
                },
                {
                    "external_id": "t2",
                    "person_external_id": "p2",
                    "type": "page_view",
                    "occurred_at": "2025-03-01T09:00:00Z",
                },
            ],
        ),
    )
    with store.uow.begin() as session:
        stages = dict(session.execute(select(Person.external_id, Person.stage)).all())
    assert (stages["p3"], stages["p2"]) == ("engaged", "mql")


def test_stage_history_is_checked_against_the_pact_in_time_order(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    rows = [
        {
            "external_id": "s1",
            "person_external_id": "p1",
            "to_stage": "mql",
            "occurred_at": "2025-02-01T00:00:00Z",
            "reason": "",
        },
        {
            "external_id": "s2",
            "person_external_id": "p1",
            "to_stage": "recycled",
            "occurred_at": "2025-02-02T00:00:00Z",
            "reason": "",
        },
        {
            "external_id": "s3",
            "person_external_id": "p1",
            "to_stage": "recycled",
            "occurred_at": "2025-02-03T00:00:00Z",
            "reason": "bad_timing",
        },
        {
            "external_id": "s4",
            "person_external_id": "p1",
            "to_stage": "known",
            "occurred_at": "2025-02-04T00:00:00Z",
            "reason": "",
        },
        {
            "external_id": "s5",
            "person_external_id": "p3",
            "to_stage": "mql",
            "occurred_at": "2024-12-01T00:00:00Z",
            "reason": "",
        },
    ]
    summary = run_import(store, "stages", write_csv(tmp_path / "s.csv", rows))
    errors = {p.line: p.message for p in summary.problems}
    assert set(errors) == {3, 5, 6}
    assert "needs a reason code" in errors[3] and "does not allow" in errors[5] and "time order" in errors[6]
    again = run_import(store, "stages", tmp_path / "s.csv")
    assert (again.counts.inserted, again.counts.unchanged) == (0, 2)


def test_an_opportunity_moves_its_person_and_records_its_buying_group(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    run_import(
        store,
        "opportunities",
        write_csv(
            tmp_path / "o.csv",
            [
                {
                    "external_id": "o1",
                    "person_external_id": "p1",
                    "contact_external_ids": "p2;p1",
                    "amount": "12000.5",
                    "status": "won",
                    "created_at": "2025-03-01T00:00:00Z",
                    "closed_at": "2025-04-01T00:00:00Z",
                },
                {
                    "external_id": "o2",
                    "person_external_id": "p3",
                    "status": "won",
                    "created_at": "2025-03-01T00:00:00Z",
                },
            ],
        ),
    )
    with store.uow.begin() as session:
        assert session.scalars(select(Person.stage).where(Person.external_id == "p1")).one() == "customer"
        opp = session.scalars(select(Opportunity)).one()
        assert (str(opp.amount), opp.account_id is not None) == ("12000.50", True)
        assert _count(store, OpportunityContact) == 2


def test_a_mapping_naming_absent_columns_writes_nothing(store: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: people\ncolumns:\n  external_id: Record ID\n  email: Email Address\n")
    path = write_csv(tmp_path / "hs.csv", [{"Record ID": "1", "Email": "x@y.com"}])
    with pytest.raises(ImportFileError, match=r"does not have: Email Address \(for email\)"):
        run_import(store, "people", path, mapping=mapping)
    assert _count(store, Person) == 0


def test_unknown_and_missing_columns_are_refused_before_anything_is_written(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="unknown column"):
        run_import(store, "people", write_csv(tmp_path / "u.csv", [{"external_id": "1", "emial": "x@y.com"}]))
    with pytest.raises(ImportFileError, match="required accounts field"):
        run_import(store, "accounts", write_csv(tmp_path / "a.csv", [{"external_id": "1"}]))
    assert _count(store, Person) == 0


def test_json_lines_with_a_broken_line_keep_the_good_lines(store: Store, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"external_id": "a1", "name": "Acme", "employees": 10},
            '{"external_id": "a2", "name": ',
            {"external_id": "a3", "name": "Neg", "employees": -5},
            [1, 2],
            {"external_id": "a4", "name": "Four", "technologies": ["salesforce", "hubspot"]},
        ],
    )
    summary = run_import(store, "accounts", path)
    assert {(p.line, p.column) for p in summary.problems} == {(2, None), (3, "employees"), (4, None)}
    assert summary.counts.inserted == 2


def test_a_lifecycle_rule_with_a_condition_moves_only_the_people_meeting_it(store: Store, tmp_path: Path) -> None:
    pact = example_pact_text().replace(
        "  - {on: touchpoint_recorded, from: [known], to: engaged}",
        "  - {on: touchpoint_recorded, from: [known], to: engaged, when: {field: person.seniority, ne: director}}",
    )
    assert "person.seniority, ne: director" in pact
    PactService(store.uow).apply_text(pact, source="conditional", author="test", now=NOW)
    _seed(store, tmp_path)
    touches = [
        {"external_id": f"t{key}", "person_external_id": key, "type": "page_view",
         "occurred_at": "2025-03-01T09:00:00Z"}
        for key in ("p1", "p3")
    ]
    run_import(store, "touchpoints", write_csv(tmp_path / "t.csv", touches))
    with store.uow.begin() as session:
        stages = {key: stage for key, stage in session.execute(select(Person.external_id, Person.stage))}
    assert (stages["p1"], stages["p3"]) == ("engaged", "known")  # a VP moves; the director does not


@pytest.mark.parametrize(("kind", "fmt"), [("touchpoints", "csv"), ("touchpoints", "jsonl"), ("accounts", "csv"),
                                           ("people", "csv")])
def test_an_id_repeated_in_a_later_batch_is_rejected_even_when_its_first_copy_left_the_store_unchanged(
    store: Store, tmp_path: Path, kind: str, fmt: str
) -> None:
    """Re-importing a file whose id comes twice: the first copy equals the stored row and writes nothing, so the
    second copy, with other values, must be reported as a repeat rather than taken as an update (last copy wins).
    Batches of 3 rows put the two copies in different batches; CSV touchpoints take the columnar path."""
    _seed(store, tmp_path)
    rows = {
        "touchpoints": [{"external_id": f"t{i}", "person_email": "ada@acme.com", "type": "page_view",
                         "channel": "organic", "occurred_at": f"2025-02-0{i}T09:00:00Z"} for i in range(1, 8)],
        "accounts": [{"external_id": f"a{i}", "name": f"Firm {i}", "domain": f"firm{i}.example"} for i in range(3, 10)],
        "people": [{"external_id": f"p{i}", "email": f"person{i}@firm.example", "first_name": "Ann",
                    "created_at": "2025-01-02T10:00:00Z"} for i in range(3, 10)],
    }[kind]
    write = write_csv if fmt == "csv" else write_jsonl
    run_import(store, kind, write(tmp_path / f"first.{fmt}", rows), column_batch_size=3)
    before = dump(store)
    again = [*rows, {**rows[1], **({"channel": "email"} if kind == "touchpoints" else
                                   {"name": "Renamed"} if kind == "accounts" else {"first_name": "Renamed"})}]
    summary = run_import(store, kind, write(tmp_path / f"again.{fmt}", again), column_batch_size=3)
    assert (summary.counts.inserted, summary.counts.updated, summary.counts.rejected) == (0, 0, 1)
    line = len(again) + (1 if fmt == "csv" else 0)  # CSV lines count the header
    assert [(p.line, p.column) for p in summary.problems] == [(line, "external_id")]
    assert "appears earlier in this file" in summary.problems[0].message
    assert dump(store) == before

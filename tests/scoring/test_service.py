"""Scoring in the store, on SQLite and PostgreSQL: imports score incrementally, a full rescore agrees exactly,
the stored hits match the one-person reference, qualified leads move to MQL, accounts add up."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select, text

from revcycle.cycle.tables import Person, StageChange
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.scoring.model import Scorecard, micros, score_person
from revcycle.scoring.repository import ScoringRepository
from revcycle.scoring.service import ScoringService
from revcycle.scoring.sql import Statement
from revcycle.scoring.tables import ScoreChange
from revcycle.scoring.touches import read_touches, scan_in_processes, touch_statement
from tests.conftest import NOW, Store
from tests.ingest.helpers import write_csv
from tests.scoring.conftest import import_file, stored


@pytest.fixture(params=["in one pass", "person by person"])
def touch_reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How an import reads the touches of the people it rescores: the whole table once, or through the index."""
    from revcycle.scoring import repository

    if request.param == "in one pass":
        monkeypatch.setattr(repository, "_ONE_PASS_SHARE", 0.0)
    else:
        monkeypatch.setattr(repository, "_ONE_PASS_AT_MOST", -1)
    return str(request.param)


def test_incremental_and_full_scoring_agree_exactly_however_imports_read_the_touches(
    touch_reading: str, simulated: Store
) -> None:
    incremental = stored(simulated)
    assert len(incremental["scores"]) > 250 and len(incremental["hits"]) > 500
    summary = ScoringService(simulated.uow, batch_size=97).rescore(now=NOW, actor="test")
    assert stored(simulated) == incremental
    assert summary.changed == 0 and summary.people == 300


def test_stored_hits_are_exactly_the_one_person_reference_on_every_backend(simulated: Store) -> None:
    card = Scorecard.from_pact(PactService(simulated.uow).active().pact)
    with simulated.uow.begin() as session:
        repo = ScoringRepository(session)
        for person_id in repo.person_ids().tolist():
            expected = score_person(card, repo.facts(person_id), now=NOW)
            score, hits = repo.current(person_id)
            assert score is not None
            stored = (score.fit, score.engagement, score.total, score.qualified)
            assert stored == tuple(asdict(expected.scores).values())
            got = sorted((h.rule, micros(h.at), h.touchpoint_id, h.times, h.points, h.decayed, h.limited, h.capped)
                         for h, _ in hits)
            assert got == sorted((h.rule, micros(h.at), h.touchpoint_id, h.times, h.points, h.decayed, h.limited,
                                  h.capped) for h in expected.hits)


def test_explain_lists_hits_whose_counted_points_add_up_to_the_stored_score(simulated: Store) -> None:
    with simulated.engine.connect() as connection:
        best = connection.execute(text("SELECT person_id FROM person_score ORDER BY total DESC, person_id")).first()
    assert best is not None
    found = ScoringService(simulated.uow).explain(str(best[0]))
    counted = [h.points - h.decayed - h.limited - h.capped for h, _ in found.hits]
    assert sum(counted) == found.score.total > 0
    assert all(touch is not None for hit, touch in found.hits if hit.grp == "engagement")


def test_an_account_scores_its_best_fit_plus_its_three_most_engaged_people(simulated: Store) -> None:
    with simulated.engine.connect() as connection:
        people = connection.execute(text("SELECT p.account_id, s.fit, s.engagement, s.qualified FROM person_score s "
                                         "JOIN person p ON p.id = s.person_id WHERE p.account_id IS NOT NULL")).all()
        stored = {r[0]: tuple(r[1:]) for r in connection.execute(text(
            "SELECT account_id, fit, engagement, total, people, engaged_people, qualified_people FROM account_score"))}
    groups: dict[int, list[Any]] = {}
    for account, *scores in people:
        groups.setdefault(account, []).append(scores)
    expected = {}
    for account, rows in groups.items():
        top = sum(sorted((r[1] for r in rows), reverse=True)[:3])
        best = max(r[0] for r in rows)
        engaged, qualified = sum(r[1] > 0 for r in rows), sum(bool(r[2]) for r in rows)
        expected[account] = (best, top, best + top, len(rows), engaged, qualified)
    assert stored == expected and len(stored) > 50


def _lead(store: Store, folder: Path, seniority: str) -> Path:
    folder.mkdir(exist_ok=True)
    write_csv(folder / "accounts.csv", [{"external_id": "a1", "name": "Acme", "domain": "acme.example",
                                         "industry": "manufacturing", "employees": "800"}])
    write_csv(folder / "people.csv", [{"external_id": "p1", "email": "ada@acme.example", "seniority": seniority,
                                       "account_external_id": "a1", "created_at": "2026-01-01T09:00:00Z"}])
    for kind in ("accounts", "people"):
        import_file(store, kind, folder / f"{kind}.csv")
    return write_csv(folder / "touchpoints.csv", [
        {"external_id": "t1", "person_external_id": "p1", "type": "download", "content": "roi-calculator",
         "content_stage": "bottom", "occurred_at": "2026-01-10T10:00:00Z"},
        {"external_id": "t2", "person_external_id": "p1", "type": "download", "content": "competitor-comparison",
         "content_stage": "bottom", "occurred_at": "2026-01-11T10:00:00Z"},
        {"external_id": "t3", "person_external_id": "p1", "type": "contact_request",
         "occurred_at": "2026-01-12T10:00:00Z"},
    ])


def _moves(store: Store) -> list[tuple[str | None, str, str]]:
    with store.uow.begin() as session:
        moves = session.scalars(select(StageChange).order_by(StageChange.id))
        return [(m.from_stage, m.to_stage, m.actor) for m in moves]


def test_the_seeds_mql_moves_to_mql_in_the_import_that_brought_its_last_touch(store: Store, tmp_path: Path) -> None:
    import_file(store, "touchpoints", _lead(store, tmp_path / "in", "director"))
    assert _moves(store) == [(None, "known", "import:sim"), ("known", "engaged", "rule:lifecycle[0]"),
                             ("engaged", "mql", "rule:scoring.qualify")]
    with store.uow.begin() as session:
        person = session.scalars(select(Person)).one()
        assert (person.stage, person.stage_entered_at) == ("mql", NOW)


def test_a_near_miss_stays_engaged_and_replaying_the_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    touches = _lead(store, tmp_path / "in", "manager")

    def history() -> list[tuple[Any, ...]]:
        with store.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text("SELECT * FROM score_change ORDER BY id"))]

    assert len(history()) == 1  # the people import scored the new person's fit
    import_file(store, "touchpoints", touches)
    changed = history()
    assert len(changed) == 2  # the touches added engagement
    import_file(store, "touchpoints", touches)
    assert _moves(store)[-1] == ("known", "engaged", "rule:lifecycle[0]")
    assert history() == changed
    with store.uow.begin() as session:
        assert session.scalar(select(func.count()).select_from(ScoreChange)) == 2


def test_a_pact_change_and_a_full_rescore_move_whoever_now_qualifies(simulated: Store) -> None:
    before = stored(simulated)["scores"]
    looser = example_pact_text().replace("fit: 40, engagement: 60,", "fit: 20, engagement: 15,")
    PactService(simulated.uow).apply_text(looser, source="looser", author="test", now=NOW)
    summary = ScoringService(simulated.uow).rescore(now=NOW, actor="test")
    assert summary.moved > 0 and summary.changed == sum(1 for s in before if not s[4] and s[1] >= 2000 and s[2] >= 1500)
    with simulated.uow.begin() as session:
        causes = set(session.scalars(select(ScoreChange.cause)))
        moved = session.scalar(select(func.count()).select_from(StageChange).where(
            StageChange.actor == "rule:scoring.qualify"))
    assert "rescore v2" in causes and moved is not None and moved >= summary.moved


def test_a_pact_that_requires_its_written_definition_moves_only_leads_meeting_it(store: Store, tmp_path: Path) -> None:
    text = example_pact_text().replace("qualify: {stage: mql, fit: 40, engagement: 60, from: [known, engaged]}",
                                       "qualify: {stage: mql, fit: 20, engagement: 30, definition: true}")
    PactService(store.uow).apply_text(text, source="definition", author="test", now=NOW)
    import_file(store, "touchpoints", _lead(store, tmp_path / "in", "manager"))
    with store.uow.begin() as session:
        assert session.scalars(select(Person.stage)).one() == "engaged"
        latest = session.scalars(select(ScoreChange.qualified).order_by(ScoreChange.id.desc())).first()
        assert latest  # the thresholds are met; the definition is not
    write_csv(tmp_path / "in" / "people.csv", [{"external_id": "p1", "email": "ada@acme.example",
                                                 "seniority": "director", "account_external_id": "a1",
                                                 "created_at": "2026-01-01T09:00:00Z"}])
    import_file(store, "people", tmp_path / "in" / "people.csv")  # promoted: the definition now holds
    assert _moves(store)[-1] == ("engaged", "mql", "rule:scoring.qualify")


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_scan_split_over_processes_reads_exactly_the_touches_one_connection_reads(simulated: Store) -> None:
    card = Scorecard.from_pact(PactService(simulated.uow).active().pact)
    with simulated.uow.begin() as session:
        repo = ScoringRepository(session)
        statement = touch_statement(card, repo.driver)
        alone = read_touches(repo.driver.chunks(statement, 1000), len(card.touch_rules))
        high = int(repo.driver.rows(Statement("SELECT MAX(id) FROM touchpoint"))[0][0]) + 1
    database = simulated.engine.url.database
    assert database is not None and len(alone.at_us) > 500
    split = scan_in_processes(database, statement, len(card.touch_rules), high, processes=3)
    for name in ("person_id", "at_us", "touch_id", "matched"):
        assert np.array_equal(getattr(split, name), getattr(alone, name)), name


def _rewrite(path: Path, change: Any) -> Path:
    """The CSV with `change(row)` applied to every row (it edits the row in place), written beside it."""
    import csv

    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        change(row)
    out = path.with_name(f"changed-{path.name}")
    return write_csv(out, rows)


def test_changed_fields_and_moved_touches_rescore_in_the_import_as_a_full_rescore_would(
    simulated: Store, tmp_path: Path
) -> None:
    before = stored(simulated)
    folder = tmp_path / "sim"

    def promote(row: dict[str, str]) -> None:
        if int(row["external_id"][1:]) % 5 == 0:
            row["seniority"] = "c_level" if row["seniority"] != "c_level" else "ic"

    def grow(row: dict[str, str]) -> None:
        if int(row["external_id"][1:]) % 3 == 0:
            row["employees"] = str(int(row["employees"] or 0) * 10 + 600)

    def move(row: dict[str, str]) -> None:
        if int(row["external_id"][1:]) % 11 == 0:  # the touch was logged against the wrong person
            row["person_external_id"] = "p000001"

    import_file(simulated, "people", _rewrite(folder / "people.csv", promote))
    import_file(simulated, "accounts", _rewrite(folder / "accounts.csv", grow))
    import_file(simulated, "touchpoints", _rewrite(folder / "touchpoints.csv", move))
    incremental = stored(simulated)
    changed = {s[0] for s in incremental["scores"]} ^ {s[0] for s in before["scores"]} | {
        a[0] for a, b in zip(incremental["scores"], before["scores"], strict=False) if a != b
    }
    assert len(changed) > 50  # the changes reached many people's scores
    assert incremental["accounts"] != before["accounts"]
    summary = ScoringService(simulated.uow, batch_size=97).rescore(now=NOW, actor="test")
    assert stored(simulated) == incremental
    assert summary.changed == 0


def test_a_new_person_is_scored_by_the_people_import_but_moved_only_by_a_later_import(
    store: Store, tmp_path: Path
) -> None:
    fit_alone = example_pact_text().replace("qualify: {stage: mql, fit: 40, engagement: 60,",
                                            "qualify: {stage: mql, fit: 40, engagement: 0,")
    assert "engagement: 0," in fit_alone
    PactService(store.uow).apply_text(fit_alone, source="fit-alone", author="test", now=NOW)
    touches = _lead(store, tmp_path / "in", "director")  # imports the account and the person
    with store.engine.connect() as connection:
        score = connection.execute(text("SELECT fit, engagement, qualified FROM person_score")).one()
    assert score[0] >= 40 and score[1] == 0 and score[2]  # scored, and the score qualifies
    assert _moves(store) == [(None, "known", "import:sim")]  # but the people import moved nobody
    import_file(store, "touchpoints", touches)
    assert _moves(store)[-1] == ("engaged", "mql", "rule:scoring.qualify")

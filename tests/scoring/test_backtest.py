"""The back-test: first qualifying moments equal a brute-force replay, the report adds up against the store,
and it writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from revcycle.pact.conditions import Facts
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.scoring import ScoringSection
from revcycle.pact.service import PactService
from revcycle.scoring.backtest import months_between
from revcycle.scoring.engine import PeopleColumns, TouchColumns
from revcycle.scoring.fields import field_matrix
from revcycle.scoring.model import Scorecard, ScoringTouch, micros, score_person, touch_matches
from revcycle.scoring.replay import first_qualified
from revcycle.scoring.repository import ScoringRepository
from revcycle.scoring.review import ReviewService
from tests.cli.helpers import revcycle
from tests.conftest import Store
from tests.scoring.builders import NOW
from tests.scoring.strategies import people, sections

SINCE, UNTIL = datetime(2025, 10, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
ZONE = ZoneInfo(load_pact(example_pact_text()).time_zone)


def _brute_force(card: Scorecard, person: Facts, appeared: datetime, since: datetime, until: datetime) -> int:
    """The first moment in [since, until) a person qualifies, trying every touch time and their appearance."""
    moments = sorted({t.occurred_at for t in person.touches} | {max(appeared, since)})
    for moment in moments:
        if since <= moment < until and score_person(card, person, now=moment).scores.qualified:
            return micros(moment)
    return -1


def _columns(card: Scorecard, crowd: list[Facts]) -> tuple[PeopleColumns, TouchColumns]:
    columns = {("person", "seniority"): [p.person["seniority"] for p in crowd],
               ("account", "employees"): [p.account["employees"] for p in crowd]}
    who = PeopleColumns(np.arange(len(crowd), dtype=np.int64), np.zeros(len(crowd), dtype=np.int64),
                        field_matrix(card.field_rules, columns, len(crowd)))
    rows = sorted(((i, micros(t.occurred_at), t.id, t) for i, p in enumerate(crowd) for t in p.touches),
                  key=lambda row: row[:3])
    matched = np.array([[touch_matches(r.touches, row[3]) for r in card.touch_rules] for row in rows],
                       dtype=np.bool_).reshape(len(rows), len(card.touch_rules))
    person, at, ids = (np.array([row[k] for row in rows], dtype=np.int64) for k in range(3))
    return who, TouchColumns(person, at, ids, matched)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections(), st.lists(people(), min_size=1, max_size=5), st.integers(0, 60), st.integers(1, 5))
def test_the_first_qualifying_moment_is_what_replaying_every_touch_finds(
    section: ScoringSection, crowd: list[Facts], since_days: int, rows_per_pass: int
) -> None:
    card = Scorecard.from_section(section)
    since, until = NOW - timedelta(days=since_days), NOW
    appeared = [NOW - timedelta(days=200)] * len(crowd)
    who, touches = _columns(card, crowd)
    found = first_qualified(card, who, touches, np.array([micros(a) for a in appeared], dtype=np.int64),
                            since_us=micros(since), until_us=micros(until), rows_per_pass=rows_per_pass)
    assert found.tolist() == [_brute_force(card, p, a, since, until) for p, a in zip(crowd, appeared, strict=True)]


def _dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    with store.engine.connect() as connection:
        tables = ("person", "stage_change", "person_score", "score_hit", "score_change", "account_score", "audit_log")
        return {t: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {t}"))), key=repr) for t in tables}


def test_a_back_test_adds_up_against_a_brute_force_replay_and_writes_nothing(simulated: Store) -> None:
    before = _dump(simulated)
    looser = load_pact(example_pact_text().replace("fit: 40, engagement: 60,", "fit: 20, engagement: 30,"))
    result = ReviewService(simulated.uow).backtest(looser, since=SINCE, until=UNTIL)
    assert _dump(simulated) == before
    card = Scorecard.from_pact(looser)
    months: dict[str, int] = {}
    with simulated.uow.begin() as session:
        repo = ScoringRepository(session)
        ids = repo.person_ids()
        appeared = repo.appeared(ids).tolist()
        for person, at in zip(ids.tolist(), appeared, strict=True):
            first = _brute_force(card, repo.facts(person), datetime.fromtimestamp(at / 1e6, UTC), SINCE, UNTIL)
            if first >= 0:
                month = datetime.fromtimestamp(first / 1e6, UTC).astimezone(ZONE).strftime("%Y-%m")
                months[month] = months.get(month, 0) + 1
    assert {m: n for m, n in result.proposed.by_month.items() if n} == months
    assert result.proposed.mqls == sum(months.values()) > result.current.mqls
    assert result.newly_qualified - result.no_longer_qualified == result.proposed.mqls - result.current.mqls
    assert result.sdrs > 0 and result.proposed.per_sdr_month == result.proposed.mqls / 4 / result.sdrs


def test_the_same_pact_back_tested_against_itself_changes_nobody(simulated: Store) -> None:
    pact = PactService(simulated.uow).active().pact
    result = ReviewService(simulated.uow).backtest(pact, since=SINCE, until=UNTIL)
    assert result.current.by_month == result.proposed.by_month and result.current.reached == result.proposed.reached
    assert (result.newly_qualified, result.no_longer_qualified, result.earlier, result.later) == (0, 0, 0, 0)


def test_months_are_counted_in_the_pacts_time_zone() -> None:
    assert months_between(SINCE, UNTIL, "America/New_York") == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert months_between(SINCE, UNTIL, "UTC") == ["2025-10", "2025-11", "2025-12"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the command's edge; the service runs on both
def test_the_backtest_command_prints_the_comparison_and_writes_nothing(tmp_path: Path, simulated: Store) -> None:
    proposal = tmp_path / "looser.yaml"
    proposal.write_text(example_pact_text().replace("fit: 40, engagement: 60,", "fit: 20, engagement: 30,"))
    before = _dump(simulated)
    shown = revcycle("score", "backtest", "--pact", proposal, "--since", "2025-10-01", "--until", "2026-01-01",
                     url=simulated.url)
    assert shown.returncode == 0, shown.stderr
    assert "MQLs looser.yaml" in shown.stdout and "newly qualified" in shown.stdout
    assert "(a back-test writes nothing)" in shown.stdout
    assert _dump(simulated) == before


def test_a_definition_check_delays_the_first_moment_to_the_first_one_it_accepts() -> None:
    section = ScoringSection.model_validate({
        "fit": {"rules": [{"name": "senior", "when": {"field": "person.seniority", "gte": "ic"}, "points": 1}]},
        "engagement": {"rules": [{"name": "download", "touches": {"type": "download"}, "points": 10}]},
        "qualify": {"engagement": 10}})
    card = Scorecard.from_section(section)
    touches = tuple(ScoringTouch("download", NOW - timedelta(days=d), id=i) for i, d in enumerate((9, 6, 3)))
    crowd = [Facts(person={"seniority": "vp"}, account={"employees": 10}, touches=touches)]
    who, rows = _columns(card, crowd)
    moments = [micros(NOW - timedelta(days=d)) for d in (9, 6, 3)]
    since, appeared = micros(NOW - timedelta(days=30)), np.array([micros(NOW - timedelta(days=40))])
    plain = first_qualified(card, who, rows, appeared, since_us=since, until_us=micros(NOW))
    picky = first_qualified(card, who, rows, appeared, since_us=since, until_us=micros(NOW),
                            accept=lambda person, at: at > moments[0])
    assert plain.tolist() == [moments[0]] and picky.tolist() == [moments[1]]

"""Properties on random scorecards and people: a score is the sum of its listed hits after decay and caps, the
caps hold, and the batch engine gives exactly the hits and scores of the one-person reference."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revcycle.pact.conditions import Facts
from revcycle.pact.scoring import ScoringSection
from revcycle.scoring.engine import PeopleColumns, TouchColumns, score_batch
from revcycle.scoring.fields import field_matrix
from revcycle.scoring.model import Group, Scorecard, micros, score_person, touch_matches
from tests.scoring.builders import NOW
from tests.scoring.strategies import people, sections


def _engine(card: Scorecard, crowd: list[Facts]) -> Any:
    columns = {("person", "seniority"): [p.person["seniority"] for p in crowd],
               ("account", "employees"): [p.account["employees"] for p in crowd]}
    people_columns = PeopleColumns(np.arange(len(crowd), dtype=np.int64), np.full(len(crowd), micros(NOW)),
                                   field_matrix(card.field_rules, columns, len(crowd)))
    rows = sorted(((i, micros(t.occurred_at), t.id, t) for i, p in enumerate(crowd) for t in p.touches),
                  key=lambda row: row[:3])
    matched = np.array([[touch_matches(r.touches, row[3]) for r in card.touch_rules] for row in rows],
                       dtype=np.bool_).reshape(len(rows), len(card.touch_rules))
    person, at, ids = (np.array([r[k] for r in rows], dtype=np.int64) for k in range(3))
    touches = TouchColumns(person, at, ids, matched)
    return score_batch(card, people_columns, touches)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections(), st.lists(people(), min_size=1, max_size=6))
def test_a_score_is_the_sum_of_its_hits_after_decay_and_caps_and_the_caps_hold(
    section: ScoringSection, crowd: list[Facts]
) -> None:
    card = Scorecard.from_section(section)
    for person in crowd:
        scored = score_person(card, person, now=NOW)
        hits, scores = scored.hits, scored.scores
        assert scores.fit == sum(h.counted for h in hits if h.group is Group.FIT)
        assert scores.engagement == sum(h.counted for h in hits if h.group is Group.ENGAGEMENT)
        assert scores.total == scores.fit + scores.engagement
        for hit in hits:
            assert hit.points == hit.counted + hit.decayed + hit.limited + hit.capped
            if hit.points > 0:
                assert 0 <= hit.counted <= hit.points and 0 <= hit.decayed <= hit.points
        positive = [h for h in hits if h.points > 0]
        for group in Group:
            cap = card.cap(group)
            if cap is not None:
                assert sum(h.counted for h in positive if h.group is group) <= cap
        if card.total_cap is not None:
            assert sum(h.counted for h in positive) <= card.total_cap


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections(), st.lists(people(), min_size=1, max_size=6))
def test_the_batch_engine_gives_exactly_the_hits_and_scores_of_the_reference(
    section: ScoringSection, crowd: list[Facts]
) -> None:
    card = Scorecard.from_section(section)
    result = _engine(card, crowd)
    names = [rule.name for rule in card.rules]
    for i, person in enumerate(crowd):
        expected = score_person(card, person, now=NOW)
        assert (int(result.fit[i]), int(result.engagement[i]), int(result.total[i]), bool(result.qualified[i])) == (
            expected.scores.fit, expected.scores.engagement, expected.scores.total, expected.scores.qualified)
        mine = result.hits.take(result.hits.person == i)
        got = sorted(zip([names[r] for r in mine.rule.tolist()], mine.at_us.tolist(), mine.touch_id.tolist(),
                         mine.times.tolist(), mine.points.tolist(), mine.decayed.tolist(), mine.limited.tolist(),
                         mine.capped.tolist(), strict=True))
        want = sorted((h.rule, micros(h.at), -1 if h.touchpoint_id is None else h.touchpoint_id, h.times, h.points,
                       h.decayed, h.limited, h.capped) for h in expected.hits)
        assert got == want

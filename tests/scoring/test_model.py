"""The scoring rules on one person, without a store: the seeds' MQL, windows, limits, decay, caps, negatives."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from revcycle.pact.conditions import Facts, evaluate
from revcycle.pact.scoring import ScoringSection
from revcycle.scoring.model import Decay, Group, Scorecard, score_person
from tests.scoring.builders import NOW, example_card, example_pact, make_lead, seeds_mql_touches, touch


def _section(**parts: object) -> ScoringSection:
    base: dict[str, object] = {
        "fit": {"rules": [{"name": "director_plus", "when": {"field": "person.seniority", "gte": "director"},
                           "points": 20}]},
        "engagement": {"rules": [{"name": "download", "touches": {"type": "download"}, "points": 10}]},
    }
    return ScoringSection.model_validate(base | parts)


def _card(**parts: object) -> Scorecard:
    return Scorecard.from_section(_section(**parts))


def test_the_seeds_mql_example_qualifies_and_agrees_with_the_written_definition() -> None:
    lead = make_lead(touches=seeds_mql_touches())
    scored = score_person(example_card(), lead, now=NOW)
    assert (scored.scores.fit, scored.scores.engagement) == (4000, 6000)
    assert scored.scores.qualified
    assert evaluate(example_pact().definitions["mql"].when, lead, now=NOW)


NEAR_MISSES = {
    "a manager, not a director": {"seniority": "manager"},
    "499 employees": {"employees": 499},
    "no employee count": {"employees": None},
    "one bottom-funnel asset": {"drop": 0},
    "no conversation request": {"drop": 2},
}


@pytest.mark.parametrize("miss", NEAR_MISSES.values(), ids=list(NEAR_MISSES))
def test_each_near_miss_of_the_seeds_example_does_not_qualify(miss: dict[str, object]) -> None:
    touches, miss = seeds_mql_touches(), dict(miss)
    drop = miss.pop("drop", None)
    if isinstance(drop, int):
        touches.pop(drop)
    lead = make_lead(touches=touches, **miss)  # type: ignore[arg-type]
    assert not score_person(example_card(), lead, now=NOW).scores.qualified
    assert not evaluate(example_pact().definitions["mql"].when, lead, now=NOW)


def test_everything_else_a_lead_can_do_never_replaces_a_missing_requirement() -> None:
    extras = [touch("webinar_attendance", days_ago=3), *(touch("email_click", days_ago=d) for d in (1, 2, 3, 4)),
              *(touch("pricing_page_view", days_ago=d, url="https://www.example.com/pricing") for d in (1, 2, 3)),
              touch("download", days_ago=5, content_stage="bottom"), touch("contact_request", days_ago=1)]
    busy_manager = make_lead(seniority="manager", industry="software", department="sales",
                             touches=[*seeds_mql_touches(), *extras])
    scored = score_person(example_card(), busy_manager, now=NOW)
    assert scored.scores.fit == 2000 + 800 + 500 and scored.scores.engagement == 6000 + 1300
    assert not scored.scores.qualified
    director = make_lead(touches=[t for t in extras if t.type != "contact_request"])
    assert score_person(example_card(), director, now=NOW).scores.engagement == 1300 + 1500


def test_a_chat_counts_as_a_conversation_request() -> None:
    touches = [*seeds_mql_touches()[:2], touch("chat", days_ago=1)]
    assert score_person(example_card(), make_lead(touches=touches), now=NOW).scores.qualified


def test_engagement_older_than_the_window_no_longer_counts_and_says_so() -> None:
    old = [replace(t, occurred_at=t.occurred_at - timedelta(days=100)) for t in seeds_mql_touches()]
    scored = score_person(example_card(), make_lead(touches=old), now=NOW)
    assert scored.scores.engagement == 0 and not scored.scores.qualified
    engagement = [h for h in scored.hits if h.group is Group.ENGAGEMENT]
    assert [h.decayed for h in engagement] == [h.points for h in engagement] == [1500, 1500, 3000]


def test_a_frequency_rule_fires_at_the_touch_that_completes_the_window() -> None:
    pricing = [touch("pricing_page_view", days_ago=d, url="https://www.example.com/pricing") for d in (12, 5, 3)]
    scored = score_person(example_card(), make_lead(touches=pricing), now=NOW)
    assert [(h.rule, h.at) for h in scored.hits if h.group is Group.ENGAGEMENT] == []
    pricing.append(touch("pricing_page_view", days_ago=1, url="https://www.example.com/pricing"))
    hits = [h for h in score_person(example_card(), make_lead(touches=pricing), now=NOW).hits
            if h.rule == "pricing_page_3_in_7_days"]
    assert [(h.at, h.counted) for h in hits] == [(NOW - timedelta(days=1), 500)]


def test_a_hit_limit_keeps_the_most_recent_hits_and_shows_the_rest_on_one_line() -> None:
    downloads = [touch("download", days_ago=d, content_stage="bottom", id_=10 + d) for d in (7, 6, 5, 4)]
    hits = [h for h in score_person(example_card(), make_lead(touches=downloads), now=NOW).hits
            if h.rule == "bottom_funnel_asset"]
    assert [(h.times, h.points, h.limited, h.counted) for h in hits] == [(2, 3000, 3000, 0), (1, 1500, 0, 1500),
                                                                         (1, 1500, 0, 1500)]
    assert hits[0].at == NOW - timedelta(days=6) and hits[0].touchpoint_id == 16


def test_a_half_life_halves_points_per_half_life_in_whole_days() -> None:
    decay = Decay(half_life_days=10)
    assert [decay.value(1000, days * 86_400_000_000) for days in (0, 9, 10, 20, 25)] == [1000, 536, 500, 250, 177]
    assert decay.value(1000, 10 * 86_400_000_000 - 1) == 536


def test_linear_decay_takes_a_percent_each_whole_period_and_stops_at_zero() -> None:
    decay = Decay(percent=25, every_us=30 * 86_400_000_000)
    assert [decay.value(1500, days * 86_400_000_000) for days in (0, 29, 30, 60, 90, 120, 400)] == [
        1500, 1500, 1125, 750, 375, 0, 0]


def test_a_group_cap_trims_the_hits_that_arrive_after_it_is_full() -> None:
    card = _card(engagement={"cap": 25, "rules": [{"name": "download", "touches": {"type": "download"},
                                                    "points": 10}]})
    downloads = [touch("download", days_ago=d) for d in (3, 2, 1)]
    hits = score_person(card, make_lead(touches=downloads), now=NOW).hits
    assert [(h.at, h.capped, h.counted) for h in hits if h.group is Group.ENGAGEMENT] == [
        (NOW - timedelta(days=3), 0, 1000), (NOW - timedelta(days=2), 0, 1000), (NOW - timedelta(days=1), 500, 500)]


def test_the_total_cap_fills_fit_first_then_engagement_in_time_order() -> None:
    card = _card(total_cap=25)
    scored = score_person(card, make_lead(touches=[touch("download", days_ago=2), touch("download", days_ago=1)]),
                          now=NOW)
    assert (scored.scores.fit, scored.scores.engagement, scored.scores.total) == (2000, 500, 2500)
    assert [h.capped for h in scored.hits] == [0, 500, 1000]


def test_negative_rules_lower_the_score_they_belong_to_and_never_decay() -> None:
    lead = make_lead(email="ada@gmail.com", touches=[*seeds_mql_touches(), touch("unsubscribe", days_ago=200)])
    scored = score_person(example_card(), lead, now=NOW)
    assert (scored.scores.fit, scored.scores.engagement) == (3000, 4000)
    unsubscribed = next(h for h in scored.hits if h.rule == "unsubscribed")
    assert (unsubscribed.group, unsubscribed.decayed, unsubscribed.counted) == (Group.ENGAGEMENT, 0, -2000)


def test_a_student_title_and_a_competitor_domain_are_negative_fit() -> None:
    student = score_person(example_card(), make_lead(title="PhD Student"), now=NOW)
    competitor = score_person(example_card(), make_lead(email="x@rivalsoft.example"), now=NOW)
    assert student.scores.fit == 4000 - 5000 and competitor.scores.fit == 4000 - 10000


def test_touches_after_the_moment_scored_are_not_seen() -> None:
    later = [touch("download", days_ago=-1, content_stage="bottom")]
    scored = score_person(example_card(), make_lead(touches=later), now=NOW)
    assert scored.scores.engagement == 0 and [h.group for h in scored.hits] == [Group.FIT, Group.FIT]


def test_a_score_is_the_sum_of_its_hits() -> None:
    scored = score_person(example_card(), make_lead(touches=seeds_mql_touches()), now=NOW)
    assert scored.scores.total == sum(h.counted for h in scored.hits)
    assert scored.scores.fit == sum(h.counted for h in scored.hits if h.group is Group.FIT)


def test_a_person_with_no_facts_scores_zero() -> None:
    scored = score_person(example_card(), Facts(), now=NOW)
    assert scored.scores.total == 0 and scored.hits == ()

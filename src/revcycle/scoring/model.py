"""Lead scoring as pure rules: the scorecard compiled from the pact, and one person's score, hit by hit.

This is the reference: `engine.py` computes the same numbers for many people at once, and the tests hold the
two equal. The rules, all in hundredths of a point so decayed values stay exact integers:
- a field rule fires once, at the moment scored, when its condition holds;
- a touch rule fires at every matching touch up to `now` that makes at least `at_least` matching touches within
  `within` (itself included); with a hit limit only the most recent hits count and the older ones become one
  line, all of it removed by the limit;
- a positive engagement hit decays with its age (a half-life by whole days, or a percent per whole period) and
  stops counting outside the window; negative hits never decay;
- a group cap trims positive hits in time order (what arrives once the cap is full loses its points); the total
  cap then trims positive hits, fit first, then engagement in time order;
- every score is the sum of its hits' counted points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from revcycle.errors import NotFound
from revcycle.pact.conditions import Facts, Touch, TouchFilter, evaluate, value_matches
from revcycle.pact.durations import Duration
from revcycle.pact.schema import Pact
from revcycle.pact.scoring import EngagementRule, FitRule, NegativeRule, ScoringSection

__all__ = [
    "CENTS",
    "DAY_US",
    "Decay",
    "Group",
    "Hit",
    "Rule",
    "Scorecard",
    "ScoredPerson",
    "Scores",
    "ScoringTouch",
    "Thresholds",
    "score_person",
    "touch_matches",
]

CENTS = 100  # stored points are hundredths
DAY_US = 86_400_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Group(StrEnum):
    """Which score a rule adds to: who they are, or what they did."""

    FIT = "fit"
    ENGAGEMENT = "engagement"


def micros(at: datetime) -> int:
    """An instant as whole microseconds since 1970 (UTC)."""
    return (at - EPOCH) // timedelta(microseconds=1)


def instant(us: int) -> datetime:
    """Microseconds since 1970 as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=us)


def _us(span: Duration | None) -> int | None:
    return None if span is None else span.to_timedelta() // timedelta(microseconds=1)


@dataclass(frozen=True)
class Rule:
    """One compiled rule; `index` is its place in the scorecard and breaks ties in time order."""

    index: int
    name: str
    group: Group
    points: int
    when: Any = None
    touches: TouchFilter | None = None
    at_least: int = 1
    within_us: int | None = None
    hit_cap: int | None = None
    decays: bool = False

    @property
    def on_touches(self) -> bool:
        """Whether the rule fires on touches (else on fields)."""
        return self.touches is not None


@dataclass(frozen=True)
class Decay:
    """How a positive engagement hit fades with age."""

    window_us: int | None = None
    half_life_days: float | None = None
    percent: int | None = None
    every_us: int | None = None

    def value(self, points: int, age_us: int) -> int:
        """What a hit worth `points` hundredths is worth `age_us` after it happened."""
        if self.window_us is not None and age_us > self.window_us:
            return 0
        if self.half_life_days is not None:
            factor: float = 0.5 ** ((age_us // DAY_US) / self.half_life_days)
            return math.floor(points * factor + 0.5)
        if self.percent is not None and self.every_us is not None:
            return points * max(0, 100 - self.percent * (age_us // self.every_us)) // 100
        return points


@dataclass(frozen=True)
class Thresholds:
    """What makes a lead qualified (hundredths), and the move it triggers from which stages."""

    stage: str
    fit: int | None
    engagement: int | None
    total: int | None
    from_stages: tuple[str, ...]
    move: bool = True
    definition: Any = None

    def met(self, fit: int, engagement: int, total: int) -> bool:
        """Whether these scores reach every threshold."""
        return all(score >= wanted for score, wanted in ((fit, self.fit), (engagement, self.engagement),
                                                         (total, self.total)) if wanted is not None)


@dataclass(frozen=True)
class Scorecard:
    """The pact's scoring section, compiled."""

    rules: tuple[Rule, ...]
    fit_cap: int | None = None
    engagement_cap: int | None = None
    total_cap: int | None = None
    decay: Decay = field(default_factory=Decay)
    qualify: Thresholds | None = None
    top_people: int = 3

    @classmethod
    def from_pact(cls, pact: Pact) -> Scorecard:
        """The scorecard of a pact, or NotFound when it has no scoring section."""
        if pact.scoring is None:
            raise NotFound("the pact has no scoring section: add `scoring:` (see the example pact)")
        return cls.from_section(pact.scoring, pact)

    @classmethod
    def from_section(cls, scoring: ScoringSection, pact: Pact | None = None) -> Scorecard:
        """The scorecard of a scoring section (the pact supplies stages and definitions)."""
        listed: list[FitRule | EngagementRule | NegativeRule] = [*scoring.fit.rules, *scoring.engagement.rules,
                                                                 *scoring.negative]
        rules = [_rule(i, r) for i, r in enumerate(listed)]
        engagement = scoring.engagement
        decay = Decay(window_us=_us(engagement.window))
        if engagement.decay is not None:
            half_life = engagement.decay.half_life
            decay = replace(decay, half_life_days=half_life.to_timedelta() / timedelta(days=1) if half_life else None,
                            percent=engagement.decay.percent, every_us=_us(engagement.decay.every))
        return cls(tuple(rules), _cents(scoring.fit.cap), _cents(engagement.cap), _cents(scoring.total_cap), decay,
                   _thresholds(scoring, pact), scoring.accounts.top_people)

    @property
    def field_rules(self) -> tuple[Rule, ...]:
        """Rules on person and account fields, in scorecard order."""
        return tuple(rule for rule in self.rules if not rule.on_touches)

    @property
    def touch_rules(self) -> tuple[Rule, ...]:
        """Rules on touches, in scorecard order."""
        return tuple(rule for rule in self.rules if rule.on_touches)

    def cap(self, group: Group) -> int | None:
        """The most positive points this group hands out (hundredths)."""
        return self.fit_cap if group is Group.FIT else self.engagement_cap


def _cents(points: int | None) -> int | None:
    return None if points is None else points * CENTS


def _rule(index: int, rule: FitRule | EngagementRule | NegativeRule) -> Rule:
    points = rule.points * CENTS
    if isinstance(rule, FitRule):
        return Rule(index, rule.name, Group.FIT, points, when=rule.when)
    if isinstance(rule, EngagementRule):
        return Rule(index, rule.name, Group.ENGAGEMENT, points, touches=rule.touches, at_least=rule.at_least,
                    within_us=_us(rule.within), hit_cap=rule.hit_cap(), decays=rule.decays)
    return Rule(index, rule.name, Group(rule.scores()), points, when=rule.when, touches=rule.touches,
                at_least=rule.at_least, within_us=_us(rule.within), hit_cap=rule.hit_cap())


def _thresholds(scoring: ScoringSection, pact: Pact | None) -> Thresholds | None:
    qualify = scoring.qualify
    if qualify is None:
        return None
    stages = pact.stage_names() if pact is not None else []
    before = tuple(stages[:stages.index(qualify.stage)]) if qualify.stage in stages else ()
    definition = pact.definitions.get(qualify.stage) if pact is not None and qualify.definition else None
    return Thresholds(qualify.stage, _cents(qualify.fit), _cents(qualify.engagement), _cents(qualify.total),
                      tuple(qualify.from_) if qualify.from_ is not None else before, qualify.move,
                      definition.when if definition is not None else None)


@dataclass(frozen=True)
class ScoringTouch(Touch):
    """A touchpoint as scoring sees it: its id and its campaign's name as well."""

    id: int = 0
    campaign_name: str | None = None


@dataclass(frozen=True)
class Hit:
    """One recorded rule hit: points (hundredths) minus what decay, the rule's hit limit and caps removed."""

    rule: str
    group: Group
    at: datetime
    points: int
    decayed: int = 0
    limited: int = 0
    capped: int = 0
    times: int = 1
    touchpoint_id: int | None = None

    @property
    def counted(self) -> int:
        """The points this hit adds to its score."""
        return self.points - self.decayed - self.limited - self.capped


@dataclass(frozen=True)
class Scores:
    """A person's scores (hundredths) and whether they meet the qualification thresholds."""

    fit: int
    engagement: int
    total: int
    qualified: bool


@dataclass(frozen=True)
class ScoredPerson:
    """Scores and the hits they are the sum of."""

    scores: Scores
    hits: tuple[Hit, ...]


def touch_matches(wanted: TouchFilter, touch: Touch) -> bool:
    """Whether a touch passes a filter (a list matches any of its values; campaign by external id or name)."""
    name = touch.campaign_name if isinstance(touch, ScoringTouch) else None
    return (value_matches(wanted.type, touch.type) and value_matches(wanted.channel, touch.channel)
            and value_matches(wanted.content_stage, touch.content_stage)
            and value_matches(wanted.content, touch.content)
            and (value_matches(wanted.campaign, touch.campaign)
                 or (name is not None and value_matches(wanted.campaign, name)))
            and (wanted.url_contains is None or (touch.url is not None and wanted.url_contains in touch.url)))


def score_person(card: Scorecard, facts: Facts, *, now: datetime) -> ScoredPerson:
    """A person's hits and scores as of `now` (touches after `now` are not seen)."""
    hits = [_Work(rule, now, rule.points) for rule in card.field_rules if evaluate(rule.when, facts, now=now)]
    touches = sorted((t for t in facts.touches if t.occurred_at <= now), key=lambda t: (t.occurred_at, _id(t)))
    for rule in card.touch_rules:
        hits += _touch_hits(rule, touches)
    for hit in hits:
        if hit.rule.decays and hit.limited == 0 and hit.rule.points > 0:
            hit.decayed = hit.points - card.decay.value(hit.points, micros(now) - micros(hit.at))
    _apply_caps(card, hits)
    return _result(card, hits)


def _id(touch: Touch) -> int:
    return touch.id if isinstance(touch, ScoringTouch) else 0


@dataclass
class _Work:
    """A hit being worked out."""

    rule: Rule
    at: datetime
    points: int
    touch: int | None = None
    times: int = 1
    decayed: int = 0
    limited: int = 0
    capped: int = 0

    @property
    def value(self) -> int:
        return self.points - self.decayed - self.limited - self.capped

    def order(self) -> tuple[int, datetime, int, int]:
        group = 0 if self.rule.group is Group.FIT else 1
        return group, self.at, -1 if self.touch is None else self.touch, self.rule.index


def _touch_hits(rule: Rule, touches: list[Touch]) -> list[_Work]:
    assert rule.touches is not None
    matched = [t for t in touches if touch_matches(rule.touches, t)]
    fired = [t for i, t in enumerate(matched) if _count(matched, i, rule.within_us) >= rule.at_least]
    cap = rule.hit_cap
    dropped, kept = (fired[:-cap], fired[-cap:]) if cap is not None and len(fired) > cap else ([], fired)
    hits = [_Work(rule, t.occurred_at, rule.points, _id(t)) for t in kept]
    if dropped:
        last = dropped[-1]
        points = rule.points * len(dropped)
        hits.append(_Work(rule, last.occurred_at, points, _id(last), len(dropped), limited=points))
    return hits


def _count(matched: list[Touch], i: int, within_us: int | None) -> int:
    if within_us is None:
        return i + 1
    since = matched[i].occurred_at - timedelta(microseconds=within_us)
    return sum(1 for t in matched[:i + 1] if t.occurred_at >= since)


def _apply_caps(card: Scorecard, hits: list[_Work]) -> None:
    positive = sorted((h for h in hits if h.rule.points > 0 and h.limited == 0), key=_Work.order)
    for group in Group:
        _trim([h for h in positive if h.rule.group is group], card.cap(group))
    _trim(positive, card.total_cap)


def _trim(hits: Iterable[_Work], cap: int | None) -> None:
    """Cut what comes after the cap is full, in the order given."""
    if cap is None:
        return
    room = cap
    for hit in hits:
        value = hit.value
        kept = min(value, max(room, 0))
        hit.capped += value - kept
        room -= kept


def _result(card: Scorecard, work: list[_Work]) -> ScoredPerson:
    hits = tuple(Hit(w.rule.name, w.rule.group, w.at, w.points, w.decayed, w.limited, w.capped, w.times, w.touch)
                 for w in sorted(work, key=_Work.order))
    fit = sum(h.counted for h in hits if h.group is Group.FIT)
    engagement = sum(h.counted for h in hits if h.group is Group.ENGAGEMENT)
    qualified = card.qualify is not None and card.qualify.met(fit, engagement, fit + engagement)
    return ScoredPerson(Scores(fit, engagement, fit + engagement, qualified), hits)

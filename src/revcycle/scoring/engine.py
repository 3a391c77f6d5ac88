"""The scorecard run over many people at once: the rules of `model.py` as numpy array operations.

Input is columnar (people with their field-rule results, touches sorted by person, time and id with a column
per touch rule saying whether it matches); output is every hit and every score, exactly the integers
`model.score_person` gives one person at a time. Pure: no store, no clock (`now` is a column).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import numpy.typing as npt

from revcycle.scoring.model import DAY_US, Group, Rule, Scorecard

__all__ = ["BatchScores", "HitColumns", "PeopleColumns", "TouchColumns", "score_batch"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PeopleColumns:
    """The people of a batch: ids, the moment each is scored at, and which field rules hold (one column each)."""

    person_id: Ints
    now_us: Ints
    field_hits: Bools

    @property
    def size(self) -> int:
        """How many people."""
        return len(self.person_id)


@dataclass(frozen=True)
class TouchColumns:
    """Touches of the batch's people sorted by (person, time, id); `matched` has a column per touch rule."""

    person: Ints  # index into PeopleColumns
    at_us: Ints
    touch_id: Ints
    matched: Bools

    @staticmethod
    def empty(rules: int) -> TouchColumns:
        """No touches."""
        none = np.zeros(0, dtype=np.int64)
        return TouchColumns(none, none, none, np.zeros((0, rules), dtype=np.bool_))


@dataclass(frozen=True)
class HitColumns:
    """Hits as parallel arrays (points in hundredths; touch_id -1 for field hits)."""

    person: Ints
    rule: Ints
    at_us: Ints
    touch_id: Ints
    times: Ints
    points: Ints
    decayed: Ints
    limited: Ints
    capped: Ints

    @property
    def counted(self) -> Ints:
        """Points each hit adds to its score."""
        return self.points - self.decayed - self.limited - self.capped

    def take(self, index: Ints | Bools) -> HitColumns:
        """The hits at these positions."""
        return HitColumns(*(getattr(self, f.name)[index] for f in fields(self)))


@dataclass(frozen=True)
class BatchScores:
    """Every person's scores (hundredths), whether they meet the thresholds, and the hits behind them."""

    fit: Ints
    engagement: Ints
    total: Ints
    qualified: Bools
    hits: HitColumns


def score_batch(card: Scorecard, people: PeopleColumns, touches: TouchColumns) -> BatchScores:
    """Score every person of the batch as of their own `now`."""
    parts = [_field_hits(rule, k, people) for k, rule in enumerate(card.field_rules)]
    parts += [_touch_hits(rule, k, people, touches) for k, rule in enumerate(card.touch_rules)]
    hits = _concat(parts)
    hits = _decay(card, hits, people)
    hits = _caps(card, hits)
    return _totals(card, hits, people.size)


def _field_hits(rule: Rule, column: int, people: PeopleColumns) -> HitColumns:
    who = np.flatnonzero(people.field_hits[:, column]).astype(np.int64)
    return _hits(rule, who, people.now_us[who], np.full(len(who), -1, dtype=np.int64))


def _hits(rule: Rule, person: Ints, at: Ints, touch: Ints, times: Ints | None = None,
          limited: bool = False) -> HitColumns:
    count = np.ones(len(person), dtype=np.int64) if times is None else times
    points = count * rule.points
    zero = np.zeros(len(person), dtype=np.int64)
    return HitColumns(person, np.full(len(person), rule.index, dtype=np.int64), at, touch, count, points, zero,
                      points if limited else zero, zero)


def _touch_hits(rule: Rule, column: int, people: PeopleColumns, touches: TouchColumns) -> HitColumns:
    sel = np.flatnonzero(touches.matched[:, column])
    person, at, ids = touches.person[sel], touches.at_us[sel], touches.touch_id[sel]
    seen = at <= people.now_us[person]
    person, at, ids = person[seen], at[seen], ids[seen]
    if rule.at_least > 1:
        fired = _window_counts(person, at, rule.within_us) >= rule.at_least
        person, at, ids = person[fired], at[fired], ids[fired]
    if rule.hit_cap is None or len(person) == 0:
        return _hits(rule, person, at, ids)
    position = np.arange(len(person), dtype=np.int64)
    from_end = np.searchsorted(person, person, side="right") - 1 - position
    kept = from_end < rule.hit_cap
    counted = _hits(rule, person[kept], at[kept], ids[kept])
    dropped = np.flatnonzero(~kept)
    who, first, count = np.unique(person[dropped], return_index=True, return_counts=True)
    last = dropped[first + count - 1]
    summary = _hits(rule, who.astype(np.int64), at[last], ids[last], count.astype(np.int64), limited=True)
    return _concat([counted, summary])


def _window_counts(person: Ints, at: Ints, within_us: int | None) -> Ints:
    """For each matching touch, how many matching touches of the same person fall in the window ending at it."""
    position = np.arange(len(person), dtype=np.int64)
    if within_us is None:
        return position - np.searchsorted(person, person, side="left") + 1
    values, inverse = np.unique(np.concatenate([at, at - within_us]), return_inverse=True)
    width = len(values) + 1
    keys = person * width + inverse[:len(at)]
    starts = np.searchsorted(keys, person * width + inverse[len(at):], side="left")
    return position - starts + 1


def _concat(parts: list[HitColumns]) -> HitColumns:
    if not parts:
        none = np.zeros(0, dtype=np.int64)
        return HitColumns(none, none, none, none, none, none, none, none, none)
    return HitColumns(*(np.concatenate([getattr(p, f.name) for p in parts]).astype(np.int64)
                        for f in fields(HitColumns)))


def _decay(card: Scorecard, hits: HitColumns, people: PeopleColumns) -> HitColumns:
    decays = np.array([rule.decays and rule.points > 0 for rule in card.rules] or [False], dtype=np.bool_)
    live = decays[hits.rule] & (hits.limited == 0)
    if not live.any():
        return hits
    age = people.now_us[hits.person[live]] - hits.at_us[live]
    value = _decayed_values(card, hits.points[live], age)
    decayed = hits.decayed.copy()
    decayed[live] = hits.points[live] - value
    return replace(hits, decayed=decayed)


def _decayed_values(card: Scorecard, points: Ints, age: Ints) -> Ints:
    decay = card.decay
    value = points.copy()
    if decay.half_life_days is not None:
        # the model's own function on each distinct (points, whole days) pair, so both give the same integers
        days = age // DAY_US
        pairs, inverse = np.unique(np.stack([points, days]), axis=1, return_inverse=True)
        table = np.array([decay.value(int(p), int(d) * DAY_US) for p, d in pairs.T], dtype=np.int64)
        value = table[inverse.reshape(-1)]
    elif decay.percent is not None and decay.every_us is not None:
        value = points * np.maximum(0, 100 - decay.percent * (age // decay.every_us)) // 100
    if decay.window_us is not None:
        value = np.where(age > decay.window_us, 0, value)
    return value.astype(np.int64)


def _caps(card: Scorecard, hits: HitColumns) -> HitColumns:
    signs = np.array([rule.points > 0 for rule in card.rules] or [False], dtype=np.bool_)
    groups = np.array([0 if rule.group is Group.FIT else 1 for rule in card.rules] or [0], dtype=np.int64)
    positive = np.flatnonzero(signs[hits.rule] & (hits.limited == 0))
    group = groups[hits.rule[positive]]
    order = np.lexsort((hits.rule[positive], hits.touch_id[positive], hits.at_us[positive], group,
                        hits.person[positive]))
    index = positive[order]
    person, group = hits.person[index], group[order]
    value = hits.counted[index]
    capped = np.zeros(len(index), dtype=np.int64)
    for code, cap in ((0, card.fit_cap), (1, card.engagement_cap)):
        if cap is not None:
            mine = group == code
            capped[mine] += _trim(person[mine], value[mine], cap)
    if card.total_cap is not None:
        capped += _trim(person, value - capped, card.total_cap)
    out = hits.capped.copy()
    out[index] += capped
    return replace(hits, capped=out)


def _trim(person: Ints, value: Ints, cap: int) -> Ints:
    """Points removed from each hit (in the order given, grouped by person) once a person's running total is full."""
    if len(value) == 0:
        return np.zeros(0, dtype=np.int64)
    running = np.cumsum(value)
    starts = np.searchsorted(person, person, side="left")
    before = running - value - np.concatenate([[0], running])[starts]
    kept = np.clip(cap - before, 0, value)
    return np.asarray(value - kept, dtype=np.int64)


def _totals(card: Scorecard, hits: HitColumns, size: int) -> BatchScores:
    groups = np.array([rule.group is Group.FIT for rule in card.rules] or [False], dtype=np.bool_)
    fit_hit = groups[hits.rule]
    counted = hits.counted
    fit = np.zeros(size, dtype=np.int64)
    engagement = np.zeros(size, dtype=np.int64)
    np.add.at(fit, hits.person[fit_hit], counted[fit_hit])
    np.add.at(engagement, hits.person[~fit_hit], counted[~fit_hit])
    total = fit + engagement
    qualified = np.zeros(size, dtype=np.bool_)
    rule = card.qualify
    if rule is not None:
        qualified[:] = True
        for score, wanted in ((fit, rule.fit), (engagement, rule.engagement), (total, rule.total)):
            if wanted is not None:
                qualified &= score >= wanted
    return BatchScores(fit, engagement, total, qualified, hits)


@dataclass(frozen=True)
class AccountColumns:
    """Accounts scored from their people (hundredths): best fit, engagement of the most engaged people."""

    account_id: Ints
    fit: Ints
    engagement: Ints
    people: Ints
    engaged: Ints
    qualified: Ints

    @property
    def total(self) -> Ints:
        """Fit plus engagement."""
        return self.fit + self.engagement


def score_accounts(account: Ints, person: Ints, fit: Ints, engagement: Ints, qualified: Bools,
                   top_people: int) -> AccountColumns:
    """Each account's best fit and the summed engagement of its `top_people` most engaged people (a buying
    group is as engaged as its most engaged members), with head counts; people without an account are left out."""
    mine = np.flatnonzero(account >= 0)
    order = mine[np.lexsort((person[mine], -engagement[mine], account[mine]))]
    account, fit, engagement, qualified = account[order], fit[order], engagement[order], qualified[order]
    ids, starts, inverse = np.unique(account, return_index=True, return_inverse=True)
    rank = np.arange(len(account)) - starts[inverse]
    top = rank < top_people
    size = len(ids)

    def per_account(weights: Ints) -> Ints:
        return np.bincount(inverse, weights=weights, minlength=size).round().astype(np.int64)

    best = np.maximum.reduceat(fit, starts) if size else np.zeros(0, dtype=np.int64)
    return AccountColumns(ids.astype(np.int64), best.astype(np.int64), per_account(np.where(top, engagement, 0)),
                          per_account(np.ones(len(account), dtype=np.int64)),
                          per_account((engagement > 0).astype(np.int64)), per_account(qualified.astype(np.int64)))

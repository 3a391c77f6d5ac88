"""Scores as they stood at past moments: each (person, moment) becomes a person of its own who has only the
touches up to that moment, scored by the engine as of that moment. Pure; used by back-tests and calibration.

Scores only rise at a touch that fires a positive rule (between touches hits decay, windows close, limits and
caps stay), so the first moment a person qualifies is one of those touches, or when they appear (fit alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt

from revcycle.scoring.engine import BatchScores, PeopleColumns, TouchColumns, score_batch
from revcycle.scoring.model import Scorecard

__all__ = ["first_qualified", "scores_as_of"]

Ints = npt.NDArray[np.int64]
Accept = Callable[[int, int], bool]


def _as_of(people: PeopleColumns, touches: TouchColumns, person: Ints, at_us: Ints) -> tuple[PeopleColumns,
                                                                                              TouchColumns]:
    """One scorable person per (person index, moment) pair, sorted by both, with their touches up to the moment."""
    starts = np.searchsorted(touches.person, person, side="left")
    lengths = _ends(touches, person, at_us) - starts
    total = int(lengths.sum())
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = np.arange(total, dtype=np.int64) - offsets + np.repeat(starts, lengths)
    virtual = PeopleColumns(np.arange(len(person), dtype=np.int64), at_us, people.field_hits[person])
    owner = np.repeat(np.arange(len(person), dtype=np.int64), lengths)
    return virtual, TouchColumns(owner, touches.at_us[rows], touches.touch_id[rows], touches.matched[rows])


def _ends(touches: TouchColumns, person: Ints, at_us: Ints) -> Ints:
    """For each (person, moment): one past that person's last touch at or before the moment."""
    values, inverse = np.unique(np.concatenate([touches.at_us, at_us]), return_inverse=True)
    width = np.int64(len(values) + 1)
    keys = touches.person * width + inverse[:len(touches.at_us)]
    return np.searchsorted(keys, person * width + inverse[len(touches.at_us):], side="right").astype(np.int64)


def scores_as_of(card: Scorecard, people: PeopleColumns, touches: TouchColumns, person: Ints,
                 at_us: Ints) -> tuple[Ints, Ints, BatchScores]:
    """Each (person, moment) scored as of that moment: the pairs sorted by person then moment, and their scores."""
    order = np.lexsort((at_us, person))
    person, at_us = person[order], at_us[order]
    return person, at_us, score_batch(card, *_as_of(people, touches, person, at_us))


def first_qualified(card: Scorecard, people: PeopleColumns, touches: TouchColumns, appeared_us: Ints, *,
                    since_us: int, until_us: int, accept: Accept | None = None, rows_per_pass: int = 2_000_000) -> Ints:
    """For each person, the first moment in [since, until) at which they qualify (and `accept` agrees), or -1."""
    first = np.full(people.size, -1, dtype=np.int64)
    for person, at in _passes(card, people, touches, appeared_us, since_us, until_us, rows_per_pass):
        person, at, scored = scores_as_of(card, people, _slice(touches, person), person, at)
        hit = np.flatnonzero(scored.qualified & (first[person] < 0))
        if accept is not None:
            hit = np.array(_accepted(hit, person, at, accept), dtype=np.int64)
        who, index = np.unique(person[hit], return_index=True)
        first[who] = at[hit[index]]
    return first


def _slice(touches: TouchColumns, person: Ints) -> TouchColumns:
    """The touches of the people from person[0] to person[-1] (touches are sorted by person)."""
    low = int(np.searchsorted(touches.person, person[0], side="left"))
    high = int(np.searchsorted(touches.person, person[-1], side="right"))
    return TouchColumns(touches.person[low:high], touches.at_us[low:high], touches.touch_id[low:high],
                        touches.matched[low:high])


def _accepted(hit: Ints, person: Ints, at: Ints, accept: Accept) -> list[int]:
    found: set[int] = set()
    out = []
    for i in hit.tolist():
        who = int(person[i])
        if who not in found and accept(who, int(at[i])):
            found.add(who)
            out.append(i)
    return out


def _passes(card: Scorecard, people: PeopleColumns, touches: TouchColumns, appeared_us: Ints, since_us: int,
            until_us: int, rows_per_pass: int) -> Iterator[tuple[Ints, Ints]]:
    """The candidate moments in (person, moment) order, cut into passes of about `rows_per_pass` touch rows."""
    rising = np.array([rule.points > 0 for rule in card.touch_rules], dtype=np.bool_)
    fires = touches.matched[:, rising].any(axis=1) if rising.any() else np.zeros(len(touches.at_us), dtype=np.bool_)
    window = fires & (touches.at_us >= since_us) & (touches.at_us < until_us)
    person = np.concatenate([touches.person[window], np.arange(people.size, dtype=np.int64)])
    at = np.concatenate([touches.at_us[window], np.maximum(appeared_us, since_us)])
    keep = at < until_us
    if not keep.any():
        return
    pairs = np.unique(np.stack([person[keep], at[keep]]), axis=1)
    person, at = pairs[0].astype(np.int64), pairs[1].astype(np.int64)
    cost = np.cumsum(_ends(touches, person, at) - np.searchsorted(touches.person, person, side="left") + 1)
    start = 0
    while start < len(person):
        done = int(cost[start - 1]) if start else 0
        end = max(int(np.searchsorted(cost, done + rows_per_pass, side="right")), start + 1)
        yield person[start:end], at[start:end]
        start = end

"""Marketing's side of the cycle: engagement, cleaning out junk, and handing MQLs to the SDRs.

A company that follows its pact (the aligned mode) hands a person over at the first moment the pact's scoring
and definition qualify them (`qualify.Qualifier`). The misaligned company goes by a rule of its own: an MQL
is the touch at which a person's engagement points reach its threshold, and a contact request always hands
the person over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.sim.groups import first_where, running_sum
from revcycle.sim.journeys import Touches
from revcycle.sim.market import JUNK_REASONS, Market
from revcycle.sim.moves import Moves, reason_code
from revcycle.sim.qualify import Qualifier
from revcycle.sim.truth import Behaviour
from revcycle.sim.vocab import Stage, Touch

__all__ = ["POINTS", "Handoffs", "hand_off", "points"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Engagement points per touch type (Touch order); a download's points depend on its funnel stage.
POINTS = np.array([1, 8, 0, 5, 12, 40, 8, 0, 2, 2, 10, 0, 0, 0], dtype=np.int64)
DOWNLOAD_POINTS = np.array([3, 6, 12], dtype=np.int64)  # top, middle, bottom
HOUR = 3600


@dataclass(frozen=True)
class Handoffs:
    """People marketing handed to sales, and when."""

    person: Ints
    at: Ints


def points(touches: Touches) -> Ints:
    """The engagement points each touch earns."""
    earned = POINTS[touches.type]
    download = touches.type == Touch.DOWNLOAD
    earned[download] = DOWNLOAD_POINTS[touches.content[download] // 4]
    return earned


def _first_touch_flags(person: Ints) -> Bools:
    first = np.ones(len(person), dtype=np.bool_)
    first[1:] = person[1:] != person[:-1]
    return first


def _mql_time(
    touches: Touches,
    market: Market,
    behaviour: Behaviour,
    removed: Bools,
    created_at: Ints,
    qualifier: Qualifier | None,
) -> Ints:
    """When each person becomes an MQL (epoch seconds), or -1."""
    if behaviour.follows_pact:
        if qualifier is None:
            raise ValueError("a company that follows its pact needs the pact's qualifier")
        primary = market.customer[market.account] & (market.rank == 0)
        return qualifier.first(market, touches, created_at, ~primary & ~removed)
    index = _mql_touch(touches, market, behaviour, removed)
    return np.where(index >= 0, touches.at[index], -1)


def _mql_touch(touches: Touches, market: Market, behaviour: Behaviour, removed: Bools) -> Ints:
    first = _first_touch_flags(touches.person)
    total = running_sum(points(touches), np.where(first, 0, 1))
    open_to_sales = ~market.customer[market.account] & ~removed
    qualified = (
        open_to_sales
        if behaviour.mql_min_fit is None
        else open_to_sales & (market.fit >= behaviour.mql_min_fit)
    )
    mask = ((total >= behaviour.mql_points) & qualified[touches.person]) | (
        (touches.type == Touch.CONTACT_REQUEST) & open_to_sales[touches.person]
    )
    return first_where(mask, touches.person, market.people)


def _second_touch(touches: Touches, people: int) -> Ints:
    first = np.flatnonzero(_first_touch_flags(touches.person))
    second = first + 1
    valid = second < len(touches.person)
    valid[valid] &= touches.person[second[valid]] == touches.person[first[valid]]
    out = np.full(people, -1, dtype=np.int64)
    out[touches.person[first[valid]]] = touches.at[second[valid]]
    return out


def hand_off(
    rng: np.random.Generator,
    market: Market,
    touches: Touches,
    created_at: Ints,
    behaviour: Behaviour,
    moves: Moves,
    marketing_ops: int,
    owner_of_account: Ints,
    qualifier: Qualifier | None = None,
) -> Handoffs:
    """Records marketing's moves (engaged, junk disqualified, existing customers) and returns the MQLs."""
    people = np.arange(market.people, dtype=np.int64)
    primary = market.customer[market.account] & (market.rank == 0)
    removed = (market.junk > 0) & behaviour.marketing_removes_junk & ~primary
    removed_at = created_at + rng.integers(HOUR, 30 * HOUR, market.people)
    mql_at = _mql_time(touches, market, behaviour, removed, created_at, qualifier)
    moves.add(
        people[primary], created_at[primary], Stage.CUSTOMER, 0, owner_of_account[market.account[primary]]
    )
    engaged_at = _second_touch(touches, market.people)
    engaged = (engaged_at >= 0) & ~primary & ((mql_at < 0) | (engaged_at < mql_at))
    engaged &= ~removed | (engaged_at < removed_at)
    moves.add(people[engaged], engaged_at[engaged], Stage.ENGAGED)
    junk_codes = np.array([reason_code(r) if r else 0 for r in JUNK_REASONS], dtype=np.int64)
    moves.add(
        people[removed],
        removed_at[removed],
        Stage.DISQUALIFIED,
        junk_codes[market.junk[removed]],
        marketing_ops,
    )
    handed = mql_at >= 0
    moves.add(people[handed], mql_at[handed], Stage.MQL)
    return Handoffs(people[handed], mql_at[handed])

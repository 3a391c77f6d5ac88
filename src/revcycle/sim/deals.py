"""Opportunities: new business from accepted SQLs (one per account), and run-rate business (renewals and
add-ons) on accounts that were customers before the period, which arrives whatever marketing does."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.sim.followup import CHANNEL_EFFECT, Candidates
from revcycle.sim.market import Market
from revcycle.sim.moves import Moves, SalesTouches, reason_code
from revcycle.sim.team import Team
from revcycle.sim.truth import WIN_BASE, WIN_CHANNEL, WIN_FIT, sigmoid
from revcycle.sim.vocab import Stage, Touch

__all__ = ["DEAL_STAGES", "KINDS", "STATUSES", "Deals", "build_deals"]

Ints = npt.NDArray[np.int64]
DAY = 86_400
HOUR_OFFSET = 3600  # the first meeting: an hour after the opportunity opens
KINDS = ("new_business", "renewal", "add_on")
STATUSES = ("open", "won", "lost")
DEAL_STAGES = ("discovery", "proposal", "negotiation", "closed_won", "closed_lost")
MEDIAN_AMOUNT = np.array([6_000, 15_000, 36_000, 80_000, 160_000], dtype=np.float64)  # by employee band
MEDIAN_CYCLE_DAYS = np.array([25, 35, 50, 75, 100], dtype=np.float64)
LOST_REASONS = np.array([reason_code(r) for r in ("price", "competitor_chosen", "no_decision", "timing")])
LOST_SHARES = np.cumsum([0.35, 0.3, 0.25, 0.1])


@dataclass(frozen=True)
class Deals:
    """A chunk's opportunities as parallel arrays (person and account are local indices)."""

    person: Ints
    account: Ints
    owner: Ints
    amount: Ints
    kind: Ints
    status: Ints
    stage: Ints
    created_at: Ints
    closed_at: Ints  # -1 while open
    lost_reason: Ints  # 0 when not lost


def _concat(parts: list[Deals]) -> Deals:
    return Deals(*(np.concatenate([getattr(p, f) for p in parts]) for f in Deals.__dataclass_fields__))


def _aes(rng: np.random.Generator, team: Team, market: Market, account: Ints) -> Ints:
    owner = market.account_owner[account].copy()
    pick = rng.random(len(account))
    for r, pool in enumerate(team.aes_by_region):
        here = (owner < 0) & (market.account_region[account] == r)
        owner[here] = pool[(pick[here] * len(pool)).astype(np.int64)]
    return owner


def _amounts(rng: np.random.Generator, market: Market, account: Ints) -> Ints:
    raw = MEDIAN_AMOUNT[market.band[account]] * np.exp(rng.normal(0.0, 0.45, len(account)))
    return (np.round(raw / 100) * 100).astype(np.int64)


def _close(
    rng: np.random.Generator, created: Ints, closed: Ints, win_p: npt.NDArray[np.float64], end: int
) -> tuple[Ints, Ints, Ints, Ints]:
    """Status, CRM stage, closed_at and lost reason of deals due to close at `closed`."""
    done = closed < end
    won = done & (rng.random(len(closed)) < win_p)
    lost = done & ~won
    status = np.where(won, 1, np.where(lost, 2, 0))
    progress = np.clip((end - created) / np.maximum(closed - created, 1), 0, 0.999)
    stage = np.where(won, 3, np.where(lost, 4, (progress * 3).astype(np.int64)))
    reason = np.where(
        lost, LOST_REASONS[np.searchsorted(LOST_SHARES, rng.random(len(closed)), side="right")], 0
    )
    return (
        status.astype(np.int64),
        stage.astype(np.int64),
        np.where(done, closed, -1),
        reason.astype(np.int64),
    )


def _new_business(
    rng: np.random.Generator,
    market: Market,
    source: Ints,
    candidates: Candidates,
    team: Team,
    moves: Moves,
    sales: SalesTouches,
    end: int,
) -> Deals:
    due = candidates.at < end
    person, at = candidates.person[due], candidates.at[due]
    order = np.lexsort((at, market.account[person]))
    person, at = person[order], at[order]
    account = market.account[person]
    first = np.ones(len(person), dtype=np.bool_)
    first[1:] = account[1:] != account[:-1]  # one new-business deal per account: the earliest SQL opens it
    person, at, account = person[first], at[first], account[first]
    owner = _aes(rng, team, market, account)
    cycle = MEDIAN_CYCLE_DAYS[market.band[account]] * np.exp(rng.normal(0.0, 0.45, len(account)))
    closed = at + (cycle * DAY).astype(np.int64)
    win_p = sigmoid(WIN_BASE + WIN_FIT * market.fit[person] + WIN_CHANNEL * CHANNEL_EFFECT[source[person]])
    status, stage, closed_at, reason = _close(rng, at, closed, win_p, end)
    moves.add(person, at, Stage.OPPORTUNITY, 0, owner)
    moves.add(person[status == 1], closed_at[status == 1], Stage.CUSTOMER, 0, owner[status == 1])
    moves.add(
        person[status == 2], closed_at[status == 2], Stage.LOST, reason[status == 2], owner[status == 2]
    )
    for share in (0.0, 0.4, 0.8):
        meet_at = at + HOUR_OFFSET + ((closed - at) * share).astype(np.int64)
        sales.add(person, meet_at, Touch.MEETING, owner)
    kind = np.zeros(len(person), dtype=np.int64)
    return Deals(
        person, account, owner, _amounts(rng, market, account), kind, status, stage, at, closed_at, reason
    )


def _run_rate(
    rng: np.random.Generator, market: Market, created_at: Ints, team: Team, start: int, end: int
) -> Deals:
    person = np.flatnonzero(market.customer[market.account] & (market.rank == 0))
    account = market.account[person]
    years = (end - start) / (365 * DAY)
    renewals = np.ceil(years).astype(np.int64) + 1
    person_r, account_r = np.repeat(person, renewals), np.repeat(account, renewals)
    nth = np.tile(np.arange(renewals), len(person))
    renew_at = start + np.repeat(rng.integers(30 * DAY, 395 * DAY, len(person)), renewals) + nth * 365 * DAY
    created_r = np.maximum(renew_at - 60 * DAY, created_at[person_r] + DAY)
    closed_r = renew_at + rng.integers(-10 * DAY, 10 * DAY, len(renew_at))
    adds = rng.poisson(0.6 * years, len(person))
    person_a, account_a = np.repeat(person, adds), np.repeat(account, adds)
    created_a = (
        created_at[person_a]
        + DAY
        + (rng.random(len(person_a)) * np.maximum(end - created_at[person_a] - DAY, 1)).astype(np.int64)
    )
    closed_a = created_a + (np.exp(rng.normal(np.log(30.0), 0.4, len(person_a))) * DAY).astype(np.int64)
    person_all = np.concatenate([person_r, person_a])
    account_all = np.concatenate([account_r, account_a])
    created = np.concatenate([created_r, created_a])
    closed = np.maximum(np.concatenate([closed_r, closed_a]), created + DAY)
    win_p = np.concatenate([np.full(len(person_r), 0.88), np.full(len(person_a), 0.55)])
    status, stage, closed_at, reason = _close(rng, created, closed, win_p, end)
    amount = _amounts(rng, market, account_all)
    amount = np.where(
        np.arange(len(amount)) < len(person_r), amount, (amount * 0.25 // 100 * 100).astype(np.int64)
    )
    kind = np.concatenate([np.ones(len(person_r), dtype=np.int64), np.full(len(person_a), 2, dtype=np.int64)])
    deals = Deals(
        person_all,
        account_all,
        _aes(rng, team, market, account_all),
        amount,
        kind,
        status,
        stage,
        created,
        closed_at,
        reason,
    )
    keep = created < end
    return Deals(*(getattr(deals, f)[keep] for f in Deals.__dataclass_fields__))


def build_deals(
    rng: np.random.Generator,
    market: Market,
    source: Ints,
    created_at: Ints,
    candidates: Candidates,
    team: Team,
    moves: Moves,
    sales: SalesTouches,
    start: int,
    end: int,
) -> Deals:
    """Every opportunity of the chunk, new business first."""
    new = _new_business(rng, market, source, candidates, team, moves, sales, end)
    return _concat([new, _run_rate(rng, market, created_at, team, start, end)])

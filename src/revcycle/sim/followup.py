"""The SDRs' side: first contact after hand-off, qualification, and what happens to leads that do not qualify.

Whether a contacted lead qualifies is drawn from the true model in `truth.py` (channel, fit, minutes to
first contact). Aligned teams recycle what does not qualify and take it back when, after nurture, the pact
qualifies the lead again (`nurture.py`); misaligned teams disqualify it or leave it where it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.sim.handoff import Handoffs
from revcycle.sim.journeys import Touches
from revcycle.sim.market import JUNK_REASONS, Market
from revcycle.sim.moves import Moves, SalesTouches, reason_code
from revcycle.sim.nurture import Nurture
from revcycle.sim.team import Team
from revcycle.sim.truth import (
    CHANNEL_LOG_ODDS,
    OPPORTUNITY_BASE,
    OPPORTUNITY_FIT,
    QUALIFY_BASE,
    Behaviour,
    response_log_odds,
    sigmoid,
)
from revcycle.sim.vocab import DETOUR_REASONS, Channel, Stage, Touch

__all__ = ["Candidates", "follow_up"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
MINUTE, HOUR, DAY = 60, 3600, 86_400
CHANNEL_EFFECT = np.array([CHANNEL_LOG_ODDS[Channel(c)] for c in range(len(Channel))])
RECYCLE_REASONS = np.array([reason_code(r) for r in ("no_budget", "bad_timing", "not_decision_maker")])
RECYCLE_SHARES = np.cumsum([0.3, 0.45, 0.25])
RETURN_CHANCE = np.zeros(len(DETOUR_REASONS))  # by reason: chance a recycled lead comes back shopping
for _reason, _chance in (
    ("no_budget", 0.35),
    ("bad_timing", 0.5),
    ("not_decision_maker", 0.25),
    ("no_response", 0.35),
):
    RETURN_CHANCE[reason_code(_reason)] = _chance


@dataclass(frozen=True)
class Candidates:
    """SQLs an AE accepted: an opportunity is due for each (one per account, decided later)."""

    person: Ints
    at: Ints


@dataclass(frozen=True)
class _Recycled:
    person: Ints
    at: Ints
    reason: Ints
    sdr: Ints

    @staticmethod
    def nobody() -> _Recycled:
        """No recycled leads."""
        return _Recycled(*(np.zeros(0, dtype=np.int64),) * 4)

    def plus(self, other: _Recycled) -> _Recycled:
        """Both batches of recycled leads."""
        return _Recycled(
            *(np.concatenate([getattr(self, f), getattr(other, f)]) for f in self.__dataclass_fields__)
        )


class _Desk:
    """One mode's SDR team at work on one chunk: shared inputs and the collectors it writes to."""

    def __init__(
        self,
        rng: np.random.Generator,
        market: Market,
        source: Ints,
        behaviour: Behaviour,
        team: Team,
        moves: Moves,
        sales: SalesTouches,
    ) -> None:
        self.rng, self.market, self.source, self.behaviour = rng, market, source, behaviour
        self.team, self.moves, self.sales = team, moves, sales

    def contact_times(self, handoff_at: Ints, sdr: Ints) -> Ints:
        """When the SDR first reaches out to each lead (the response-time model of the mode)."""
        b = self.behaviour
        delay = np.exp(self.rng.normal(np.log(b.response_median_minutes), b.response_sigma, len(sdr)))
        delay = np.ceil(delay * np.exp(b.sdr_speed_spread * self.team.slowness[sdr]) * MINUTE).astype(
            np.int64
        )
        windows = self.team.windows
        if b.waits_for_working_hours_first:
            at = windows.next_working(sdr, handoff_at) + np.maximum(delay, 1)
        else:
            at = windows.next_working(sdr, handoff_at + np.maximum(delay, 1))
        return np.asarray(at, dtype=np.int64)

    def qualifies(self, person: Ints, minutes: npt.NDArray[np.float64]) -> Bools:
        """Draws each contacted lead's outcome from the true qualification model."""
        logit = (
            QUALIFY_BASE
            + CHANNEL_EFFECT[self.source[person]]
            + self.market.fit[person]
            + response_log_odds(minutes)
        )
        drawn = (self.rng.random(len(person)) < sigmoid(logit)) & (self.market.junk[person] == 0)
        return np.asarray(drawn, dtype=np.bool_)

    def work(self, person: Ints, handoff_at: Ints, sdr: Ints) -> tuple[Candidates, _Recycled]:
        """Works one batch of hand-offs through first contact to SQL, recycling or rejection."""
        contacted = self.rng.random(len(person)) >= self.behaviour.never_contacted
        person, handoff_at, sdr = person[contacted], handoff_at[contacted], sdr[contacted]
        contact_at = self.contact_times(handoff_at, sdr)
        kind = np.where(self.rng.random(len(person)) < 0.7, Touch.CALL, Touch.EMAIL)
        self.sales.add(person, contact_at, kind, sdr)
        won = self.qualifies(person, (contact_at - handoff_at) / MINUTE)
        candidates, late = self._qualified(person[won], contact_at[won], sdr[won])
        early = self._not_qualified(person[~won], contact_at[~won], sdr[~won])
        return candidates, early.plus(late)

    def _accept(self, person: Ints, at: Ints, sdr: Ints) -> Ints:
        sal_at = at + self.rng.integers(5 * MINUTE, 40 * MINUTE, len(person))
        self.moves.add(person, sal_at, Stage.SAL, 0, sdr)
        return sal_at

    def _qualified(self, person: Ints, contact_at: Ints, sdr: Ints) -> tuple[Candidates, _Recycled]:
        sal_at = self._accept(person, contact_at, sdr)
        sql_at = sal_at + (np.exp(self.rng.normal(np.log(3.0), 0.6, len(person))) * DAY).astype(np.int64)
        self.moves.add(person, sql_at, Stage.SQL, 0, sdr)
        self.sales.add(person, sql_at - 30 * MINUTE, Touch.MEETING, sdr)
        accepted = self.rng.random(len(person)) < sigmoid(
            OPPORTUNITY_BASE + OPPORTUNITY_FIT * self.market.fit[person]
        )
        opp_at = sql_at + self.rng.integers(DAY, 7 * DAY, len(person))
        rejected = person[~accepted]
        reject_at = sql_at[~accepted] + self.rng.integers(DAY, 4 * DAY, len(rejected))
        reasons = RECYCLE_REASONS[self.rng.integers(0, 2, len(rejected))]
        recycled = self._reject(rejected, reject_at, sdr[~accepted], reasons)
        return Candidates(person[accepted], opp_at[accepted]), recycled

    def _reject(self, person: Ints, at: Ints, sdr: Ints, recycle_reasons: Ints) -> _Recycled:
        """Recycles (aligned) or disqualifies (misaligned) leads sales turned down."""
        if self.behaviour.recycles:
            self.moves.add(person, at, Stage.RECYCLED, recycle_reasons, sdr)
            return _Recycled(person, at, recycle_reasons, sdr)
        self.moves.add(person, at, Stage.DISQUALIFIED, reason_code("bad_fit"), sdr)
        return _Recycled.nobody()

    def _not_qualified(self, person: Ints, contact_at: Ints, sdr: Ints) -> _Recycled:
        junk = self.market.junk[person] > 0
        junk_codes = np.array([reason_code(r) if r else 0 for r in JUNK_REASONS])
        dq_at = contact_at + self.rng.integers(10 * MINUTE, 2 * HOUR, len(person))
        self.moves.add(
            person[junk],
            dq_at[junk],
            Stage.DISQUALIFIED,
            junk_codes[self.market.junk[person[junk]]],
            sdr[junk],
        )
        person, contact_at, sdr = person[~junk], contact_at[~junk], sdr[~junk]
        if self.behaviour.recycles:
            return self._recycle(person, contact_at, sdr)
        return self._drop(person, contact_at, sdr)

    def _recycle(self, person: Ints, contact_at: Ints, sdr: Ints) -> _Recycled:
        silent = self.rng.random(len(person)) < 0.3
        give_up = contact_at + self.rng.integers(7 * DAY, 14 * DAY, len(person))
        for share in (0.25, 0.5, 0.8):
            attempt_at = contact_at + ((give_up - contact_at) * share).astype(np.int64)
            kind = np.where(self.rng.random(len(person)) < 0.6, Touch.CALL, Touch.EMAIL)
            self.sales.add(person[silent], attempt_at[silent], kind[silent], sdr[silent])
        no_response = np.full(int(silent.sum()), reason_code("no_response"))
        self.moves.add(person[silent], give_up[silent], Stage.RECYCLED, no_response, sdr[silent])
        talked = ~silent
        sal_at = self._accept(person[talked], contact_at[talked], sdr[talked])
        recycle_at = sal_at + self.rng.integers(DAY, 5 * DAY, len(sal_at))
        reasons = RECYCLE_REASONS[np.searchsorted(RECYCLE_SHARES, self.rng.random(len(sal_at)), side="right")]
        self.moves.add(person[talked], recycle_at, Stage.RECYCLED, reasons, sdr[talked])
        return _Recycled(
            np.concatenate([person[silent], person[talked]]),
            np.concatenate([give_up[silent], recycle_at]),
            np.concatenate([no_response, reasons]),
            np.concatenate([sdr[silent], sdr[talked]]),
        )

    def _drop(self, person: Ints, contact_at: Ints, sdr: Ints) -> _Recycled:
        rejected = self.rng.random(len(person)) < 0.4
        small = self.market.band[self.market.account[person]] == 0
        reason = np.where(
            small,
            reason_code("company_too_small"),
            np.where(self.rng.random(len(person)) < 0.75, reason_code("bad_fit"), reason_code("duplicate")),
        )
        reject_at = contact_at + self.rng.integers(HOUR, 3 * DAY, len(person))
        self.moves.add(
            person[rejected], reject_at[rejected], Stage.DISQUALIFIED, reason[rejected], sdr[rejected]
        )
        self._accept(person[~rejected], contact_at[~rejected], sdr[~rejected])  # accepted, then left to rot
        return _Recycled.nobody()


def _assign(rng: np.random.Generator, team: Team, region: Ints) -> Ints:
    sdr = np.zeros(len(region), dtype=np.int64)
    pick = rng.random(len(region))
    for r, pool in enumerate(team.sdrs_by_region):
        here = region == r
        sdr[here] = pool[(pick[here] * len(pool)).astype(np.int64)]
    return sdr


def follow_up(
    rng: np.random.Generator,
    market: Market,
    source: Ints,
    handoffs: Handoffs,
    touches: Touches,
    behaviour: Behaviour,
    team: Team,
    moves: Moves,
    sales: SalesTouches,
    nurture: Nurture | None = None,
) -> tuple[Candidates, Ints, Touches]:
    """Works every hand-off (and, when recycling, each recycled lead the pact qualifies again after nurture);
    returns the opportunity candidates, each person's SDR (-1 when never handed off) and the marketing touches
    as they end up (a recycled lead's quiet time removed, nurture added)."""
    desk = _Desk(rng, market, source, behaviour, team, moves, sales)
    sdr = _assign(rng, team, market.region[handoffs.person])
    owner = np.full(market.people, -1, dtype=np.int64)
    owner[handoffs.person] = sdr
    first, recycled = desk.work(handoffs.person, handoffs.at, sdr)
    if not behaviour.recycles:
        return first, owner, touches
    if nurture is None:
        raise ValueError("a company that recycles leads needs its nurture program")
    touches, back = nurture.run(rng, market, touches, recycled.person, recycled.at, RETURN_CHANCE[recycled.reason])
    # the move the pact's lifecycle rule makes, stated: a rule fills in only after the last stated move
    moves.add(back.person, back.engaged_at, Stage.ENGAGED)
    again = back.mql_at >= 0
    person, again_at = back.person[again], back.mql_at[again]
    moves.add(person, again_at, Stage.MQL)
    second, twice = desk.work(person, again_at, owner[person])
    touches = nurture.quiet(touches, twice.person, twice.at)
    return Candidates(
        np.concatenate([first.person, second.person]), np.concatenate([first.at, second.at])
    ), owner, touches

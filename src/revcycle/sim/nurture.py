"""Nurture after a recycle: the lead goes quiet, marketing's nurture email brings them back to engaged (the
pact's lifecycle rule does that move), and some come back shopping: a return visit reading bottom-funnel
assets and asking to talk to sales. Whether a returning lead is an MQL again is the pact's call
(`qualify.Qualifier`), never the simulator's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.sim.campaigns import Campaigns
from revcycle.sim.journeys import ASSET_URLS, CONTACT, PRICING, Touches
from revcycle.sim.market import Market
from revcycle.sim.qualify import Qualifier
from revcycle.sim.vocab import Channel, Touch

__all__ = ["NURTURE_SLOT", "Nurture", "Returns", "first_touch_after", "nurture_touches", "without_quiet_time"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
DAY, MINUTE = 86_400, 60
NURTURE_SLOT = 0.5  # picks the "nurture" campaign among the email channel's parallel campaigns
BOTTOM_ASSETS = 8  # vocab.ASSETS: the bottom-funnel assets are the last four
_FIELDS = tuple(Touches.__dataclass_fields__)


def _sorted(parts: list[Touches]) -> Touches:
    merged = {name: np.concatenate([getattr(p, name) for p in parts]) for name in _FIELDS}
    order = np.lexsort((np.arange(len(merged["at"])), merged["at"], merged["person"]))
    return Touches(**{name: values[order] for name, values in merged.items()})


def without_quiet_time(touches: Touches, person: Ints, since: Ints, days: int) -> Touches:
    """The touches less those of each recycled `person` in the `days` after being recycled at `since`."""
    quiet_from = np.full(int(touches.person.max(initial=-1)) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    quiet_to = np.full_like(quiet_from, np.iinfo(np.int64).min)
    quiet_from[person], quiet_to[person] = since, since + days * DAY
    at, who = touches.at, touches.person
    keep = ~((at > quiet_from[who]) & (at < quiet_to[who]))
    return Touches(**{name: getattr(touches, name)[keep] for name in _FIELDS})


def first_touch_after(touches: Touches, person: Ints, after: Ints) -> Ints:
    """For each (person, instant): the time of that person's first touch after it, or -1 (touches sorted by
    person then time)."""
    width = np.int64(1 << 34)
    keys = touches.person * width + touches.at
    index = np.searchsorted(keys, person * width + after, side="right")
    found = index < len(keys)
    found[found] &= touches.person[index[found]] == person[found]
    return np.where(found, touches.at[np.minimum(index, len(keys) - 1)], -1).astype(np.int64)


def _touches(person: Ints, at: Ints, kind: Ints | int, channel: int, campaign: Ints, content: Ints,
             url: Ints) -> Touches:
    size = len(person)
    none = np.full(size, -1, dtype=np.int64)

    def column(value: Ints | int) -> Ints:
        return np.broadcast_to(np.asarray(value, dtype=np.int64), (size,)).copy()

    return Touches(person=person, at=at, type=column(kind), channel=column(channel), campaign=campaign,
                   content=content, url=url, utm=none, variant=none, user=none)


def nurture_touches(rng: np.random.Generator, touches: Touches, person: Ints, since: Ints, returns: Bools,
                    campaigns: Campaigns, quiet_days: int, end: int) -> Touches:
    """The marketing touches with, for each recycled `person` (recycled at `since`), a nurture email after the
    quiet time and, for those who `returns`, a return visit some days later; touches from `end` on are dropped."""
    sent = since + quiet_days * DAY + rng.integers(0, 14 * DAY, len(person))
    email_campaign = campaigns.pick(np.full(len(person), int(Channel.EMAIL)), sent, np.full(len(person), NURTURE_SLOT))
    none = np.full(len(person), -1, dtype=np.int64)
    parts = [touches, _touches(person, sent, Touch.EMAIL_OPEN, Channel.EMAIL, email_campaign, none, none)]
    back, visit = person[returns], sent[returns] + rng.integers(2 * DAY, 30 * DAY, int(returns.sum()))
    size = len(back)
    step = rng.integers(2 * MINUTE, 12 * MINUTE, (4, size)).cumsum(axis=0)
    assets = BOTTOM_ASSETS + rng.permuted(np.tile(np.arange(4), (size, 1)), axis=1)[:, :2]
    nothing = np.full(size, -1, dtype=np.int64)
    parts += [
        _touches(back, visit, Touch.PRICING_PAGE_VIEW, Channel.DIRECT, nothing, nothing, np.full(size, PRICING)),
        _touches(back, visit + step[0], Touch.DOWNLOAD, Channel.DIRECT, nothing, assets[:, 0],
                 ASSET_URLS + assets[:, 0]),
        _touches(back, visit + step[1], Touch.DOWNLOAD, Channel.DIRECT, nothing, assets[:, 1],
                 ASSET_URLS + assets[:, 1]),
        _touches(back, visit + step[2], Touch.CONTACT_REQUEST, Channel.DIRECT, nothing, nothing,
                 np.full(size, CONTACT)),
    ]
    merged = _sorted(parts)
    keep = merged.at < end
    return Touches(**{name: getattr(merged, name)[keep] for name in _FIELDS})


@dataclass(frozen=True)
class Returns:
    """Recycled leads touched again: when they are back in nurture (the moment the pact's lifecycle rule moves
    them to engaged) and when the pact makes them an MQL again (-1: not in the period)."""

    person: Ints
    engaged_at: Ints
    mql_at: Ints


@dataclass(frozen=True)
class Nurture:
    """Marketing's nurture program for recycled leads, and the pact that says who is an MQL again."""

    qualifier: Qualifier
    campaigns: Campaigns
    quiet_days: int
    end: int

    def quiet(self, touches: Touches, person: Ints, since: Ints) -> Touches:
        """The touches without the recycled people's quiet time."""
        return without_quiet_time(touches, person, since, self.quiet_days)

    def run(self, rng: np.random.Generator, market: Market, touches: Touches, person: Ints, since: Ints,
            chance: npt.NDArray[np.float64]) -> tuple[Touches, Returns]:
        """Nurture the leads recycled at `since`: the touches as they end up, and who is back when."""
        returns = rng.random(len(person)) < chance
        touches = nurture_touches(rng, self.quiet(touches, person, since), person, since, returns, self.campaigns,
                                  self.quiet_days, self.end)
        back_at = first_touch_after(touches, person, since)
        start = np.full(market.people, -1, dtype=np.int64)
        start[person] = back_at
        eligible = np.zeros(market.people, dtype=np.bool_)
        eligible[person] = back_at >= 0
        again = self.qualifier.first(market, touches, start, eligible)[person]
        back = back_at >= 0
        return touches, Returns(person[back], back_at[back], again[back])

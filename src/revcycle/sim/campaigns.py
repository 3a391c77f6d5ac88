"""Marketing's campaigns: a few per channel each quarter, costed from the touches they actually drew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from revcycle.sim.vocab import CHANNELS, MARKETING_CHANNELS, Channel
from revcycle.sim.worktime import add_months, epoch_seconds

__all__ = ["Campaigns", "plan_campaigns"]

Ints = npt.NDArray[np.int64]

# per channel: parallel campaigns a quarter, themes, cost per touch, fixed cost per campaign (USD)
PLANS = {
    Channel.PAID_SEARCH: (3, ("lead-scoring", "lead-routing", "brand"), 6.5, 0.0),
    Channel.ORGANIC: (2, ("seo-blog", "seo-guides"), 0.0, 0.0),
    Channel.EMAIL: (3, ("newsletter", "nurture", "product-update"), 0.06, 400.0),
    Channel.WEBINAR: (2, ("sla-masterclass", "pipeline-clinic"), 35.0, 2500.0),
    Channel.TRADE_SHOW: (2, ("saastr", "dreamforce"), 110.0, 18000.0),
    Channel.PODCAST: (2, ("revops-weekly", "b2b-growth"), 7.0, 3000.0),
    Channel.LINKEDIN_ADS: (2, ("abm-enterprise", "thought-leadership"), 11.0, 0.0),
    Channel.DIRECT: (1, ("brand",), 0.0, 0.0),
    Channel.REFERRAL: (2, ("partner-program", "customer-referrals"), 0.0, 0.0),
    Channel.EVENTS: (2, ("field-dinner", "user-meetup"), 85.0, 6000.0),
}


@dataclass(frozen=True)
class Campaigns:
    """The campaign calendar: which campaign a touch on a channel at a time belongs to."""

    quarter_starts: Ints  # epoch seconds, ascending; the last entry is the period end
    base: Ints  # per channel: index of its first campaign
    slots: Ints  # per channel: campaigns running in parallel
    channel: Ints  # per campaign
    quarter: Ints  # per campaign
    slug: list[str]
    name: list[str]

    @property
    def count(self) -> int:
        """How many campaigns there are."""
        return len(self.slug)

    def pick(self, channel: Ints, at: Ints, u: npt.NDArray[np.float64]) -> Ints:
        """The campaign of each touch (channel, time), choosing among parallel ones by the uniform `u`."""
        quarters = len(self.quarter_starts) - 1
        quarter = np.clip(np.searchsorted(self.quarter_starts, at, side="right") - 1, 0, quarters - 1)
        slots = self.slots[channel]
        return np.asarray(self.base[channel] + quarter * slots + (u * slots).astype(np.int64), dtype=np.int64)

    def costs(self, touches: Ints, rng: np.random.Generator) -> npt.NDArray[np.float64]:
        """Each campaign's total spend: its touches times the channel's unit cost, plus a fixed part."""
        unit = np.array([PLANS[Channel(c)][2] for c in MARKETING_CHANNELS])[self.channel]
        fixed = np.array([PLANS[Channel(c)][3] for c in MARKETING_CHANNELS])[self.channel]
        noise = np.exp(rng.normal(0.0, 0.15, self.count))
        return np.asarray(np.round((touches * unit + fixed * (touches > 0)) * noise, 2), dtype=np.float64)


def plan_campaigns(start: date, months: int) -> Campaigns:
    """Campaigns for each quarter of the `months` starting at `start` (the last quarter may be short)."""
    quarters = [add_months(start, 3 * q) for q in range(1, (months + 2) // 3)]
    bounds = [start, *quarters, add_months(start, months)]
    channel: list[int] = []
    quarter: list[int] = []
    slug: list[str] = []
    name: list[str] = []
    base: list[int] = []
    slots: list[int] = []
    for ch in MARKETING_CHANNELS:
        count, themes, _, _ = PLANS[ch]
        base.append(len(slug))
        slots.append(count)
        for q, begin in enumerate(bounds[:-1]):
            for theme in themes:
                channel.append(int(ch))
                quarter.append(q)
                slug.append(f"{CHANNELS[ch].replace('_', '-')}-{theme}-{begin:%Y%m}")
                name.append(
                    f"{CHANNELS[ch].replace('_', ' ').capitalize()}: {theme.replace('-', ' ')} {begin:%b %Y}"
                )
    return Campaigns(
        quarter_starts=np.array([epoch_seconds(b) for b in bounds], dtype=np.int64),
        base=np.array(base, dtype=np.int64),
        slots=np.array(slots, dtype=np.int64),
        channel=np.array(channel, dtype=np.int64),
        quarter=np.array(quarter, dtype=np.int64),
        slug=slug,
        name=name,
    )

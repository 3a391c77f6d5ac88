"""Marketing journeys: each person's sessions (visits on distinct days) and the touches inside them.

A person's first touch is when we first know them (their `created_at`) and its channel is their lead
source. Sessions fall in the person's local daytime, mostly on weekdays; in-market people come back more
often and read more bottom-of-funnel content. Drawn from the market stream only: both modes see the same
journeys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.sim.campaigns import Campaigns
from revcycle.sim.groups import expand, running_sum
from revcycle.sim.market import Market
from revcycle.sim.vocab import ASSETS, PAGES, Channel, Touch

__all__ = ["KEYWORDS", "UTM_MEDIUMS", "UTM_SOURCES", "Journeys", "Touches", "build_journeys", "url_list"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

SOURCE_SHARES = (0.17, 0.22, 0.05, 0.09, 0.06, 0.05, 0.10, 0.08, 0.10, 0.08)  # by Channel, first touch
LATER_SHARES = (0.08, 0.20, 0.35, 0.07, 0.02, 0.02, 0.06, 0.15, 0.02, 0.03)  # by Channel, later sessions
FIRST_TOUCH = np.array(
    [
        Touch.AD_CLICK,
        Touch.PAGE_VIEW,
        Touch.EMAIL_OPEN,
        Touch.WEBINAR_REGISTRATION,
        Touch.TRADE_SHOW_VISIT,
        Touch.PAGE_VIEW,
        Touch.AD_CLICK,
        Touch.PAGE_VIEW,
        Touch.PAGE_VIEW,
        Touch.FORM_SUBMISSION,
    ],
    dtype=np.int64,
)
EXTRA_TOUCHES = np.array(
    [2.4, 2.6, 0.0, 0.8, 0.4, 1.8, 2.0, 2.6, 2.4, 0.4]
)  # mean follow-on touches a session
WEB_NEXT = (Touch.PAGE_VIEW, Touch.PRICING_PAGE_VIEW, Touch.DOWNLOAD, Touch.CONTACT_REQUEST)
# by heat: not in market, in market, evaluating (in market and a strong fit: the buyers who ask for a demo)
WEB_SHARES = ((0.765, 0.07, 0.16, 0.005), (0.62, 0.15, 0.21, 0.02), (0.45, 0.15, 0.28, 0.12))
STAGE_SHARES = ((0.5, 0.35, 0.15), (0.3, 0.35, 0.35), (0.15, 0.25, 0.6))  # download's funnel stage: top, middle, bottom
EVALUATING_FIT = 0.4  # true fit log-odds above which an in-market person evaluates in earnest
UTM_KIND = {Channel.PAID_SEARCH: 0, Channel.LINKEDIN_ADS: 1, Channel.EMAIL: 2, Channel.PODCAST: 3}
SESSION_GAP_DAYS = (9.0, 4.0)
UTM_SOURCES = ("google", "linkedin", "newsletter", "podcast")
UTM_MEDIUMS = ("cpc", "paid_social", "email", "audio")
KEYWORDS = (
    "lead scoring software",
    "sales marketing alignment",
    "lead routing tool",
    "revenue operations platform",
    "marketing attribution",
    "lead response time",
)
SITE = "https://www.example.com"
PRICING, CONTACT, PODCAST_PAGE = len(PAGES), len(PAGES) + 1, len(PAGES) + 2
ASSET_URLS = len(PAGES) + 3
LANDING_URLS = ASSET_URLS + len(ASSETS)  # then one landing page per campaign
DAY = 86_400


@dataclass(frozen=True)
class Touches:
    """Touchpoints as parallel arrays; codes index the vocabularies, -1 is empty."""

    person: Ints
    at: Ints  # epoch seconds
    type: Ints
    channel: Ints
    campaign: Ints
    content: Ints  # index into vocab.ASSETS
    url: Ints  # index into the run's URL list (see `urls`)
    utm: Ints  # index into UTM_SOURCES
    variant: Ints  # paid search keyword or ad variant
    user: Ints  # the sales user, for sales touches


@dataclass(frozen=True)
class Journeys:
    """A chunk's marketing touches with what follows from them per person."""

    touches: Touches
    created_at: Ints
    source: Ints  # channel of the first touch


def _sessions(rng: np.random.Generator, market: Market, start: int, end: int) -> dict[str, Ints]:
    mean = 5.3 * np.where(market.in_market, 2.0, 1.0) * np.exp(0.25 * market.fit)
    count = 1 + rng.negative_binomial(1.5, 1.5 / (1.5 + mean))
    person, rank = expand(count)
    mean_gap = np.asarray(SESSION_GAP_DAYS)[market.in_market.astype(np.int64)][person]
    gap = np.where(rank == 0, 0, rng.geometric(1.0 / mean_gap))
    day = np.floor(market.entry_day[person]).astype(np.int64) + running_sum(gap, rank).astype(np.int64)
    weekday = (start // DAY + 3 + day) % 7  # 1970-01-01 was a Thursday
    day = day + np.where((weekday >= 5) & (rng.random(len(day)) < 0.7), 7 - weekday, 0)
    lifted = np.maximum.accumulate(day - rank + person * (1 << 32)) - person * (1 << 32)
    day = lifted + rank  # weekend moves must keep sessions on strictly later days
    local = np.where(
        rng.random(len(day)) < 0.85,
        np.clip(rng.normal(13.5, 2.8, len(day)), 6.5, 22.0),
        rng.uniform(6.5, 22.5, len(day)),
    )
    at = start + day * DAY + ((local - market.utc_offset_hours[person]) * 3600).astype(np.int64)
    at = np.where(rank == 0, np.clip(at, start, end - 4 * 3600), at)
    keep = at < end - 3600
    return {"person": person[keep], "rank": rank[keep], "at": at[keep]}


def _session_channels(
    rng: np.random.Generator, rank: Ints, person: Ints
) -> tuple[Ints, npt.NDArray[np.bool_]]:
    size = len(rank)
    first = np.searchsorted(np.cumsum(SOURCE_SHARES) / sum(SOURCE_SHARES), rng.random(size), side="right")
    later = np.searchsorted(np.cumsum(LATER_SHARES) / sum(LATER_SHARES), rng.random(size), side="right")
    channel = np.where(rank == 0, first, later).astype(np.int64)
    attends = (channel[:-1] == Channel.WEBINAR) & (person[1:] == person[:-1]) & (rng.random(size - 1) < 0.55)
    attendance = np.zeros(size, dtype=np.bool_)
    attendance[1:] = attends
    channel[attendance] = Channel.WEBINAR
    return channel, attendance


@dataclass(frozen=True)
class _Sessions:
    person: Ints
    at: Ints
    channel: Ints
    attendance: npt.NDArray[np.bool_]
    campaign: Ints
    clicked: npt.NDArray[np.bool_]


def _plan(rng: np.random.Generator, market: Market, campaigns: Campaigns, start: int, end: int) -> _Sessions:
    raw = _sessions(rng, market, start, end)
    channel, attendance = _session_channels(rng, raw["rank"], raw["person"])
    campaign = campaigns.pick(channel, raw["at"], rng.random(len(channel)))
    follow = np.flatnonzero(attendance)
    campaign[follow] = campaign[follow - 1]  # attend the webinar you registered for
    clicked = (channel == Channel.EMAIL) & (rng.random(len(channel)) < 0.3)
    return _Sessions(raw["person"], raw["at"], channel, attendance, campaign, clicked)


def _touch_counts(rng: np.random.Generator, plan: _Sessions, in_market: npt.NDArray[np.bool_]) -> Ints:
    extra = EXTRA_TOUCHES[plan.channel] * np.where(in_market[plan.person], 1.25, 1.0)
    extra = np.where(plan.attendance, 0.3, extra)
    count = 1 + rng.poisson(extra) + np.where(plan.clicked, 1 + rng.poisson(1.8, len(extra)), 0)
    return np.minimum(count, 25).astype(np.int64)


def _types(
    rng: np.random.Generator, plan: _Sessions, session: Ints, rank: Ints, heat: Ints
) -> Ints:
    size = len(session)
    web = np.array(WEB_NEXT, dtype=np.int64)
    picks = [np.searchsorted(np.cumsum(shares), rng.random(size), side="right") for shares in WEB_SHARES]
    kind = web[np.minimum(np.choose(heat, picks), len(web) - 1)]
    first = FIRST_TOUCH[plan.channel[session]]
    first = np.where(plan.attendance[session], Touch.WEBINAR_ATTENDANCE, first)
    kind = np.where(rank == 0, first, kind)
    return np.where((rank == 1) & plan.clicked[session], Touch.EMAIL_CLICK, kind).astype(np.int64)


def _content(rng: np.random.Generator, kind: Ints, heat: Ints) -> Ints:
    size = len(kind)
    picks = [np.searchsorted(np.cumsum(shares), rng.random(size), side="right") for shares in STAGE_SHARES]
    stage = np.minimum(np.choose(heat, picks), 2)
    asset = stage * 4 + rng.integers(0, 4, size)
    return np.where(kind == Touch.DOWNLOAD, asset, -1).astype(np.int64)


def url_list(campaigns: Campaigns) -> list[str]:
    """The URLs touches point at, in the order `Touches.url` indexes them."""
    pages = [SITE + page for page in PAGES] + [f"{SITE}/pricing", f"{SITE}/contact", f"{SITE}/podcast"]
    return (
        pages
        + [f"{SITE}/resources/{name}" for name, _ in ASSETS]
        + [f"{SITE}/lp/{s}" for s in campaigns.slug]
    )


def _urls(
    rng: np.random.Generator, kind: Ints, channel: Ints, campaign: Ints, content: Ints, rank: Ints
) -> Ints:
    url = np.full(len(kind), -1, dtype=np.int64)
    page = kind == Touch.PAGE_VIEW
    url[page] = rng.integers(0, len(PAGES), int(page.sum()))
    url[page & (rank == 0) & (channel == Channel.PODCAST)] = PODCAST_PAGE
    url[kind == Touch.PRICING_PAGE_VIEW] = PRICING
    url[kind == Touch.CONTACT_REQUEST] = CONTACT
    download = kind == Touch.DOWNLOAD
    url[download] = ASSET_URLS + content[download]
    landing = np.isin(
        kind, [Touch.AD_CLICK, Touch.WEBINAR_REGISTRATION, Touch.FORM_SUBMISSION, Touch.EMAIL_CLICK]
    )
    landing &= campaign >= 0
    url[landing] = LANDING_URLS + campaign[landing]
    return url


def build_journeys(
    rng: np.random.Generator, market: Market, campaigns: Campaigns, start: int, end: int
) -> Journeys:
    """Every marketing touch of the chunk's people in [start, end), sorted by person then time."""
    plan = _plan(rng, market, campaigns, start, end)
    session, rank = expand(_touch_counts(rng, plan, market.in_market))
    gaps = np.where(rank == 0, 0, np.minimum(10 + rng.exponential(80.0, len(rank)), 900)).astype(np.int64)
    at = plan.at[session] + running_sum(gaps, rank).astype(np.int64)
    person = plan.person[session]
    heat = (market.in_market.astype(np.int64) * np.where(market.fit > EVALUATING_FIT, 2, 1))[person]
    kind = _types(rng, plan, session, rank, heat)
    content = _content(rng, kind, heat)
    tagged = (rank == 0) | (kind == Touch.EMAIL_CLICK)
    campaign = np.where(tagged, plan.campaign[session], -1)
    channel = plan.channel[session]
    utm_of = np.full(len(Channel), -1, dtype=np.int64)
    for ch, code in UTM_KIND.items():
        utm_of[ch] = code
    utm = np.where(tagged & (kind != Touch.EMAIL_OPEN), utm_of[channel], -1)
    variant = np.where(utm >= 0, rng.integers(0, len(KEYWORDS), len(kind)), -1)
    keep = at < end  # every person keeps their first touch: first sessions start 4 h before the end
    touches = Touches(
        person=person,
        at=at,
        type=kind,
        channel=channel,
        campaign=campaign,
        content=content,
        url=_urls(rng, kind, channel, campaign, content, rank),
        utm=utm,
        variant=variant,
        user=np.full(len(kind), -1, dtype=np.int64),
    )
    touches = _select(touches, keep)
    first = np.flatnonzero(np.diff(touches.person, prepend=-1) != 0)
    return Journeys(touches=touches, created_at=touches.at[first], source=touches.channel[first])


def _select(touches: Touches, keep: npt.NDArray[np.bool_]) -> Touches:
    return Touches(**{name: getattr(touches, name)[keep] for name in Touches.__dataclass_fields__})

"""From a chunk's arrays to the string columns of each output file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from revcycle.sim import encode
from revcycle.sim.campaigns import Campaigns
from revcycle.sim.deals import DEAL_STAGES, KINDS, STATUSES, Deals
from revcycle.sim.journeys import KEYWORDS, UTM_MEDIUMS, UTM_SOURCES, Touches
from revcycle.sim.market import Market
from revcycle.sim.team import Team
from revcycle.sim.vocab import (
    ASSETS,
    CHANNELS,
    COUNTRIES,
    DEPARTMENTS,
    DETOUR_REASONS,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    PERSONAS,
    SENIORITIES,
    STAGES,
    TOUCH_TYPES,
)

__all__ = ["Numbering", "Writer"]

Ints = npt.NDArray[np.int64]
Columns = dict[str, pa.Array]
DAY = 86_400
UTM_CONTENT = tuple(
    f"{kind}-{n}" for kind in ("search-ad", "sponsored-post", "email-cta", "episode-link") for n in (1, 2, 3)
)
COUNTRY_CODES = tuple(c[0] for c in COUNTRIES)
REASONS = tuple(r or None for r in DETOUR_REASONS)


def _titles() -> tuple[str, ...]:
    """Job titles indexed by seniority * len(DEPARTMENTS) + department, then two junk titles."""
    titles = []
    for seniority in SENIORITIES:
        for _, label, chief in DEPARTMENTS:
            titles.append(
                {
                    "ic": f"{label} Specialist",
                    "manager": f"{label} Manager",
                    "director": f"Director of {label}",
                    "vp": f"VP {label}",
                    "c_level": chief,
                    "owner": "Founder and CEO",
                }[seniority]
            )
    return (*titles, "Student", "Test")


TITLES = _titles()


@dataclass
class Numbering:
    """Where each kind's external ids stand, and how many digits they take."""

    width: int
    people: int = 0
    accounts: int = 0
    touches: int = 0
    stages: int = 0
    opportunities: int = 0


class Writer:
    """Builds the columns of every file for one run (team and campaigns are fixed for the run)."""

    def __init__(self, team: Team, campaigns: Campaigns, urls: list[str], numbering: Numbering) -> None:
        self.users = tuple(team.rows["external_id"])
        self.campaign_ids = tuple(f"c{k + 1:04d}" for k in range(campaigns.count))
        self.campaigns, self.urls, self.n = campaigns, tuple(urls), numbering

    def _people_ids(self, local: Ints) -> pa.Array:
        return encode.ids("p", self.n.people + local + 1, self.n.width)

    def _user_ids(self, user: Ints) -> pa.Array:
        return encode.take(self.users, user)

    def users_columns(self, team: Team) -> Columns:
        """users.csv rows."""
        return {name: pa.array(values, type=pa.string()) for name, values in team.rows.items()}

    def account_columns(self, market: Market, created_at: Ints, start: int) -> Columns:
        """accounts.csv rows; an account appears with its first person, customers earlier."""
        first = np.minimum.reduceat(created_at, np.flatnonzero(np.diff(market.account, prepend=-1) != 0))
        since = np.where(market.customer, start - market.customer_for_days * DAY, first)
        count = len(market.account_name)
        return {
            "external_id": encode.ids("a", self.n.accounts + np.arange(count) + 1, self.n.width),
            "name": pa.array(market.account_name),
            "domain": pa.array(market.account_domain),
            "industry": encode.take(INDUSTRIES, market.industry),
            "employees": encode.integers(market.employees),
            "country": encode.take(COUNTRY_CODES, market.account_country),
            "technologies": pa.array([t or None for t in market.account_technologies], type=pa.string()),
            "owner_external_id": self._user_ids(market.account_owner),
            "created_at": encode.timestamps(since),
        }

    def people_columns(self, market: Market, created_at: Ints, owner: Ints) -> Columns:
        """people.csv rows (stage left empty: the import starts everyone at the pact's first stage)."""
        title = market.seniority * len(DEPARTMENTS) + market.department
        title = np.where(
            market.junk == 1, len(TITLES) - 1, np.where(market.junk == 2, len(TITLES) - 2, title)
        )
        rows = market.people
        return {
            "external_id": self._people_ids(np.arange(rows)),
            "email": pa.array(market.email),
            "first_name": encode.take(FIRST_NAMES, market.first_name),
            "last_name": encode.take(LAST_NAMES, market.last_name),
            "title": encode.take(TITLES, title),
            "seniority": encode.take(SENIORITIES, market.seniority),
            "department": encode.take([d[0] for d in DEPARTMENTS], market.department),
            "country": encode.take(COUNTRY_CODES, market.account_country[market.account]),
            "persona": encode.take(PERSONAS, market.persona),
            "account_external_id": encode.ids("a", self.n.accounts + market.account + 1, self.n.width),
            "stage": encode.nulls(rows),
            "stage_reason": encode.nulls(rows),
            "owner_external_id": self._user_ids(owner),
            "created_at": encode.timestamps(created_at),
        }

    def touch_columns(self, t: Touches) -> Columns:
        """touchpoints.csv rows."""
        rows = len(t.at)
        utm_campaign = np.where(t.utm >= 0, t.campaign, -1)
        return {
            "external_id": encode.ids("t", self.n.touches + np.arange(rows) + 1, self.n.width),
            "person_external_id": self._people_ids(t.person),
            "person_email": encode.nulls(rows),
            "type": encode.take(TOUCH_TYPES, t.type),
            "channel": encode.take(CHANNELS, t.channel),
            "campaign_external_id": encode.take(self.campaign_ids, t.campaign),
            "content": encode.take([a[0] for a in ASSETS], t.content),
            "content_stage": encode.take([a[1] for a in ASSETS], t.content),
            "url": encode.take(self.urls, t.url),
            "utm_source": encode.take(UTM_SOURCES, t.utm),
            "utm_medium": encode.take(UTM_MEDIUMS, t.utm),
            "utm_campaign": encode.take(self.campaigns.slug, utm_campaign),
            "utm_term": encode.take(KEYWORDS, np.where(t.utm == 0, t.variant, -1)),
            "utm_content": encode.take(UTM_CONTENT, np.where(t.utm >= 0, t.utm * 3 + t.variant % 3, -1)),
            "occurred_at": encode.timestamps(t.at),
            "user_external_id": self._user_ids(t.user),
        }

    def stage_columns(self, moves: dict[str, Ints]) -> Columns:
        """stages.csv rows."""
        rows = len(moves["at"])
        return {
            "external_id": encode.ids("s", self.n.stages + np.arange(rows) + 1, self.n.width),
            "person_external_id": self._people_ids(moves["person"]),
            "person_email": encode.nulls(rows),
            "to_stage": encode.take(STAGES, moves["stage"]),
            "occurred_at": encode.timestamps(moves["at"]),
            "reason": encode.take(REASONS, moves["reason"]),
            "actor_external_id": self._user_ids(moves["actor"]),
            "note": encode.nulls(rows),
        }

    def _group(self, first: int, end: int, primary: int) -> str | None:
        others = [k for k in range(first, end) if k != primary][:5]
        return ";".join(f"p{self.n.people + k + 1:0{self.n.width}d}" for k in others) or None

    def opportunity_columns(self, deals: Deals, market: Market) -> Columns:
        """opportunities.csv rows; contacts are the rest of the account's buying group (up to five)."""
        rows = len(deals.person)
        starts = np.searchsorted(market.account, deals.account)
        ends = np.searchsorted(market.account, deals.account, side="right")
        contacts = [
            self._group(s, e, p)
            for s, e, p in zip(starts.tolist(), ends.tolist(), deals.person.tolist(), strict=True)
        ]
        label = ("new business", "renewal", "add-on")
        names = [
            f"{market.account_name[a]} {label[k]}"
            for a, k in zip(deals.account.tolist(), deals.kind.tolist(), strict=True)
        ]
        return {
            "external_id": encode.ids("o", self.n.opportunities + np.arange(rows) + 1, self.n.width),
            "name": pa.array(names, type=pa.string()),
            "account_external_id": encode.ids("a", self.n.accounts + deals.account + 1, self.n.width),
            "person_external_id": self._people_ids(deals.person),
            "contact_external_ids": pa.array(contacts, type=pa.string()),
            "owner_external_id": self._user_ids(deals.owner),
            "amount": encode.integers(deals.amount),
            "currency": encode.take(("USD",), np.zeros(rows, dtype=np.int64)),
            "kind": encode.take(KINDS, deals.kind),
            "status": encode.take(STATUSES, deals.status),
            "stage": encode.take(DEAL_STAGES, deals.stage),
            "created_at": encode.timestamps(deals.created_at),
            "closed_at": encode.timestamps(deals.closed_at, deals.closed_at >= 0),
            "lost_reason": encode.take(REASONS, deals.lost_reason),
        }

    def campaign_columns(self, costs: npt.NDArray[np.float64], end: int) -> Columns:
        """campaigns.csv rows; each runs for its quarter."""
        c = self.campaigns
        begin = c.quarter_starts[c.quarter]
        finish = np.minimum(c.quarter_starts[c.quarter + 1], end) - DAY
        return {
            "external_id": pa.array(self.campaign_ids),
            "name": pa.array(c.name),
            "channel": encode.take(CHANNELS, c.channel),
            "start_date": encode.dates(begin),
            "end_date": encode.dates(finish),
            "cost": pa.array([f"{x:.2f}" for x in costs.tolist()]),
            "currency": encode.take(("USD",), np.zeros(c.count, dtype=np.int64)),
        }

"""The market one chunk of people belongs to: accounts (firmographics) and their buying groups.

Everything here is drawn from the market's random stream only, so both modes face the same companies and
people. Fit is the true fit log-odds of `truth.py`; `in_market` drives engagement, not conversion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from revcycle.sim.team import Team
from revcycle.sim.truth import BAND_LOG_ODDS, INDUSTRY_LOG_ODDS, SENIORITY_LOG_ODDS
from revcycle.sim.vocab import (
    BANDS,
    COUNTRIES,
    DEPARTMENT_SHARES,
    FIRST_NAMES,
    INDUSTRIES,
    INDUSTRY_SHARES,
    LAST_NAMES,
    NAME_PARTS,
    SENIORITIES,
    SENIORITY_SHARES,
    TECHNOLOGIES,
)

__all__ = ["JUNK_REASONS", "Market", "build_market"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
JUNK_REASONS = ("", "spam", "student", "competitor")  # index into junk codes; 0 = a real lead
LARGE_BUYERS_PROMOTED = 0.4  # share of ICs and managers at 200+ companies who show up as directors
IN_MARKET_FIT_LIFT = 0.3  # well-fitting people are more often in market (shopping for what we sell)


@dataclass(frozen=True)
class Market:
    """Accounts and people of one chunk; people grouped by account, accounts numbered from `first_account`."""

    first_account: int
    account_name: list[str]
    account_domain: list[str]
    account_technologies: list[str]
    industry: Ints
    band: Ints
    employees: Ints
    account_country: Ints
    account_region: Ints
    customer: Bools  # already a customer when the period starts
    customer_for_days: Ints  # how long before the period start a customer signed
    account_owner: Ints  # user index, -1 when unowned
    account: Ints  # per person: local account index
    rank: Ints  # per person: position in the buying group
    seniority: Ints
    department: Ints
    persona: Ints
    first_name: Ints
    last_name: Ints
    email: list[str]
    utc_offset_hours: Floats
    fit: Floats
    in_market: Bools
    junk: Ints
    entry_day: Floats  # days after the period start the person first shows up

    @property
    def people(self) -> int:
        """How many people this chunk holds."""
        return len(self.account)

    @property
    def region(self) -> Ints:
        """Each person's sales region (their account's)."""
        return self.account_region[self.account]


def _group_sizes(rng: np.random.Generator, people: int) -> Ints:
    sizes = 1 + rng.poisson(2.6, people // 2 + 16)
    total = np.cumsum(sizes)
    count = int(np.searchsorted(total, people)) + 1
    sizes = sizes[:count].astype(np.int64)
    sizes[-1] -= int(total[count - 1]) - people
    return sizes


def _choice(rng: np.random.Generator, shares: tuple[float, ...] | list[float], size: int) -> Ints:
    cumulative = np.cumsum(np.asarray(shares, dtype=np.float64))
    return np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right").astype(np.int64)


def _firmographics(rng: np.random.Generator, count: int, team: Team) -> dict[str, Ints]:
    band = _choice(rng, [b[3] for b in BANDS], count)
    low = np.array([b[1] for b in BANDS], dtype=np.float64)[band]
    high = np.array([b[2] for b in BANDS], dtype=np.float64)[band]
    employees = np.exp(np.log(low) + rng.random(count) * (np.log(high + 1) - np.log(low))).astype(np.int64)
    country = _choice(rng, [c[2] for c in COUNTRIES], count)
    region = np.array([c[1] for c in COUNTRIES], dtype=np.int64)[country]
    customer = (band >= 1) & (rng.random(count) < 0.05)
    named = customer | ((band >= 3) & (rng.random(count) < 0.3))
    owner = np.full(count, -1, dtype=np.int64)
    pick = rng.random(count)
    for r, aes in enumerate(team.aes_by_region):
        here = named & (region == r)
        owner[here] = aes[(pick[here] * len(aes)).astype(np.int64)]
    industry = _choice(rng, list(INDUSTRY_SHARES), count)
    return {
        "band": band,
        "employees": employees,
        "country": country,
        "region": region,
        "customer": customer,
        "owner": owner,
        "industry": industry,
        "since": rng.integers(100, 1500, count),
    }


def _names(
    rng: np.random.Generator, count: int, first_account: int
) -> tuple[list[str], list[str], list[str]]:
    parts = [rng.integers(len(words), size=count) for words in NAME_PARTS]
    techs = rng.random((count, len(TECHNOLOGIES))) < 0.18
    names, domains, stacks = [], [], []
    for k in range(count):
        a, b, c = (NAME_PARTS[i][parts[i][k]] for i in range(3))
        names.append(f"{a}{b} {c}")
        domains.append(f"{a}{b}-{c}-{first_account + k + 1}.example".lower())
        stacks.append(";".join(t for t, used in zip(TECHNOLOGIES, techs[k], strict=True) if used))
    return names, domains, stacks


def _utc_offsets(rng: np.random.Generator, country: Ints) -> Floats:
    table = np.zeros((len(COUNTRIES), 4))
    counts = np.array([len(c[3]) for c in COUNTRIES])
    for k, c in enumerate(COUNTRIES):
        table[k, : len(c[3])] = c[3]
    return np.asarray(table[country, (rng.random(len(country)) * counts[country]).astype(np.int64)])


def _personas(seniority: Ints, department: Ints) -> Ints:
    technical = (department == 3) | (department == 4)
    buyer = seniority >= 3
    champion = ((seniority == 1) | (seniority == 2)) & (department <= 2)
    persona = np.full(len(seniority), 4, dtype=np.int64)  # influencer
    persona[seniority == 0] = 3  # end_user
    persona[champion] = 1
    persona[technical & ~buyer & (seniority > 0)] = 2
    persona[buyer] = 0
    return persona


def build_market(
    rng: np.random.Generator, people: int, first_account: int, period_days: float, team: Team
) -> Market:
    """Accounts and exactly `people` people, in buying groups of one to a dozen."""
    sizes = _group_sizes(rng, people)
    firm = _firmographics(rng, len(sizes), team)
    names, domains, stacks = _names(rng, len(sizes), first_account)
    account = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    rank = np.arange(people, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    seniority = _choice(rng, list(SENIORITY_SHARES), people)
    small = firm["band"][account] == 0
    seniority[small & (seniority == 4) & (rng.random(people) < 0.6)] = 5  # owners run small companies
    large = firm["band"][account] >= 2  # large companies send directors to evaluate a purchase
    seniority[large & (seniority <= 1) & (rng.random(people) < LARGE_BUYERS_PROMOTED)] = 2
    department = _choice(rng, list(DEPARTMENT_SHARES), people)
    first, last = rng.integers(len(FIRST_NAMES), size=people), rng.integers(len(LAST_NAMES), size=people)
    email = [
        f"{FIRST_NAMES[f]}.{LAST_NAMES[s]}{'' if r == 0 else r + 1}@{domains[a]}".lower()
        for f, s, r, a in zip(first.tolist(), last.tolist(), rank.tolist(), account.tolist(), strict=True)
    ]
    offset = _utc_offsets(rng, firm["country"][account])
    fit = (
        np.array([SENIORITY_LOG_ODDS[s] for s in SENIORITIES])[seniority]
        + np.array([BAND_LOG_ODDS[b[0]] for b in BANDS])[firm["band"]][account]
        + np.array([INDUSTRY_LOG_ODDS[i] for i in INDUSTRIES])[firm["industry"]][account]
    )
    junk = _choice(rng, [0.96, 0.015, 0.015, 0.01], people)
    existing = firm["customer"][account] & (rank == 0)  # a customer's contact is not shopping for us
    entry = np.where(firm["customer"], 0.0, rng.random(len(sizes)) * period_days)[account]
    entry = entry + rng.exponential(np.where(firm["customer"][account], 3.0, 20.0))
    return Market(
        first_account=first_account,
        account_name=names,
        account_domain=domains,
        account_technologies=stacks,
        industry=firm["industry"],
        band=firm["band"],
        employees=firm["employees"],
        account_country=firm["country"],
        account_region=firm["region"],
        customer=np.asarray(firm["customer"], dtype=np.bool_),
        customer_for_days=firm["since"],
        account_owner=firm["owner"],
        account=account,
        rank=rank,
        seniority=seniority,
        department=department,
        persona=_personas(seniority, department),
        first_name=first,
        last_name=last,
        email=email,
        utc_offset_hours=offset,
        fit=fit,
        in_market=(rng.random(people) < 0.3 + 0.1 * (fit > 0) + IN_MARKET_FIT_LIFT * (fit > 0.6)) & ~existing,
        junk=junk,
        entry_day=np.minimum(entry, period_days * 0.999),
    )

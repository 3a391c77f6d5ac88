"""Who the pact qualifies, and when: the product's own scorecard run over the simulator's people and touches.

The simulated company hands a lead to sales when the pact in force says so, not by a rule of its own: the
people and touches a chunk generates are given to the scoring engine (`scoring.replay`) exactly as the import
will store them (the same words, sizes and URLs), and a person qualifies at the first moment their scores meet
`scoring.qualify` (and, when the qualify rule asks for it, `definitions.<stage>` holds). A back-test of the
pact on the imported store then finds the MQLs the simulator recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from revcycle.pact.conditions import Facts, evaluate
from revcycle.pact.schema import Pact
from revcycle.scoring.engine import PeopleColumns, TouchColumns
from revcycle.scoring.fields import columns_needed, email_domain, field_matrix
from revcycle.scoring.model import Scorecard, ScoringTouch, instant, touch_matches
from revcycle.scoring.replay import scores_as_of
from revcycle.sim.campaigns import Campaigns
from revcycle.sim.journeys import Touches
from revcycle.sim.market import Market
from revcycle.sim.params import SimError
from revcycle.sim.vocab import (
    ASSETS,
    CHANNELS,
    COUNTRIES,
    DEPARTMENTS,
    INDUSTRIES,
    PERSONAS,
    SENIORITIES,
    TOUCH_TYPES,
)

__all__ = ["Qualifier"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
SECOND_US = 1_000_000


def _titles() -> tuple[str, ...]:
    from revcycle.sim.rows import TITLES  # rows imports the writers; only the titles are needed here

    return TITLES


@dataclass(frozen=True)
class _Touched:
    """The touches of a chunk that match a touch rule, as scoring columns (person = the chunk's index)."""

    columns: TouchColumns
    touches: list[ScoringTouch]  # the same touches as the condition language reads them
    rising: Bools  # the touch fires a rule that adds points (scores only rise there)


class Qualifier:
    """The pact's qualification applied to the simulator's people and touches."""

    def __init__(self, pact: Pact, campaigns: Campaigns, urls: Sequence[str]) -> None:
        self.card = Scorecard.from_pact(pact)
        if self.card.qualify is None:
            raise SimError("the pact has no scoring.qualify: the simulated company cannot tell who qualifies")
        self.campaigns, self.urls = campaigns, tuple(urls)
        self.campaign_ids = tuple(f"c{k + 1:04d}" for k in range(campaigns.count))

    def first(self, market: Market, touches: Touches, since: Ints, eligible: Bools) -> Ints:
        """For each eligible person, the first moment (epoch seconds) at or after `since` at which the pact
        qualifies them, or -1; moments are their appearance (`since`) and the touches that add points."""
        out = np.full(market.people, -1, dtype=np.int64)
        people = self._people(market)
        touched = self._touched(touches)
        cols = touched.columns
        ok = eligible[cols.person] & touched.rising & (cols.at_us >= since[cols.person] * SECOND_US)
        who = np.flatnonzero(eligible)
        person = np.concatenate([cols.person[ok], who])
        at = np.concatenate([cols.at_us[ok], since[who] * SECOND_US])
        if len(person) == 0:
            return out
        person, at, scored = scores_as_of(self.card, people, cols, person, at)
        hit = np.flatnonzero(scored.qualified)
        for i in self._accepted(hit, person, at, market, touched):
            if out[person[i]] < 0:
                out[person[i]] = at[i] // SECOND_US
        return out

    def _accepted(self, hit: Ints, person: Ints, at: Ints, market: Market, touched: _Touched) -> list[int]:
        """The qualifying moments the written definition agrees with, when the qualify rule asks for it."""
        definition = self.card.qualify.definition if self.card.qualify is not None else None
        if definition is None:
            return [int(i) for i in hit]
        found: set[int] = set()
        out = []
        values = {key: make() for key, make in _columns(market).items()}
        for i in hit.tolist():
            who = int(person[i])
            if who in found:
                continue
            low, high = np.searchsorted(touched.columns.person, [who, who + 1])
            fields = self._facts(values, who)
            facts = Facts(person=fields["person"], account=fields["account"],
                          touches=tuple(t for t in touched.touches[low:high] if t.occurred_at <= instant(int(at[i]))))
            if evaluate(definition, facts, now=instant(int(at[i]))):
                found.add(who)
                out.append(i)
        return out

    def _people(self, market: Market) -> PeopleColumns:
        columns: dict[tuple[str, str], list[Any]] = {}
        values = _columns(market)
        for key in columns_needed(self.card.field_rules):
            if key not in values:
                raise SimError(f"the simulated company has no {key[0]}.{key[1]}: a fit rule of the pact reads it")
            columns[key] = values[key]()
        hits = field_matrix(self.card.field_rules, columns, market.people)
        ids = np.arange(market.people, dtype=np.int64)
        return PeopleColumns(ids, np.zeros(market.people, dtype=np.int64), hits)

    @staticmethod
    def _facts(values: Mapping[tuple[str, str], list[Any]], who: int) -> dict[str, dict[str, Any]]:
        """One person's fields and their account's, as the definition reads them."""
        out: dict[str, dict[str, Any]] = {"person": {}, "account": {}}
        for (owner, column), column_values in values.items():
            value = column_values[who]
            out[owner][column] = json.loads(value) if column == "technologies" and value is not None else value
        return out

    def _touched(self, touches: Touches) -> _Touched:
        """Each distinct kind of touch is matched once against the touch rules, the answer spread back."""
        rules = self.card.touch_rules
        parts = [touches.type, touches.channel, touches.content, touches.url, touches.campaign]
        key = np.zeros(len(touches.at), dtype=np.int64)
        for part in parts:  # one integer per kind of touch (codes start at -1)
            key = key * (int(part.max(initial=0)) + 2) + part + 1
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        kinds = np.stack([part[first] for part in parts], axis=1).reshape(len(first), len(parts))
        inverse = inverse.reshape(-1)
        samples = [self._touch(*row) for row in kinds.tolist()]
        table = np.array([[rule.touches is not None and touch_matches(rule.touches, t) for rule in rules]
                          for t in samples], dtype=np.bool_).reshape(len(kinds), len(rules))
        matched = table[inverse]
        keep = matched.any(axis=1) if len(rules) else np.zeros(len(touches.at), dtype=np.bool_)
        index = np.flatnonzero(keep)
        rising = np.array([rule.points > 0 for rule in rules], dtype=np.bool_)
        cols = TouchColumns(touches.person[index], touches.at[index] * SECOND_US, index.astype(np.int64),
                            matched[index])
        stamped = [self._touch(*kinds[k].tolist(), at=int(touches.at[i]), touch_id=int(i))
                   for k, i in zip(inverse[index].tolist(), index.tolist(), strict=True)] \
            if self.card.qualify is not None and self.card.qualify.definition is not None else []
        fires = np.asarray(matched[index][:, rising].any(axis=1), dtype=np.bool_) if rising.any() \
            else np.zeros(len(index), dtype=np.bool_)
        return _Touched(cols, stamped, fires)

    def _touch(self, kind: int, channel: int, content: int, url: int, campaign: int, *, at: int = 0,
               touch_id: int = 0) -> ScoringTouch:
        """One touch as the store holds it after the import (the words of `rows.Writer.touch_columns`)."""
        return ScoringTouch(
            TOUCH_TYPES[kind], instant(at * SECOND_US), CHANNELS[channel],
            ASSETS[content][1] if content >= 0 else None, ASSETS[content][0] if content >= 0 else None,
            self.campaign_ids[campaign] if campaign >= 0 else None, self.urls[url] if url >= 0 else None,
            touch_id, self.campaigns.name[campaign] if campaign >= 0 else None)


def _columns(market: Market) -> Mapping[tuple[str, str], Callable[[], list[Any]]]:
    """Every person and account field the simulator knows, per person, as the import stores it (each list
    made when asked for)."""
    account = market.account

    def title() -> list[Any]:
        titles = _titles()
        code = market.seniority * len(DEPARTMENTS) + market.department
        code = np.where(market.junk == 1, len(titles) - 1, np.where(market.junk == 2, len(titles) - 2, code))
        return [titles[t] for t in code.tolist()]

    def technologies() -> list[Any]:
        stacks = [json.dumps(stack.split(";")) if stack else None for stack in market.account_technologies]
        return [stacks[a] for a in account.tolist()]

    def country() -> list[Any]:
        return [COUNTRIES[c][0] for c in market.account_country[account].tolist()]

    return {
        ("person", "seniority"): lambda: [SENIORITIES[s] for s in market.seniority.tolist()],
        ("person", "department"): lambda: [DEPARTMENTS[d][0] for d in market.department.tolist()],
        ("person", "title"): title,
        ("person", "persona"): lambda: [PERSONAS[p] for p in market.persona.tolist()],
        ("person", "email"): lambda: list(market.email),
        ("person", "email_domain"): lambda: [email_domain(e) for e in market.email],
        ("person", "country"): country,
        ("account", "employees"): lambda: market.employees[account].tolist(),
        ("account", "industry"): lambda: [INDUSTRIES[i] for i in market.industry[account].tolist()],
        ("account", "technologies"): technologies,
        ("account", "country"): country,
        ("account", "name"): lambda: [market.account_name[a] for a in account.tolist()],
        ("account", "domain"): lambda: [market.account_domain[a] for a in account.tolist()],
    }

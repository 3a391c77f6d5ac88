"""Reviewing a scorecard against history, writing nothing: the back-test of a proposed pact beside the one in
force, and the calibration of each rule against what sales did with the leads (and its proposal back-tested)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from revcycle.errors import NotFound, RevcycleError
from revcycle.pact.conditions import evaluate
from revcycle.pact.loader import load_pact
from revcycle.pact.schema import Pact
from revcycle.pact.scoring import ScoringSection, max_points
from revcycle.pact.service import ActivePact, PactService
from revcycle.scoring.backtest import Backtest, months_between, outcome
from revcycle.scoring.calibration import (
    RuleLift,
    collapse,
    contradictions,
    fit_coefficients,
    lift,
    proposed_points,
    proposed_section,
    wilson,
)
from revcycle.scoring.model import CENTS, Scorecard, instant, micros
from revcycle.scoring.replay import first_qualified, scores_as_of
from revcycle.scoring.repository import Batch, ScoringRepository
from revcycle.scoring.sql import Selection
from revcycle.store.session import UnitOfWork

__all__ = ["Calibration", "ReasonCheck", "ReviewService"]

Ints = npt.NDArray[np.int64]
EXAMPLES = 10


@dataclass(frozen=True)
class ReasonCheck:
    """A reason sales gave that says a lead was never a fit, against how often each fit rule fired for them."""

    code: str
    detour: str
    people: int
    fired: dict[str, float]


@dataclass(frozen=True)
class Calibration:
    """Each rule measured against outcomes, the points that follows, and that proposal back-tested."""

    outcome: str
    population: int
    converted: int
    rules: list[RuleLift]
    baseline: dict[str, float]
    reasons: list[ReasonCheck]
    proposal: str
    backtest: Backtest
    warnings: list[str] = field(default_factory=list)  # where the proposal goes against the pact or its volume


class ReviewService:
    """Back-tests and calibration; every use-case reads and never writes."""

    def __init__(self, uow: UnitOfWork, *, pacts: Callable[[], ActivePact] | None = None) -> None:
        self.uow = uow
        self.pacts = pacts or PactService(uow).active  # the pact in force (bootstrap's cache in the app)

    def backtest(self, proposed: Pact, *, since: datetime, until: datetime, label: str = "proposed") -> Backtest:
        """Replay the period under the pact in force and under `proposed`."""
        current = self.pacts()
        with self.uow.begin() as session:
            result = _compare(ScoringRepository(session), current.pact, proposed, since, until,
                              (f"v{current.number} (in force)", label), self._reached)
            session.rollback()  # a back-test never writes
            return result

    def _reached(self, pact: Pact, stages: list[str]) -> dict[str, dict[int, int]]:
        """When each person reached these stages, by the one definition every report counts with."""
        from revcycle.analytics.reached import first_reached
        from revcycle.analytics.stages import StageNames

        url = self.uow.engine.url.render_as_string(hide_password=False)
        return first_reached(url, StageNames.of(pact), list(dict.fromkeys(stages)))

    def calibrate(self, *, since: datetime, until: datetime, outcome_stage: str = "sql",
                  confidence: float = 0.95) -> Calibration:
        """Measure every rule of the pact in force on the leads that qualified in the period."""
        pact = self.pacts().pact
        if outcome_stage not in pact.stage_names():
            raise NotFound(f'"{outcome_stage}" is not a stage of the pact in force '
                           f"(its stages: {', '.join(pact.stage_names())})")
        card = Scorecard.from_pact(pact)
        section = _section(pact)
        with self.uow.begin() as session:
            repo = ScoringRepository(session)
            stage = card.qualify.stage if card.qualify else "mql"
            moves = self._reached(pact, [stage, outcome_stage])
            entered = {p: at for p, at in moves[stage].items() if micros(since) <= at < micros(until)}
            if len(entered) < 20:
                raise NotFound(f"only {len(entered)} leads reached {stage} between {since:%Y-%m-%d} and "
                               f"{until:%Y-%m-%d}: too few to calibrate on")
            ids = np.array(sorted(entered), dtype=np.int64)
            batch = repo.batch(card, Selection(ids=ids.tolist()), until)
            at = np.array([entered[i] for i in batch.people.person_id.tolist()], dtype=np.int64)
            counts = _counts(card, batch, at)
            converted = np.array([moves[outcome_stage].get(p, -1) >= t for p, t in
                                  zip(batch.people.person_id.tolist(), at.tolist(), strict=True)], dtype=np.bool_)
            rules = _lifts(card, section, counts, converted, confidence)
            text, proposal = _proposal(pact, section, rules)
            tested = _compare(repo, pact, proposal, since, until, ("in force", "calibrated"), self._reached)
            warned = contradictions(pact, {r.rule: r.proposed for r in rules})
            warned += filter(None, [collapse(tested.current.mqls, tested.proposed.mqls)])
            result = Calibration(outcome_stage, len(ids), int(converted.sum()), rules,
                                 {r.rule: r.fired / len(ids) for r in rules}, _reasons(repo, pact, card, until),
                                 text, tested, warned)
            session.rollback()
            return result


def _section(pact: Pact) -> ScoringSection:
    if pact.scoring is None:
        raise NotFound("the pact has no scoring section: add `scoring:` (see the example pact)")
    return pact.scoring


def _first(repo: ScoringRepository, pact: Pact, since: datetime, until: datetime) -> tuple[Ints, Ints]:
    """Each person's first qualifying moment under a pact in [since, until), -1 for never; and the ids."""
    card = Scorecard.from_pact(pact)
    if card.qualify is None:
        raise RevcycleError("a back-test needs scoring.qualify in both pacts (the thresholds that make an MQL)")
    batch = repo.batch(card, Selection(), until)
    ids = batch.people.person_id
    definition = card.qualify.definition
    accept = None
    if definition is not None:
        def accept(person: int, at: int) -> bool:
            facts = repo.facts(int(ids[person]))
            return evaluate(definition, replace(facts, touches=tuple(t for t in facts.touches
                                                                      if micros(t.occurred_at) <= at)), now=instant(at))
    first = first_qualified(card, batch.people, batch.touches, repo.appeared(ids), since_us=micros(since),
                            until_us=micros(until), accept=accept)
    return first, ids


def _compare(repo: ScoringRepository, current: Pact, proposed: Pact, since: datetime, until: datetime,
             labels: tuple[str, str], reach: Callable[[Pact, list[str]], dict[str, dict[int, int]]]) -> Backtest:
    if until <= since:
        raise RevcycleError(f"the period is empty: --until {until:%Y-%m-%d} is not after --since {since:%Y-%m-%d}")
    qualify = _section(current).qualify
    stage = qualify.stage if qualify is not None else "mql"
    stages = current.stage_names()
    later = stages[stages.index(stage) + 1:] if stage in stages else []
    reached = {name: set(people) for name, people in reach(current, later).items()} if later else {}
    months, sdrs = months_between(since, until, current.time_zone), repo.sdrs()
    old, ids = _first(repo, current, since, until)
    new, _ = _first(repo, proposed, since, until)
    both = (old >= 0) & (new >= 0)
    newly, gone = np.flatnonzero((new >= 0) & (old < 0)), np.flatnonzero((old >= 0) & (new < 0))
    labels_of = repo.labels([int(ids[i]) for i in [*newly[:EXAMPLES], *gone[:EXAMPLES]]])
    examples = [(*labels_of[int(ids[i])], "newly qualified") for i in newly[:EXAMPLES]]
    examples += [(*labels_of[int(ids[i])], "no longer qualified") for i in gone[:EXAMPLES]]
    return Backtest(since, until, months, sdrs,
                    outcome(labels[0], old, ids, reached, months, current.time_zone, sdrs),
                    outcome(labels[1], new, ids, reached, months, current.time_zone, sdrs),
                    len(newly), len(gone), int((both & (new < old)).sum()), int((both & (new > old)).sum()),
                    [(email, stage_now, change) for email, stage_now, change in examples])


def _counts(card: Scorecard, batch: Batch, at: Ints) -> npt.NDArray[np.float64]:
    """Counted hits of each rule (columns) for each person (rows) as of the moment given."""
    person = np.arange(batch.people.size, dtype=np.int64)
    order, _, scored = scores_as_of(card, batch.people, batch.touches, person, at)
    hits = scored.hits
    alive = (hits.limited == 0) & (hits.points != hits.decayed)
    counts = np.zeros((batch.people.size, len(card.rules)), dtype=np.float64)
    np.add.at(counts, (order[hits.person[alive]], hits.rule[alive]), 1.0)
    return counts


def _lifts(card: Scorecard, section: ScoringSection, counts: npt.NDArray[np.float64],
           won: npt.NDArray[np.bool_], confidence: float) -> list[RuleLift]:
    effects = fit_coefficients(counts, won, confidence=confidence)
    points = proposed_points(section, {rule.name: effects[rule.index] for rule in card.rules})
    out = []
    for rule in card.rules:
        fired = counts[:, rule.index] > 0
        n1, c1 = int(fired.sum()), int((fired & won).sum())
        n0, c0 = int((~fired).sum()), int((~fired & won).sum())
        out.append(RuleLift(rule.name, rule.group.value, rule.points // CENTS, n1, c1, n0, c0,
                            wilson(c1, n1, confidence), wilson(c0, n0, confidence), lift(c1, n1, c0, n0, confidence),
                            effects[rule.index], points.get(rule.name)))
    return out


def _proposal(pact: Pact, section: ScoringSection, rules: list[RuleLift]) -> tuple[str, Pact]:
    """The pact with the calibrated points, its thresholds lowered to what the new points can reach."""
    data: dict[str, Any] = pact.model_dump(mode="json", by_alias=True, exclude_none=True)
    scoring = proposed_section(section, {r.rule: r.proposed for r in rules})
    new = ScoringSection.model_validate(scoring)
    fit, engagement = max_points(new)
    qualify = scoring.get("qualify", {})
    for key, best in (("fit", fit), ("engagement", engagement)):
        if key in qualify and qualify[key] > best:
            qualify[key] = int(best)
    data["scoring"] = scoring
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    return text, load_pact(text, source="calibrated proposal")


def _reasons(repo: ScoringRepository, pact: Pact, card: Scorecard, now: datetime) -> list[ReasonCheck]:
    """For each reason flagged `fit: true`, how often each fit rule fired for the leads sales gave it to."""
    flagged = [(detour.name, reason.code) for detour in pact.detours for reason in detour.reasons if reason.fit]
    people = repo.people_with_reasons([code for _, code in flagged])
    out = []
    fit_rules = [(k, rule) for k, rule in enumerate(card.field_rules) if rule.group.value == "fit"]
    for detour, code in flagged:
        ids = sorted(people[code])
        if not ids:
            out.append(ReasonCheck(code, detour, 0, {}))
            continue
        hits = repo.people(card, Selection(ids=ids), now)[0].field_hits  # field rules only: no touches read
        out.append(ReasonCheck(code, detour, len(ids), {rule.name: float(hits[:, k].mean()) for k, rule in fit_rules}))
    return out

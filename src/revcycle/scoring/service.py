"""Scoring use-cases: score the people an import touched (inside the import's transaction), rescore everybody
after a pact change (streamed in batches, one transaction), explain a score, show its history."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from revcycle.cycle.model import Cycle, StageMoved
from revcycle.cycle.moves import MoveWriter
from revcycle.cycle.repository import CycleRepository
from revcycle.cycle.tables import Person, Touchpoint
from revcycle.errors import InvalidTransition, NotFound
from revcycle.pact.conditions import evaluate
from revcycle.pact.service import ActivePact, PactService
from revcycle.scoring.engine import AccountColumns, score_accounts, score_batch
from revcycle.scoring.model import Scorecard
from revcycle.scoring.repository import Batch, ScoringRepository
from revcycle.scoring.sql import Selection
from revcycle.scoring.tables import AccountScore, PersonScore, ScoreChange, ScoreHit
from revcycle.scoring.touches import TouchTable
from revcycle.store.session import UnitOfWork
from revcycle.store.tables import AuditLog

__all__ = ["Explanation", "RescoreSummary", "ScoringService", "score_touched"]

ACTOR = "rule:scoring.qualify"
Progress = Callable[[int, int], None]


@dataclass
class RescoreSummary:
    """What a scoring run did."""

    people: int = 0
    hits: int = 0
    changed: int = 0
    qualified: int = 0
    moved: int = 0


@dataclass(frozen=True)
class Explanation:
    """A person's stored score and every hit it is the sum of, with the touch behind each."""

    person: Person
    score: PersonScore
    hits: list[tuple[ScoreHit, Touchpoint | None]]
    card: Scorecard | None


def score_touched(
    session: Session,
    cycle: Cycle,
    person_ids: Iterable[int],
    *,
    now: datetime,
    pact_version_id: int | None,
    cause: str,
    accounts: Iterable[int] = (),
    unmoved: Iterable[int] = (),
    batch_size: int = 20_000,
) -> None:
    """Rescore the people a change touched, in the change's own transaction (no-op without scoring).

    People are scored in batches (memory stays bounded however many an import touched); their accounts, and
    `accounts` (e.g. one a person left), are scored once at the end, from the stored scores of every member.
    People in `unmoved` are scored but not moved to MQL by it (people a people import has just created: their
    CRM stage history may still be on its way)."""
    pact = cycle.pact
    ids = sorted({int(pid) for pid in person_ids})
    quiet = sorted({int(pid) for pid in unmoved} - set(ids))
    stale = {int(a) for a in accounts}
    if pact.scoring is None or not (ids or quiet or stale):
        return
    card = Scorecard.from_pact(pact)
    run = _Run(session, card, cycle, now, pact_version_id, cause)
    touches = run.repo.touches_in_one_pass(card, ids + quiet)  # when most people were touched (a first load)
    for chosen, move in ((ids, True), (quiet, False)):
        for start in range(0, len(chosen), batch_size):
            batch = run.score(Selection(ids=chosen[start : start + batch_size]), move=move, touches=touches)
            stale.update(a for a in batch.account_id if a is not None)
    wanted = sorted(stale)
    scored = score_accounts(*run.repo.members(wanted), top_people=card.top_people)
    run.repo.delete_accounts(sorted(set(wanted) - set(scored.account_id.tolist())))  # no scored member left
    run.repo.replace_accounts(scored, everybody=False, now=now)


class _Run:
    """One scoring pass: score a selection, store it, move who qualifies."""

    def __init__(self, session: Session, card: Scorecard, cycle: Cycle, now: datetime, pact_version_id: int | None,
                 cause: str) -> None:
        self.session, self.card, self.cycle, self.now = session, card, cycle, now
        self.pact_version_id, self.cause = pact_version_id, cause
        self.repo = ScoringRepository(session)
        self.summary = RescoreSummary()
        self.members: list[tuple[Any, ...]] = []

    def score(self, selection: Selection, *, move: bool = True, touches: TouchTable | None = None) -> Batch:
        """Read, score and store a selection of people (and move who qualifies, unless not to `move`); their
        touches are taken from `touches` when it was read beforehand."""
        batch = self.repo.batch(self.card, selection, self.now, touches)
        self.store(batch, selection, move=move)
        return batch

    def store(self, batch: Batch, selection: Selection, *, hits_cleared: bool = False, move: bool = True) -> None:
        """Score a batch that was read, replace its stored scores and hits, and move who qualifies."""
        result = score_batch(self.card, batch.people, batch.touches)
        old = self.repo.scores(selection)
        self.repo.delete(selection, hits=not hits_cleared)
        self.summary.changed += self.repo.write(self.card, batch, result, now=self.now,
                                                pact_version_id=self.pact_version_id, cause=self.cause, old=old)
        self.summary.people += batch.people.size
        self.summary.hits += len(result.hits.person)
        self.summary.qualified += int(result.qualified.sum())
        if move:
            self._move(batch, np.flatnonzero(result.qualified).tolist())
        self.members.append((np.array([-1 if a is None else a for a in batch.account_id], dtype=np.int64),
                             batch.people.person_id, result.fit, result.engagement, result.qualified))

    def accounts(self) -> AccountColumns:
        """The accounts of everybody scored in this pass, scored from them."""
        parts = [np.concatenate([m[k] for m in self.members]) for k in range(5)] if self.members else \
            [np.zeros(0, dtype=np.int64)] * 4 + [np.zeros(0, dtype=np.bool_)]
        account, person, fit, engagement, qualified = parts
        return score_accounts(account, person, fit, engagement, qualified.astype(np.bool_), self.card.top_people)

    def _move(self, batch: Batch, qualified: list[int]) -> None:
        rule = self.card.qualify
        if rule is None or not rule.move:
            return
        moves: list[tuple[int, StageMoved, dict[str, Any]]] = []
        writer = MoveWriter(self.session, self.cycle, pact_version_id=self.pact_version_id, now=self.now)
        states = writer.repo.states((int(batch.people.person_id[i]) for i in qualified), stages=rule.from_stages)
        for person, (stage, entered) in sorted(states.items()):
            if rule.definition is not None and not evaluate(rule.definition, self.repo.facts(person), now=self.now):
                continue
            try:
                move = self.cycle.transition(stage, rule.stage, at=max(self.now, entered), actor=ACTOR)
            except InvalidTransition:
                continue
            moves.append((person, StageMoved(move.from_stage, move.to_stage, move.at, move.actor, move.kind,
                                             rule="scoring.qualify"), {}))
        writer.record(moves)
        self.summary.moved += len(moves)


class ScoringService:
    """Scores in the store."""

    def __init__(
        self, uow: UnitOfWork, *, pacts: Callable[[], ActivePact] | None = None, batch_size: int = 50_000
    ) -> None:
        self.uow = uow
        self.pacts = pacts or PactService(uow).active  # the pact in force (bootstrap's cache in the app)
        self.batch_size = batch_size

    def rescore(self, *, now: datetime, actor: str, progress: Progress | None = None) -> RescoreSummary:
        """Rescore everybody under the pact in force, in batches of people, in one transaction."""
        active = self.pacts()
        card = Scorecard.from_pact(active.pact)
        with self.uow.begin() as session:
            run = _Run(session, card, Cycle(active.pact), now, active.version_id, f"rescore v{active.number}")
            ids = run.repo.person_ids()
            selections = [Selection(low=int(ids[i]), high=int(ids[min(i + self.batch_size, len(ids)) - 1]) + 1)
                          for i in range(0, len(ids), self.batch_size)]
            with run.repo.large_cache():
                run.repo.clear()
                for selection, batch in self._batches(run.repo, card, selections, now):
                    run.store(batch, selection, hits_cleared=True)
                    if progress is not None:
                        progress(run.summary.people, len(ids))
                run.repo.replace_accounts(run.accounts(), everybody=True, now=now)
            session.add(AuditLog(at=now, actor=actor, action="score.rescore", entity="pact_version",
                                 entity_id=str(active.number), detail={"people": run.summary.people,
                                                                       "changed": run.summary.changed,
                                                                       "moved": run.summary.moved}))
            return run.summary

    @staticmethod
    def _batches(repo: ScoringRepository, card: Scorecard, selections: list[Selection],
                 now: datetime) -> Iterator[tuple[Selection, Batch]]:
        """Every batch of a full rescore. On SQLite everybody's touches are read in one scan (a range lookup per
        batch costs more than the whole scan), by child processes while everybody's fields are read here."""
        if not repo.driver.sqlite:
            for selection in selections:
                yield selection, repo.batch(card, selection, now)
            return
        touches = repo.everybodys_touches(card)
        people = [repo.people(card, selection, now) for selection in selections]
        table = touches()
        for selection, (found, accounts) in zip(selections, people, strict=True):
            yield selection, Batch(found, table.of(found.person_id), accounts)

    def explain(self, key: str) -> Explanation:
        """A person's score and its hits, or NotFound."""
        active = self.pacts()
        with self.uow.begin() as session:
            person = _person(session, key)
            score, hits = ScoringRepository(session).current(person.id)
            if score is None:
                raise NotFound(f'"{key}" has no score yet: run `revcycle score rescore`')
            card = Scorecard.from_pact(active.pact) if active.pact.scoring else None
            return Explanation(person, score, hits, card)

    def top_accounts(self, limit: int = 20) -> list[tuple[AccountScore, str]]:
        """The accounts whose buying groups score highest."""
        with self.uow.begin() as session:
            return ScoringRepository(session).top_accounts(limit)

    def history(self, key: str) -> tuple[Person, list[ScoreChange]]:
        """A person's score history, oldest first."""
        with self.uow.begin() as session:
            person = _person(session, key)
            return person, ScoringRepository(session).history(person.id)


def _person(session: Session, key: str) -> Person:
    person = CycleRepository(session).find_person(key)
    if person is None:
        raise NotFound(f'no person with email, id or external id "{key}"')
    return person

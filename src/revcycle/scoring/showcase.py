"""The lead a demo shows: a customer who got there as the pact says a lead should, through its MQL definition.

Read-only. A customer qualifies for the showcase when, at their first move into the MQL stage, the pact's
written definition of that stage (`definitions.<mql stage>.when`) held for them as of that moment; among
those, the one with the fewest touches above a readable minimum is shown, so the timeline fits a screen.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from revcycle.cycle.tables import Person, StageChange, Touchpoint
from revcycle.pact.conditions import evaluate
from revcycle.pact.schema import Pact
from revcycle.scoring.model import instant, micros
from revcycle.scoring.repository import ScoringRepository
from revcycle.store.base import utc
from revcycle.store.session import UnitOfWork

__all__ = ["featured_lead"]

MIN_TOUCHES = 12  # fewer makes a dull timeline
CANDIDATES = 200  # customers looked at, fewest touches first


def featured_lead(uow: UnitOfWork, pact: Pact) -> str | None:
    """The email (or id) of a customer who met the pact's MQL definition when they became an MQL; None when
    nobody did (or the pact has no written definition to check)."""
    stages = pact.handoffs_resolved()
    definition = pact.definitions.get(stages.mql)
    if definition is None or definition.when is None:
        return None
    with uow.begin() as session:
        touches = func.count(Touchpoint.id)
        rows = session.execute(
            select(Person.id, Person.email)
            .join(Touchpoint, Touchpoint.person_id == Person.id)
            .where(Person.stage == stages.won)
            .group_by(Person.id, Person.email)
            .having(touches >= MIN_TOUCHES)
            .order_by(touches, Person.id)
            .limit(CANDIDATES)
        ).all()
        repo = ScoringRepository(session)
        ids = [int(person_id) for person_id, _ in rows]
        entered = dict(session.execute(
            select(StageChange.person_id, func.min(StageChange.at))
            .where(StageChange.to_stage == stages.mql, StageChange.person_id.in_(ids))
            .group_by(StageChange.person_id)
        ).tuples().all()) if ids else {}
        for person_id, email in rows:
            if int(person_id) not in entered:
                continue
            at = micros(utc(entered[int(person_id)]))
            facts = repo.facts(int(person_id))
            then = replace(facts, touches=tuple(t for t in facts.touches if micros(t.occurred_at) <= at))
            if evaluate(definition.when, then, now=instant(at)):
                return str(email or person_id)
        return None

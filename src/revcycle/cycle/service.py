"""Revenue-cycle use-cases: a lead's card and timeline, and a manual stage move through the pact's state machine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from revcycle.cycle.cards import CardRepository
from revcycle.cycle.model import Cycle, MoveKind, StageMoved, time_in_stage
from revcycle.cycle.moves import MoveWriter
from revcycle.cycle.repository import CycleRepository
from revcycle.cycle.tables import Account, Person
from revcycle.errors import NotFound
from revcycle.pact.conditions import Facts
from revcycle.pact.schema import FirstContactTier, Pact
from revcycle.pact.service import ActivePact, PactService
from revcycle.pact.values import LeadValue, first_contact_tier, lead_value
from revcycle.store.session import UnitOfWork
from revcycle.store.tables import AuditLog

__all__ = ["Card", "CycleService", "Scores", "Timeline", "TimelineEvent"]


@dataclass(frozen=True)
class TimelineEvent:
    """One line of a timeline."""

    at: datetime
    what: str
    detail: str


@dataclass(frozen=True)
class Scores:
    """A person's stored scores, in hundredths of a point as scoring keeps them."""

    fit: int
    engagement: int
    total: int
    qualified: bool
    as_of: datetime


@dataclass(frozen=True)
class Card:
    """Who a lead is to the teams: owner, scores, lead value and first-contact tier under the pact in force.
    The SLA clock (started at hand-off) joins this card when the SLA capability exists; nothing stands in for it."""

    owner: str | None
    scores: Scores | None
    value: LeadValue | None
    tier: FirstContactTier | None
    tiers_defined: bool


@dataclass(frozen=True)
class Timeline:
    """A person, their account's name, their card, what happened to them in time order, and days in each stage."""

    person: Person
    account: str | None
    events: list[TimelineEvent]
    time_in_stage: dict[str, float]
    card: Card | None = None


class CycleService:
    """People moving through the pact's stages."""

    def __init__(self, uow: UnitOfWork, *, pacts: Callable[[], ActivePact] | None = None) -> None:
        self.uow = uow
        self.pacts = pacts or PactService(uow).active  # the pact in force (bootstrap's cache in the app)

    def timeline(self, key: str, *, now: datetime) -> Timeline:
        """The person's card, and their touchpoints, stage moves and opportunities merged in time order."""
        pact = self.pacts().pact
        with self.uow.begin() as session:
            repo = CycleRepository(session)
            person = repo.find_person(key)
            if person is None:
                raise NotFound(f'no person with email, id or external id "{key}"')
            account = session.get(Account, person.account_id) if person.account_id else None
            events = [
                TimelineEvent(
                    t.occurred_at,
                    t.type,
                    _join(t.channel, t.content, t.content_stage and f"{t.content_stage}-funnel", t.url),
                )
                for t in repo.touches_of(person.id)
            ]
            moves = repo.moves_of(person.id)
            events += [
                TimelineEvent(
                    m.at,
                    "stage",
                    f"{m.from_stage or '(new)'} -> {m.to_stage}"
                    + (f" ({m.reason})" if m.reason else "")
                    + f" by {m.actor}",
                )
                for m in moves
            ]
            for opp in repo.opportunities_of(person.id):
                amount = f"{opp.amount:,.2f} {opp.currency}" if opp.amount is not None else "no amount"
                label = opp.name or opp.external_id or f"#{opp.id}"
                if opp.created_at:
                    events.append(TimelineEvent(opp.created_at, "opportunity", f"{label} opened, {amount}"))
                if opp.closed_at:
                    reason = f" ({opp.lost_reason})" if opp.lost_reason else ""
                    events.append(
                        TimelineEvent(opp.closed_at, f"opportunity {opp.status}", f"{label}, {amount}{reason}")
                    )
            spent = time_in_stage(
                [StageMoved(m.from_stage, m.to_stage, m.at, m.actor, MoveKind(m.kind)) for m in moves], until=now
            )
            return Timeline(
                person,
                account.name if account else None,
                sorted(events, key=lambda e: e.at),
                {stage: seconds / 86400 for stage, seconds in spent.items()},
                self._card(session, person, pact, now=now),
            )

    @staticmethod
    def _card(session: Session, person: Person, pact: Pact, *, now: datetime) -> Card:
        cards = CardRepository(session)
        owner = cards.owner(person)
        stored = cards.scores(person.id)
        scores = Scores(stored.fit, stored.engagement, stored.total, stored.qualified, stored.as_of) if stored else None
        value = lead_value(pact, cards.touch_types(person.id))
        tier = first_contact_tier(pact, value, _facts(session, person.id), now=now)
        who = " ".join(filter(None, [owner.name, owner.email and f"<{owner.email}>"])) if owner else None
        return Card(who or (f"user #{owner.id}" if owner else None), scores, value, tier, pact.sla is not None)

    def move(self, key: str, to: str, *, actor: str, now: datetime, reason: str | None = None) -> StageMoved:
        """Move a person by hand; InvalidTransition (nothing written) if the pact does not allow it."""
        active = self.pacts()
        with self.uow.begin() as session:
            person = CycleRepository(session).find_person(key)
            if person is None:
                raise NotFound(f'no person with email, id or external id "{key}"')
            cycle = Cycle(active.pact)
            move = cycle.transition(person.stage, to, at=now, actor=actor, reason=reason)
            MoveWriter(session, cycle, pact_version_id=active.version_id, now=now).record([(person.id, move, {})])
            session.add(
                AuditLog(
                    at=now,
                    actor=actor,
                    action="person.move",
                    entity="person",
                    entity_id=str(person.id),
                    detail={"from": move.from_stage, "to": move.to_stage, "reason": reason},
                )
            )
            return move


def _facts(session: Session, person_id: int) -> Callable[[], Facts]:
    """The person as a tier's condition reads them, built only if a tier has one (scoring's reader loads numpy)."""

    def read() -> Facts:
        from revcycle.scoring.repository import ScoringRepository

        return ScoringRepository(session).facts(person_id)

    return read


def _join(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)

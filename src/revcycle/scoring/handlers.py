"""Scoring's reactions to events: rescore the people a change touched, once per change, before it commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from revcycle.cycle.events import AccountsChanged, PersonChanged, TouchesRecorded
from revcycle.cycle.model import Cycle
from revcycle.pact.schema import Pact
from revcycle.scoring.service import score_touched
from revcycle.store.bulk import select_where_in

__all__ = ["rescore_touched"]

PactOf = Callable[[Session, int | None], Pact]


@dataclass
class _Touched:
    """Who one change touched, gathered over every batch it published."""

    people: set[int] = field(default_factory=set)
    created: set[int] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)
    left: set[int] = field(default_factory=set)
    causes: list[str] = field(default_factory=list)


def rescore_touched(pact_of: PactOf) -> Callable[[list[Any], Session], None]:
    """A handler that rescores everybody the events name (new or changed touches, changed fields, changed
    accounts, new people), each person once however many batches named them. New people are scored but not
    moved to MQL by their score (their stage history may still be on its way)."""

    def handle(events: list[TouchesRecorded | PersonChanged | AccountsChanged], session: Session) -> None:
        groups: dict[tuple[int | None, datetime], _Touched] = {}
        for event in events:
            touched = groups.setdefault((event.pact_version_id, event.now), _Touched())
            if event.cause not in touched.causes:
                touched.causes.append(event.cause)
            if isinstance(event, TouchesRecorded):
                touched.people.update(event.people)
            elif isinstance(event, PersonChanged):
                touched.people |= event.changed
                touched.created |= event.created
                touched.left |= event.left_accounts
            else:
                touched.accounts |= event.accounts
        for (version, now), touched in groups.items():
            accounts = sorted(touched.accounts)
            people = touched.people | _people_at(session, accounts)
            score_touched(
                session, Cycle(pact_of(session, version)), people, now=now, pact_version_id=version,
                cause=", ".join(touched.causes), accounts=[*accounts, *touched.left], unmoved=touched.created,
            )

    return handle


def _people_at(session: Session, accounts: list[int]) -> set[int]:
    """The people at these accounts (a changed account changes their fit)."""
    sql = "SELECT id FROM person WHERE account_id IN :values"
    return {int(pid) for (pid,) in select_where_in(session, sql, accounts, integers=True)}

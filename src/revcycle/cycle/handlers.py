"""The revenue cycle's reactions to events: the pact's lifecycle rules on new people, touches and
opportunities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from revcycle.cycle.events import OpportunitiesRecorded, PersonChanged, TouchesRecorded
from revcycle.cycle.lifecycle import Happening
from revcycle.cycle.model import Cycle
from revcycle.cycle.moves import MoveWriter
from revcycle.pact.schema import CycleEvent, Pact

__all__ = ["apply_lifecycle_rules"]

PactOf = Callable[[Session, int | None], Pact]


def apply_lifecycle_rules(pact_of: PactOf) -> Callable[[list[Any], Session], None]:
    """A handler that applies the lifecycle rules of the events' pact version to every person the events name,
    each happening at its own time, in one pass over all of them (one per pact version and clock)."""

    def handle(events: list[TouchesRecorded | OpportunitiesRecorded | PersonChanged], session: Session) -> None:
        groups: dict[tuple[int | None, Any], dict[int, list[Happening]]] = {}
        for event in events:
            found = groups.setdefault((event.pact_version_id, event.now), {})
            if isinstance(event, TouchesRecorded):
                for pid, at in event.first_new.items():
                    found.setdefault(pid, []).append(Happening(at, CycleEvent.TOUCHPOINT_RECORDED))
            elif isinstance(event, PersonChanged):
                for pid, at in event.entered.items():
                    found.setdefault(pid, []).append(Happening(at, CycleEvent.PERSON_CREATED))
            else:
                for item in event.items:
                    found.setdefault(item.person_id, []).append(Happening(item.at, CycleEvent(item.event)))
        for (version, now), happenings in groups.items():
            pact = pact_of(session, version)
            MoveWriter(session, Cycle(pact), pact_version_id=version, now=now).react(happenings)

    return handle

"""The revenue cycle's reactions to events: the pact's lifecycle rules on new people, touches and
opportunities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from revcycle.cycle.events import OpportunitiesRecorded, PersonChanged, TouchesRecorded, instant
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
        for version, now in {(event.pact_version_id, event.now) for event in events}:
            chosen = [e for e in events if (e.pact_version_id, e.now) == (version, now)]
            pact = pact_of(session, version)
            groups[version, now] = _touches(chosen, chained=_touch_rules_chain(pact))
        for event in events:
            found = groups[event.pact_version_id, event.now]
            if isinstance(event, TouchesRecorded):
                continue
            if isinstance(event, PersonChanged):
                for pid, at in event.entered.items():
                    found.setdefault(pid, []).append(Happening(at, CycleEvent.PERSON_CREATED))
            else:
                for item in event.items:
                    found.setdefault(item.person_id, []).append(Happening(item.at, CycleEvent(item.event)))
        for (version, now), happenings in groups.items():
            pact = pact_of(session, version)
            MoveWriter(session, Cycle(pact), pact_version_id=version, now=now).react(happenings)

    return handle


def _touch_rules_chain(pact: Pact) -> bool:
    """Whether a rule can move someone into a stage where a later touch moves them (then every batch's first
    touch counts; otherwise only each person's earliest new touch can move them)."""
    reacting = {stage for rule in pact.lifecycle if rule.on is CycleEvent.TOUCHPOINT_RECORDED
                for stage in (rule.from_ or pact.stage_names())}
    return any(rule.to in reacting for rule in pact.lifecycle)


def _touches(events: list[Any], *, chained: bool) -> dict[int, list[Happening]]:
    """Each person's new touches the rules may react to, from every batch's earliest ones (read as machine
    integers: a million-touch import names 100,000 people in each of 20 batches)."""
    batches = [e for e in events if isinstance(e, TouchesRecorded)]
    if chained:
        found: dict[int, list[Happening]] = {}
        for event in batches:
            for pid, at in event.first_new():
                found.setdefault(pid, []).append(Happening(at, CycleEvent.TOUCHPOINT_RECORDED))
        return found
    earliest: dict[int, int] = {}
    for event in batches:
        for pid, us in zip(event.first_people, event.first_micros, strict=True):
            if us < earliest.get(pid, us + 1):
                earliest[pid] = us
    return {pid: [Happening(instant(us), CycleEvent.TOUCHPOINT_RECORDED)] for pid, us in earliest.items()}

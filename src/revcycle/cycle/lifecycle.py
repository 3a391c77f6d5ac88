"""The pact's lifecycle rules over time, as pure functions: which automatic moves a person's happenings make.

The rule this module keeps: a person's **stated** history (their entry, a CRM's stage rows, moves by hand or by
scoring) is the record of what happened. Lifecycle rules fill in after it: a happening (a touch, an opportunity
opened, won or lost) moves the person only if it happened at or after their last stated move, and it is
judged against the stage they were in **at its own time**, in time order. A happening older than the stated
history is already accounted for by it. Rule-made moves are provisional: when stated history arrives that is
older than them, they are derived again from the new last stated move, so the record ends the same whatever
order the files came in. A happening before a person's entry counts as happening at their entry (a visit
recorded before the form that created the lead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from revcycle.cycle.model import Cycle, StageMoved
from revcycle.pact.conditions import Facts
from revcycle.pact.schema import CycleEvent

__all__ = ["RULE_ACTOR_PREFIX", "Happening", "Reactions", "derive", "is_rule_move"]

RULE_ACTOR_PREFIX = "rule:lifecycle["  # the actor of every move a lifecycle rule made (provisional moves)
_ORDER = {
    CycleEvent.PERSON_CREATED: -1,
    CycleEvent.TOUCHPOINT_RECORDED: 0,
    CycleEvent.OPPORTUNITY_CREATED: 1,
    CycleEvent.OPPORTUNITY_WON: 2,
    CycleEvent.OPPORTUNITY_LOST: 3,
}


@dataclass(frozen=True, order=True)
class Happening:
    """Something a lifecycle rule may react to, at its own time."""

    at: datetime
    event: CycleEvent

    def sort_key(self) -> tuple[datetime, int]:
        """Time order; at the same instant a touch comes before the opportunity it led to."""
        return self.at, _ORDER[self.event]


def is_rule_move(actor: str) -> bool:
    """Whether a recorded move was made by a lifecycle rule (and may be derived again)."""
    return actor.startswith(RULE_ACTOR_PREFIX)


class Reactions:
    """The pact's lifecycle rules, remembered by (stage, event) when no rule has a `when:` condition (the rule
    that fires then depends on nothing else: a large import asks the same question a million times)."""

    def __init__(self, cycle: Cycle) -> None:
        self.cycle = cycle
        self.conditional = any(rule.when is not None for rule in cycle.pact.lifecycle)
        self._known: dict[tuple[str, CycleEvent], StageMoved | None] = {}

    def react(self, stage: str, event: CycleEvent, *, at: datetime, facts: Facts | None) -> StageMoved | None:
        """The move a rule makes on this event from this stage, at `at`."""
        if self.conditional:
            return self.cycle.react(stage, event, at=at, facts=facts)
        if (stage, event) not in self._known:
            self._known[stage, event] = self.cycle.react(stage, event, at=at)
        found = self._known[stage, event]
        if found is None:
            return None
        return StageMoved(found.from_stage, found.to_stage, at, found.actor, found.kind, found.reason, found.rule)


def derive(
    rules: Reactions,
    stage: str,
    since: datetime,
    happenings: Iterable[Happening],
    *,
    facts: Callable[[], Facts] | None = None,
) -> list[StageMoved]:
    """The moves the lifecycle rules make for someone in `stage` since `since`, over these happenings in time
    order; happenings before `since` are history already recorded and move nobody."""
    moves: list[StageMoved] = []
    known = facts() if facts is not None and rules.conditional else None
    for happening in sorted(happenings, key=Happening.sort_key):
        if happening.at < since:
            continue
        move = rules.react(stage, happening.event, at=happening.at, facts=known)
        if move is not None:
            moves.append(move)
            stage = move.to_stage
    return moves

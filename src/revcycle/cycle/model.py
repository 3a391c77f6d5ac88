"""The revenue cycle as a pure state machine built from the pact: which moves are allowed, which need a
reason, which happen by themselves. It never reads the clock or the store; callers pass `at` and the pact."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from revcycle.errors import InvalidTransition
from revcycle.pact.conditions import Facts, evaluate
from revcycle.pact.schema import CycleEvent, Detour, Pact

__all__ = ["Cycle", "MoveKind", "StageMoved", "time_in_stage"]


class MoveKind(StrEnum):
    """How a move relates to the main path."""

    ENTERED = "entered"  # the person's first stage
    FORWARD = "forward"  # later on the main path
    DETOUR = "detour"  # onto a side state (recycled, disqualified, lost)
    RETURN = "return"  # from a side state back onto the main path


@dataclass(frozen=True)
class StageMoved:
    """A person moved stage (the one event every move produces)."""

    from_stage: str | None
    to_stage: str
    at: datetime
    actor: str
    kind: MoveKind
    reason: str | None = None
    rule: str | None = None


class Cycle:
    """The pact's stages and detours as a table of allowed moves."""

    def __init__(self, pact: Pact) -> None:
        self.pact = pact
        self.order = pact.stage_names()
        self.detours = {detour.name: detour for detour in pact.detours}
        self.allow_skip = pact.cycle.allow_skip

    @property
    def states(self) -> list[str]:
        """Every state a person can be in: main stages, then detours."""
        return [*self.order, *self.detours]

    def targets(self, current: str) -> list[str]:
        """The states a person in `current` may move to."""
        if current in self.detours:
            start = self.order.index(self.detours[current].returns_to)
            return self.order[start:]
        index = self.order.index(current)
        ahead = self.order[index + 1 :] if self.allow_skip else self.order[index + 1 : index + 2]
        return ahead + [name for name, detour in self.detours.items() if current in detour.from_]

    def enter(self, stage: str, *, at: datetime, actor: str, reason: str | None = None) -> StageMoved:
        """A new person's first stage (any state; a detour still needs its reason)."""
        self._known(stage)
        if stage in self.detours:
            self._check_reason(self.detours[stage], reason)
        return StageMoved(None, stage, at, actor, MoveKind.ENTERED, reason)

    def transition(self, current: str, to: str, *, at: datetime, actor: str, reason: str | None = None) -> StageMoved:
        """The move from `current` to `to`, or InvalidTransition saying what is allowed instead."""
        self._known(current)
        self._known(to)
        if to == current:
            raise InvalidTransition(f'already in stage "{to}"')
        if to not in self.targets(current):
            allowed = ", ".join(self.targets(current)) or "nothing"
            raise InvalidTransition(
                f'the pact does not allow "{current}" -> "{to}" (allowed from "{current}": {allowed})'
            )
        if to in self.detours:
            self._check_reason(self.detours[to], reason)
            return StageMoved(current, to, at, actor, MoveKind.DETOUR, reason)
        kind = MoveKind.RETURN if current in self.detours else MoveKind.FORWARD
        return StageMoved(current, to, at, actor, kind, reason)

    def react(self, current: str, event: CycleEvent, *, at: datetime, facts: Facts | None = None) -> StageMoved | None:
        """The automatic move a lifecycle rule makes on this event, or None when no rule applies."""
        for index, rule in enumerate(self.pact.lifecycle):
            if rule.on != event or (rule.from_ is not None and current not in rule.from_):
                continue
            if rule.to == current or rule.to not in self.targets(current):
                continue
            if rule.when is not None and not evaluate(rule.when, facts or Facts(), now=at):
                continue
            move = self.transition(current, rule.to, at=at, actor=f"rule:lifecycle[{index}]", reason=rule.reason)
            return StageMoved(
                move.from_stage, move.to_stage, at, move.actor, move.kind, move.reason, rule=f"lifecycle[{index}]"
            )
        return None

    def stages_reacting_to(self, events: Collection[CycleEvent]) -> set[str] | None:
        """The states from which a rule on these events can fire (None: any state)."""
        stages: set[str] = set()
        for rule in self.pact.lifecycle:
            if rule.on in events:
                if rule.from_ is None:
                    return None
                stages.update(rule.from_)
        return stages

    def _known(self, stage: str) -> None:
        if stage not in self.order and stage not in self.detours:
            raise InvalidTransition(f'"{stage}" is not a stage of the pact (stages: {", ".join(self.states)})')

    @staticmethod
    def _check_reason(detour: Detour, reason: str | None) -> None:
        codes = [code.code for code in detour.reasons]
        if reason is None:
            raise InvalidTransition(f'a move to "{detour.name}" needs a reason code ({", ".join(codes)})')
        if reason not in codes:
            raise InvalidTransition(f'"{reason}" is not a reason code of "{detour.name}" ({", ".join(codes)})')


def time_in_stage(moves: Iterable[StageMoved], *, until: datetime) -> dict[str, float]:
    """Seconds spent in each state, from a person's recorded moves in order (the last stage runs to `until`)."""
    spent: dict[str, float] = {}
    ordered = list(moves)
    for move, following in zip(ordered, [*ordered[1:], None], strict=True):
        end = following.at if following is not None else until
        spent[move.to_stage] = spent.get(move.to_stage, 0.0) + max((end - move.at).total_seconds(), 0.0)
    return spent

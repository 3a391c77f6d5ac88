"""A new pact against the people in the store: who stands in a stage the new pact no longer has, and where a
`--map OLD=NEW` sends them. Pure: the counts and both pacts are arguments; nothing is read or written here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from revcycle.errors import Conflict, InvalidTransition
from revcycle.pact.schema import Pact

__all__ = ["Restage", "plan_restage", "states_of"]


@dataclass(frozen=True)
class Restage:
    """The people of one removed stage, moved to a stage of the new pact when the new version is stored."""

    old: str
    new: str
    people: int
    reason: str  # what the recorded move says, e.g. "pact v4: stage sal removed"
    to_detour: bool
    from_detour: bool


def states_of(pact: Pact) -> list[str]:
    """Every state a person can stand in under this pact: main stages in order, then detours."""
    return [*pact.stage_names(), *(detour.name for detour in pact.detours)]


def plan_restage(
    old: Pact | None, new: Pact, standing: Mapping[str, int], mapping: Mapping[str, str], *, number: int
) -> list[Restage]:
    """The moves applying `new` (as version `number`) makes; Conflict with the counts when people stand in a
    stage it removes and no mapping says where they go, InvalidTransition for a mapping that cannot be used."""
    targets = states_of(new)
    _check_mapping(old, targets, standing, mapping)
    stranded = {stage: count for stage, count in standing.items() if count and stage not in targets}
    unmapped = [stage for stage in stranded if stage not in mapping]
    if unmapped:
        lines = [
            f"{_people(stranded[stage])} in {stage}, which this pact removes; "
            f"give --map {stage}={_suggest(stage, old, new)} to move them"
            for stage in unmapped
        ]
        raise Conflict("; ".join(lines) + " (nothing was changed)")
    old_detours = {detour.name for detour in old.detours} if old is not None else set()
    new_detours = {detour.name for detour in new.detours}
    return [
        Restage(
            old=stage,
            new=mapping[stage],
            people=count,
            reason=f"pact v{number}: stage {stage} removed",
            to_detour=mapping[stage] in new_detours,
            from_detour=stage in old_detours,
        )
        for stage, count in stranded.items()
    ]


def _check_mapping(
    old: Pact | None, targets: list[str], standing: Mapping[str, int], mapping: Mapping[str, str]
) -> None:
    known = set(states_of(old)) if old is not None else set()
    for source, target in mapping.items():
        given = f"--map {source}={target}"
        if target not in targets:
            raise InvalidTransition(
                f'{given}: "{target}" is not a stage of the new pact (stages: {", ".join(targets)}); '
                "nothing was changed"
            )
        if source in targets:
            raise InvalidTransition(
                f'{given}: "{source}" is still a stage of the new pact (--map moves people out of a stage it '
                "removes); nothing was changed"
            )
        if source not in known and not standing.get(source):
            raise InvalidTransition(
                f'{given}: nobody stands in "{source}" and the pact in force has no such stage; nothing was changed'
            )


def _people(count: int) -> str:
    return "1 person stands" if count == 1 else f"{count:,} people stand"


def _suggest(stage: str, old: Pact | None, new: Pact) -> str:
    """A stage to offer in the message: the one that took its place (a rename), else the nearest earlier stage
    the new pact still has, else its first stage."""
    main = new.stage_names()
    if old is None:
        return main[0]
    before = old.stage_names()
    if stage in before:
        index = before.index(stage)
        added = [name for name in main if name not in before]
        if index < len(main) and main[index] in added:
            return main[index]
        kept = [name for name in before[:index][::-1] if name in main]
        return kept[0] if kept else main[0]
    new_detours = [detour.name for detour in new.detours]
    added_detours = [name for name in new_detours if old.detour(name) is None]
    if added_detours:
        return added_detours[0]
    gone = old.detour(stage)
    return gone.returns_to if gone is not None and gone.returns_to in main else main[0]

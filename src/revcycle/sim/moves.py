"""Collectors for what the funnel produces: stage moves and sales touches, appended a batch at a time."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from revcycle.sim.vocab import DETOUR_REASONS, Stage, Touch

__all__ = ["Moves", "SalesTouches", "reason_code"]

Ints = npt.NDArray[np.int64]


def reason_code(name: str) -> int:
    """The code of a reason in `vocab.DETOUR_REASONS`."""
    return DETOUR_REASONS.index(name)


class _Batches:
    """Parallel int64 columns built from appended batches."""

    columns: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._parts: dict[str, list[Ints]] = {name: [] for name in self.columns}

    def _append(self, **values: Ints | int) -> None:
        size = max(np.size(v) for v in values.values())
        for name in self.columns:
            value = values[name]
            self._parts[name].append(np.broadcast_to(np.asarray(value, dtype=np.int64), (size,)).copy())

    def arrays(self, keep_before: int) -> dict[str, Ints]:
        """All rows before `keep_before` (epoch seconds), sorted by person, then time, then insertion."""
        data = {
            name: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            for name, parts in self._parts.items()
        }
        order = np.lexsort((np.arange(len(data["at"])), data["at"], data["person"]))
        order = order[data["at"][order] < keep_before]
        return {name: values[order] for name, values in data.items()}


class Moves(_Batches):
    """Stage changes: who moved, when, to which stage, why, and which user made the move (-1: none)."""

    columns = ("person", "at", "stage", "reason", "actor")

    def add(
        self, person: Ints, at: Ints, stage: Stage, reason: Ints | int = 0, actor: Ints | int = -1
    ) -> None:
        """Records one move for each person in `person`."""
        if len(person):
            self._append(person=person, at=at, stage=int(stage), reason=reason, actor=actor)


class SalesTouches(_Batches):
    """Calls, emails and meetings by our users."""

    columns = ("person", "at", "type", "user")

    def add(self, person: Ints, at: Ints, kind: Ints | Touch, user: Ints) -> None:
        """Records one touch for each person in `person`."""
        if len(person):
            self._append(person=person, at=at, type=kind, user=user)

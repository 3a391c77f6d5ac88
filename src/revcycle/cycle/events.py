"""What happens to the record, as batch-shaped past-tense events: one event per batch of an import, per CLI or
API change, per scoring batch. Handlers registered in `bootstrap.py` react to them before the change commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from revcycle.cycle.model import StageMoved
from revcycle.store.events import Event

__all__ = [
    "AccountsChanged",
    "MovesRecorded",
    "OpportunitiesRecorded",
    "OpportunityClosed",
    "PersonChanged",
    "TouchesRecorded",
]


@dataclass(frozen=True, kw_only=True)
class MovesRecorded(Event):
    """Stage moves were written (by the one writer of moves, in cycle/)."""

    moves: tuple[tuple[int, StageMoved], ...]
    pact_version_id: int | None
    now: datetime

    def describe(self) -> str:
        return f"MovesRecorded ({len(self.moves)} move(s))"

    @property
    def person_ids(self) -> list[int]:
        """The people who moved, each once."""
        return sorted({pid for pid, _ in self.moves})


@dataclass(frozen=True, kw_only=True)
class TouchesRecorded(Event):
    """Touchpoints were stored or changed. `first_new`: each person's earliest new touch (what lifecycle rules
    react to); `people`: everybody whose touches changed (what scoring reacts to)."""

    people: frozenset[int]
    first_new: Mapping[int, datetime] = field(default_factory=dict)
    pact_version_id: int | None
    now: datetime
    cause: str = "import"

    def describe(self) -> str:
        return f"TouchesRecorded ({len(self.people)} people)"


@dataclass(frozen=True, kw_only=True)
class PersonChanged(Event):
    """People were created or their fields changed. `created`: new people (scored, not yet moved by their
    score: their stage history may still be on its way); `left_accounts`: accounts someone left."""

    changed: frozenset[int] = frozenset()
    created: frozenset[int] = frozenset()
    entered: Mapping[int, datetime] = field(default_factory=dict)  # each new person's entry into the cycle
    left_accounts: frozenset[int] = frozenset()
    pact_version_id: int | None
    now: datetime
    cause: str = "import"

    def describe(self) -> str:
        return f"PersonChanged ({len(self.changed)} changed, {len(self.created)} created)"


@dataclass(frozen=True, kw_only=True)
class AccountsChanged(Event):
    """Accounts' fields changed: their people's fit may change."""

    accounts: frozenset[int]
    pact_version_id: int | None
    now: datetime
    cause: str = "import"

    def describe(self) -> str:
        return f"AccountsChanged ({len(self.accounts)} accounts)"


@dataclass(frozen=True)
class OpportunityClosed:
    """One opportunity event a lifecycle rule may react to: created, won or lost, at its own time."""

    person_id: int
    event: str  # a CycleEvent value
    at: datetime


@dataclass(frozen=True, kw_only=True)
class OpportunitiesRecorded(Event):
    """Opportunities were opened or closed (each item names the person, the event and its time)."""

    items: tuple[OpportunityClosed, ...]
    pact_version_id: int | None
    now: datetime

    def describe(self) -> str:
        return f"OpportunitiesRecorded ({len(self.items)} event(s))"

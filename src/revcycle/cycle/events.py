"""What happens to the record, as batch-shaped past-tense events: one event per batch of an import, per CLI or
API change, per scoring batch. Handlers registered in `bootstrap.py` react to them before the change commits."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from revcycle.cycle.model import StageMoved
from revcycle.store.events import Event

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

def instant(us: int) -> datetime:
    """Microseconds since 1970 as an aware UTC instant."""
    return _EPOCH + timedelta(microseconds=us)


def micros(at: datetime) -> int:
    """An instant as microseconds since 1970 (how events carry many instants compactly)."""
    return (at - _EPOCH) // _MICROSECOND


__all__ = [
    "AccountsChanged",
    "MovesRecorded",
    "OpportunitiesRecorded",
    "OpportunityClosed",
    "PersonChanged",
    "TouchesRecorded",
    "instant",
    "micros",
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
    """Touchpoints were stored or changed: `people`, everybody whose touches changed (what scoring reacts to);
    `first_people` and `first_micros`, each person's earliest new touch (what lifecycle rules react to).

    Kept as machine integers (8 bytes an id): an import's events wait in memory until its handlers run, and a
    set of ints and a dict of datetimes per batch cost 180 MiB over a million-touch file."""

    people: array[int]
    first_people: array[int] = field(default_factory=lambda: array("q"))
    first_micros: array[int] = field(default_factory=lambda: array("q"))  # microseconds since 1970, UTC
    pact_version_id: int | None
    now: datetime
    cause: str = "import"

    def first_new(self) -> Iterator[tuple[int, datetime]]:
        """Each person's earliest new touch in the batch."""
        for pid, us in zip(self.first_people, self.first_micros, strict=True):
            yield pid, instant(us)

    def describe(self) -> str:
        return f"TouchesRecorded ({len(set(self.people))} people)"


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

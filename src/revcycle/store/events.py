"""Events raised inside a unit of work, and the handlers that react to them before it commits.

A change publishes past-tense, batch-shaped events on its session; when the change is done and before the
transaction commits, the unit of work hands each event to the handlers registered for its type (in
`bootstrap.py`), in the same transaction. Events a handler publishes are handled in turn, until none are left.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from revcycle.errors import HandlerFailed, HandlerLoop, StoreError

__all__ = ["MAX_DEPTH", "Event", "Handlers", "dispatch", "publish"]

MAX_DEPTH = 20  # events raised by handlers of events raised by handlers ...: deeper than this is a cycle
_PENDING = "revcycle.events"


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened to the record. `history`: brought by an import from the past, recorded like
    live data but routing and notifying nobody."""

    history: bool = False

    def describe(self) -> str:
        """The event in a few words, for error messages."""
        return type(self).__name__


Handler = Callable[[Any, Any], None]  # (event, session) -> None
Gatherer = Callable[[list[Any], Any], None]  # (every pending event of its types, session) -> None


@dataclass(frozen=True)
class _Registration:
    name: str
    types: tuple[type[Event], ...]
    function: Callable[[Any, Any], None]
    gathers: bool


class Handlers:
    """Which handler reacts to which event type, in registration order."""

    def __init__(self) -> None:
        self._registrations: list[_Registration] = []

    def on(self, *types: type[Event], name: str) -> Callable[[Handler], Handler]:
        """Register `function(event, session)`, called once for each event of these types."""
        def register(function: Handler) -> Handler:
            self._registrations.append(_Registration(name, types, function, gathers=False))
            return function
        return register

    def gather(self, *types: type[Event], name: str) -> Callable[[Gatherer], Gatherer]:
        """Register `function(events, session)`, called once with every pending event of these types (set-based
        work such as rescoring wants every batch an import published at once, not one call per batch)."""
        def register(function: Gatherer) -> Gatherer:
            self._registrations.append(_Registration(name, types, function, gathers=True))
            return function
        return register

    @property
    def names(self) -> list[str]:
        """The registered handlers' names, in the order they run."""
        return [registration.name for registration in self._registrations]

    def run_round(self, events: list[Event], session: Any) -> list[Event]:
        """Hand one round of events to their handlers; the events the handlers published, for the next round."""
        raised: list[Event] = []
        for registration in self._registrations:
            chosen = [event for event in events if isinstance(event, registration.types)]
            if not chosen:
                continue
            calls: Iterable[tuple[Any, Event]] = (
                [(chosen, chosen[0])] if registration.gathers else [(event, event) for event in chosen]
            )
            for argument, event in calls:
                _call(registration, argument, event, session)
                raised.extend(_take(session))
        return raised


def _call(registration: _Registration, argument: Any, event: Event, session: Any) -> None:
    try:
        registration.function(argument, session)
    except (HandlerFailed, HandlerLoop, StoreError):
        raise
    except Exception as exc:
        from revcycle.store.failures import explain  # a busy or read-only store is said as such

        store = explain(exc)
        if isinstance(store, StoreError):
            raise store from exc
        raise HandlerFailed(registration.name, event.describe(), exc) from exc


def publish(session: Any, *events: Event) -> None:
    """Raise events in the session's transaction; they are handled before it commits."""
    session.info.setdefault(_PENDING, []).extend(events)


def _take(session: Any) -> list[Event]:
    taken: list[Event] = session.info.pop(_PENDING, [])
    return taken


def dispatch(session: Any, handlers: Handlers | None, *, max_depth: int = MAX_DEPTH) -> None:
    """Handle every published event, round after round, until none are left (HandlerLoop past `max_depth`)."""
    pending = deque([_take(session)])
    depth = 0
    while pending and (events := pending.popleft()):
        if handlers is None:
            return
        if depth >= max_depth:
            raise HandlerLoop(max_depth, events[-1].describe())
        pending.append(handlers.run_round(events, session))
        depth += 1

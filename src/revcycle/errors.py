"""The one error tree; each edge (CLI, API) maps it to a message and a status in one place.

RevcycleError
 +-- NotFound            a person, pact version, user ... that does not exist
 +-- Conflict            the change contradicts what is stored, or raced another writer
 +-- InvalidTransition   a stage move the pact forbids
 +-- PactError           an invalid pact file (carries every issue with its YAML path and line)
 +-- ImportFileError     an import file or mapping that cannot be read at all (nothing is written)
 +-- SettingsError       a setting (the database URL ...) revcycle cannot use
 +-- StoreError          the database is unreachable, not migrated, or failed
 |    +-- StoreBusy      another writer held the store past the busy timeout
 |    +-- ReadOnlyStore  the store cannot be written (file modes, a read-only URL)
 +-- AnalyticsError      a report asked for something the data or the engine cannot give
 |    +-- AttributionError  bad journeys, conventions or model parameters
 +-- SimError            simulator parameters it cannot honour
 +-- HandlerFailed       an event handler raised; carries the handler, the event and the cause
 +-- HandlerLoop         handlers kept raising events past the dispatcher's depth limit

No class here is also a ValueError: a caller catches revcycle's errors by these names, never by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AnalyticsError",
    "AttributionError",
    "Conflict",
    "HandlerFailed",
    "HandlerLoop",
    "ImportFileError",
    "InvalidTransition",
    "NotFound",
    "PactError",
    "PactIssue",
    "ReadOnlyStore",
    "RevcycleError",
    "SettingsError",
    "SimError",
    "StoreBusy",
    "StoreError",
]


class RevcycleError(Exception):
    """A failure the user can act on; its message is shown without a traceback."""


class NotFound(RevcycleError):
    """The thing asked for does not exist."""


class Conflict(RevcycleError):
    """The change contradicts what is stored, or another writer changed it first; trying again may work."""


class InvalidTransition(RevcycleError):
    """A stage move the pact does not allow."""


class ImportFileError(RevcycleError):
    """An import file or mapping that cannot be processed at all."""


class SettingsError(RevcycleError):
    """A setting revcycle cannot work with; the message says what is accepted."""


class StoreError(RevcycleError):
    """The store cannot be used: unreachable, or its schema is not at the current revision."""


class StoreBusy(StoreError):
    """Another writer kept the store locked for longer than revcycle waits."""


class ReadOnlyStore(StoreError):
    """The store can be read but not written."""


class AnalyticsError(RevcycleError):
    """A report asked for something the data or the engine cannot give; the message says what to change."""


class AttributionError(AnalyticsError):
    """Bad journeys, conventions or model parameters; the message names the journey, field or parameter."""


class SimError(RevcycleError):
    """Parameters the simulator cannot honour; the message says which and what to do."""


class HandlerFailed(RevcycleError):
    """An event handler raised: which handler, on which event, and why (the cause is also `__cause__`)."""

    def __init__(self, handler: str, event: str, cause: BaseException) -> None:
        self.handler = handler
        self.event = event
        self.cause = cause
        # A RevcycleError already speaks to the user; anything else is a bug, so its type is worth naming, and
        # its first line is enough (a database error goes on with the SQL and a link).
        first = next(iter(str(cause).strip().splitlines()), "")
        reason = str(cause) if isinstance(cause, RevcycleError) else f"{type(cause).__name__}: {first}"
        super().__init__(f'handler "{handler}" failed on {event}: {reason}')


class HandlerLoop(RevcycleError):
    """Handlers kept producing events past the depth limit: almost surely two handlers feeding each other."""

    def __init__(self, depth: int, last: str) -> None:
        self.depth = depth
        self.last = last
        super().__init__(f"events kept raising events past depth {depth} (last: {last}): a handler cycle")


@dataclass(frozen=True)
class PactIssue:
    """One problem in a pact file, located by YAML path and line."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path or '(top)'}: {self.message}"


class PactError(RevcycleError):
    """An invalid pact: every issue found, each with its YAML path."""

    def __init__(self, issues: list[PactIssue], source: str = "pact") -> None:
        self.issues = issues
        self.source = source
        lines = "\n".join(f"  {source}:{issue.line or '?'}: {issue}" for issue in issues)
        super().__init__(f"{source} is not a valid pact ({len(issues)} problem(s)):\n{lines}")

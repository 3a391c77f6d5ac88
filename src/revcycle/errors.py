"""The one error tree; each edge (CLI, API) maps it to a message and a status in one place.

RevcycleError
 +-- NotFound            a person, pact version, user ... that does not exist
 +-- Conflict            the change contradicts what is stored
 +-- InvalidTransition   a stage move the pact forbids
 +-- PactError           an invalid pact file (carries every issue with its YAML path and line)
 +-- ImportFileError     an import file or mapping that cannot be read at all (nothing is written)
 +-- StoreError          the database is unreachable or not migrated
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Conflict",
    "ImportFileError",
    "InvalidTransition",
    "NotFound",
    "PactError",
    "PactIssue",
    "RevcycleError",
    "StoreError",
]


class RevcycleError(Exception):
    """A failure the user can act on; its message is shown without a traceback."""


class NotFound(RevcycleError):
    """The thing asked for does not exist."""


class Conflict(RevcycleError):
    """The change contradicts what is stored."""


class InvalidTransition(RevcycleError):
    """A stage move the pact does not allow."""


class ImportFileError(RevcycleError):
    """An import file or mapping that cannot be processed at all."""


class StoreError(RevcycleError):
    """The store cannot be used: unreachable, or its schema is not at the current revision."""


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

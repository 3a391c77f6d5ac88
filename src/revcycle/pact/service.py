"""Pact use-cases: check a file, apply it as a new version, show the one in force, diff two."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from revcycle.errors import Conflict, NotFound
from revcycle.pact.diff import diff_pacts
from revcycle.pact.loader import load_pact, load_pact_file
from revcycle.pact.repository import PactRepository
from revcycle.pact.schema import Pact
from revcycle.pact.tables import PactVersion
from revcycle.store.session import UnitOfWork
from revcycle.store.tables import AuditLog

__all__ = ["ActivePact", "PactService"]


@dataclass(frozen=True)
class ActivePact:
    """The pact in force and which stored version it is."""

    pact: Pact
    number: int
    version_id: int
    author: str
    applied_at: datetime
    text: str


class PactService:
    """Versioned pacts in the store."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def apply(self, path: Path, *, author: str, now: datetime) -> tuple[ActivePact, bool]:
        """Store the file as the new version in force; (version, False) when it equals the current one."""
        _, text = load_pact_file(path)
        return self.apply_text(text, source=str(path), author=author, now=now)

    def apply_text(self, text: str, *, source: str, author: str, now: datetime) -> tuple[ActivePact, bool]:
        """Store this pact text as the new version in force (PactError, nothing written, if invalid)."""
        pact = load_pact(text, source=source)
        digest = hashlib.sha256(text.encode()).hexdigest()
        try:
            return self._store(pact, text, digest, source=source, author=author, now=now)
        except IntegrityError as exc:  # only a writer that skipped the numbering lock can get here
            raise Conflict(
                "another pact was applied at the same time as this one; run `revcycle pact show` and apply again"
            ) from exc

    def _store(
        self, pact: Pact, text: str, digest: str, *, source: str, author: str, now: datetime
    ) -> tuple[ActivePact, bool]:
        with self.uow.begin() as session:
            repo = PactRepository(session)
            repo.lock_numbering()
            latest = repo.latest()
            if latest is not None and latest.sha256 == digest:
                return _active(latest), False
            version = PactVersion(
                number=repo.next_number(),
                name=pact.name,
                label=pact.version,
                text=text,
                sha256=digest,
                author=author,
                applied_at=now,
            )
            repo.add(version)
            session.add(
                AuditLog(
                    at=now,
                    actor=author,
                    action="pact.apply",
                    entity="pact_version",
                    entity_id=str(version.number),
                    detail={"file": source, "sha256": digest},
                )
            )
            return _active(version), True

    def active(self) -> ActivePact:
        """The pact in force, or NotFound with how to apply one."""
        with self.uow.begin() as session:
            latest = PactRepository(session).latest()
            if latest is None:
                raise NotFound(
                    "no pact has been applied yet: run `revcycle pact apply FILE` (or `revcycle pact apply --example`)"
                )
            return _active(latest)

    def resolve(self, ref: str) -> tuple[Pact, str]:
        """A pact by file path or stored version number (`3` or `v3`), with a label for it."""
        path = Path(ref)
        if path.is_file():
            return load_pact_file(path)[0], str(path)
        number = ref.removeprefix("v")
        if not number.isdigit():
            raise NotFound(f'"{ref}" is neither a pact file nor a stored version (e.g. v2)')
        with self.uow.begin() as session:
            version = PactRepository(session).get(int(number))
            if version is None:
                raise NotFound(f"there is no stored pact version {number}")
            return load_pact(
                version.text, source=f"v{number}"
            ), f"v{number} ({version.author}, {version.applied_at:%Y-%m-%d %H:%M})"

    def diff(self, old: str, new: str) -> tuple[str, str, dict[str, list[str]]]:
        """The section-by-section changes from one pact (file or version) to another."""
        before, old_label = self.resolve(old)
        after, new_label = self.resolve(new)
        return old_label, new_label, diff_pacts(before, after)


def _active(version: PactVersion) -> ActivePact:
    return ActivePact(
        load_pact(version.text, source=f"v{version.number}"),
        version.number,
        version.id,
        version.author,
        version.applied_at,
        version.text,
    )

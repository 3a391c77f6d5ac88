"""Pact use-cases: check a file, apply it as a new version (checked against the people in the store), show the
one in force or a stored one, list the versions, diff two."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revcycle.errors import Conflict, NotFound
from revcycle.pact.diff import diff_pacts, summary
from revcycle.pact.loader import load_pact, load_pact_file
from revcycle.pact.repository import PactRepository
from revcycle.pact.restage import Restage, plan_restage
from revcycle.pact.schema import Pact
from revcycle.pact.tables import PactVersion
from revcycle.store.session import UnitOfWork
from revcycle.store.tables import AuditLog

__all__ = ["ActivePact", "Applied", "HistoryEntry", "PactService"]


@dataclass(frozen=True)
class ActivePact:
    """The pact in force and which stored version it is."""

    pact: Pact
    number: int
    version_id: int
    author: str
    applied_at: datetime
    text: str


@dataclass(frozen=True)
class Applied:
    """What `pact apply` did: the version in force, whether it is new, and the people it moved."""

    version: ActivePact
    created: bool
    moved: tuple[Restage, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    """One stored version as `pact history` lists it, with what changed against the version before."""

    number: int
    applied_at: datetime
    author: str
    title: str
    changes: str


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
        applied = self.apply_checked(text, source=source, author=author, now=now)
        return applied.version, applied.created

    def apply_checked(
        self, text: str, *, source: str, author: str, now: datetime, mapping: Mapping[str, str] | None = None
    ) -> Applied:
        """Store this pact text as the new version in force. Refused, nothing written, when it is invalid or
        removes a stage people stand in that `mapping` (old stage -> stage of this pact) does not move them from;
        the mapped people are moved in the same transaction, as recorded moves."""
        pact = load_pact(text, source=source)
        digest = hashlib.sha256(text.encode()).hexdigest()
        try:
            return self._store(pact, text, digest, source=source, author=author, now=now, mapping=mapping or {})
        except IntegrityError as exc:  # only a writer that skipped the numbering lock can get here
            raise Conflict(
                "another pact was applied at the same time as this one; run `revcycle pact show` and apply again"
            ) from exc

    def _store(
        self, pact: Pact, text: str, digest: str, *, source: str, author: str, now: datetime,
        mapping: Mapping[str, str],
    ) -> Applied:
        with self.uow.begin() as session:
            repo = PactRepository(session)
            repo.lock_numbering()
            latest = repo.latest()
            if latest is not None and latest.sha256 == digest:
                return Applied(_active(latest), False)
            number = repo.next_number()
            old = _active(latest).pact if latest is not None else None
            moves = plan_restage(old, pact, repo.people_by_stage(), mapping, number=number)
            version = PactVersion(
                number=number,
                name=pact.name,
                label=pact.version,
                text=text,
                sha256=digest,
                author=author,
                applied_at=now,
            )
            repo.add(version)
            active = _active(version)
            moves = _move_people(session, repo, active, moves, actor=author, now=now)
            moved = {move.old: {"to": move.new, "people": move.people} for move in moves}
            session.add(
                AuditLog(
                    at=now,
                    actor=author,
                    action="pact.apply",
                    entity="pact_version",
                    entity_id=str(version.number),
                    detail={"file": source, "sha256": digest, **({"moved": moved} if moved else {})},
                )
            )
            return Applied(active, True, tuple(moves))

    def active(self) -> ActivePact:
        """The pact in force, or NotFound with how to apply one."""
        with self.uow.begin() as session:
            latest = PactRepository(session).latest()
            if latest is None:
                raise NotFound(
                    "no pact has been applied yet: run `revcycle pact apply FILE` (or `revcycle pact apply --example`)"
                )
            return _active(latest)

    def version(self, ref: str) -> ActivePact:
        """A stored version by number (`3` or `v3`); NotFound, in one line, when there is none."""
        number = _number(ref)
        with self.uow.begin() as session:
            version = PactRepository(session).get(number)
            if version is None:
                raise NotFound(f"there is no stored pact version {number} (see `revcycle pact history`)")
            return _active(version)

    def history(self) -> list[HistoryEntry]:
        """Every stored version, oldest first, each with a one-line summary of its changes."""
        with self.uow.begin() as session:
            versions = [_active(version) for version in PactRepository(session).all()]
        entries: list[HistoryEntry] = []
        previous: Pact | None = None
        for version in versions:
            changes = "first version" if previous is None else summary(diff_pacts(previous, version.pact))
            title = f"{version.pact.name} ({version.pact.version})"
            entries.append(HistoryEntry(version.number, version.applied_at, version.author, title, changes))
            previous = version.pact
        return entries

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


def _number(ref: str) -> int:
    number = ref.strip().removeprefix("v")
    if not number.isdigit():
        raise NotFound(f'"{ref}" is not a pact version number (e.g. 3 or v3; see `revcycle pact history`)')
    return int(number)


def _move_people(
    session: Session, repo: PactRepository, active: ActivePact, moves: list[Restage], *, actor: str, now: datetime
) -> list[Restage]:
    """Record the moves out of removed stages through the one writer of moves, under the new version; the moves
    with the number of people each one moved (read under lock, so a move made since the count is seen)."""
    if not moves:
        return moves
    from revcycle.cycle.model import Cycle, MoveKind, StageMoved  # only an apply that moves people loads these
    from revcycle.cycle.moves import MoveWriter

    recorded: list[tuple[int, StageMoved, dict[str, Any]]] = []
    done = []
    for move in moves:
        kind = MoveKind.DETOUR if move.to_detour else MoveKind.RETURN if move.from_detour else MoveKind.FORWARD
        made = StageMoved(move.old, move.new, now, actor, kind, move.reason)
        people = repo.people_in(move.old)
        recorded += [(pid, made, {}) for pid in people]
        done.append(replace(move, people=len(people)))
    MoveWriter(session, Cycle(active.pact), pact_version_id=active.version_id, now=now).record(recorded)
    return done


def _active(version: PactVersion) -> ActivePact:
    return ActivePact(
        load_pact(version.text, source=f"v{version.number}"),
        version.number,
        version.id,
        version.author,
        version.applied_at,
        version.text,
    )

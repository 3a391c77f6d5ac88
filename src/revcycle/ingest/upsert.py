"""The shared write path of every import kind: dedupe, compare with the store, insert or update."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from revcycle.cycle.events import (
    AccountsChanged,
    OpportunitiesRecorded,
    OpportunityClosed,
    PersonChanged,
    TouchesRecorded,
    micros,
)
from revcycle.cycle.model import Cycle
from revcycle.cycle.moves import HISTORY_HORIZON, MoveWriter
from revcycle.ingest.repository import IngestRepository
from revcycle.ingest.rows import Converted, RowProblem
from revcycle.ingest.unchanged import UnchangedIds
from revcycle.store.base import Base
from revcycle.store.events import publish

__all__ = ["Context", "Counts", "Written", "dedupe", "repeated", "upsert"]


@dataclass
class Counts:
    """What an import did to the store."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    linked: int = 0  # people given their account by email domain at the end of the import


@dataclass
class Context:
    """Everything a writer needs for one import run."""

    session: Session
    source: str
    run_id: int
    cycle: Cycle
    actor: str
    now: datetime
    pact_version_id: int | None
    counts: Counts = field(default_factory=Counts)
    problems: list[RowProblem] = field(default_factory=list)
    ids_seen: dict[str, Any] = field(default_factory=dict)  # look-ups already made, by table.column
    new_source: bool | None = None  # touchpoints: no row of this source was stored before (no ids to look up)

    def __post_init__(self) -> None:
        self.repo = IngestRepository(self.session)
        self.moves = MoveWriter(self.session, self.cycle, pact_version_id=self.pact_version_id, now=self.now)
        self.unchanged = UnchangedIds(self.session)  # ids found identical to the store earlier in this import

    def _history(self, times: Iterable[datetime]) -> bool:
        """Whether a batch brings only the past (older than the horizon): recorded, but news to nobody."""
        horizon = self.now - HISTORY_HORIZON
        return all(at < horizon for at in times)

    def touches_recorded(self, people: Iterable[int | None], first_new: dict[int, datetime]) -> None:
        """Publish one batch's stored or changed touches (`first_new`: each person's earliest new touch)."""
        self.touches_recorded_at(people, list(first_new), [micros(at) for at in first_new.values()])

    def touches_recorded_at(self, people: Iterable[int | None], firsts: list[int], at_micros: list[int]) -> None:
        """The same, the earliest new touches given as person ids and microseconds since 1970 (columnar path)."""
        who = {pid for pid in people if pid is not None}.union(firsts)
        if who:
            horizon = micros(self.now - HISTORY_HORIZON)
            publish(self.session, TouchesRecorded(
                people=array("q", sorted(who)), first_people=array("q", firsts), first_micros=array("q", at_micros),
                pact_version_id=self.pact_version_id, now=self.now, cause=f"import #{self.run_id}",
                history=all(us < horizon for us in at_micros),
            ))

    def people_changed(
        self,
        changed: Iterable[int],
        entered: dict[int, datetime] | None = None,
        left_accounts: Iterable[int] = (),
    ) -> None:
        """Publish one batch's new (with their entry time) and changed people."""
        entered = entered or {}
        event = PersonChanged(
            changed=frozenset(changed), created=frozenset(entered), entered=entered,
            left_accounts=frozenset(left_accounts),
            pact_version_id=self.pact_version_id, now=self.now, cause=f"import #{self.run_id}",
        )
        if event.changed or event.created or event.left_accounts:
            publish(self.session, event)

    def accounts_changed(self, accounts: Iterable[int]) -> None:
        """Publish one batch's changed accounts."""
        chosen = frozenset(accounts)
        if chosen:
            publish(self.session, AccountsChanged(
                accounts=chosen, pact_version_id=self.pact_version_id, now=self.now,
                cause=f"import #{self.run_id}",
            ))

    def opportunities_recorded(self, items: list[OpportunityClosed]) -> None:
        """Publish one batch's opened and closed opportunities."""
        if items:
            publish(self.session, OpportunitiesRecorded(
                items=tuple(items), pact_version_id=self.pact_version_id, now=self.now,
                history=self._history(item.at for item in items),
            ))

    def finish(self, kind: str) -> list[str]:
        """The end of an import, before its handlers run: link the people still without an account (after
        a people or accounts import), forget the unchanged ids; what it did that the counts do not say."""
        self.unchanged.drop()
        if kind not in ("people", "accounts"):
            return []
        from revcycle.ingest.links import link_unlinked_people

        linked = link_unlinked_people(self)
        return [f"{linked} people linked to their account by email domain"] if linked else []

    def reject(self, line: int, column: str | None, message: str) -> None:
        """Refuse a row (it changes nothing) and say why."""
        self.counts.rejected += 1
        self.problems.append(RowProblem(line, column, message))

    def warn(self, line: int, column: str | None, message: str) -> None:
        """Keep a row but report what is odd about it."""
        self.counts.warnings += 1
        self.problems.append(RowProblem(line, column, message, "warning"))


@dataclass
class Written:
    """A row that went into the store, with its id."""

    row: Converted
    values: dict[str, Any]
    id: int
    new: bool


def repeated(key: str) -> str:
    """Why a row whose id came earlier in the file, with other values, is rejected."""
    return f'external_id "{key}" appears earlier in this file with different values (an id may appear once per file)'


def dedupe(ctx: Context, batch: list[Converted]) -> list[Converted]:
    """The batch with repeated external ids removed: identical repeats are unchanged, others rejected."""
    first: dict[str, Converted] = {}
    for row in batch:
        key = row.values["external_id"]
        seen = first.get(key)
        if seen is None:
            first[key] = row
        elif seen.row_hash == row.row_hash:
            ctx.counts.unchanged += 1
        else:
            ctx.reject(
                row.line,
                "external_id",
                f'external_id "{key}" appears earlier in this file (line {seen.line}) '
                "with different values (an id may appear once per file)",
            )
    return list(first.values())


def upsert(
    ctx: Context, model: type[Base], items: list[tuple[Converted, dict[str, Any]]], *, returning: bool = False
) -> list[Written]:
    """Insert new rows and update changed ones (matched by external id); identical rows are left alone."""
    table: Table = model.__table__  # type: ignore[assignment]
    existing = ctx.repo.existing(table, ctx.source, [row.values["external_id"] for row, _ in items])
    earlier = ctx.unchanged.repeats(existing, ((row.values["external_id"], row.row_hash) for row, _ in items))
    inserts: list[tuple[Converted, dict[str, Any]]] = []
    written: list[Written] = []
    updates: list[dict[str, Any]] = []
    unchanged: list[str] = []
    for row, values in items:
        key = row.values["external_id"]
        stamped = {**values, "row_hash": row.row_hash, "import_run_id": ctx.run_id, "attributes": row.attributes}
        found = existing.get(key)
        if found is None:
            inserts.append((row, {**stamped, "source_system": ctx.source, "external_id": key}))
        elif found[1] == row.row_hash:
            ctx.counts.unchanged += 1
            unchanged.append(key)
        elif found[2] == ctx.run_id or key in earlier:
            ctx.reject(row.line, "external_id", repeated(key))
        else:
            updates.append({**stamped, "id": found[0]})
            written.append(Written(row, values, found[0], new=False))
    ctx.unchanged.add(unchanged)
    ids = ctx.repo.insert(table, [values for _, values in inserts], returning=returning)
    ctx.repo.update(model, updates)
    ctx.counts.inserted += len(inserts)
    ctx.counts.updated += len(updates)
    new_ids = ids or [0] * len(inserts)
    return [Written(row, values, id_, new=True) for (row, values), id_ in zip(inserts, new_ids, strict=True)] + written

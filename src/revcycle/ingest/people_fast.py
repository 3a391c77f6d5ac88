"""Writing a converted column batch of people: the same rules as `people.write_people`, one query per lookup,
one driver-level INSERT per batch. Anything the row path reports row by row (a repeated id or email, an
unknown account or owner, an email that belongs to another person, a stage the pact refuses) sends the whole
batch the row path (`NeedsRows`), which names each row; changed people are updated by the row path's own
`_update`, so moves and events stay its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from revcycle.cycle.events import instant
from revcycle.cycle.model import StageMoved
from revcycle.errors import InvalidTransition
from revcycle.ingest.columnar import ColumnBatch, NeedsRows
from revcycle.ingest.links import domain_of
from revcycle.ingest.people import _FIELDS, _update
from revcycle.ingest.rows import Converted
from revcycle.ingest.upsert import Context
from revcycle.store.bulk import insert_rows, select_where_in, timestamp_param

__all__ = ["write_people_columns"]

_INSERTED = ("source_system", "external_id", "row_hash", "import_run_id", *_FIELDS, "account_id", "owner_id",
             "stage", "stage_entered_at", "created_at", "attributes")  # fmt: skip


def write_people_columns(ctx: Context, batch: ColumnBatch) -> None:
    """Insert the batch's new people with their entry moves, update changed ones, leave identical ones."""
    ext = batch.values("external_id")
    emails = batch.values("email")
    given = [e for e in emails if e is not None]
    if len(set(ext)) != len(ext) or len(set(given)) != len(given):
        raise NeedsRows("repeated external ids or emails in the batch")
    existing = {row[0]: row[1:] for row in select_where_in(
        ctx.session, "SELECT external_id, id, row_hash, import_run_id FROM person "
        "WHERE source_system = :source AND external_id IN :values", ext, source=ctx.source,
    )}
    owners_of = dict(select_where_in(ctx.session, "SELECT email, id FROM person WHERE email IN :values", given))
    for key, email in zip(ext, emails, strict=True):
        owner = owners_of.get(email) if email is not None else None
        if owner is not None and (key not in existing or existing[key][0] != owner):
            raise NeedsRows("an email already stored for another person: the row path merges or rejects it")
    if ctx.unchanged.repeats(existing, zip(ext, batch.digests, strict=True)) or any(
        found[2] == ctx.run_id for found in existing.values()
    ):
        raise NeedsRows("an id repeated from an earlier batch")
    accounts = _account_ids(ctx, batch, emails)
    owners = _ids(ctx, "app_user", batch.values("owner_external_id"))
    fresh: list[int] = []
    changed: list[int] = []
    unchanged: list[str] = []
    for i, key in enumerate(ext):
        found = existing.get(key)
        if found is None:
            fresh.append(i)
        elif found[1] == batch.digests[i]:
            unchanged.append(key)
        else:
            changed.append(i)
    moves = _entries(ctx, batch, fresh)  # before anything is written: a refused stage sends the batch the row path
    ctx.counts.unchanged += len(unchanged)
    ctx.unchanged.add(unchanged)
    _insert(ctx, batch, fresh, moves, accounts, owners)
    _update(ctx, [(_converted(batch, i), {**_values(ctx, batch, i, accounts, owners), "id": existing[ext[i]][0]})
                  for i in changed])


def _ids(ctx: Context, table: str, keys: list[str | None]) -> list[int | None]:
    """The stored ids these external ids name (None where empty); NeedsRows when one is not in the store."""
    wanted = sorted({key for key in keys if key is not None})
    if not wanted:
        return [None] * len(keys)
    known = dict(select_where_in(
        ctx.session, f"SELECT external_id, id FROM {table} WHERE source_system = :source AND external_id IN :values",
        wanted, source=ctx.source,
    ))
    if len(known) < len(wanted):
        raise NeedsRows(f"a {table} the store does not have: the row path names each")
    return [None if key is None else known[key] for key in keys]


def _account_ids(ctx: Context, batch: ColumnBatch, emails: list[str | None]) -> list[int | None]:
    """Each row's account: by its reference when given, else by its email's domain (free mail aside)."""
    by_ref = _ids(ctx, "account", batch.values("account_external_id"))
    domains = [None if ref is not None else domain_of(email) for ref, email in zip(by_ref, emails, strict=True)]
    by_domain = ctx.repo.accounts_by_domain(domains)
    return [ref if ref is not None else by_domain.get(domain) if domain else None
            for ref, domain in zip(by_ref, domains, strict=True)]


def _entries(ctx: Context, batch: ColumnBatch, rows: Sequence[int]) -> list[StageMoved]:
    """Each new person's entry move (NeedsRows when the pact refuses a stage: the row path rejects the row).
    The pact's state machine checks each distinct stage and reason once; each row's move is that one at its
    own time (a million calls of `Cycle.enter` cost a second)."""
    if not rows:
        return []
    first = ctx.cycle.order[0]
    stages, reasons, created = batch.values("stage"), batch.values("stage_reason"), _created(batch, rows)
    checked: dict[tuple[str, str | None], StageMoved] = {}
    moves = []
    for i in rows:
        key = (stages[i] or first, reasons[i])
        entry = checked.get(key)
        if entry is None:
            try:
                entry = checked[key] = ctx.cycle.enter(key[0], at=ctx.now, actor=ctx.actor, reason=key[1])
            except InvalidTransition as exc:
                raise NeedsRows(str(exc)) from exc
        at = created[i]
        moves.append(StageMoved(None, entry.to_stage, ctx.now if at is None else instant(at), entry.actor,
                                entry.kind, entry.reason))  # fmt: skip
    return moves


def _created(batch: ColumnBatch, rows: Sequence[int]) -> dict[int, int | None]:
    """The chosen rows' `created_at` as microseconds since 1970 (Arrow makes an aware datetime ten times slower
    than `instant` does, and unchanged rows need none)."""
    column = batch.columns.get("created_at")
    if column is None:
        return dict.fromkeys(rows)
    chosen = pc.cast(column.take(pa.array(rows, pa.int64())), pa.int64()).to_pylist()
    return dict(zip(rows, chosen, strict=True))


def _insert(
    ctx: Context,
    batch: ColumnBatch,
    rows: list[int],
    moves: list[StageMoved],
    accounts: list[int | None],
    owners: list[int | None],
) -> None:
    if not rows:
        return
    entered = _stored_entries(ctx, batch)
    fields = [batch.values(name) for name in _FIELDS]
    ext, digests = batch.values("external_id"), batch.digests
    insert_rows(ctx.session, "person", _INSERTED, [
        (ctx.source, ext[i], digests[i], ctx.run_id, *(f[i] for f in fields), accounts[i], owners[i],
         move.to_stage, entered[i], entered[i], "null")  # no free attributes: JSON null, as the row path stores
        for i, move in zip(rows, moves, strict=True)
    ])
    new_ids = dict(select_where_in(
        ctx.session, "SELECT external_id, id FROM person WHERE source_system = :source AND external_id IN :values",
        [ext[i] for i in rows], source=ctx.source,
    ))
    ids = [int(new_ids[ext[i]]) for i in rows]
    ctx.moves.record([(pid, move, {}) for pid, move in zip(ids, moves, strict=True)])
    ctx.people_changed((), {pid: move.at for pid, move in zip(ids, moves, strict=True)})
    ctx.counts.inserted += len(rows)


def _stored_entries(ctx: Context, batch: ColumnBatch) -> list[Any]:
    """Each row's entry time (its `created_at`, else now) in the form `UtcDateTime` stores it (on SQLite the
    text the reading thread made from the whole column; converting a datetime at a time cost 4 s a million)."""
    now = timestamp_param(ctx.session, ctx.now)
    if "created_at" not in batch.columns:
        return [now] * batch.size
    if ctx.session.get_bind().dialect.name == "sqlite":
        times: list[Any] = batch.stored("created_at")
    else:
        times = pc.cast(batch.columns["created_at"], pa.timestamp("us")).to_pylist()
    return [now if at is None else at for at in times]


def _converted(batch: ColumnBatch, i: int) -> Converted:
    """Row `i` as the row path holds it (a columnar plan has no free attributes)."""
    values = {name: batch.values(name)[i] for name in batch.columns}
    return Converted(batch.first_line + i, values, None, batch.digests[i])


def _values(
    ctx: Context, batch: ColumnBatch, i: int, accounts: list[int | None], owners: list[int | None]
) -> dict[str, Any]:
    """The stored columns of row `i`, as `people._values` makes them."""
    values: dict[str, Any] = {name: batch.values(name)[i] for name in _FIELDS}
    values.update(account_id=accounts[i], owner_id=owners[i], row_hash=batch.digests[i], import_run_id=ctx.run_id,
                  attributes=None)
    return values

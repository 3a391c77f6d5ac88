"""Writing a converted column batch of touchpoints: the same rules as `writers.write_touchpoints`, one
query per lookup and one driver-level INSERT per batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from revcycle.cycle.tables import Touchpoint
from revcycle.ingest.columnar import ColumnBatch, NeedsRows
from revcycle.ingest.upsert import Context
from revcycle.store.bulk import insert_rows, select_where_in

__all__ = ["write_touchpoint_columns"]

_COLUMNS = (
    "type",
    "channel",
    "content",
    "content_stage",
    "url",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
)


# Keys kept between batches of one import (people, campaigns and users do not change in it); a first batch
# naming _READ_ALL keys or more reads every key of the table at once (when it has no more than _REMEMBERED).
_REMEMBERED = 2_000_000
_READ_ALL = 10_000


class _Lookup:
    """Keys of one table.column already looked up in the store, and their ids, as arrays: a batch's column is
    matched against them in Arrow (hashing in C), and only keys not seen before go to the database. When the
    first batch names many keys, and the table is not too large, every key is read at once instead."""

    def __init__(self) -> None:
        self.keys: pa.Array = pa.array([], pa.string())
        self.ids = np.empty(0, dtype=np.int64)
        self.complete = False  # every key of the table (for this source) is here

    def ids_of(self, ctx: Context, table: str, column: str, values: pa.Array) -> pa.Array:
        """Each value's id (int64), null where the value is empty or the store has no such key."""
        found = pc.index_in(values, value_set=self.keys)
        unseen = pc.unique(pc.filter(values, pc.and_(pc.is_null(found), pc.is_valid(values))))
        if len(unseen) and not self.complete:
            source = "" if column == "email" else "source_system = :source AND "
            if not len(self.keys) and len(unseen) >= _READ_ALL:
                self.complete = self._read_all(ctx, table, column, source)
            if not self.complete:
                if len(self.keys) + len(unseen) > _REMEMBERED:
                    self.keys, self.ids = pa.array([], pa.string()), np.empty(0, dtype=np.int64)
                    unseen = pc.unique(values.drop_null())
                self._add(select_where_in(
                    ctx.session, f"SELECT {column}, id FROM {table} WHERE {source}{column} IN :values",
                    unseen.to_pylist(), source=ctx.source,
                ))
            found = pc.index_in(values, value_set=self.keys)
        return pc.take(pa.array(self.ids), found)

    def _read_all(self, ctx: Context, table: str, column: str, source: str) -> bool:
        params = {"source": ctx.source} if source else {}
        rows = ctx.session.execute(text(
            f"SELECT {column}, id FROM {table} WHERE {source}{column} IS NOT NULL LIMIT {_REMEMBERED + 1}"
        ), params).all()
        if len(rows) > _REMEMBERED:
            return False
        self._add(rows)
        return True

    def _add(self, rows: Sequence[Any]) -> None:
        if rows:
            keys, ids = zip(*rows, strict=True)
            self.keys = pa.concat_arrays([self.keys, pa.array(keys, pa.string())])
            self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])


def _ids(ctx: Context, batch: ColumnBatch, name: str, table: str, column: str) -> pa.Array:
    """The ids the batch's `name` column refers to (null where it is empty, or where the file lacks it)."""
    if name not in batch.columns:
        return pa.nulls(batch.size, pa.int64())
    lookup = ctx.ids_seen.setdefault(f"{table}.{column}", _Lookup())
    return lookup.ids_of(ctx, table, column, batch.columns[name])


def _list(batch: ColumnBatch, name: str) -> list[Any]:
    return batch.values(name)


def write_touchpoint_columns(ctx: Context, batch: ColumnBatch) -> None:
    """Insert the batch's new touchpoints, update changed ones, reject rows naming unknown people."""
    ext = _list(batch, "external_id")
    if len(set(ext)) != len(ext):
        raise NeedsRows("repeated external ids in the batch")
    if ctx.new_source is None:
        stored = text("SELECT 1 FROM touchpoint WHERE source_system = :source LIMIT 1")
        ctx.new_source = ctx.session.execute(stored, {"source": ctx.source}).first() is None
    existing = {} if ctx.new_source else {  # a source never seen before has no stored ids to look up
        row[0]: row[1:]
        for row in select_where_in(
            ctx.session,
            "SELECT external_id, id, row_hash, import_run_id, person_id FROM touchpoint "
            "WHERE source_system = :source AND external_id IN :values",
            ext,
            source=ctx.source,
        )
    }
    repeats = ctx.unchanged.repeats(existing, zip(ext, batch.digests, strict=True))
    if repeats or any(found[2] == ctx.run_id for found in existing.values()):
        raise NeedsRows("an id repeated from an earlier batch")
    people = _ids(ctx, batch, "person_external_id", "person", "external_id")
    if _filled(batch, "person_email"):  # the person's key when given, else their email
        by_email = _ids(ctx, batch, "person_email", "person", "email")
        keys = batch.columns.get("person_external_id")
        people = by_email if keys is None else pc.if_else(pc.is_valid(keys), people, by_email)
    found = {name: _ids(ctx, batch, name, table, "external_id")
             for name, table in (("campaign_external_id", "campaign"), ("user_external_id", "app_user"))
             if _filled(batch, name)}
    if people.null_count or any(ids.null_count > batch.columns[name].null_count for name, ids in found.items()):
        raise NeedsRows("unknown references: the row path names each")
    campaigns, users = (found[name].to_pylist() if name in found else None
                        for name in ("campaign_external_id", "user_external_id"))
    _write(ctx, batch, ext, existing, people.to_numpy(), campaigns, users)


def _write(
    ctx: Context,
    batch: ColumnBatch,
    ext: list[str],
    existing: dict[str, Any],
    people: np.ndarray[Any, Any],
    campaigns: list[int | None] | None,
    users: list[int | None] | None,
) -> None:
    stored = _stored_times(ctx, batch)
    empty = [None] * batch.size
    named = {
        "person_id": people.tolist(),
        **{name: _list(batch, name) if _filled(batch, name) else empty for name in _COLUMNS},
        "campaign_id": campaigns if campaigns is not None else empty,
        "user_id": users if users is not None else empty,
    }
    columns = list(named.values())
    kept = [name for name, values in named.items() if values is not empty]  # a column empty in the whole batch
    given = [named[name] for name in kept]  # is left to its default: fewer values for the driver to bind
    digests = batch.digests
    if existing:
        fresh: Sequence[int] = [i for i, key in enumerate(ext) if key not in existing]
        inserts = [(ctx.source, ext[i], digests[i], ctx.run_id, *(c[i] for c in given), stored[i]) for i in fresh]
    else:  # all new: hand the driver the columns zipped, without building per-row lists in Python
        fresh = range(len(ext))
        inserts = list(zip(repeat(ctx.source), ext, digests, repeat(ctx.run_id), *given, stored))
    updates = []
    unchanged = []
    position = {key: i for i, key in enumerate(ext)} if existing else {}
    for key, (id_, digest, _run, _person) in existing.items():
        i = position[key]
        if digest == digests[i]:
            ctx.counts.unchanged += 1
            unchanged.append(key)
            continue
        updates.append(
            dict(zip(("person_id", *_COLUMNS, "campaign_id", "user_id"), (c[i] for c in columns), strict=True))
            | {"id": id_, "row_hash": digests[i], "import_run_id": ctx.run_id,
               "occurred_at": batch.columns["occurred_at"][i].as_py()}
        )
    _insert(ctx, kept, inserts)
    ctx.repo.update(Touchpoint, updates)
    ctx.unchanged.add(unchanged)
    ctx.counts.inserted += len(inserts)
    ctx.counts.updated += len(updates)
    firsts, micros = _first_touches(people, batch.columns["occurred_at"], fresh)
    moved_away = [found[3] for key, found in existing.items() if found[1] != digests[position[key]]]
    ctx.touches_recorded_at([*firsts, *(update["person_id"] for update in updates), *moved_away], firsts, micros)


def _filled(batch: ColumnBatch, name: str) -> bool:
    """Whether the batch has a value in this column on any row."""
    column = batch.columns.get(name)
    return column is not None and column.null_count < len(column)


def _insert(ctx: Context, columns: list[str], rows: list[Any]) -> None:
    """The batch's new touchpoints in one executemany. When lookups were skipped (a new source), an id repeated
    from an earlier batch of the file breaks the unique key: the batch is undone and goes the row path."""
    connection = ctx.session.connection()
    connection.exec_driver_sql("SAVEPOINT touchpoint_batch")
    try:
        insert_rows(
            ctx.session,
            "touchpoint",
            ("source_system", "external_id", "row_hash", "import_run_id", *columns, "occurred_at"),
            rows,
        )
    except IntegrityError as exc:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT touchpoint_batch")
        connection.exec_driver_sql("RELEASE SAVEPOINT touchpoint_batch")
        raise NeedsRows("an id repeated from an earlier batch") from exc
    connection.exec_driver_sql("RELEASE SAVEPOINT touchpoint_batch")


def _first_touches(
    people: np.ndarray[Any, Any], times: pa.Array, rows: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The people with new touches in the batch and the earliest new touch of each, in microseconds since 1970
    (sorted in numpy; no datetime is made for them)."""
    if not len(rows):
        return [], []
    who = people
    when = pc.cast(times, pa.int64()).to_numpy(zero_copy_only=False)
    if not isinstance(rows, range):
        chosen = np.asarray(rows, dtype=np.int64)
        who, when = who[chosen], when[chosen]
    order = np.lexsort((when, who))
    first = order[np.r_[True, who[order][1:] != who[order][:-1]]]
    return who[first].tolist(), when[first].tolist()


def _stored_times(ctx: Context, batch: ColumnBatch) -> list[Any]:
    """Instants in the form `UtcDateTime` stores them, converted for the whole column at once."""
    column = batch.columns["occurred_at"]
    if ctx.session.get_bind().dialect.name == "sqlite":
        return batch.stored("occurred_at")
    naive: list[datetime] = pc.cast(column, pa.timestamp("us")).to_pylist()
    return naive

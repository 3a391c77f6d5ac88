"""Writing a converted column batch of touchpoints: the same rules as `writers.write_touchpoints`, one
query per lookup and one driver-level INSERT per batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from revcycle.cycle.tables import Touchpoint
from revcycle.ingest.columnar import ColumnBatch, NeedsRows
from revcycle.ingest.upsert import Context
from revcycle.ingest.writers import react
from revcycle.pact.schema import CycleEvent
from revcycle.scoring.service import score_touched
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


def _ids(ctx: Context, table: str, column: str, keys: list[Any]) -> dict[str, int]:
    wanted = sorted({key for key in keys if key is not None})
    source = "" if column == "email" else "source_system = :source AND "
    sql = f"SELECT {column}, id FROM {table} WHERE {source}{column} IN :values"
    return {key: id_ for key, id_ in select_where_in(ctx.session, sql, wanted, source=ctx.source)}


def _list(batch: ColumnBatch, name: str) -> list[Any]:
    column = batch.columns.get(name)
    return column.to_pylist() if column is not None else [None] * batch.size


def write_touchpoint_columns(ctx: Context, batch: ColumnBatch) -> None:
    """Insert the batch's new touchpoints, update changed ones, reject rows naming unknown people."""
    ext = _list(batch, "external_id")
    if len(set(ext)) != len(ext):
        raise NeedsRows("repeated external ids in the batch")
    existing = {
        row[0]: row[1:]
        for row in select_where_in(
            ctx.session,
            "SELECT external_id, id, row_hash, import_run_id FROM touchpoint "
            "WHERE source_system = :source AND external_id IN :values",
            ext,
            source=ctx.source,
        )
    }
    if any(found[2] == ctx.run_id for found in existing.values()):
        raise NeedsRows("an id repeated from an earlier batch")
    person_keys, person_emails = _list(batch, "person_external_id"), _list(batch, "person_email")
    by_key = _ids(ctx, "person", "external_id", person_keys)
    by_email = _ids(ctx, "person", "email", person_emails)
    campaigns = _ids(ctx, "campaign", "external_id", _list(batch, "campaign_external_id"))
    users = _ids(ctx, "app_user", "external_id", _list(batch, "user_external_id"))
    people = [
        by_key.get(k) if k is not None else by_email.get(e) for k, e in zip(person_keys, person_emails, strict=True)
    ]
    wanted = [_list(batch, "campaign_external_id"), _list(batch, "user_external_id")]
    if any(p is None for p in people) or any(
        key is not None and key not in known
        for keys, known in zip(wanted, (campaigns, users), strict=True)
        for key in keys
    ):
        raise NeedsRows("unknown references: the row path names each")
    _write(ctx, batch, ext, existing, people, campaigns, users)


def _write(
    ctx: Context,
    batch: ColumnBatch,
    ext: list[str],
    existing: dict[str, Any],
    people: list[Any],
    campaigns: dict[str, int],
    users: dict[str, int],
) -> None:
    stored = _stored_times(ctx, batch.columns["occurred_at"])
    campaign_ids = [campaigns.get(k) if k else None for k in _list(batch, "campaign_external_id")]
    user_ids = [users.get(k) if k else None for k in _list(batch, "user_external_id")]
    columns = [people, *(_list(batch, name) for name in _COLUMNS), campaign_ids, user_ids]
    digests = batch.digests
    if existing:
        fresh: Sequence[int] = [i for i, key in enumerate(ext) if key not in existing]
        inserts = [(ctx.source, ext[i], digests[i], ctx.run_id, *(c[i] for c in columns), stored[i]) for i in fresh]
    else:  # all new: hand the driver the columns zipped, without building per-row lists in Python
        fresh = range(len(ext))
        inserts = list(zip(repeat(ctx.source), ext, digests, repeat(ctx.run_id), *columns, stored))
    updates = []
    position = {key: i for i, key in enumerate(ext)} if existing else {}
    for key, (id_, digest, _run) in existing.items():
        i = position[key]
        if digest == digests[i]:
            ctx.counts.unchanged += 1
            continue
        updates.append(
            dict(zip(("person_id", *_COLUMNS, "campaign_id", "user_id"), (c[i] for c in columns), strict=True))
            | {"id": id_, "row_hash": digests[i], "import_run_id": ctx.run_id,
               "occurred_at": batch.columns["occurred_at"][i].as_py()}
        )
    insert_rows(
        ctx.session,
        "touchpoint",
        (
            "source_system",
            "external_id",
            "row_hash",
            "import_run_id",
            "person_id",
            *_COLUMNS,
            "campaign_id",
            "user_id",
            "occurred_at",
        ),
        inserts,
    )
    ctx.repo.update(Touchpoint, updates)
    ctx.counts.inserted += len(inserts)
    ctx.counts.updated += len(updates)
    first = _first_touches(people, batch.columns["occurred_at"], fresh)
    react(ctx, [(pid, CycleEvent.TOUCHPOINT_RECORDED, at) for pid, at in first.items()])
    score_touched(ctx, [*first, *(update["person_id"] for update in updates)])


def _first_touches(people: list[Any], times: pa.Array, rows: Sequence[int]) -> dict[int, datetime]:
    """Each person's earliest new touch in the batch (grouped by Arrow, not row by row)."""
    if not isinstance(rows, range):
        people, times = [people[i] for i in rows], times.take(pa.array(rows, pa.int64()))
    table = pa.table({"person": pa.array(people, pa.int64()), "at": times})
    earliest = table.group_by("person").aggregate([("at", "min")])
    return dict(zip(earliest.column("person").to_pylist(), earliest.column("at_min").to_pylist(), strict=True))


def _stored_times(ctx: Context, column: pa.Array) -> list[Any]:
    """Instants in the form `UtcDateTime` stores them, converted for the whole column at once."""
    if ctx.session.get_bind().dialect.name == "sqlite":
        return pc.strftime(column, format="%Y-%m-%d %H:%M:%S").to_pylist()  # type: ignore[no-any-return]
    naive: list[datetime] = pc.cast(column, pa.timestamp("us")).to_pylist()
    return naive

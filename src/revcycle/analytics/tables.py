"""The columns analytics reads from each store table, with one type per column on every engine."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.types as ir

__all__ = ["COLUMNS", "Tables", "normalized", "nullable", "union"]

# Amounts become float64 (SQLite has no decimal), instants naive-UTC timestamps, ids int64.
COLUMNS: dict[str, dict[str, str]] = {
    "team": {"id": "int64", "name": "string", "function": "string"},
    "app_user": {"id": "int64", "name": "string", "email": "string", "team_id": "int64"},
    "account": {"id": "int64", "industry": "string", "employees": "int64", "country": "string", "owner_id": "int64"},
    "campaign": {"id": "int64", "name": "string", "channel": "string", "start_date": "timestamp", "cost": "float64"},
    "person": {
        "id": "int64",
        "account_id": "int64",
        "owner_id": "int64",
        "stage": "string",
        "seniority": "string",
        "created_at": "timestamp",
    },
    "touchpoint": {
        "id": "int64",
        "person_id": "int64",
        "type": "string",
        "channel": "string",
        "campaign_id": "int64",
        "content": "string",
        "content_stage": "string",
        "occurred_at": "timestamp",
        "user_id": "int64",
    },
    "opportunity": {
        "id": "int64",
        "account_id": "int64",
        "person_id": "int64",
        "owner_id": "int64",
        "amount": "float64",
        "currency": "string",
        "kind": "string",
        "status": "string",
        "created_at": "timestamp",
        "closed_at": "timestamp",
    },
    "opportunity_contact": {"opportunity_id": "int64", "person_id": "int64", "role": "string"},
    "stage_change": {"id": "int64", "person_id": "int64", "to_stage": "string", "at": "timestamp", "kind": "string"},
    "fx_rate": {"currency": "string", "quote": "string", "rate": "float64", "valid_from": "timestamp"},
}


def normalized(raw: ir.Table, name: str) -> ir.Table:
    """The table's analytic columns, cast to the types every engine agrees on.

    A column already of the right kind is left alone: a cast on a key column stops SQLite using its index.
    """
    columns = {}
    for column, kind in COLUMNS[name].items():
        value = raw[column]
        target = ibis.dtype(kind)
        same = type(value.type()) is type(target)
        columns[column] = value if same else value.cast(target)
    return raw.select(**columns)


@dataclass(frozen=True)
class Tables:
    """The store's tables as Ibis expressions on one engine; reports build their queries from these."""

    team: ir.Table
    app_user: ir.Table
    account: ir.Table
    campaign: ir.Table
    person: ir.Table
    touchpoint: ir.Table
    opportunity: ir.Table
    opportunity_contact: ir.Table
    stage_change: ir.Table
    fx_rate: ir.Table
    currency: str = "USD"  # the one currency amounts are summed in (the pact's); see `amounts.valued`
    paths: str = "ordered"  # how path strings are built: "ordered" concat, sorted "arrays", or "unordered"
    native_quantiles: bool = True  # an exact percentile aggregate exists (all but SQLite)
    materialize: bool = False  # keep shared intermediate tables (first touches, reach) on the engine
    _shared: dict[Hashable, ir.Table] = field(default_factory=dict, compare=False, repr=False)
    _censuses: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # see `amounts.census`

    def in_currency(self, currency: str) -> Tables:
        """These tables with amounts summed in `currency` (intermediate tables already built are shared)."""
        return replace(self, currency=currency.strip().upper())

    def shared(self, key: Hashable, build: Callable[[], ir.Table], index: str = "person_id") -> ir.Table:
        """An intermediate table many queries read: built once and, when `materialize` is on, computed once
        on the engine (Ibis `cache`, a temporary table) the first time a report asks for it."""
        if key not in self._shared:
            table = build()
            # Ibis infers NOT NULL for some aggregates that can be null (a filtered min), and SQLite
            # enforces it on the cached table: every cached column is declared nullable.
            self._shared[key] = _indexed(nullable(table).cache(), index) if self.materialize else table
        return self._shared[key]

    def release(self) -> None:
        """Drop the engine's cached tables (before its connection closes, so no finalizer runs on a closed one)."""
        while self._shared:
            _, table = self._shared.popitem()
            if isinstance(table, ir.CachedTable):
                table.release()


def _indexed(cached: ir.Table, column: str) -> ir.Table:
    """SQLite joins a temporary table by scanning it for every row unless it has an index: give it one
    on the column it is joined on (once: Ibis hands out one cached table for equal expressions, which two
    shared keys can build, e.g. the members of two person-level journey specs). Other engines hash-join."""
    backend = cached._find_backend()
    if backend.name == "sqlite" and column in cached.columns:
        name = cached.op().name
        backend.raw_sql(f'CREATE INDEX IF NOT EXISTS "ix_{name}" ON "{name}" ("{column}")').close()
    return cached


def nullable(table: ir.Table) -> ir.Table:
    """The table with every column declared nullable."""
    return table.cast(ibis.schema({name: dtype.copy(nullable=True) for name, dtype in table.schema().items()}))


def union(first: ir.Table, *others: ir.Table) -> ir.Table:
    """UNION ALL of tables with the same columns, whatever each side's nullability."""
    return ibis.union(*(nullable(table) for table in (first, *others)))

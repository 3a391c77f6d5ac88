"""Importing people: deduplicated by normalised email, linked to their account (by reference, else by email
domain: see `links`), placed in their first stage through the revenue cycle's state machine."""

from __future__ import annotations

from typing import Any

from revcycle.cycle.model import StageMoved
from revcycle.cycle.tables import Account, AppUser, Person
from revcycle.errors import InvalidTransition
from revcycle.ingest.links import domain_of
from revcycle.ingest.rows import Converted
from revcycle.ingest.upsert import Context, dedupe, repeated

__all__ = ["write_people"]

_FIELDS = ("email", "first_name", "last_name", "title", "seniority", "department", "country", "persona")


def write_people(ctx: Context, batch: list[Converted]) -> None:
    """Insert new people with their entry move; update changed ones, moving stage when the pact allows."""
    rows = dedupe(ctx, batch)
    table: Any = Person.__table__
    existing = ctx.repo.existing(table, ctx.source, [row.values["external_id"] for row in rows])
    by_email = ctx.repo.people_by_email(row.values.get("email") for row in rows)
    accounts = ctx.repo.ids(Account.__table__, ctx.source, (row.values.get("account_external_id") for row in rows))
    domains = ctx.repo.accounts_by_domain(domain_of(row.values.get("email")) for row in rows)
    owners = ctx.repo.ids(AppUser.__table__, ctx.source, (row.values.get("owner_external_id") for row in rows))
    earlier = ctx.unchanged.repeats(existing, ((row.values["external_id"], row.row_hash) for row in rows))
    inserts: list[tuple[Converted, dict[str, Any], StageMoved]] = []
    updates: list[tuple[Converted, dict[str, Any]]] = []
    unchanged: list[str] = []
    emails_in_batch: dict[str, int] = {}
    for row in rows:
        v = row.values
        found = existing.get(v["external_id"])
        email = v.get("email")
        owner = by_email.get(email) if email else None
        if email and email in emails_in_batch:
            ctx.reject(
                row.line,
                "email",
                f'email "{email}" is already on line {emails_in_batch[email]} (people are deduplicated by email)',
            )
            continue
        if owner is not None and found is not None and owner[0] != found[0]:
            ctx.reject(row.line, "email", f'email "{email}" already belongs to another person (#{owner[0]})')
            continue
        if found is None and owner is not None:
            ctx.warn(row.line, "email", f'same email as person #{owner[0]} ("{owner[1]}"): merged into that person')
            found = (owner[0], owner[2], owner[3])
        if email:
            emails_in_batch[email] = row.line
        values = _values(ctx, row, accounts, domains, owners)
        if values is None:
            continue
        if found is None:
            move = _entry(ctx, row)
            if move is not None:
                inserts.append((row, values, move))
        elif found[1] == row.row_hash:
            ctx.counts.unchanged += 1
            if existing.get(v["external_id"]):
                unchanged.append(v["external_id"])
        elif existing.get(v["external_id"]) and (found[2] == ctx.run_id or v["external_id"] in earlier):
            ctx.reject(row.line, "external_id", repeated(v["external_id"]))
        else:
            updates.append((row, {**values, "id": found[0]}))
    ctx.unchanged.add(unchanged)
    _insert(ctx, inserts)
    _update(ctx, updates)


def _values(
    ctx: Context, row: Converted, accounts: dict[str, int], domains: dict[str, int], owners: dict[str, int]
) -> dict[str, Any] | None:
    v = row.values
    account_key, owner_key = v.get("account_external_id"), v.get("owner_external_id")
    if account_key and account_key not in accounts:
        ctx.reject(
            row.line, "account_external_id", f'account "{account_key}" is not in the store (import accounts first)'
        )
        return None
    if owner_key and owner_key not in owners:
        ctx.reject(row.line, "owner_external_id", f'user "{owner_key}" is not in the store (import users first)')
        return None
    values = {name: v.get(name) for name in _FIELDS}
    values["account_id"] = accounts[account_key] if account_key else domains.get(domain_of(v.get("email")) or "")
    values["owner_id"] = owners.get(owner_key or "")
    values.update(row_hash=row.row_hash, import_run_id=ctx.run_id, attributes=row.attributes)
    return values


def _entry(ctx: Context, row: Converted) -> StageMoved | None:
    stage = row.values.get("stage") or ctx.cycle.order[0]
    try:
        return ctx.cycle.enter(
            stage, at=row.values.get("created_at") or ctx.now, actor=ctx.actor, reason=row.values.get("stage_reason")
        )
    except InvalidTransition as exc:
        ctx.reject(row.line, "stage", str(exc))
        return None


def _insert(ctx: Context, inserts: list[tuple[Converted, dict[str, Any], StageMoved]]) -> None:
    rows = [
        {
            **values,
            "source_system": ctx.source,
            "external_id": row.values["external_id"],
            "stage": move.to_stage,
            "stage_entered_at": move.at,
            "created_at": move.at,
        }
        for row, values, move in inserts
    ]
    ids = ctx.repo.insert(Person.__table__, rows, returning=True)
    ctx.moves.record([(pid, move, {}) for pid, (_, _, move) in zip(ids, inserts, strict=True)])
    ctx.people_changed((), {pid: move.at for pid, (_, _, move) in zip(ids, inserts, strict=True)})
    ctx.counts.inserted += len(inserts)


def _update(ctx: Context, updates: list[tuple[Converted, dict[str, Any]]]) -> None:
    states = ctx.moves.stated_states(values["id"] for _, values in updates)
    accounts = ctx.repo.accounts_of([values["id"] for _, values in updates])
    left = [  # an account someone left is rescored without them
        old for old, values in ((accounts.get(values["id"]), values) for _, values in updates)
        if old is not None and old != values["account_id"]
    ]
    moves: list[tuple[int, StageMoved, dict[str, Any]]] = []
    for row, values in updates:
        wanted = row.values.get("stage")
        current, entered = states[values["id"]]
        if row.values.get("created_at"):
            values["created_at"] = row.values["created_at"]
        if not wanted or wanted == current:
            continue
        at = max(row.values.get("created_at") or ctx.now, entered)
        try:
            moves.append(
                (
                    values["id"],
                    ctx.cycle.transition(
                        current, wanted, at=at, actor=ctx.actor, reason=row.values.get("stage_reason")
                    ),
                    {},
                )
            )
        except InvalidTransition as exc:
            ctx.warn(row.line, "stage", f'stage "{wanted}" not applied: {exc}; the other fields were updated')
    ctx.repo.update(Person, [values for _, values in updates])
    ctx.moves.record_stated(moves)
    ctx.people_changed([values["id"] for _, values in updates], left_accounts=left)
    ctx.counts.updated += len(updates)

"""Importing a CRM's stage history: each row one move, checked by the pact's state machine in time order
against the person's stated history (the moves lifecycle rules made are derived again after it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from revcycle.cycle.model import StageMoved
from revcycle.cycle.tables import AppUser, Person, StageChange
from revcycle.errors import InvalidTransition
from revcycle.ingest.rows import Converted
from revcycle.ingest.upsert import Context, dedupe

__all__ = ["write_stages"]


def write_stages(ctx: Context, batch: list[Converted]) -> None:
    """Record each new move if the pact allows it from where the person stands at that time."""
    rows = dedupe(ctx, batch)
    known = _recorded(ctx, [row.values["external_id"] for row in rows])
    by_id = ctx.repo.ids(Person.__table__, ctx.source, (r.values.get("person_external_id") for r in rows))
    by_email = {e: v[0] for e, v in ctx.repo.people_by_email(r.values.get("person_email") for r in rows).items()}
    actors = ctx.repo.ids(AppUser.__table__, ctx.source, (r.values.get("actor_external_id") for r in rows))
    states: dict[int, tuple[str, datetime]] = ctx.moves.stated_states({*by_id.values(), *by_email.values()})
    moves: list[tuple[int, StageMoved, dict[str, Any]]] = []
    for row in rows:
        v = row.values
        if v["external_id"] in known:
            _already(ctx, row, known[v["external_id"]])
            continue
        person = by_id.get(v.get("person_external_id") or "") or by_email.get(v.get("person_email") or "")
        if person is None:
            ref = v.get("person_external_id") or v.get("person_email")
            ctx.reject(row.line, "person_external_id", f'person "{ref}" is not in the store (import the people first)')
            continue
        move = _move(ctx, row, states[person], actors)
        if move is not None:
            moves.append(
                (person, move, {"source_system": ctx.source, "external_id": v["external_id"], "note": v.get("note")})
            )
            states[person] = (move.to_stage, move.at)
            ctx.counts.inserted += 1
    ctx.moves.record_stated(moves)


def _recorded(ctx: Context, external_ids: list[str]) -> dict[str, tuple[str, datetime]]:
    query = select(StageChange.external_id, StageChange.to_stage, StageChange.at).where(
        StageChange.source_system == ctx.source, StageChange.external_id.in_(external_ids)
    )
    return {ext: (to, at) for ext, to, at in ctx.session.execute(query) if ext is not None}


def _already(ctx: Context, row: Converted, recorded: tuple[str, datetime]) -> None:
    if recorded == (row.values["to_stage"], row.values["occurred_at"]):
        ctx.counts.unchanged += 1
    else:
        ctx.reject(
            row.line,
            "external_id",
            f'move "{row.values["external_id"]}" is already recorded as '
            f"{recorded[0]} at {recorded[1]:%Y-%m-%d %H:%M}; a recorded move cannot be changed",
        )


def _move(ctx: Context, row: Converted, state: tuple[str, datetime], actors: dict[str, int]) -> StageMoved | None:
    v = row.values
    current, entered = state
    if v["occurred_at"] < entered:
        ctx.reject(
            row.line,
            "occurred_at",
            f"{v['occurred_at']:%Y-%m-%d %H:%M} is before the person entered "
            f'"{current}" at {entered:%Y-%m-%d %H:%M} (moves must be in time order)',
        )
        return None
    actor_key = v.get("actor_external_id")
    if actor_key and actor_key not in actors:
        ctx.reject(row.line, "actor_external_id", f'user "{actor_key}" is not in the store (import users first)')
        return None
    actor = f"user:{actor_key}" if actor_key else ctx.actor
    try:
        return ctx.cycle.transition(current, v["to_stage"], at=v["occurred_at"], actor=actor, reason=v.get("reason"))
    except InvalidTransition as exc:
        ctx.reject(row.line, "to_stage", str(exc))
        return None

"""What each import kind does with a batch of converted rows: resolve references, write, publish what
happened (the revenue cycle and scoring react through their handlers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import FromClause, select

from revcycle.cycle.events import OpportunityClosed
from revcycle.cycle.moves import opportunity_happenings
from revcycle.cycle.tables import Account, AppUser, Campaign, Opportunity, Person, Touchpoint
from revcycle.ingest.bulk_load import estimated_rows
from revcycle.ingest.fields import Kind
from revcycle.ingest.people import write_people
from revcycle.ingest.rows import Converted
from revcycle.ingest.stages import write_stages
from revcycle.ingest.upsert import Context, dedupe, upsert
from revcycle.pact.schema import CycleEvent
from revcycle.store.base import utc

__all__ = ["COLUMNAR_KINDS", "ROW_PATH_BELOW", "WRITERS", "column_writer", "goes_columnar"]


_PLURAL = {"person": "people", "user": "users", "account": "accounts", "campaign": "campaigns"}


def _table(model: Any) -> FromClause:
    return model.__table__  # type: ignore[no-any-return]


def _resolve(ctx: Context, model: Any, rows: list[Converted], field: str) -> dict[str, int]:
    return ctx.repo.ids(_table(model), ctx.source, (row.values.get(field) for row in rows))


def _missing(ctx: Context, row: Converted, refs: list[tuple[str, dict[str, int], str]]) -> bool:
    """Reject the row if a reference it names is not in the store; True when rejected."""
    for field, known, what in refs:
        value = row.values.get(field)
        if value and value not in known:
            ctx.reject(row.line, field, f'{what} "{value}" is not in the store (import the {_PLURAL[what]} first)')
            return True
    return False


def write_users(ctx: Context, batch: list[Converted]) -> None:
    rows = dedupe(ctx, batch)
    teams = ctx.repo.team_ids(row.values["team"] for row in rows)
    items = [
        (
            row,
            {
                "email": row.values.get("email"),
                "name": row.values.get("name"),
                "team_id": teams[row.values["team"]],
                "time_zone": row.values.get("time_zone"),
                "capacity": row.values.get("capacity"),
                "working_hours": row.values.get("working_hours"),
                "working_days": row.values.get("working_days"),
                "time_off": row.values.get("time_off"),
            },
        )
        for row in rows
    ]
    written = upsert(ctx, AppUser, items, returning=True)
    managers = _resolve(ctx, AppUser, [w.row for w in written], "manager_external_id")
    links = []
    for item in written:
        manager = item.row.values.get("manager_external_id")
        if manager and manager not in managers:
            ctx.warn(item.row.line, "manager_external_id", f'manager "{manager}" is not in the store; left empty')
        elif manager:
            links.append({"id": item.id, "manager_id": managers[manager]})
    ctx.repo.update(AppUser, links)


def write_accounts(ctx: Context, batch: list[Converted]) -> None:
    rows = dedupe(ctx, batch)
    owners = _resolve(ctx, AppUser, rows, "owner_external_id")
    items = []
    for row in rows:
        if _missing(ctx, row, [("owner_external_id", owners, "user")]):
            continue
        v = row.values
        items.append(
            (
                row,
                {
                    "name": v["name"],
                    "domain": v.get("domain"),
                    "industry": v.get("industry"),
                    "employees": v.get("employees"),
                    "country": v.get("country"),
                    "technologies": v.get("technologies"),
                    "owner_id": owners.get(v.get("owner_external_id") or ""),
                    "created_at": v.get("created_at"),
                },
            )
        )
    ctx.accounts_changed(item.id for item in upsert(ctx, Account, items) if not item.new)


def write_campaigns(ctx: Context, batch: list[Converted]) -> None:
    rows = dedupe(ctx, batch)
    items = []
    for row in rows:
        v = row.values
        if v.get("start_date") and v.get("end_date") and v["end_date"] < v["start_date"]:
            ctx.reject(row.line, "end_date", "the campaign ends before it starts")
            continue
        items.append(
            (
                row,
                {
                    "name": v["name"],
                    "channel": v.get("channel"),
                    "start_date": v.get("start_date"),
                    "end_date": v.get("end_date"),
                    "cost": v.get("cost"),
                    "currency": v.get("currency") or "USD",
                },
            )
        )
    upsert(ctx, Campaign, items)


def _people(ctx: Context, rows: list[Converted], id_field: str, email_field: str) -> dict[tuple[str, str], int]:
    by_id = _resolve(ctx, Person, rows, id_field)
    by_email = ctx.repo.people_by_email(row.values.get(email_field) for row in rows)
    found = {("id", key): value for key, value in by_id.items()}
    found.update({("email", key): value[0] for key, value in by_email.items()})
    return found


def _person_of(
    ctx: Context, row: Converted, people: dict[tuple[str, str], int], id_field: str, email_field: str
) -> int | None:
    """The person a row refers to, or None after rejecting the row."""
    key = row.values.get(id_field)
    email = row.values.get(email_field)
    if not key and not email:
        ctx.reject(row.line, id_field, f"give {id_field} or {email_field}")
        return None
    person = people.get(("id", str(key))) if key else people.get(("email", str(email)))
    if person is None:
        ctx.reject(
            row.line,
            id_field if key else email_field,
            f'person "{key or email}" is not in the store (import the people first)',
        )
    return person


def write_touchpoints(ctx: Context, batch: list[Converted]) -> None:
    rows = dedupe(ctx, batch)
    people = _people(ctx, rows, "person_external_id", "person_email")
    campaigns = _resolve(ctx, Campaign, rows, "campaign_external_id")
    users = _resolve(ctx, AppUser, rows, "user_external_id")
    items = []
    for row in rows:
        person = _person_of(ctx, row, people, "person_external_id", "person_email")
        if person is None or _missing(
            ctx, row, [("campaign_external_id", campaigns, "campaign"), ("user_external_id", users, "user")]
        ):
            continue
        v = row.values
        items.append(
            (
                row,
                {
                    "person_id": person,
                    "type": v["type"],
                    "channel": v.get("channel"),
                    "campaign_id": campaigns.get(v.get("campaign_external_id") or ""),
                    "content": v.get("content"),
                    "content_stage": v.get("content_stage"),
                    "url": v.get("url"),
                    "utm_source": v.get("utm_source"),
                    "utm_medium": v.get("utm_medium"),
                    "utm_campaign": v.get("utm_campaign"),
                    "utm_term": v.get("utm_term"),
                    "utm_content": v.get("utm_content"),
                    "occurred_at": v["occurred_at"],
                    "user_id": users.get(v.get("user_external_id") or ""),
                },
            )
        )
    before = ctx.repo.ids(  # the person each stored touch belonged to: a changed touch may have moved
        _table(Touchpoint), ctx.source, (row.values["external_id"] for row, _ in items), column="person_id"
    )
    written = upsert(ctx, Touchpoint, items)
    first: dict[int, datetime] = {}
    for item in written:
        if item.new:
            pid, at = item.values["person_id"], item.values["occurred_at"]
            first[pid] = min(first.get(pid, at), at)
    moved_away = (before[item.row.values["external_id"]] for item in written if not item.new)
    ctx.touches_recorded([*(item.values["person_id"] for item in written), *moved_away], first)


def write_opportunities(ctx: Context, batch: list[Converted]) -> None:
    rows = [row for row in dedupe(ctx, batch) if _dates_ok(ctx, row)]
    people = _resolve(ctx, Person, rows, "person_external_id")
    contacts = ctx.repo.ids(
        _table(Person), ctx.source, (c for row in rows for c in row.values.get("contact_external_ids") or [])
    )
    accounts = _resolve(ctx, Account, rows, "account_external_id")
    owners = _resolve(ctx, AppUser, rows, "owner_external_id")
    person_accounts: dict[int, int | None] = {
        key: value
        for key, value in ctx.session.execute(
            select(Person.id, Person.account_id).where(Person.id.in_(list(people.values())))
        )
    }
    old = _statuses(ctx, [row.values["external_id"] for row in rows])
    items = []
    for row in rows:
        missing_contact = next((c for c in row.values.get("contact_external_ids") or [] if c not in contacts), None)
        if missing_contact:
            ctx.reject(
                row.line,
                "contact_external_ids",
                f'person "{missing_contact}" is not in the store (import the people first)',
            )
            continue
        if _missing(
            ctx,
            row,
            [
                ("person_external_id", people, "person"),
                ("account_external_id", accounts, "account"),
                ("owner_external_id", owners, "user"),
            ],
        ):
            continue
        v = row.values
        person = people.get(v.get("person_external_id") or "")
        items.append(
            (
                row,
                {
                    "name": v.get("name"),
                    "person_id": person,
                    "owner_id": owners.get(v.get("owner_external_id") or ""),
                    "account_id": accounts.get(v.get("account_external_id") or "")
                    or (person_accounts.get(person) if person else None),
                    "amount": v.get("amount"),
                    "currency": v.get("currency") or "USD",
                    "kind": v.get("kind") or "new_business",
                    "status": v.get("status") or "open",
                    "stage": v.get("stage"),
                    "created_at": v.get("created_at"),
                    "closed_at": v.get("closed_at"),
                    "lost_reason": v.get("lost_reason"),
                },
            )
        )
    written = upsert(ctx, Opportunity, items, returning=True)
    ctx.repo.replace_contacts(
        {
            w.id: ([(w.values["person_id"], "primary")] if w.values["person_id"] else [])
            + [
                (contacts[c], None)
                for c in w.row.values.get("contact_external_ids") or []
                if contacts[c] != w.values["person_id"]
            ]
            for w in written
        }
    )
    _check_won_before_first_touch(ctx, written)
    events: list[OpportunityClosed] = []
    for w in written:
        events += _opportunity_events(w.values, None if w.new else old.get(w.row.values["external_id"]), ctx.now)
    ctx.opportunities_recorded(events)


def _dates_ok(ctx: Context, row: Converted) -> bool:
    v = row.values
    if (v.get("status") in ("won", "lost")) and not v.get("closed_at"):
        ctx.reject(row.line, "closed_at", f"a {v['status']} opportunity needs closed_at")
        return False
    if v.get("created_at") and v.get("closed_at") and v["closed_at"] < v["created_at"]:
        ctx.reject(row.line, "closed_at", f"closed at {v['closed_at']:%Y-%m-%d %H:%M}, before it was created")
        return False
    return True


def _statuses(ctx: Context, external_ids: list[str]) -> dict[str, str]:
    query = select(Opportunity.external_id, Opportunity.status).where(
        Opportunity.source_system == ctx.source, Opportunity.external_id.in_(external_ids)
    )
    return {ext: status for ext, status in ctx.session.execute(query) if ext is not None}


def _opportunity_events(values: dict[str, Any], old_status: str | None, now: datetime) -> list[OpportunityClosed]:
    """What changed about an opportunity, at its own times: opened (when new), then won or lost (when its
    status became so)."""
    person = values["person_id"]
    if person is None:
        return []
    happened = opportunity_happenings(values["created_at"], values["closed_at"], values["status"], now)
    if old_status is not None:
        happened = [(event, at) for event, at in happened
                    if event is not CycleEvent.OPPORTUNITY_CREATED and values["status"] != old_status]
    return [OpportunityClosed(person, event.value, at) for event, at in happened]


def _check_won_before_first_touch(ctx: Context, written: list[Any]) -> None:
    won = [w for w in written if w.values["status"] == "won" and w.values["person_id"]]
    firsts = ctx.moves.repo.first_touch_times(w.values["person_id"] for w in won)
    created: dict[int, datetime] = {
        key: value
        for key, value in ctx.session.execute(
            select(Person.id, Person.created_at).where(Person.id.in_([w.values["person_id"] for w in won]))
        )
    }
    for w in won:
        pid = w.values["person_id"]
        first = min(filter(None, [firsts.get(pid), _aware(created.get(pid))]), default=None)
        if first is not None and w.values["closed_at"] < first:
            ctx.warn(
                w.row.line,
                "closed_at",
                f'opportunity "{w.row.values["external_id"]}" was won at '
                f"{w.values['closed_at']:%Y-%m-%d %H:%M} UTC, before its lead's first contact at "
                f"{first:%Y-%m-%d %H:%M} UTC",
            )


def _aware(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


WRITERS: dict[Kind, Callable[[Context, list[Converted]], None]] = {
    Kind.USERS: write_users,
    Kind.ACCOUNTS: write_accounts,
    Kind.CAMPAIGNS: write_campaigns,
    Kind.PEOPLE: write_people,
    Kind.STAGES: write_stages,
    Kind.TOUCHPOINTS: write_touchpoints,
    Kind.OPPORTUNITIES: write_opportunities,
}


COLUMNAR_KINDS = frozenset({Kind.TOUCHPOINTS, Kind.PEOPLE})  # CSV files that may go columnar
# People and accounts files smaller than this go the row path: loading Arrow and DuckDB for them costs more
# than converting their rows one by one (a one-row people import would wait about 0.4 s longer)
ROW_PATH_BELOW = 2_000


def goes_columnar(kind: Kind, path: Path, from_rows: int) -> bool:
    """Whether a CSV file of this kind is worth the columnar path (touchpoint files always are)."""
    if kind is Kind.TOUCHPOINTS:
        return True
    return kind in COLUMNAR_KINDS and (from_rows <= 0 or estimated_rows(path) >= from_rows)


def column_writer(kind: Kind) -> Callable[[Any, Any], None]:
    """The writer of a converted column batch of this kind (loaded when used: it brings Arrow and numpy)."""
    if kind is Kind.PEOPLE:
        from revcycle.ingest.people_fast import write_people_columns

        return write_people_columns
    if kind is Kind.ACCOUNTS:
        from revcycle.ingest.accounts_fast import write_account_columns

        return write_account_columns
    from revcycle.ingest.touchpoints_fast import write_touchpoint_columns

    return write_touchpoint_columns

"""The canonical fields of each import kind (docs/imports.md), with their types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["KINDS", "FieldSpec", "Kind", "fields_of"]


class Kind(StrEnum):
    """What a file holds."""

    USERS = "users"
    ACCOUNTS = "accounts"
    CAMPAIGNS = "campaigns"
    PEOPLE = "people"
    STAGES = "stages"
    TOUCHPOINTS = "touchpoints"
    OPPORTUNITIES = "opportunities"


@dataclass(frozen=True)
class FieldSpec:
    """One canonical column: its name, type (a converter name in `model.py`) and whether it is required."""

    name: str
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()


def _f(name: str, type_: str = "text", required: bool = False, choices: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, type_, required, choices)


SENIORITIES = ("ic", "manager", "director", "vp", "c_level", "owner")
_ID = _f("external_id", required=True)

KINDS: dict[Kind, tuple[FieldSpec, ...]] = {
    Kind.USERS: (
        _ID,
        _f("email", "email"),
        _f("name"),
        _f("team", "choice", True, ("marketing", "sdr", "ae", "manager")),
        _f("time_zone", "zone"),
        _f("capacity", "count"),
        _f("manager_external_id"),
        _f("working_hours", "hours"),
        _f("working_days", "weekdays"),
        _f("time_off", "periods"),
    ),
    Kind.ACCOUNTS: (
        _ID,
        _f("name", required=True),
        _f("domain", "domain"),
        _f("industry"),
        _f("employees", "count"),
        _f("country"),
        _f("technologies", "list"),
        _f("owner_external_id"),
        _f("created_at", "timestamp"),
    ),
    Kind.CAMPAIGNS: (
        _ID,
        _f("name", required=True),
        _f("channel"),
        _f("start_date", "date"),
        _f("end_date", "date"),
        _f("cost", "money"),
        _f("currency", "currency"),
    ),
    Kind.PEOPLE: (
        _ID,
        _f("email", "email"),
        _f("first_name"),
        _f("last_name"),
        _f("title"),
        _f("seniority", "choice", False, SENIORITIES),
        _f("department"),
        _f("country"),
        _f("persona"),
        _f("account_external_id"),
        _f("stage"),
        _f("stage_reason"),
        _f("owner_external_id"),
        _f("created_at", "timestamp"),
    ),
    Kind.STAGES: (
        _ID,
        _f("person_external_id"),
        _f("person_email", "email"),
        _f("to_stage", required=True),
        _f("occurred_at", "timestamp", True),
        _f("reason"),
        _f("actor_external_id"),
        _f("note"),
    ),
    Kind.TOUCHPOINTS: (
        _ID,
        _f("person_external_id"),
        _f("person_email", "email"),
        _f("type", required=True),
        _f("channel"),
        _f("campaign_external_id"),
        _f("content"),
        _f("content_stage", "choice", False, ("top", "middle", "bottom")),
        _f("url"),
        _f("utm_source"),
        _f("utm_medium"),
        _f("utm_campaign"),
        _f("utm_term"),
        _f("utm_content"),
        _f("occurred_at", "timestamp", True),
        _f("user_external_id"),
    ),
    Kind.OPPORTUNITIES: (
        _ID,
        _f("name"),
        _f("account_external_id"),
        _f("person_external_id"),
        _f("contact_external_ids", "list"),
        _f("owner_external_id"),
        _f("amount", "money"),
        _f("currency", "currency"),
        _f("kind", "choice", False, ("new_business", "renewal", "add_on")),
        _f("status", "choice", False, ("open", "won", "lost")),
        _f("stage"),
        _f("created_at", "timestamp"),
        _f("closed_at", "timestamp"),
        _f("lost_reason"),
    ),
}


def fields_of(kind: Kind) -> dict[str, FieldSpec]:
    """The fields of a kind by name, in canonical order."""
    return {spec.name: spec for spec in KINDS[kind]}

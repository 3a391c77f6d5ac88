"""The revenue cycle's tables: who, which company, what they did, what was sold, every stage move."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revcycle.store.base import Base, UtcDateTime

__all__ = [
    "Account",
    "AppUser",
    "Campaign",
    "Opportunity",
    "OpportunityContact",
    "Person",
    "StageChange",
    "Team",
    "Touchpoint",
]

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite only auto-increments INTEGER PRIMARY KEY


class _Sourced:
    """A record that came from a source system and is matched on re-import by its external id."""

    source_system: Mapped[str] = mapped_column(String(40), default="revcycle")
    external_id: Mapped[str | None] = mapped_column(String(200))
    row_hash: Mapped[str | None] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # the import that last wrote the row


class Team(Base):
    """A team: marketing, SDR, AE or managers."""

    __tablename__ = "team"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    function: Mapped[str] = mapped_column(String(20))


class AppUser(_Sourced, Base):
    """Someone on the revenue team (a marketer, an SDR, an AE, a manager)."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("source_system", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    capacity: Mapped[int | None] = mapped_column(Integer)
    working_hours: Mapped[str | None] = mapped_column(String(20))
    working_days: Mapped[list[str] | None] = mapped_column(JSON)
    time_off: Mapped[list[str] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)


class Account(_Sourced, Base):
    """A company: the prospect or customer people work for."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("source_system", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    industry: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(80))
    technologies: Mapped[list[str] | None] = mapped_column(JSON)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Campaign(_Sourced, Base):
    """A marketing campaign and what it cost."""

    __tablename__ = "campaign"
    __table_args__ = (UniqueConstraint("source_system", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str | None] = mapped_column(String(80))
    start_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")


class Person(_Sourced, Base):
    """A human at a prospect or customer: a lead, a contact."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("source_system", "external_id"), UniqueConstraint("email"))
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(200))
    seniority: Mapped[str | None] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(80))
    persona: Mapped[str | None] = mapped_column(String(80))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    stage: Mapped[str] = mapped_column(String(40), index=True)
    stage_entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Touchpoint(_Sourced, Base):
    """One interaction: a page view, a download, a webinar, a form, an email, a call, a meeting."""

    __tablename__ = "touchpoint"
    __table_args__ = (
        # an index, not a table constraint, so a bulk load can drop and rebuild it (see ingest/bulk_load.py)
        Index("uq_touchpoint_source_system_external_id", "source_system", "external_id", unique=True),
        Index("ix_touchpoint_person_time", "person_id", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    type: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str | None] = mapped_column(String(80))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    content: Mapped[str | None] = mapped_column(String(300))
    content_stage: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(Text)
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    utm_term: Mapped[str | None] = mapped_column(String(200))
    utm_content: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class Opportunity(_Sourced, Base):
    """A deal: amount, owner, stage, and how it closed."""

    __tablename__ = "opportunity"
    __table_args__ = (UniqueConstraint("source_system", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(300))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    kind: Mapped[str] = mapped_column(String(20), default="new_business")
    status: Mapped[str] = mapped_column(String(10), default="open")
    stage: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lost_reason: Mapped[str | None] = mapped_column(String(200))


class OpportunityContact(Base):
    """A person on a deal (the buying group)."""

    __tablename__ = "opportunity_contact"
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    role: Mapped[str | None] = mapped_column(String(60))


class StageChange(Base):
    """One recorded move of a person through the revenue cycle."""

    __tablename__ = "stage_change"
    __table_args__ = (
        UniqueConstraint("source_system", "external_id"),
        Index("ix_stage_change_person_at", "person_id", "at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    from_stage: Mapped[str | None] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12))
    pact_version_id: Mapped[int | None] = mapped_column(ForeignKey("pact_version.id"))
    source_system: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))

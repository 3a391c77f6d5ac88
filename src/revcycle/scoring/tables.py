"""Scoring's tables: each person's current score, the rule hits it is the sum of, its history, accounts' scores.

Every points column holds hundredths of a point (decayed points stay exact integers).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from revcycle.cycle.tables import Id
from revcycle.store.base import Base, UtcDateTime

__all__ = ["AccountScore", "PersonScore", "ScoreChange", "ScoreHit"]


class PersonScore(Base):
    """A person's scores as of the last time they were scored."""

    __tablename__ = "person_score"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    fit: Mapped[int] = mapped_column(BigInteger)
    engagement: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger, index=True)
    qualified: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    pact_version_id: Mapped[int | None] = mapped_column(ForeignKey("pact_version.id"))


class ScoreHit(Base):
    """One rule hit behind a person's current score: counted = points - decayed - limited - capped."""

    __tablename__ = "score_hit"
    __table_args__ = (Index("ix_score_hit_person_id", "person_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(Id)  # no foreign key: derived rows, rewritten by each rescore in bulk
    rule: Mapped[str] = mapped_column(String(80))
    grp: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    touchpoint_id: Mapped[int | None] = mapped_column(BigInteger)  # no foreign key: touchpoints are re-imported
    times: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)
    decayed: Mapped[int] = mapped_column(BigInteger)
    limited: Mapped[int] = mapped_column(BigInteger)
    capped: Mapped[int] = mapped_column(BigInteger)


class ScoreChange(Base):
    """A person's scores each time they changed: the score history."""

    __tablename__ = "score_change"
    __table_args__ = (Index("ix_score_change_person_at", "person_id", "at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    fit: Mapped[int] = mapped_column(BigInteger)
    engagement: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    qualified: Mapped[bool] = mapped_column(Boolean)
    cause: Mapped[str] = mapped_column(String(80))
    pact_version_id: Mapped[int | None] = mapped_column(ForeignKey("pact_version.id"))


class AccountScore(Base):
    """An account's score from its buying group: the best fit plus the engagement of its most engaged people."""

    __tablename__ = "account_score"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    fit: Mapped[int] = mapped_column(BigInteger)
    engagement: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger, index=True)
    people: Mapped[int] = mapped_column(Integer)
    engaged_people: Mapped[int] = mapped_column(Integer)
    qualified_people: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)

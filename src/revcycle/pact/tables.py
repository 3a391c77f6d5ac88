"""Stored pact versions: who applied which text when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from revcycle.cycle.tables import Id
from revcycle.store.base import Base, UtcDateTime

__all__ = ["PactVersion"]


class PactVersion(Base):
    """One applied version of the pact; the highest number is in force."""

    __tablename__ = "pact_version"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)

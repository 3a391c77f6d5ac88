"""What each import did: counts, and every rejected row or warning with its place in the file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from revcycle.cycle.tables import Id
from revcycle.store.base import Base, UtcDateTime

__all__ = ["ImportIssue", "ImportRun"]


class ImportRun(Base):
    """One run of `revcycle import`."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file: Mapped[str] = mapped_column(Text)
    source_system: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)


class ImportIssue(Base):
    """A rejected row (error) or a kept row worth a look (warning)."""

    __tablename__ = "import_issue"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    line: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)

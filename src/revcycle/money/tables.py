"""The exchange rates the store keeps: one row per currency pair and the date it takes effect."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revcycle.cycle.tables import Id
from revcycle.store.base import Base, UtcDateTime

__all__ = ["FxRate"]


class FxRate(Base):
    """From `valid_from` (midnight UTC) until the pair's next rate, one `currency` is worth `rate` `quote`."""

    __tablename__ = "fx_rate"
    __table_args__ = (UniqueConstraint("currency", "quote", "valid_from"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 12))
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(300))  # the file it was last imported from
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)

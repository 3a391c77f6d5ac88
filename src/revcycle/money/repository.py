"""Every query on the rates table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from revcycle.money.model import Rate
from revcycle.money.tables import FxRate

__all__ = ["RateRepository"]


class RateRepository:
    """Reads and writes rates in the caller's session (the service owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def stored(self, rates: Iterable[Rate]) -> dict[tuple[str, str, object], FxRate]:
        """The stored rows for these rates' pairs, by (currency, quote, valid_from date)."""
        pairs = {(rate.currency, rate.quote) for rate in rates}
        found: dict[tuple[str, str, object], FxRate] = {}
        for currency, quote in pairs:
            query = select(FxRate).where(FxRate.currency == currency, FxRate.quote == quote)
            for row in self.session.scalars(query):
                found[(row.currency, row.quote, row.valid_from.date())] = row
        return found

    def add(self, rate: Rate, *, source: str, now: datetime) -> None:
        """Store a new rate."""
        self.session.add(
            FxRate(
                currency=rate.currency,
                quote=rate.quote,
                rate=rate.rate,
                valid_from=midnight(rate.valid_from),
                source=source,
                imported_at=now,
            )
        )

    @staticmethod
    def change(row: FxRate, rate: Decimal, *, source: str, now: datetime) -> None:
        """Give a stored rate its corrected value."""
        row.rate, row.source, row.imported_at = rate, source, now

    def listed(self, currency: str | None = None) -> list[FxRate]:
        """Every stored rate (of one currency), by pair and date."""
        query = select(FxRate).order_by(FxRate.quote, FxRate.currency, FxRate.valid_from)
        if currency is not None:
            query = query.where(FxRate.currency == currency)
        return list(self.session.scalars(query))


def midnight(day: object) -> datetime:
    """A rate's date as the instant it takes effect (midnight UTC)."""
    return datetime.combine(day, time(), tzinfo=UTC)  # type: ignore[arg-type]

"""Rate use-cases: import a rate file (good rows in, bad rows named, a replay changes nothing), list rates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from revcycle.errors import ImportFileError
from revcycle.ingest.readers import open_source
from revcycle.money.model import COLUMNS, Rate, RowRejected, read_rate, reporting_currency
from revcycle.money.repository import RateRepository
from revcycle.pact.schema import Pact
from revcycle.store.session import UnitOfWork

__all__ = ["RateRead", "RatesImported", "RatesService"]


@dataclass(frozen=True)
class RatesImported:
    """What one rate file did to the store."""

    file: Path
    quote: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: list[RowRejected] = field(default_factory=list)


@dataclass(frozen=True)
class RateRead:
    """A stored rate as shown to a user."""

    currency: str
    quote: str
    rate: Decimal
    valid_from: date
    source: str


class RatesService:
    """Exchange rates: the only writer of the rates table."""

    def __init__(self, uow: UnitOfWork, *, pact: Callable[[], Pact | None]) -> None:
        self.uow = uow
        self.pact = pact

    def import_file(self, path: Path, *, now: datetime) -> RatesImported:
        """Import a CSV of `currency,rate,valid_from[,quote]` rows, in one transaction."""
        quote = reporting_currency(self.pact())
        rates, rejected = _read(path, quote)
        added = changed = unchanged = 0
        with self.uow.begin() as session:
            repository = RateRepository(session)
            stored = repository.stored(rates)
            for rate in rates:
                row = stored.get(rate.key)
                if row is None:
                    repository.add(rate, source=path.name, now=now)
                    added += 1
                elif row.rate != rate.rate:
                    repository.change(row, rate.rate, source=path.name, now=now)
                    changed += 1
                else:
                    unchanged += 1
        return RatesImported(path, quote, added, changed, unchanged, rejected)

    def list(self, currency: str | None = None) -> list[RateRead]:
        """Every stored rate, by pair and date."""
        with self.uow.begin() as session:
            rows = RateRepository(session).listed(currency.strip().upper() if currency else None)
            return [RateRead(r.currency, r.quote, r.rate, r.valid_from.date(), r.source) for r in rows]


def _read(path: Path, quote: str) -> tuple[list[Rate], list[RowRejected]]:
    """The file's good rates (one per pair and date) and its rejected rows."""
    source = open_source(path, "csv")
    try:
        missing = [name for name in COLUMNS if name not in (source.header or [])]
        if missing:
            raise ImportFileError(
                f"{path}: line 1: missing column(s) {', '.join(missing)} (a rate file has currency,rate,valid_from "
                "and may have quote)"
            )
        kept: dict[tuple[str, str, date], tuple[int, Rate]] = {}
        rejected: list[RowRejected] = []
        for raw in source.rows():
            if raw.cells is None:
                rejected.append(RowRejected(raw.line, raw.problem or "unreadable row"))
                continue
            found = read_rate(raw.cells, raw.line, quote=quote)
            if isinstance(found, RowRejected):
                rejected.append(found)
            elif found.key in kept and kept[found.key][1].rate != found.rate:
                first = kept[found.key][0]
                rejected.append(
                    RowRejected(
                        raw.line,
                        f"{found.currency} from {found.valid_from} is already on line "
                        f"{first} with rate {kept[found.key][1].rate}",
                    )
                )
            else:
                kept.setdefault(found.key, (raw.line, found))
    finally:
        source.close()
    return [rate for _, rate in kept.values()], rejected

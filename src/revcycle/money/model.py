"""Exchange rates as pure rules: a rate file's row read into a dated rate, and the currency reports sum in.

A rate says that from `valid_from` (a UTC date, included) one unit of `currency` is worth `rate` units of
`quote`; it holds until the next rate of the same pair. No clock, no database: the pact is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from revcycle.pact.schema import Pact

__all__ = ["COLUMNS", "DEFAULT_CURRENCY", "Rate", "RowRejected", "read_rate", "reporting_currency"]

DEFAULT_CURRENCY = "USD"
COLUMNS = ("currency", "rate", "valid_from")  # required; `quote` is optional (default: the pact's currency)
_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Rate:
    """From `valid_from` on, one `currency` is worth `rate` `quote`."""

    currency: str
    quote: str
    rate: Decimal
    valid_from: date

    @property
    def key(self) -> tuple[str, str, date]:
        """What a rate is matched on when a file is imported again."""
        return (self.currency, self.quote, self.valid_from)


@dataclass(frozen=True)
class RowRejected:
    """A row of a rate file that was not imported, and why (naming the column)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def reporting_currency(pact: Pact | None) -> str:
    """The one currency reports sum amounts in: the pact's `lead_values.currency` (USD without one)."""
    if pact is None or pact.lead_values is None:
        return DEFAULT_CURRENCY
    return pact.lead_values.currency.strip().upper()


def read_rate(cells: Mapping[str, Any], line: int, *, quote: str) -> Rate | RowRejected:
    """One row of a rate file as a rate, or the reason it cannot be one."""
    problems: list[str] = []
    currency = _code(cells.get("currency"), "currency", problems)
    target = _code(cells.get("quote") or quote, "quote", problems)
    rate = _rate(cells.get("rate"), problems)
    valid_from = _day(cells.get("valid_from"), problems)
    if not problems and currency == target:
        problems.append(f"currency: {currency} is the currency rates convert to; it needs no rate")
    if problems or currency is None or target is None or rate is None or valid_from is None:
        return RowRejected(line, "; ".join(problems))
    return Rate(currency, target, rate, valid_from)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _code(value: Any, column: str, problems: list[str]) -> str | None:
    text = _text(value).upper()
    if not _CODE.fullmatch(text):
        shown = _text(value)
        problems.append(
            f'{column}: "{shown}" is not a 3-letter currency code (e.g. EUR)'
            if shown
            else f"{column}: missing (a 3-letter currency code, e.g. EUR)"
        )
        return None
    return text


def _rate(value: Any, problems: list[str]) -> Decimal | None:
    text = _text(value)
    try:
        rate = Decimal(text)
    except InvalidOperation:
        problems.append(
            f'rate: "{text}" is not a number (write 0.0067, no thousands separator)' if text else "rate: missing"
        )
        return None
    if not rate.is_finite() or rate <= 0:
        problems.append(f'rate: "{text}" must be a positive number')
        return None
    return rate


def _day(value: Any, problems: list[str]) -> date | None:
    text = _text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(
            f'valid_from: "{text}" is not a date (write YYYY-MM-DD)'
            if text
            else "valid_from: missing (a date, YYYY-MM-DD)"
        )
        return None

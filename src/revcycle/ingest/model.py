"""Pure conversion of one raw cell into a typed value; every failure names what was expected."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from revcycle.ingest.fields import FieldSpec

__all__ = [
    "EMAIL_FORM",
    "SENIORITY_KEYWORDS",
    "WHITESPACE",
    "CellError",
    "converter_for",
    "is_empty",
    "normalise_domain",
    "normalise_email",
    "seniority_from_title",
    "value_key",
]

Converter = Callable[[Any], Any]
# The characters `str.strip()` removes, spelled out so the columnar path trims exactly the same ones (written
# as a literal: finding them among all of Unicode cost half a second of every import's start-up);
# tests/ingest/test_vector_rules.py holds it equal to every code point's `isspace()`
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# `\s` spelled as the class above: Python's `re` and Arrow's RE2 then read the pattern the same way
# (RE2's `\s` is ASCII only and leaves out \v and \x1c-\x1f, which Python's includes)
EMAIL_FORM = f"^[^@{WHITESPACE}]+@[^@{WHITESPACE}]+\\.[^@{WHITESPACE}]+$"
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(EMAIL_FORM)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# a comma that can only group thousands: 1 to 3 digits, then groups of exactly 3 (5,000 and 1,234,567;
# not 1,5 or 1,50 or 12,34: those may be decimal commas)
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+$")
_GROUPED_AMOUNT = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+$")
# A job title's seniority: the first row whose words appear in the title (whole words, any case) gives the
# level; a title none matches is an individual contributor (docs/mappings.md shows the table).
SENIORITY_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("product owner", "ic"),  # a role in a software team, not the owner of the business
    ("vp|svp|evp|avp|vice president", "vp"),  # before "president"
    ("owner|co-?founder|founder|proprietor", "owner"),
    ("chief|president|ceo|cfo|cto|coo|cmo|cio|cro|cpo|cso|cdo|cco|cao|chro|cxo", "c_level"),
    ("director|head", "director"),
    ("manager|lead|supervisor", "manager"),
)
_SENIORITY = tuple((re.compile(rf"\b(?:{words})\b", re.IGNORECASE), level) for words, level in SENIORITY_KEYWORDS)


class CellError(ValueError):
    """A cell whose value cannot be read as its field's type."""


def is_empty(value: Any) -> bool:
    """Whether a cell counts as empty: absent, or text of whitespace only (an empty cell, whatever its type)."""
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_email(value: str) -> str:
    """The form people are deduplicated on: trimmed and lower-cased."""
    return value.strip().lower()


def normalise_domain(value: str) -> str:
    """A company domain without scheme, `www.` or path, lower-cased."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0]
    return text.removeprefix("www.")


def value_key(value: Any) -> str:
    """The form a mapping's `values` are matched on: trimmed and case-folded (" Lead " matches "lead")."""
    return str(value).strip().casefold()


def seniority_from_title(title: Any) -> str | None:
    """A seniority level read from a job title by `SENIORITY_KEYWORDS`; None for an empty title."""
    text = _text(title)
    if not text:
        return None
    for pattern, level in _SENIORITY:
        if pattern.search(text):
            return level
    return "ic"


def converter_for(spec: FieldSpec, *, zone: tzinfo | None, date_format: str | None = None) -> Converter:
    """The function that turns a raw cell (text from CSV, any JSON value) into this field's value."""
    makers: dict[str, Callable[[], Converter]] = {
        "text": lambda: _text,
        "email": lambda: _email,
        "domain": lambda: lambda v: normalise_domain(_text(v)),
        "count": lambda: _count,
        "money": lambda: _money,
        "currency": lambda: _currency,
        "choice": lambda: _choice(spec.choices),
        "zone": lambda: _zone,
        "hours": lambda: _hours,
        "weekdays": lambda: _weekdays,
        "periods": lambda: _periods,
        "list": lambda: _list,
        "timestamp": lambda: _timestamp(zone, date_format),
        "date": lambda: _date(date_format),
    }
    return makers[spec.type]()


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        raise CellError("expected text, got a JSON object or array")
    return str(value).strip()


def _email(value: Any) -> str:
    text = normalise_email(_text(value))
    if not _EMAIL.fullmatch(text):
        raise CellError(f'"{value}" is not an email address')
    return text


def _count(value: Any) -> int:
    text = "" if isinstance(value, int) else str(value).strip()
    if _GROUPED.match(text):
        text = text.replace(",", "")
    elif "," in text:
        raise CellError(f'"{value}" is not a whole number (a comma is read only between groups of 3 digits: 5,000)')
    try:
        number = int(value) if isinstance(value, int) else int(text)
    except ValueError:
        raise CellError(f'"{value}" is not a whole number') from None
    if number < 0:
        raise CellError(f"{number} is negative")
    return number


def _money(value: Any) -> Decimal:
    text = str(value).strip()
    if _GROUPED_AMOUNT.match(text):  # 12,500.00: both marks, so the comma groups thousands
        text = text.replace(",", "")
    elif "," in text:
        raise CellError(
            f'"{value}" is ambiguous or not an amount: write 12500 or 12500.00 (a comma is read as a thousands '
            "separator only with a decimal point after it, as in 12,500.00)"
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(f'"{value}" is not an amount (write 1234.50, no currency sign)') from None
    if not amount.is_finite() or amount < 0:
        raise CellError(f'"{value}" is not a non-negative amount')
    return amount.quantize(Decimal("0.01"))


def _currency(value: Any) -> str:
    text = _text(value).upper()
    if not _CURRENCY.match(text):
        raise CellError(f'"{value}" is not a 3-letter currency code (e.g. USD)')
    return text


def _choice(choices: tuple[str, ...]) -> Converter:
    def convert(value: Any) -> str:
        text = _text(value).lower()
        if text not in choices:
            raise CellError(f'"{value}" is not one of {", ".join(choices)}')
        return text

    return convert


def _zone(value: Any) -> str:
    text = _text(value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise CellError(f'"{value}" is not an IANA time zone (e.g. Europe/Berlin)') from None
    return text


def _hours(value: Any) -> str:
    text = _text(value)
    match = _HOURS.match(text)
    if not match or match.group(1, 2) >= match.group(3, 4):
        raise CellError(f'"{value}" is not working hours (write 09:00-17:00)')
    return text


def _list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value).split(";")
    return [str(item).strip() for item in items if str(item).strip()]


def _weekdays(value: Any) -> list[str]:
    days = [day.lower() for day in _list(value)]
    for day in days:
        if day not in _WEEKDAYS:
            raise CellError(f'"{day}" is not a weekday ({", ".join(_WEEKDAYS)})')
    return days


def _periods(value: Any) -> list[str]:
    periods = _list(value)
    for period in periods:
        start, _, end = period.partition("/")
        try:
            if date.fromisoformat(start) > date.fromisoformat(end):
                raise CellError(f'"{period}" ends before it starts')
        except ValueError:
            raise CellError(f'"{period}" is not a period (write 2025-07-01/2025-07-14)') from None
    return periods


def _timestamp(zone: tzinfo | None, date_format: str | None) -> Converter:
    def convert(value: Any) -> datetime:
        text = _text(value)
        try:
            parsed = datetime.strptime(text, date_format) if date_format else datetime.fromisoformat(text)
        except ValueError:
            raise CellError(f'"{value}" is not a timestamp (write 2025-03-04T10:15:00Z)') from None
        if parsed.tzinfo is None:
            if zone is None:
                raise CellError(
                    f'"{value}" has no time zone: add an offset (2025-03-04T10:15:00Z) '
                    "or name a `timezone` in the mapping file"
                )
            # fold=0 (PEP 495): a time the clocks skip (02:30 on a spring-forward night) reads with the offset
            # before the change (so 07:30 UTC in New York), a time they show twice is the first of the two
            parsed = parsed.replace(tzinfo=zone)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:00-05:00 is past the last instant Python can hold
            raise CellError(f'"{value}" is outside the years 1-9999 in UTC') from None

    return convert


def _date(date_format: str | None) -> Converter:
    def convert(value: Any) -> datetime:
        text = _text(value)
        try:
            day = datetime.strptime(text, date_format).date() if date_format else date.fromisoformat(text[:10])
        except ValueError:
            raise CellError(f'"{value}" is not a date (write 2025-03-04)') from None
        return datetime.combine(day, time(0), tzinfo=UTC)

    return convert

"""Durations as the pact writes them: 5m, 1h, 24h, 3bd (business days), 2w."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

__all__ = ["Duration", "DurationField", "parse_duration"]

_PATTERN = re.compile(r"^\s*(\d+)\s*(s|m|h|d|bd|w)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
HINT = "use 5m, 1h, 24h, 3bd"


@dataclass(frozen=True, order=True)
class Duration:
    """A span of time; `bd` counts business days of the pact's calendar, the others wall-clock time."""

    amount: int
    unit: str

    @property
    def business_days(self) -> bool:
        """Whether this span is measured on the business calendar."""
        return self.unit == "bd"

    def to_timedelta(self) -> timedelta:
        """The wall-clock span; business days count as calendar days only where no calendar is at hand."""
        seconds = _SECONDS["d" if self.unit == "bd" else self.unit]
        return timedelta(seconds=self.amount * seconds)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(value: Any) -> Duration:
    """Read `5m`, `1h`, `3bd` ...; anything else is an error that says what to write."""
    if isinstance(value, Duration):
        return value
    match = _PATTERN.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise PydanticCustomError("duration", '"{value}" is not a duration ({hint})', {"value": value, "hint": HINT})
    return Duration(int(match.group(1)), match.group(2))


DurationField = Annotated[Duration, BeforeValidator(parse_duration), PlainSerializer(str, return_type=str)]

"""What a simulation is asked for, what it wrote, and the error for impossible requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from revcycle.errors import SimError
from revcycle.sim.worktime import add_months

__all__ = ["FILES", "MAX_MONTHS", "SimError", "SimParams", "SimSummary", "check_out_dir", "check_params"]

MAX_MONTHS = 120
FILES = ("users", "accounts", "campaigns", "people", "stages", "touchpoints", "opportunities")
Mode = Literal["aligned", "misaligned"]


@dataclass(frozen=True)
class SimParams:
    """One simulated company: how many people it meets, for how long, and how its teams behave."""

    people: int
    months: int
    mode: Mode
    seed: int
    start: date = date(2025, 1, 1)
    end: date | None = None  # the first day after the period; None: `months` after `start`

    @property
    def last(self) -> date:
        """The first day after the period (the period is [start, last), midnight UTC to midnight UTC)."""
        return self.end if self.end is not None else add_months(self.start, self.months)

    @staticmethod
    def ending(day: date, months: int, **rest: Any) -> SimParams:
        """The parameters of a period of `months` that ends on `day` (it starts `months` months before)."""
        return SimParams(months=months, start=add_months(day, -months), end=day, **rest)

    @staticmethod
    def spanning(start: date, end: date, **rest: Any) -> SimParams:
        """The parameters of the period [start, end): as many months as it touches."""
        months = max(1, (end.year - start.year) * 12 + end.month - start.month + (end.day > start.day))
        return SimParams(months=months, start=start, end=end, **rest)

    def as_dict(self) -> dict[str, Any]:
        """The parameters as JSON values, for truth.json."""
        return {
            "people": self.people,
            "months": self.months,
            "mode": self.mode,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "end": self.last.isoformat(),
        }


@dataclass(frozen=True)
class SimSummary:
    """What a run wrote: rows per file (header not counted) and where."""

    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    truth: Path | None = None

    @property
    def paths(self) -> dict[str, Path]:
        """Each written CSV file by kind (users, accounts, ...)."""
        return {kind: self.out_dir / f"{kind}.csv" for kind in self.rows}


def check_params(params: SimParams) -> None:
    """Refuse parameters no company could have, naming the parameter."""
    if isinstance(params.people, bool) or not isinstance(params.people, int) or params.people <= 0:
        raise SimError(f"people must be a positive whole number, got {params.people!r}")
    if isinstance(params.months, bool) or not isinstance(params.months, int) or params.months <= 0:
        raise SimError(f"months must be a positive whole number, got {params.months!r}")
    if params.months > MAX_MONTHS:
        raise SimError(f"months must be at most {MAX_MONTHS} (10 years), got {params.months}")
    if params.mode not in ("aligned", "misaligned"):
        raise SimError(f'mode must be "aligned" or "misaligned", got {params.mode!r}')
    if isinstance(params.seed, bool) or not isinstance(params.seed, int) or params.seed < 0:
        raise SimError(f"seed must be a whole number >= 0, got {params.seed!r}")
    if not isinstance(params.start, date):
        raise SimError(f"start must be a date, got {params.start!r}")
    if params.end is not None and not isinstance(params.end, date):
        raise SimError(f"end must be a date, got {params.end!r}")
    if params.last <= params.start:
        raise SimError(f"the period is empty: end {params.last} is not after start {params.start}")
    if params.last > add_months(params.start, MAX_MONTHS):
        raise SimError(f"the period from {params.start} to {params.last} is longer than {MAX_MONTHS} months")


def check_out_dir(out_dir: Path, *, force: bool) -> None:
    """Refuse to write over a directory that holds anything, unless forced."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SimError(f"{out_dir} exists and is not a directory; choose another output directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise SimError(f"{out_dir} is not empty; use --force to overwrite the simulator's files in it")

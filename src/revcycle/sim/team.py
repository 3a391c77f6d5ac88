"""The company's own people: SDRs and AEs by region, a few marketers, and their managers.

Team sizes grow with the market so each SDR gets a believable number of leads a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from revcycle.sim.vocab import FIRST_NAMES, LAST_NAMES, REGIONS
from revcycle.sim.worktime import Shift, WorkWindows, build_windows

__all__ = ["Team", "build_team"]

ZONES = (
    ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    ("Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid"),
    ("Asia/Singapore", "Australia/Sydney", "Asia/Tokyo"),
)
REGION_SHARES = (0.5, 0.35, 0.15)
HOURS = ((9 * 60, 17 * 60), (8 * 60, 16 * 60), (10 * 60, 18 * 60), (8 * 60 + 30, 17 * 60 + 30))
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Team:
    """Users as CSV-ready columns, plus what the simulation needs to pick and time them."""

    rows: dict[str, list[str]]
    sdrs_by_region: tuple[npt.NDArray[np.int64], ...]
    aes_by_region: tuple[npt.NDArray[np.int64], ...]
    marketing_ops: int
    slowness: npt.NDArray[np.float64]  # each user's standard-normal slowness; a mode scales it to a delay
    windows: WorkWindows

    def external_id(self, user: int) -> str:
        """The user's id in users.csv."""
        return self.rows["external_id"][user]


def _per_region(total: int) -> list[int]:
    return [max(1, round(total * share)) for share in REGION_SHARES]


def _time_off(rng: np.random.Generator, first: date, days: int) -> tuple[tuple[date, date], ...]:
    periods = []
    for _ in range(int(rng.integers(0, 3)) + (days >= 180)):
        begin = first + timedelta(days=int(rng.integers(0, max(days, 1))))
        periods.append((begin, begin + timedelta(days=int(rng.integers(2, 10)))))
    return tuple(sorted(periods))


class _Roster:
    """Accumulates users row by row (the team is small: hundreds at most)."""

    def __init__(self, rng: np.random.Generator, first: date, days: int) -> None:
        self.rng, self.first, self.days = rng, first, days
        self.rows: dict[str, list[str]] = {
            key: []
            for key in (
                "external_id",
                "email",
                "name",
                "team",
                "time_zone",
                "capacity",
                "manager_external_id",
                "working_hours",
                "working_days",
                "time_off",
            )
        }
        self.shifts: list[Shift] = []

    def add(self, team: str, region: int, manager: int | None, capacity: int | None) -> int:
        """Adds one user and returns their index."""
        index = len(self.shifts)
        first, last = (
            FIRST_NAMES[self.rng.integers(len(FIRST_NAMES))],
            LAST_NAMES[self.rng.integers(len(LAST_NAMES))],
        )
        zone = ZONES[region][int(self.rng.integers(len(ZONES[region])))]
        start, end = HOURS[int(self.rng.integers(len(HOURS)))]
        shift = Shift(zone, start, end, (0, 1, 2, 3, 4), _time_off(self.rng, self.first, self.days))
        self.shifts.append(shift)
        row = {
            "external_id": f"u{index + 1:04d}",
            "email": f"{first}.{last}{index + 1}@example.com".lower(),
            "name": f"{first} {last}",
            "team": team,
            "time_zone": zone,
            "capacity": "" if capacity is None else str(capacity),
            "manager_external_id": "" if manager is None else f"u{manager + 1:04d}",
            "working_hours": f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}",
            "working_days": ";".join(DAY_NAMES[d] for d in shift.weekdays),
            "time_off": ";".join(f"{a.isoformat()}/{b.isoformat()}" for a, b in shift.time_off),
        }
        for key, value in row.items():
            self.rows[key].append(value)
        return index


def build_team(rng: np.random.Generator, people: int, first: date, last: date) -> Team:
    """The team for a market of `people` over [first, last]; windows reach 90 days past `last`."""
    roster = _Roster(rng, first, (last - first).days)
    cro = roster.add("manager", 0, None, None)
    marketing_lead = roster.add("marketing", 0, cro, None)
    marketing_ops = roster.add("marketing", 0, marketing_lead, None)
    for _ in range(min(8, 1 + people // 200_000)):
        roster.add("marketing", 0, marketing_lead, None)
    sdrs: list[list[int]] = [[] for _ in REGIONS]
    aes: list[list[int]] = [[] for _ in REGIONS]
    sdr_total = min(300, 3 + people // 8_000)
    for region, (n_sdr, n_ae) in enumerate(
        zip(_per_region(sdr_total), _per_region(sdr_total * 2 // 3), strict=True)
    ):
        sdr_manager = roster.add("manager", region, cro, None)
        ae_manager = roster.add("manager", region, cro, None)
        sdrs[region] = [
            roster.add("sdr", region, sdr_manager, int(rng.integers(150, 251))) for _ in range(n_sdr)
        ]
        aes[region] = [roster.add("ae", region, ae_manager, int(rng.integers(30, 61))) for _ in range(n_ae)]
    slowness = rng.normal(0.0, 1.0, len(roster.shifts))
    windows = build_windows(roster.shifts, first - timedelta(days=1), last + timedelta(days=90))
    return Team(
        rows=roster.rows,
        sdrs_by_region=tuple(np.array(ids, dtype=np.int64) for ids in sdrs),
        aes_by_region=tuple(np.array(ids, dtype=np.int64) for ids in aes),
        marketing_ops=marketing_ops,
        slowness=slowness,
        windows=windows,
    )

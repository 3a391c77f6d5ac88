"""The pact: the sales-marketing agreement as a pydantic model of its YAML file.

Each section is its own model, so later capabilities (scoring, routing, goals) add a section without
touching the others. Cross-references (a stage named in a rule exists, ...) are checked in `checks.py`.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from revcycle.errors import PactError, PactIssue
from revcycle.pact.conditions import Condition
from revcycle.pact.durations import DurationField
from revcycle.pact.scoring import ScoringSection

__all__ = [
    "HANDOFF_ROLES",
    "HANDOFF_RULES",
    "BusinessHours",
    "CycleEvent",
    "Definition",
    "Detour",
    "FirstContactTier",
    "HandoffStages",
    "Handoffs",
    "LifecycleRule",
    "Pact",
    "ReasonCode",
    "Stage",
    "Team",
]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _snake_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f'"{value}" is not a name (use lower_snake_case, e.g. "sales_accepted")')
    return value


Name = Annotated[str, AfterValidator(_snake_name)]


class Section(BaseModel):
    """Base of every pact section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Team(StrEnum):
    """Who owns a stage."""

    MARKETING = "marketing"
    SDR = "sdr"
    AE = "ae"


class Stage(Section):
    """One stage of the revenue cycle, in cycle order."""

    name: Name
    team: Team
    description: str = ""


def _reason_from_text(value: Any) -> Any:
    return {"code": value} if isinstance(value, str) else value


class ReasonCode(Section):
    """A reason a lead leaves the main path; `fit` marks reasons that say the lead was never a fit."""

    code: Name
    description: str = ""
    fit: bool = False


class Detour(Section):
    """A side state (recycled, disqualified, lost): where it can be taken from and where it returns."""

    name: Name
    from_: list[Name] = Field(alias="from", min_length=1)
    returns_to: Name
    reasons: list[Annotated[ReasonCode, BeforeValidator(_reason_from_text)]]
    team: Team | None = None
    description: str = ""


class CycleEvent(StrEnum):
    """What can trigger a lifecycle rule."""

    PERSON_CREATED = "person_created"
    TOUCHPOINT_RECORDED = "touchpoint_recorded"
    OPPORTUNITY_CREATED = "opportunity_created"
    OPPORTUNITY_WON = "opportunity_won"
    OPPORTUNITY_LOST = "opportunity_lost"


class LifecycleRule(Section):
    """A move that happens by itself when an event occurs (e.g. an opportunity created moves its person)."""

    on: CycleEvent
    to: Name
    from_: list[Name] | None = Field(default=None, alias="from")
    reason: Name | None = None
    when: Condition | None = None


class Definition(Section):
    """What a stage means in words both teams signed, and the condition that encodes it."""

    description: str
    when: Condition | None = None


HANDOFF_ROLES = ("mql", "sal", "sql", "opportunity", "won")


class Handoffs(Section):
    """The main stages reports count as hand-offs, by role; a role left out is derived from the stages' teams."""

    mql: Name | None = Field(default=None, description="marketing qualified: handed from marketing to sales")
    sal: Name | None = Field(default=None, description="sales accepted: an SDR took the lead")
    sql: Name | None = Field(default=None, description="sales qualified: ready for an account executive")
    opportunity: Name | None = Field(default=None, description="an open opportunity")
    won: Name | None = Field(default=None, description="closed-won: the end of the main path")


class HandoffStages(Section):
    """Every hand-off role resolved to a main stage: the names reports read."""

    mql: str
    sal: str
    sql: str
    opportunity: str
    won: str


# How a role left out is derived: the first (0) or last (-1) main stage of a team (None: of any team).
HANDOFF_RULES: dict[str, tuple[Team | None, int]] = {
    "mql": (Team.MARKETING, -1),
    "sal": (Team.SDR, 0),
    "sql": (Team.SDR, -1),
    "opportunity": (Team.AE, 0),
    "won": (None, -1),
}


class Cycle(Section):
    """How the stages may be walked."""

    allow_skip: bool = True


def _hhmm(value: Any) -> Any:
    if isinstance(value, int):  # YAML 1.1 reads 09:00 as a sexagesimal integer
        return time(value // 60, value % 60)
    return value


class BusinessHours(Section):
    """The business calendar SLA clocks run on."""

    days: list[str] = Field(default_factory=lambda: list(_WEEKDAYS[:5]))
    start: Annotated[time, BeforeValidator(_hhmm)] = time(9, 0)
    end: Annotated[time, BeforeValidator(_hhmm)] = time(17, 0)
    holidays: str | None = Field(default=None, description="a country code for public holidays, e.g. US")

    @field_validator("days")
    @classmethod
    def _weekdays(cls, days: list[str]) -> list[str]:
        for day in days:
            if day not in _WEEKDAYS:
                raise ValueError(f'"{day}" is not a weekday (use {", ".join(_WEEKDAYS)})')
        return days


class ValueRange(Section):
    """A half-open range [min, max) of lead value in dollars."""

    min: Decimal = Decimal(0)
    max: Decimal | None = None


class FirstContactTier(Section):
    """Sales' promise: leads of this tier are contacted within this window after hand-off."""

    name: Name
    within: DurationField
    lead_value: ValueRange | None = None
    when: Condition | None = None
    escalate_to: Team | None = None


class Feedback(Section):
    """Sales' duty to leave a disposition on every lead."""

    within: DurationField
    dispositions: list[Name] = Field(default_factory=lambda: ["accepted", "rejected", "recycled"])


class SalesCommitments(Section):
    first_contact: list[FirstContactTier] = Field(min_length=1)
    feedback: Feedback | None = None


class MarketingCommitments(Section):
    """What marketing delivers each month."""

    monthly_lead_value: Decimal = Field(ge=0)
    monthly_mql_volume: int | None = Field(default=None, ge=0)


class Sla(Section):
    sales: SalesCommitments
    marketing: MarketingCommitments


class LeadValues(Section):
    """What a lead is worth by what they did; a person is worth their highest-value touch."""

    currency: str = "USD"
    by_touch_type: dict[str, Annotated[Decimal, Field(ge=0)]]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f'"{value}" is not an IANA time zone (e.g. America/New_York)') from exc
    return value


class Pact(Section):
    """The whole agreement."""

    name: str
    version: str = "1"
    description: str = ""
    time_zone: Annotated[str, AfterValidator(_zone)] = "UTC"
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    stages: list[Stage] = Field(min_length=2)
    detours: list[Detour] = Field(default_factory=list)
    cycle: Cycle = Field(default_factory=Cycle)
    lifecycle: list[LifecycleRule] = Field(default_factory=list)
    definitions: dict[Name, Definition] = Field(default_factory=dict)
    lead_values: LeadValues | None = None
    sla: Sla | None = None
    scoring: ScoringSection | None = None
    handoffs: Handoffs = Field(default_factory=Handoffs)

    def stage_names(self) -> list[str]:
        """The main stages in cycle order."""
        return [stage.name for stage in self.stages]

    def detour(self, name: str) -> Detour | None:
        """The detour called `name`, if any."""
        return next((detour for detour in self.detours if detour.name == name), None)

    def handoff_stages(self) -> dict[str, str | None]:
        """Each hand-off role's stage as named under `handoffs`, else derived from the teams (None: neither)."""
        named = self.handoffs.model_dump()
        out: dict[str, str | None] = {}
        for role, (team, end) in HANDOFF_RULES.items():
            owned = [stage.name for stage in self.stages if team is None or stage.team == team]
            out[role] = named[role] or (owned[end] if owned else None)
        return out

    def handoffs_resolved(self) -> HandoffStages:
        """The hand-off stages reports read; a PactError when one can be neither read nor derived."""
        stages = self.handoff_stages()
        missing = [role for role, stage in stages.items() if stage is None]
        if missing:
            raise PactError([PactIssue(f"handoffs.{role}", "cannot be derived: name it") for role in missing])
        return HandoffStages.model_validate(stages)

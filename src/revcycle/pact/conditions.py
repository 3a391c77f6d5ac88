"""A small, safe condition language written as data (never `eval`), and its pure evaluator.

{all: [...]} {any: [...]} {not: {...}}
{field: person.seniority, gte: director}       eq ne in not_in gt gte lt lte contains matches exists
{touches: {type: download, content_stage: bottom}, at_least: 2, within: 30d}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from revcycle.pact.durations import DurationField

__all__ = [
    "ACCOUNT_FIELDS",
    "PERSON_FIELDS",
    "SENIORITY",
    "AllOf",
    "AnyOf",
    "Condition",
    "Facts",
    "FieldTest",
    "NotOf",
    "TouchCount",
    "TouchFilter",
    "evaluate",
    "field_problem",
    "seniority_rank",
    "value_matches",
]

SENIORITY = ("ic", "manager", "director", "vp", "c_level", "owner")
_OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "matches", "exists")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldTest(_Strict):
    """A test on one person or account field."""

    field: str
    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    gt: Any = None
    gte: Any = None
    lt: Any = None
    lte: Any = None
    contains: Any = None
    matches: str | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> FieldTest:
        used = self.operators()
        if len(used) != 1:
            raise ValueError(f"give exactly one operator of {', '.join(_OPERATORS)} (found {len(used)})")
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(f"matches: {self.matches!r} is not a regular expression ({exc})") from exc
        return self

    def operators(self) -> dict[str, Any]:
        """The operators this test uses, by name."""
        values = {
            "eq": self.eq,
            "ne": self.ne,
            "in": self.in_,
            "not_in": self.not_in,
            "gt": self.gt,
            "gte": self.gte,
            "lt": self.lt,
            "lte": self.lte,
            "contains": self.contains,
            "matches": self.matches,
            "exists": self.exists,
        }
        return {name: value for name, value in values.items() if value is not None}


class TouchFilter(_Strict):
    """Which touchpoints count; a list matches any of its values."""

    type: str | list[str] | None = None
    channel: str | list[str] | None = None
    content_stage: Literal["top", "middle", "bottom"] | list[Literal["top", "middle", "bottom"]] | None = None
    content: str | list[str] | None = None
    campaign: str | list[str] | None = None
    url_contains: str | None = None


class TouchCount(_Strict):
    """At least N matching touchpoints, optionally within a window before `now`."""

    touches: TouchFilter
    at_least: int = Field(default=1, ge=1)
    within: DurationField | None = None


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")


def _kind(value: Any) -> str | None:
    """The tag of a condition (`<all>` ...), found by its key; tags are dropped from error paths."""
    if isinstance(value, BaseModel):
        kinds = {AllOf: "all", AnyOf: "any", NotOf: "not", FieldTest: "field", TouchCount: "touches"}
        kind = kinds.get(type(value))
        return f"<{kind}>" if kind else None
    if isinstance(value, Mapping):
        for key in ("all", "any", "not", "field", "touches"):
            if key in value:
                return f"<{key}>"
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("<all>")]
    | Annotated[AnyOf, Tag("<any>")]
    | Annotated[NotOf, Tag("<not>")]
    | Annotated[FieldTest, Tag("<field>")]
    | Annotated[TouchCount, Tag("<touches>")],
    Discriminator(
        _kind,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys all, any, not, field, touches",
    ),
]
for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


@dataclass(frozen=True)
class Touch:
    """The parts of a touchpoint a condition can look at."""

    type: str
    occurred_at: datetime
    channel: str | None = None
    content_stage: str | None = None
    content: str | None = None
    campaign: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Facts:
    """What a condition is evaluated against: the person, their account, their touchpoints."""

    person: Mapping[str, Any] = field(default_factory=dict)
    account: Mapping[str, Any] = field(default_factory=dict)
    touches: tuple[Touch, ...] = ()


def evaluate(condition: Any, facts: Facts, *, now: datetime) -> bool:
    """Whether the condition holds for these facts at `now`."""
    if isinstance(condition, AllOf):
        return all(evaluate(part, facts, now=now) for part in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(part, facts, now=now) for part in condition.any)
    if isinstance(condition, NotOf):
        return not evaluate(condition.not_, facts, now=now)
    if isinstance(condition, TouchCount):
        return _count_touches(condition, facts.touches, now) >= condition.at_least
    return _test_field(condition, facts)


def _count_touches(condition: TouchCount, touches: Iterable[Touch], now: datetime) -> int:
    since = now - condition.within.to_timedelta() if condition.within else None
    wanted = condition.touches
    return sum(
        1
        for touch in touches
        if touch.occurred_at <= now
        and (since is None or touch.occurred_at >= since)
        and value_matches(wanted.type, touch.type)
        and value_matches(wanted.channel, touch.channel)
        and value_matches(wanted.content_stage, touch.content_stage)
        and value_matches(wanted.content, touch.content)
        and value_matches(wanted.campaign, touch.campaign)
        and (wanted.url_contains is None or (touch.url is not None and wanted.url_contains in touch.url))
    )


def value_matches(wanted: Any, actual: str | None) -> bool:
    """A touch filter's value (one value, a list of them, or None for any) against a touch's."""
    if wanted is None:
        return True
    return actual in wanted if isinstance(wanted, list) else actual == wanted


def field_value(name: str, facts: Facts) -> Any:
    """The value of `person.x`, `account.x` or `person.attributes.x` in these facts (None when absent)."""
    owner, _, rest = name.partition(".")
    record: Any = facts.person if owner == "person" else facts.account
    for part in rest.split("."):
        record = record.get(part) if isinstance(record, Mapping) else None
    return record


def _test_field(test: FieldTest, facts: Facts) -> bool:
    value = field_value(test.field, facts)
    ((operator, wanted),) = test.operators().items()
    if operator == "exists":
        return bool((value is not None) == wanted)
    if value is None:
        return operator in ("ne", "not_in")
    if test.field == "person.seniority":
        value, wanted = seniority_rank(value), seniority_rank(wanted)
    return _compare(operator, value, wanted)


def seniority_rank(value: Any) -> Any:
    """A seniority's place in `SENIORITY` (-1 when not a known level), or a list of them."""
    if isinstance(value, list):
        return [seniority_rank(item) for item in value]
    return SENIORITY.index(value) if value in SENIORITY else -1


def _compare(operator: str, value: Any, wanted: Any) -> bool:
    try:
        if operator in ("contains", "matches"):
            text = value if isinstance(value, str | list) else str(value)
            if operator == "contains":
                return bool(wanted in text)
            return re.search(wanted, str(text)) is not None
        checks: dict[str, Callable[[], Any]] = {
            "eq": lambda: value == wanted,
            "ne": lambda: value != wanted,
            "in": lambda: value in wanted,
            "not_in": lambda: value not in wanted,
            "gt": lambda: value > wanted,
            "gte": lambda: value >= wanted,
            "lt": lambda: value < wanted,
            "lte": lambda: value <= wanted,
        }
        return bool(checks[operator]())
    except TypeError:
        return False


PERSON_FIELDS = frozenset(
    {
        "email",
        "email_domain",
        "first_name",
        "last_name",
        "title",
        "seniority",
        "department",
        "country",
        "persona",
        "stage",
        "created_at",
        "source_system",
        "external_id",
    }
)
ACCOUNT_FIELDS = frozenset({"name", "domain", "industry", "employees", "country", "technologies", "created_at"})


def field_problem(name: str) -> str | None:
    """Why `person.x` / `account.x` is not a field conditions can read, or None when it is."""
    owner, _, rest = name.partition(".")
    known = {"person": PERSON_FIELDS, "account": ACCOUNT_FIELDS}.get(owner)
    if known is None:
        return f'"{name}" must start with person. or account.'
    if rest in known or (rest.startswith("attributes.") and len(rest) > len("attributes.")):
        return None
    return f'"{name}" is not a field (known: {", ".join(sorted(known))}, or {owner}.attributes.NAME)'

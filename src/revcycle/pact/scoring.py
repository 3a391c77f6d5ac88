"""The pact's `scoring:` section: fit and engagement rules both teams signed, and its cross-reference checks.

    scoring:
      fit:        {cap: 60, rules: [{name: director_plus, when: {field: person.seniority, gte: director}, points: 20}]}
      engagement: {cap: 100, window: 90d, decay: {half_life: 30d},
                   rules: [{name: pricing_visits, touches: {url_contains: /pricing}, at_least: 3, within: 7d,
                            points: 10, once: true}]}
      negative:   [{name: student, when: {field: person.title, matches: "(?i)student"}, points: -50}]
      total_cap: 150
      qualify:    {stage: mql, fit: 40, engagement: 60}

Points are whole points in the file; the engine keeps hundredths so decayed values stay exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from revcycle.errors import PactIssue
from revcycle.pact.conditions import AllOf, AnyOf, Condition, FieldTest, NotOf, TouchCount, TouchFilter, field_problem
from revcycle.pact.durations import DurationField

if TYPE_CHECKING:
    from revcycle.pact.schema import Pact

__all__ = [
    "TOUCH_TYPES",
    "Decay",
    "EngagementGroup",
    "EngagementRule",
    "FitGroup",
    "FitRule",
    "NegativeRule",
    "Qualify",
    "ScoringSection",
    "check_scoring",
]

TOUCH_TYPES = (
    "page_view",
    "pricing_page_view",
    "download",
    "webinar_registration",
    "webinar_attendance",
    "contact_request",
    "demo_request",
    "chat",
    "form_submission",
    "email_open",
    "email_click",
    "unsubscribe",
    "ad_click",
    "trade_show_visit",
    "event_registration",
    "event_attendance",
    "free_trial_signup",
    "call",
    "email",
    "meeting",
)


def _snake(value: str) -> str:
    if not value.replace("_", "a").isalnum() or not value[:1].isalpha() or value.lower() != value:
        raise ValueError(f'"{value}" is not a name (use lower_snake_case, e.g. "director_plus")')
    return value


RuleName = Annotated[str, AfterValidator(_snake)]


def _gain(points: int) -> int:
    if points <= 0:
        raise ValueError(
            f"{points} points: give a number above 0 (rules that take points away go under scoring.negative)"
        )
    return points


def _loss(points: int) -> int:
    if points >= 0:
        raise ValueError(f"{points} points: a negative rule takes points away, give a number below 0 (e.g. -20)")
    return points


Gain = Annotated[int, AfterValidator(_gain)]
Loss = Annotated[int, AfterValidator(_loss)]


class _Part(BaseModel):
    """Unknown keys are errors, values are frozen (as in every pact section)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FitRule(_Part):
    """Explicit scoring: points for who the person is (their fields and their account's)."""

    name: RuleName
    when: Condition
    points: Gain
    description: str = ""


class _TouchRule(_Part):
    """Implicit scoring: points each time matching touches happen, optionally N within a window."""

    name: RuleName
    touches: TouchFilter
    at_least: int = Field(default=1, ge=1)
    within: DurationField | None = None
    once: bool = False
    max_hits: int | None = Field(default=None, ge=1)
    description: str = ""

    def hit_cap(self) -> int | None:
        """How many hits count at most (the most recent ones), None for no limit."""
        return 1 if self.once else self.max_hits


class EngagementRule(_TouchRule):
    """A touch rule of the engagement group."""

    points: Gain
    decays: bool = True


class NegativeRule(_Part):
    """Points taken away: for a field (competitor, student) or for a touch (unsubscribe); never decays."""

    name: RuleName
    points: Loss
    when: Condition | None = None
    touches: TouchFilter | None = None
    at_least: int = Field(default=1, ge=1)
    within: DurationField | None = None
    once: bool = False
    max_hits: int | None = Field(default=None, ge=1)
    group: str | None = Field(default=None, pattern="^(fit|engagement)$")
    description: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> NegativeRule:
        if (self.when is None) == (self.touches is None):
            raise ValueError("give either when (a field test) or touches (a touch filter)")
        return self

    def hit_cap(self) -> int | None:
        """How many hits count at most (field rules fire once)."""
        return 1 if self.once or self.when is not None else self.max_hits

    def scores(self) -> str:
        """The group whose score this rule lowers."""
        return self.group or ("fit" if self.when is not None else "engagement")


class Decay(_Part):
    """How engagement fades: a half-life, or a percent of the points lost every period."""

    half_life: DurationField | None = None
    percent: int | None = Field(default=None, ge=1, le=100)
    every: DurationField | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Decay:
        linear = self.percent is not None or self.every is not None
        if self.half_life is not None and linear:
            raise ValueError("give half_life, or percent with every, not both")
        if self.half_life is None and not (self.percent is not None and self.every is not None):
            raise ValueError("give half_life (e.g. 30d), or percent and every (e.g. percent: 25, every: 30d)")
        return self


class FitGroup(_Part):
    """Fit rules and the most fit points a person can have."""

    cap: int | None = Field(default=None, gt=0)
    rules: list[FitRule] = Field(min_length=1)


class EngagementGroup(_Part):
    """Engagement rules, their cap, and how old engagement fades (decay) or stops counting (window)."""

    cap: int | None = Field(default=None, gt=0)
    window: DurationField | None = None
    decay: Decay | None = None
    rules: list[EngagementRule] = Field(min_length=1)


class Qualify(_Part):
    """The thresholds that make a lead qualified, and the stage move they trigger."""

    stage: RuleName = "mql"
    fit: int | None = None
    engagement: int | None = None
    total: int | None = None
    definition: bool = Field(default=False, description="also require definitions.<stage>.when")
    from_: list[RuleName] | None = Field(default=None, alias="from")
    move: bool = True

    @model_validator(mode="after")
    def _some_threshold(self) -> Qualify:
        if self.fit is None and self.engagement is None and self.total is None and not self.definition:
            raise ValueError("give at least one of fit, engagement, total (or definition: true)")
        return self


class AccountScoring(_Part):
    """An account's score from its buying group: best fit, engagement of its most engaged people."""

    top_people: int = Field(default=3, ge=1)


class ScoringSection(_Part):
    """Lead scoring both teams agree on."""

    description: str = ""
    touch_types: list[str] = Field(default_factory=list, description="touch types recorded beyond the built-in ones")
    fit: FitGroup
    engagement: EngagementGroup
    negative: list[NegativeRule] = Field(default_factory=list)
    total_cap: int | None = Field(default=None, gt=0)
    qualify: Qualify | None = None
    accounts: AccountScoring = Field(default_factory=AccountScoring)


def check_scoring(pact: Pact) -> Iterator[PactIssue]:
    """Every problem of the scoring section a schema cannot see, each with its YAML path."""
    scoring = pact.scoring
    if scoring is None:
        return
    yield from _names(scoring)
    yield from _fields(scoring)
    yield from _touch_rules(scoring)
    yield from _windows(scoring)
    yield from _caps(scoring)
    if scoring.qualify is not None:
        yield from _qualify(pact, scoring, scoring.qualify)


def _names(scoring: ScoringSection) -> Iterator[PactIssue]:
    seen: dict[str, str] = {}
    for path, rule in _all_rules(scoring):
        if rule.name in seen:
            yield PactIssue(f"{path}.name", f'rule "{rule.name}" is already named at {seen[rule.name]}')
        seen.setdefault(rule.name, path)


def _all_rules(scoring: ScoringSection) -> list[tuple[str, Any]]:
    return (
        [(f"scoring.fit.rules[{i}]", r) for i, r in enumerate(scoring.fit.rules)]
        + [(f"scoring.engagement.rules[{i}]", r) for i, r in enumerate(scoring.engagement.rules)]
        + [(f"scoring.negative[{i}]", r) for i, r in enumerate(scoring.negative)]
    )


def _fields(scoring: ScoringSection) -> Iterator[PactIssue]:
    for path, rule in _all_rules(scoring):
        condition = getattr(rule, "when", None)
        if condition is None:
            continue
        for where, part in _parts(condition, f"{path}.when"):
            if isinstance(part, TouchCount):
                yield PactIssue(
                    where,
                    "a field rule tests fields only: put touch behaviour in an engagement "
                    "or negative rule with touches:",
                )
            elif isinstance(part, FieldTest) and (problem := field_problem(part.field)):
                yield PactIssue(f"{where}.field", problem)


def _parts(condition: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(condition, AllOf | AnyOf):
        key = "all" if isinstance(condition, AllOf) else "any"
        for i, part in enumerate(getattr(condition, key)):
            yield from _parts(part, f"{path}.{key}[{i}]")
    elif isinstance(condition, NotOf):
        yield from _parts(condition.not_, f"{path}.not")
    else:
        yield path, condition


def _touch_rules(scoring: ScoringSection) -> Iterator[PactIssue]:
    known = set(TOUCH_TYPES) | set(scoring.touch_types)
    for path, rule in _all_rules(scoring):
        touches = getattr(rule, "touches", None)
        if touches is None:
            if isinstance(rule, NegativeRule):
                yield from _field_rule_options(path, rule)
            continue
        types = touches.type if isinstance(touches.type, list) else [touches.type] if touches.type else []
        for value in types:
            if value not in known:
                yield PactIssue(
                    f"{path}.touches.type",
                    f'"{value}" is not a touch type (known: '
                    f"{', '.join(sorted(known))}; add the types you record to scoring.touch_types)",
                )
        if rule.once and rule.max_hits is not None:
            yield PactIssue(f"{path}.max_hits", "give once: true or max_hits, not both")


def _field_rule_options(path: str, rule: NegativeRule) -> Iterator[PactIssue]:
    for key, default in (("at_least", 1), ("within", None), ("once", False), ("max_hits", None)):
        if getattr(rule, key) != default:
            yield PactIssue(f"{path}.{key}", f"{key} applies to touch rules only (a field rule fires once)")


def _windows(scoring: ScoringSection) -> Iterator[PactIssue]:
    yield from _wall_clock(scoring)
    for path, rule in _all_rules(scoring):
        if getattr(rule, "within", None) is not None and rule.at_least == 1:
            yield PactIssue(
                f"{path}.within",
                f"within {rule.within} can never matter with at_least 1 (one touch "
                "is always within any window of itself): give at_least 2 or more",
            )
    engagement = scoring.engagement
    every = engagement.decay.every if engagement.decay else None
    if every is not None and engagement.window is not None and every.to_timedelta() >= engagement.window.to_timedelta():
        yield PactIssue(
            "scoring.engagement.decay.every",
            f"decay every {every} can never apply: hits stop "
            f"counting after the {engagement.window} window, "
            "before one period ends",
        )
    half_life = engagement.decay.half_life if engagement.decay else None
    if half_life is not None and half_life.to_timedelta().total_seconds() < 86400:
        yield PactIssue(
            "scoring.engagement.decay.half_life",
            f"{half_life} cannot be honoured: decay counts the age of a hit in whole days (use 1d or more)",
        )


def _wall_clock(scoring: ScoringSection) -> Iterator[PactIssue]:
    engagement = scoring.engagement
    spans = [(f"{path}.within", rule.within) for path, rule in _all_rules(scoring) if getattr(rule, "within", None)]
    spans += [("scoring.engagement.window", engagement.window)]
    if engagement.decay is not None:
        spans += [
            ("scoring.engagement.decay.half_life", engagement.decay.half_life),
            ("scoring.engagement.decay.every", engagement.decay.every),
        ]
    for path, span in spans:
        if span is not None and span.business_days:
            yield PactIssue(path, f"{span} cannot be honoured: scoring counts wall-clock time (use d or w)")


def _caps(scoring: ScoringSection) -> Iterator[PactIssue]:
    groups = [
        ("scoring.fit.cap", scoring.fit.cap, _all_rules(scoring)[: len(scoring.fit.rules)]),
        (
            "scoring.engagement.cap",
            scoring.engagement.cap,
            [(p, r) for p, r in _all_rules(scoring) if p.startswith("scoring.engagement")],
        ),
        ("scoring.total_cap", scoring.total_cap, [(p, r) for p, r in _all_rules(scoring) if r.points > 0]),
    ]
    for path, cap, rules in groups:
        if cap is None:
            continue
        for rule_path, rule in rules:
            if rule.points > cap:
                yield PactIssue(
                    path,
                    f'cap {cap} is below the {rule.points} points of rule "{rule.name}" '
                    f"({rule_path}): that rule could never count in full",
                )


def max_points(scoring: ScoringSection) -> tuple[float, float]:
    """The most fit and engagement points anybody can have (infinity when a rule repeats without limit)."""
    fit = float(sum(rule.points for rule in scoring.fit.rules))
    engagement = 0.0
    for rule in scoring.engagement.rules:
        cap = rule.hit_cap()
        engagement += float("inf") if cap is None else rule.points * cap
    fit = min(fit, scoring.fit.cap or fit)
    engagement = min(engagement, scoring.engagement.cap if scoring.engagement.cap is not None else engagement)
    return fit, engagement


def _qualify(pact: Pact, scoring: ScoringSection, qualify: Qualify) -> Iterator[PactIssue]:
    yield from _qualify_stages(pact, qualify)
    fit, engagement = max_points(scoring)
    total = min(fit + engagement, scoring.total_cap if scoring.total_cap is not None else fit + engagement)
    for key, threshold, best in (
        ("fit", qualify.fit, fit),
        ("engagement", qualify.engagement, engagement),
        ("total", qualify.total, total),
    ):
        if threshold is not None and threshold > best:
            yield PactIssue(
                f"scoring.qualify.{key}",
                f"{threshold} can never be reached: the most {key} "
                f"points anybody can have is {best:g} (rule points, hit "
                "limits and caps)",
            )
    if (
        qualify.fit is not None
        and qualify.engagement is not None
        and qualify.total is None
        and scoring.total_cap is not None
        and qualify.fit + qualify.engagement > scoring.total_cap
    ):
        yield PactIssue(
            "scoring.total_cap",
            f"{scoring.total_cap} is below fit {qualify.fit} + engagement {qualify.engagement}: nobody could qualify",
        )
    if qualify.definition:
        definition = pact.definitions.get(qualify.stage)
        if definition is None or definition.when is None:
            yield PactIssue(
                "scoring.qualify.definition", f"definitions.{qualify.stage}.when is needed when definition: true"
            )


def _qualify_stages(pact: Pact, qualify: Qualify) -> Iterator[PactIssue]:
    from revcycle.cycle.model import Cycle  # the state machine says which moves the pact allows

    stages = pact.stage_names()
    if qualify.stage not in stages:
        yield PactIssue(
            "scoring.qualify.stage", f'"{qualify.stage}" is not a main stage of this pact (stages: {", ".join(stages)})'
        )
        return
    cycle = Cycle(pact)
    for i, stage in enumerate(qualify.from_ or []):
        if stage not in cycle.states:
            yield PactIssue(f"scoring.qualify.from[{i}]", f'"{stage}" is not a stage of this pact')
        elif qualify.stage not in cycle.targets(stage):
            yield PactIssue(f"scoring.qualify.from[{i}]", f'the pact does not allow "{stage}" -> "{qualify.stage}"')

"""Cross-reference checks pydantic cannot see: every name used exists, windows do not overlap."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from revcycle.errors import PactIssue
from revcycle.pact.conditions import ACCOUNT_FIELDS, PERSON_FIELDS, AllOf, AnyOf, FieldTest, NotOf, field_problem
from revcycle.pact.schema import HANDOFF_ROLES, HANDOFF_RULES, Pact
from revcycle.pact.scoring import check_scoring

__all__ = ["ACCOUNT_FIELDS", "PERSON_FIELDS", "check"]


def check(pact: Pact) -> list[PactIssue]:
    """Every cross-reference problem in a schema-valid pact, each with its YAML path."""
    return [
        *_unique_names(pact),
        *_detours(pact),
        *_lifecycle(pact),
        *_definitions(pact),
        *_sla(pact),
        *_business_hours(pact),
        *_handoffs(pact),
        *check_scoring(pact),
    ]


def _unique_names(pact: Pact) -> Iterator[PactIssue]:
    seen: dict[str, str] = {}
    named = [(f"stages[{i}].name", s.name) for i, s in enumerate(pact.stages)]
    named += [(f"detours[{i}].name", d.name) for i, d in enumerate(pact.detours)]
    for path, name in named:
        if name in seen:
            yield PactIssue(path, f'"{name}" is already used at {seen[name]} (stage and detour names are unique)')
        seen.setdefault(name, path)


def _unknown_stage(name: str, pact: Pact, *, detours: bool) -> str | None:
    known = pact.stage_names() + ([d.name for d in pact.detours] if detours else [])
    if name in known:
        return None
    return f'"{name}" is not a stage of this pact (stages: {", ".join(known)})'


def _detours(pact: Pact) -> Iterator[PactIssue]:
    for i, detour in enumerate(pact.detours):
        for j, stage in enumerate(detour.from_):
            if problem := _unknown_stage(stage, pact, detours=False):
                yield PactIssue(f"detours[{i}].from[{j}]", problem)
        if problem := _unknown_stage(detour.returns_to, pact, detours=False):
            yield PactIssue(f"detours[{i}].returns_to", problem)
        if not detour.reasons:
            yield PactIssue(f"detours[{i}].reasons", "a detour needs at least one reason code, e.g. [no_budget]")
        codes = [reason.code for reason in detour.reasons]
        for code in {c for c in codes if codes.count(c) > 1}:
            yield PactIssue(f"detours[{i}].reasons", f'reason code "{code}" is listed twice')


def _lifecycle(pact: Pact) -> Iterator[PactIssue]:
    for i, rule in enumerate(pact.lifecycle):
        if problem := _unknown_stage(rule.to, pact, detours=True):
            yield PactIssue(f"lifecycle[{i}].to", problem)
        for j, stage in enumerate(rule.from_ or []):
            if problem := _unknown_stage(stage, pact, detours=True):
                yield PactIssue(f"lifecycle[{i}].from[{j}]", problem)
        detour = pact.detour(rule.to)
        if detour and rule.reason not in [r.code for r in detour.reasons]:
            codes = ", ".join(r.code for r in detour.reasons) or "the detour lists none"
            yield PactIssue(f"lifecycle[{i}].reason", f'a move to "{rule.to}" needs a reason code ({codes})')
        if rule.when is not None:
            yield from _fields(rule.when, f"lifecycle[{i}].when")


def _definitions(pact: Pact) -> Iterator[PactIssue]:
    for name, definition in pact.definitions.items():
        if problem := _unknown_stage(name, pact, detours=False):
            yield PactIssue(f"definitions.{name}", problem)
        if definition.when is not None:
            yield from _fields(definition.when, f"definitions.{name}.when")


def _fields(condition: Any, path: str) -> Iterator[PactIssue]:
    if isinstance(condition, AllOf | AnyOf):
        key = "all" if isinstance(condition, AllOf) else "any"
        for i, part in enumerate(getattr(condition, key)):
            yield from _fields(part, f"{path}.{key}[{i}]")
    elif isinstance(condition, NotOf):
        yield from _fields(condition.not_, f"{path}.not")
    elif isinstance(condition, FieldTest) and (problem := field_problem(condition.field)):
        yield PactIssue(f"{path}.field", problem)


def _sla(pact: Pact) -> Iterator[PactIssue]:
    if pact.sla is None:
        return
    tiers = pact.sla.sales.first_contact
    catch_all = [i for i, t in enumerate(tiers) if t.lead_value is None and t.when is None]
    for i in catch_all[1:]:
        yield PactIssue(
            f"sla.sales.first_contact[{i}]",
            f"overlaps sla.sales.first_contact[{catch_all[0]}]: "
            "both apply to every lead (give one a lead_value range or a when condition)",
        )
    ranged = [(i, t.lead_value) for i, t in enumerate(tiers) if t.lead_value is not None]
    for i, value in ranged:
        if value.max is not None and value.max <= value.min:
            yield PactIssue(f"sla.sales.first_contact[{i}].lead_value", "max must be above min")
    for a, (i, first) in enumerate(ranged):
        for j, second in ranged[a + 1 :]:
            if _overlap(first.min, first.max, second.min, second.max):
                yield PactIssue(
                    f"sla.sales.first_contact[{j}].lead_value",
                    f"overlaps sla.sales.first_contact[{i}].lead_value (ranges are [min, max))",
                )
    names = [tier.name for tier in tiers]
    for i, name in enumerate(names):
        if names.index(name) != i:
            yield PactIssue(f"sla.sales.first_contact[{i}].name", f'tier "{name}" is named twice')
    for i, tier in enumerate(tiers):
        if tier.when is not None:
            yield from _fields(tier.when, f"sla.sales.first_contact[{i}].when")


def _overlap(a_min: Any, a_max: Any, b_min: Any, b_max: Any) -> bool:
    a_end = a_max if a_max is not None else float("inf")
    b_end = b_max if b_max is not None else float("inf")
    return bool(a_min < b_end and b_min < a_end)


def _business_hours(pact: Pact) -> Iterator[PactIssue]:
    if pact.business_hours.end <= pact.business_hours.start:
        yield PactIssue("business_hours.end", "the business day must end after it starts")
    if not pact.business_hours.days:
        yield PactIssue("business_hours.days", "name at least one working day")


def _handoffs(pact: Pact) -> Iterator[PactIssue]:
    """Hand-offs name main stages, can be derived where left out, and follow the cycle's order."""
    named = pact.handoffs.model_dump()
    for role, stage in named.items():
        if stage is not None and (problem := _unknown_stage(stage, pact, detours=False)):
            yield PactIssue(f"handoffs.{role}", problem.replace("is not a stage", "is not a main stage"))
    stages = pact.handoff_stages()
    for role, stage in stages.items():
        team = HANDOFF_RULES[role][0]
        if stage is None:
            yield PactIssue(
                f"handoffs.{role}",
                f"the {role} stage cannot be derived: no main stage is owned by the {team} team "
                f"(name it: handoffs: {{{role}: STAGE}})",
            )
    order = pact.stage_names()
    placed = [(role, stages[role]) for role in HANDOFF_ROLES if stages[role] in order]
    for (before, first), (role, stage) in pairwise(placed):
        if order.index(str(stage)) < order.index(str(first)):
            yield PactIssue(
                f"handoffs.{role}",
                f'"{stage}" comes before the {before} stage "{first}": hand-offs follow the cycle '
                f"({', '.join(HANDOFF_ROLES)})",
            )

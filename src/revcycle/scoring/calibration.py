"""Calibration maths, pure: each rule's lift with confidence intervals, a logistic regression on rule hits, and
its coefficients translated to points.

Lift compares the conversion of leads where a rule fired with those where it did not (Wilson intervals for
each rate, Katz's log interval for their ratio). The regression's coefficient is the change in log-odds per
counted hit of a rule, with an interval; points are the coefficients times one scale per group, chosen so the
rules that help hand out as many points as they do today (the thresholds keep their meaning). The intervals
say which proposed points the data cannot tell from zero. A proposal is flagged when it goes against the written
MQL definition (negative points for a signal the definition requires) or collapses MQL volume.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from revcycle.errors import RevcycleError
from revcycle.pact.conditions import AllOf, AnyOf, NotOf, TouchCount
from revcycle.pact.schema import Pact
from revcycle.pact.scoring import EngagementRule, FitRule, ScoringSection

__all__ = ["Interval", "RuleLift", "collapse", "contradictions", "fit_coefficients", "lift", "proposed_points",
           "proposed_section", "wilson"]

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class RuleLift:
    """How leads where a rule fired converted against the others."""

    rule: str
    group: str
    points: int
    fired: int
    fired_converted: int
    others: int
    others_converted: int
    fired_rate: Interval
    others_rate: Interval
    lift: Interval | None
    effect: Interval | None = None
    proposed: int | None = None


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """A rate with its Wilson score interval (well behaved near 0 and 1 and for small n)."""
    if n == 0:
        return Interval(math.nan, 0.0, 1.0)
    z, p = _z(confidence), successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def lift(fired_converted: int, fired: int, others_converted: int, others: int,
         confidence: float = 0.95) -> Interval | None:
    """The ratio of the two conversion rates with Katz's log interval (0.5 added to every cell when one is 0)."""
    if fired == 0 or others == 0:
        return None
    a, n1, c, n0 = float(fired_converted), float(fired), float(others_converted), float(others)
    if a == 0 or c == 0 or a == n1 or c == n0:
        a, n1, c, n0 = a + 0.5, n1 + 1, c + 0.5, n0 + 1
    ratio = (a / n1) / (c / n0)
    spread = _z(confidence) * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    return Interval(ratio, ratio * math.exp(-spread), ratio * math.exp(spread))


def fit_coefficients(hits: Floats, converted: npt.NDArray[np.bool_], *, strength: float = 1.0,
                     confidence: float = 0.95) -> list[Interval | None]:
    """Log-odds per counted hit of each rule (columns), with a confidence interval, from an L2-penalised logistic
    regression (C = strength; intervals from the penalised Hessian); None for a rule that never varies."""
    out: list[Interval | None] = [None] * hits.shape[1]
    varies = np.flatnonzero(hits.std(axis=0) > 0)
    if len(varies) == 0 or converted.all() or not converted.any():
        return out
    try:  # imported here: importing scikit-learn takes seconds, and only calibration needs it
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise RevcycleError("calibration needs scikit-learn: pip install scikit-learn") from exc

    x = hits[:, varies]
    model = LogisticRegression(C=strength, max_iter=5000)
    model.fit(x, converted.astype(np.int64))
    p = model.predict_proba(x)[:, 1]
    design = np.column_stack([np.ones(len(x)), x])
    hessian = design.T @ (design * (p * (1 - p))[:, None]) + np.diag([0.0, *([1 / strength] * len(varies))])
    spread = _z(confidence) * np.sqrt(np.diag(np.linalg.pinv(hessian)))[1:]
    for k, column in enumerate(varies.tolist()):
        beta = float(model.coef_[0][k])
        out[column] = Interval(beta, beta - float(spread[k]), beta + float(spread[k]))
    return out


def proposed_points(section: ScoringSection, effects: dict[str, Interval | None]) -> dict[str, int | None]:
    """New points per rule (None: drop it): each measured rule's effect times one scale per group, chosen so the
    rules that help hand out the points they do today. A harmful rule becomes a negative one, a negative rule
    that helps is dropped, an effect that rounds to 0 points drops its rule. A rule that was never measured
    keeps its points, and so does every rule of a group where nothing helps."""
    out: dict[str, int | None] = {}
    for group, rules in (("fit", section.fit.rules), ("engagement", section.engagement.rules)):
        negatives = [r for r in section.negative if r.scores() == group]
        out.update({rule.name: rule.points for rule in [*rules, *negatives]})
        helpful = [r for r in rules if _value(effects, r.name) > 0]
        if not helpful:
            continue
        scale = sum(r.points for r in helpful) / sum(_value(effects, r.name) for r in helpful)
        cap = min((section.fit.cap if group == "fit" else section.engagement.cap) or math.inf,
                  section.total_cap or math.inf)
        for rule in [*rules, *negatives]:
            if effects.get(rule.name) is None:
                continue
            points = round(_value(effects, rule.name) * scale)
            out[rule.name] = None if points == 0 or (points > 0 and rule.points < 0) else int(min(points, cap))
    return out


def _value(effects: dict[str, Interval | None], name: str) -> float:
    effect = effects.get(name)
    return effect.value if effect is not None else 0.0


_NEGATIVE_KEYS = ("name", "points", "when", "touches", "at_least", "within", "once", "max_hits", "description")


def proposed_section(section: ScoringSection, points: dict[str, int | None]) -> dict[str, Any]:
    """The scoring section as YAML-ready data with the new points: dropped rules left out, harmful ones moved
    to `negative` (scoring the group they were in)."""
    data = section.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    negative = [_repoint(rule, points) for rule in data.get("negative", []) if points.get(rule["name"])]
    for key in ("fit", "engagement"):
        kept = [_repoint(rule, points) for rule in data[key]["rules"] if points.get(rule["name"]) is not None]
        data[key]["rules"] = [rule for rule in kept if rule["points"] > 0]
        negative += [{**{k: v for k, v in rule.items() if k in _NEGATIVE_KEYS}, "group": key}
                     for rule in kept if rule["points"] < 0]
    data["negative"] = negative
    if not negative:
        data.pop("negative")
    return data


def _repoint(rule: dict[str, Any], points: dict[str, int | None]) -> dict[str, Any]:
    return {**rule, "points": points[rule["name"]]}


def _required(condition: Any) -> list[Any]:
    """The parts of a condition every lead meeting it must meet (the members of nested `all`s)."""
    if isinstance(condition, AllOf):
        return [part for member in condition.all for part in _required(member)]
    if isinstance(condition, AnyOf | NotOf):
        return []
    return [condition]


def _condition_text(part: Any) -> str:
    data = part.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    return json.dumps(data, separators=(", ", ": ")).replace('"', "")


def contradictions(pact: Pact, points: dict[str, int | None]) -> list[str]:
    """A warning for each proposed points that go against the written definition of the qualifying stage: a
    rule whose signal `definitions.<stage>.when` requires, proposed negative or dropped."""
    section = pact.scoring
    if section is None or section.qualify is None:
        return []
    stage = section.qualify.stage
    definition = pact.definitions.get(stage)
    if definition is None or definition.when is None:
        return []
    parts = _required(definition.when)
    out = []
    rules: list[FitRule | EngagementRule] = [*section.fit.rules, *section.engagement.rules]
    for rule in rules:
        if rule.name not in points or (points[rule.name] or 0) > 0:
            continue
        signal = rule.when if isinstance(rule, FitRule) else rule.touches
        part = next((p for p in parts if p == signal or (isinstance(p, TouchCount) and p.touches == signal)), None)
        if part is None:
            continue
        proposed = points[rule.name]
        change = "drops" if proposed is None else f"gives {proposed} points to"
        out.append(f'the proposal {change} "{rule.name}" ({rule.description or "no description"}), but '
                   f"definitions.{stage}.when requires it ({_condition_text(part)}): leads who meet the definition "
                   "would score lower for it; keep its points, or change the definition first")
    return out


def collapse(current: int, proposed: int, *, below: float = 0.5) -> str | None:
    """A warning when the proposal back-tested makes fewer than `below` of the MQLs the pact in force makes."""
    if current == 0 or proposed >= below * current:
        return None
    return (f"the proposal would make {proposed:,} MQLs over the period where the pact in force makes {current:,} "
            f"({proposed / current:.0%}): fewer than {below:.0%}, so it changes marketing's commitment, not only "
            "the scores; check its thresholds before applying it")

"""Hypothesis strategies for scoring: random scoring sections and random people with touches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from revcycle.pact.conditions import Facts
from revcycle.pact.scoring import ScoringSection
from revcycle.scoring.model import ScoringTouch
from tests.scoring.builders import NOW

TYPES = ("download", "page_view", "contact_request", "webinar_attendance", "unsubscribe")
STAGES = (None, "top", "middle", "bottom")
URLS = (None, "https://x.example/pricing", "https://x.example/blog")
SENIORITIES = ("ic", "manager", "director", "vp")


@st.composite
def touch_filters(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["type", "types", "stage", "url", "both"]))
    if kind == "type":
        return {"type": draw(st.sampled_from(TYPES))}
    if kind == "types":
        return {"type": draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True))}
    if kind == "stage":
        return {"content_stage": draw(st.sampled_from(STAGES[1:]))}
    if kind == "url":
        return {"url_contains": "/pricing"}
    return {"type": "download", "content_stage": draw(st.sampled_from(STAGES[1:]))}


@st.composite
def touch_rules(draw: st.DrawFn, name: str, negative: bool = False) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": name, "touches": draw(touch_filters())}
    rule["points"] = -draw(st.integers(1, 30)) if negative else draw(st.integers(1, 30))
    at_least = draw(st.integers(1, 3))
    if at_least > 1:
        rule["at_least"] = at_least
        rule["within"] = draw(st.sampled_from([None, "1d", "3d", "10d", "36h"]))
    limit = draw(st.sampled_from([None, "once", 1, 2, 3]))
    if limit == "once":
        rule["once"] = True
    elif limit is not None:
        rule["max_hits"] = limit
    if not negative:
        rule["decays"] = draw(st.booleans())
    return rule


@st.composite
def sections(draw: st.DrawFn) -> ScoringSection:
    fit = [{"name": "senior", "when": {"field": "person.seniority", "gte": draw(st.sampled_from(SENIORITIES))},
            "points": draw(st.integers(1, 30))},
           {"name": "big", "when": {"field": "account.employees", "gte": draw(st.integers(1, 900))},
            "points": draw(st.integers(1, 30))}]
    engagement = [draw(touch_rules(f"touch_{i}")) for i in range(draw(st.integers(1, 4)))]
    negative = [draw(touch_rules(f"minus_{i}", negative=True)) for i in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        negative.append({"name": "tiny", "when": {"field": "account.employees", "lt": 50}, "points": -10})
    top = max(r["points"] for r in [*fit, *engagement])
    group: dict[str, Any] = {"rules": engagement, "cap": draw(st.sampled_from([None, top, top + 17, 60]))}
    decay = draw(st.sampled_from(["none", "half", "linear", "window", "both"]))
    if decay in ("half", "both"):
        group["decay"] = {"half_life": draw(st.sampled_from(["1d", "7d", "30d", "2w"]))}
    if decay == "linear":
        group["decay"] = {"percent": draw(st.integers(1, 100)), "every": draw(st.sampled_from(["12h", "7d"]))}
    if decay in ("window", "both"):
        group["window"] = draw(st.sampled_from(["5d", "30d", "90d"]))
    return ScoringSection.model_validate({
        "fit": {"rules": fit, "cap": draw(st.sampled_from([None, max(r["points"] for r in fit), 45]))},
        "engagement": group, "negative": negative, "total_cap": draw(st.sampled_from([None, top, top + 40, 100])),
        "qualify": {"fit": draw(st.integers(0, 40)), "engagement": draw(st.integers(0, 40))},
    })


# whole days often, so touches land exactly on window, decay-period and frequency boundaries
_minutes_ago = st.one_of(st.integers(-600, 120 * 24 * 60).map(lambda m: m // 30 * 30),
                         st.integers(-1, 120).map(lambda d: d * 24 * 60))


@st.composite
def people(draw: st.DrawFn) -> Facts:
    count = draw(st.integers(0, 14))
    touches = tuple(
        ScoringTouch(draw(st.sampled_from(TYPES)),
                     NOW - timedelta(minutes=draw(_minutes_ago)),
                     content_stage=draw(st.sampled_from(STAGES)), url=draw(st.sampled_from(URLS)), id=i + 1)
        for i in range(count))
    return Facts(person={"seniority": draw(st.sampled_from(SENIORITIES))},
                 account={"employees": draw(st.sampled_from([None, 10, 60, 500, 1000]))}, touches=touches)



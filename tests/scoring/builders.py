"""Keyword builders for scoring tests: people, touches and scorecards without a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from revcycle.pact.conditions import Facts
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.schema import Pact
from revcycle.scoring.model import Scorecard, ScoringTouch

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def example_pact() -> Pact:
    """The example pact shipped with revcycle."""
    return load_pact(example_pact_text())


def example_card() -> Scorecard:
    """The example pact's scorecard."""
    return Scorecard.from_pact(example_pact())


def touch(type_: str, *, days_ago: float = 1.0, id_: int = 0, **fields: Any) -> ScoringTouch:
    """A touch `days_ago` days before NOW."""
    return ScoringTouch(type_, NOW - timedelta(days=days_ago), id=id_, **fields)


def make_lead(*, seniority: str = "director", employees: int | None = 800, industry: str = "manufacturing",
              email: str = "ada@acme.example", title: str = "Director of Operations",
              touches: list[ScoringTouch] | None = None, **person: Any) -> Facts:
    """A person with their account and touches, as the scoring model reads them."""
    numbered = tuple(ScoringTouch(t.type, t.occurred_at, t.channel, t.content_stage, t.content, t.campaign, t.url,
                                  t.id or i + 1, t.campaign_name) for i, t in enumerate(touches or []))
    return Facts(person={"seniority": seniority, "email": email, "email_domain": email.rsplit("@", 1)[-1],
                         "title": title, **person},
                 account={"employees": employees, "industry": industry}, touches=numbered)


def seeds_mql_touches() -> list[ScoringTouch]:
    """Two bottom-funnel assets (ROI calculator, competitor comparison) and a conversation request."""
    return [touch("download", days_ago=6, content="roi-calculator", content_stage="bottom"),
            touch("download", days_ago=4, content="competitor-comparison", content_stage="bottom"),
            touch("contact_request", days_ago=2, url="https://www.example.com/contact")]

"""Calibration: intervals with known values, the points translation, and the simulator's true fit effects
recovered in the right order through the store (people, accounts and stages imported the way users do)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.stats import spearmanr

from revcycle.bootstrap import App
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.scoring import ScoringSection
from revcycle.pact.service import PactService
from revcycle.scoring.calibration import Interval, fit_coefficients, lift, proposed_points, proposed_section, wilson
from revcycle.scoring.review import ReviewService
from revcycle.sim import SimParams, generate
from revcycle.store.session import make_engine, upgrade
from tests.conftest import NOW


def test_the_wilson_interval_is_where_the_score_test_stops_rejecting() -> None:
    z = 1.959964
    for successes, n in ((81, 263), (0, 10), (10, 10), (3, 7)):
        share = successes / n  # (share - p)^2 = z^2 p (1 - p) / n, solved for p
        a, b, c = 1 + z * z / n, -(2 * share + z * z / n), share * share
        roots = sorted(np.roots([a, b, c]).real)
        rate = wilson(successes, n)
        assert (rate.value, rate.low, rate.high) == pytest.approx((share, max(roots[0], 0), min(roots[1], 1)), abs=1e-6)


def test_the_lift_interval_is_katz_log_interval_of_the_rate_ratio() -> None:
    found = lift(30, 100, 15, 100)
    assert found is not None
    spread = 1.959964 * math.sqrt(1 / 30 - 1 / 100 + 1 / 15 - 1 / 100)
    assert (found.value, found.low, found.high) == pytest.approx((2.0, 2.0 * math.exp(-spread), 2.0 * math.exp(spread)))
    assert lift(3, 10, 0, 0) is None


def test_the_regression_recovers_a_planted_effect_and_leaves_a_constant_rule_unmeasured() -> None:
    rng = np.random.default_rng(4)
    hits = np.column_stack([rng.integers(0, 2, 20_000), rng.integers(0, 2, 20_000), np.ones(20_000)]).astype(float)
    converted = rng.random(20_000) < 1 / (1 + np.exp(-(-1.0 + 1.2 * hits[:, 0])))
    strong, null, constant = fit_coefficients(hits, converted)
    assert strong is not None and strong.low < 1.2 < strong.high
    assert null is not None and null.low < 0 < null.high
    assert constant is None


def _section() -> ScoringSection:
    scoring = load_pact(example_pact_text()).scoring
    assert scoring is not None
    return scoring


def test_points_are_effects_scaled_to_keep_the_budget_of_the_helpful_rules() -> None:
    effects = {"director_plus": Interval(1.0, 0.5, 1.5), "company_500_plus": Interval(3.0, 2.0, 4.0),
               "target_industry": Interval(0.01, -0.3, 0.3), "revenue_team": Interval(-0.9, -1.5, -0.2),
               "bottom_funnel_asset": Interval(0.2, -0.4, 0.8), "student": Interval(0.5, 0.1, 0.9),
               "competitor": Interval(-2.0, -3.0, -1.0), "uses_salesforce": None}
    points = proposed_points(_section(), effects)
    scale = (20 + 20 + 8) / (1.0 + 3.0 + 0.01)  # the helpful rules' points today, over their effects
    assert (points["director_plus"], points["company_500_plus"]) == (12, 36) == (round(scale), round(3 * scale))
    assert (points["target_industry"], points["uses_salesforce"]) == (None, 5)
    assert (points["revenue_team"], points["competitor"], points["student"]) == (-11, -24, None)
    assert (points["bottom_funnel_asset"], points["conversation_request"], points["unsubscribed"]) == (15, 30, -20)


def test_a_harmful_rule_moves_to_the_negative_rules_of_its_group() -> None:
    section = _section()
    points = {rule.name: rule.points for rule in [*section.fit.rules, *section.engagement.rules, *section.negative]}
    points |= {"revenue_team": -9, "email_click": -2, "student": None}
    proposal = ScoringSection.model_validate(proposed_section(section, points))
    assert "revenue_team" not in [r.name for r in proposal.fit.rules]
    moved = {r.name: (r.points, r.scores(), r.when is not None) for r in proposal.negative}
    assert moved["revenue_team"] == (-9, "fit", True) and moved["email_click"] == (-2, "engagement", False)
    assert "student" not in moved and moved["competitor"] == (-100, "fit", True)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """A 20,000-person misaligned company (every fit reaches MQL) calibrated on one rule per fit level."""
    folder = tmp_path_factory.mktemp("calibration")
    generate(SimParams(people=20_000, months=12, mode="misaligned", seed=7), folder / "sim")
    truth = json.loads((folder / "sim" / "truth.json").read_text())["qualification"]["fit_log_odds"]
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    uow = App.for_engine(engine).uow(check=False)
    PactService(uow).apply_text(_levels_pact(truth), source="levels", author="test", now=NOW)
    for kind in ("users", "accounts", "campaigns", "people", "stages"):
        ImportService(uow).run(Kind(kind), folder / "sim" / f"{kind}.csv", source="sim", actor="test", now=NOW,
                               report_dir=folder / "reports")
    year = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    result = ReviewService(uow).calibrate(since=year[0], until=year[1])
    engine.dispose()
    assert result.population > 5000 and result.converted > 300
    return {r.rule: r.effect.value for r in result.rules if r.group == "fit" and r.effect}, truth


BANDS = {"50_199": ("50-199", 50, 199), "200_999": ("200-999", 200, 999), "1000_4999": ("1000-4999", 1000, 4999),
         "5000_plus": ("5000+", 5000, 1_000_000)}


def _levels_pact(truth: dict[str, dict[str, float]]) -> str:
    rules = [f"{{name: seniority_{s}, when: {{field: person.seniority, eq: {s}}}, points: 5}}"
             for s in truth["seniority"] if s != "ic"]
    rules += [f"{{name: band_{key}, when: {{all: [{{field: account.employees, gte: {low}}}, "
              f"{{field: account.employees, lte: {high}}}]}}, points: 5}}" for key, (_, low, high) in BANDS.items()]
    rules += [f"{{name: industry_{i}, when: {{field: account.industry, eq: {i}}}, points: 5}}"
              for i in truth["industry"] if i != "manufacturing"]
    scoring = ("\nscoring:\n  fit:\n    rules:\n" + "".join(f"      - {rule}\n" for rule in rules)
               + "  engagement:\n    rules:\n      - {name: any_download, touches: {type: download}, points: 5}\n"
               + "  qualify: {fit: 5}\n")
    return example_pact_text(scoring=False) + scoring


def _true_effects(truth: dict[str, dict[str, float]]) -> dict[str, float]:
    out = {f"seniority_{s}": v - truth["seniority"]["ic"] for s, v in truth["seniority"].items() if s != "ic"}
    out |= {f"band_{k}": truth["employee_band"][label] - truth["employee_band"]["1-49"]
            for k, (label, _, _) in BANDS.items()}
    out |= {f"industry_{i}": v - truth["industry"]["manufacturing"] for i, v in truth["industry"].items()
            if i != "manufacturing"}
    return out


def test_calibration_ranks_the_simulators_true_fit_effects_in_order(
    calibrated: tuple[dict[str, float], dict[str, dict[str, float]]]
) -> None:
    measured, truth = calibrated
    true = _true_effects(truth)
    assert set(measured) == set(true)
    names = sorted(true)
    assert spearmanr([true[n] for n in names], [measured[n] for n in names]).statistic > 0.9
    for factor in ("seniority_", "band_", "industry_"):
        levels = [n for n in names if n.startswith(factor)]
        for a in levels:
            for b in levels:
                if true[a] - true[b] >= 0.5:
                    assert measured[a] > measured[b], (a, b)

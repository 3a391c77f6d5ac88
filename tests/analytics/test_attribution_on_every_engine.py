"""Attribution from journeys built in each engine equals an independent pandas computation."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from tests.analytics import reference

from revcycle.analytics.attribution import MODELS, Conventions
from revcycle.analytics.engines import Engine
from revcycle.analytics.journeys import JourneySpec
from revcycle.analytics.reports import AttributionReport, fetch
from revcycle.analytics.stages import StageNames

Frames = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def spec(names: StageNames) -> JourneySpec:
    """Closed new-business opportunities (won converts, lost does not), touches of the 90 days before."""
    return JourneySpec(names=names, level="opportunity", conversion="won", lookback_days=90)


@pytest.fixture(scope="module")
def fetched(engine: Engine, spec: JourneySpec) -> dict[str, pd.DataFrame]:
    """The engine's aggregated journeys (distinct paths) for the spec."""
    return fetch(AttributionReport(model="linear", spec=spec), engine)


def _rules(journeys: list[tuple[list[str], bool, float]]) -> dict[str, dict[str, float]]:
    credit: dict[str, dict[str, float]] = {
        m: defaultdict(float) for m in ("first_touch", "last_touch", "linear", "shapley")
    }
    for path, won, _ in journeys:
        if not won:
            continue
        credit["first_touch"][path[0]] += 1
        credit["last_touch"][path[-1]] += 1
        for channel in path:
            credit["linear"][channel] += 1 / len(path)
        for channel in set(path):
            credit["shapley"][channel] += 1 / len(set(path))
    return credit


def _markov(journeys: list[tuple[list[str], bool, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Order-1 removal effects from transition counts, then each journey split by its channels' effects."""
    states = sorted({c for path, _, _ in journeys for c in path})
    index = {s: i + 1 for i, s in enumerate(states)}
    size = len(states) + 3
    counts = np.zeros((size, size))
    for path, won, _ in journeys:
        steps = [0, *[index[c] for c in path], size - 2 if won else size - 1]
        for a, b in pairwise(steps):
            counts[a, b] += 1

    def probability(removed: str | None) -> float:
        keep = [i for i in range(size - 2) if i == 0 or states[i - 1] != removed]
        p = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        q = p[np.ix_(keep, keep)]
        return float(np.linalg.solve(np.eye(len(keep)) - q, p[keep, size - 2])[0])

    full = probability(None)
    effects = {s: 1 - probability(s) / full for s in states}
    credit: dict[str, float] = defaultdict(float)
    for path, won, _ in journeys:
        if won:
            total = sum(effects[c] for c in set(path))
            for channel in set(path):
                credit[channel] += effects[channel] / total
    return effects, credit


def test_rule_models_and_shapley_match_pandas(
    fetched: dict[str, pd.DataFrame], frames: Frames, spec: JourneySpec
) -> None:
    expected = _rules(reference.opportunity_journeys(frames, 90))
    for model, credits in expected.items():
        report = AttributionReport(model=model, spec=spec)
        got = report.finish(fetched).set_index("channel").conversions
        got = got[got.abs() > 1e-12]
        assert sorted(got.index) == sorted(credits), model
        np.testing.assert_allclose([got[c] for c in sorted(credits)], [credits[c] for c in sorted(credits)])


def test_markov_matches_an_independent_absorbing_chain(engine: Engine, frames: Frames, spec: JourneySpec) -> None:
    effects, credits = _markov(reference.opportunity_journeys(frames, 90))
    report = AttributionReport(model="markov", spec=spec)
    windows = fetch(report, engine)
    assert "windows" in windows and "paths" not in windows  # the window-count path, not a path per journey
    got = report.finish(windows).set_index("channel")
    np.testing.assert_allclose([got.removal_effect[c] for c in effects], list(effects.values()), rtol=1e-9)
    np.testing.assert_allclose([got.conversions[c] for c in credits], list(credits.values()), rtol=1e-9)


@pytest.mark.parametrize("model", sorted(set(MODELS) - {"time_decay", "position_weights"}))
def test_every_model_gives_out_exactly_the_conversions_and_dollars(
    model: str, fetched: dict[str, pd.DataFrame], frames: Frames, spec: JourneySpec
) -> None:
    journeys = reference.opportunity_journeys(frames, 90)
    got = AttributionReport(model=model, spec=spec).finish(fetched)
    assert got.conversions.sum() == pytest.approx(sum(won for _, won, _ in journeys))
    assert got.value.sum() == pytest.approx(sum(value for _, _, value in journeys))


def test_time_decay_and_custom_weights_keep_the_identities_at_person_level(engine: Engine, names: StageNames) -> None:
    spec = JourneySpec(names=names, level="person", conversion="opportunity", lookback_days=180, with_seconds=True)
    for model, parameters in (
        ("time_decay", (("half_life_days", 7.0),)),
        ("position_weights", (("first", 0.3), ("middle", 0.3), ("last", 0.4))),
    ):
        report = AttributionReport(model=model, spec=spec, parameters=parameters)
        result = report.attribution(fetch(report, engine))
        assert result.shares[result.conversions > 0].sum(axis=1) == pytest.approx(1.0)
        assert sum(result.channel_values().values()) == pytest.approx(result.values.sum())


@pytest.mark.parametrize(
    ("level", "conversion", "order", "conventions"),
    [
        ("person", "won", 1, Conventions()),
        ("account", "opportunity", 2, Conventions(include_non_converting=False, collapse_repeats=False)),
    ],
    ids=["person-won-order-1", "account-opportunity-order-2-converting-only"],
)
def test_markov_window_counts_give_the_path_per_journey_result(
    engine: Engine, names: StageNames, level: str, conversion: str, order: int, conventions: Conventions
) -> None:
    spec = JourneySpec(names=names, level=level, conversion=conversion)
    report = AttributionReport(model="markov", spec=spec, conventions=conventions, parameters=(("order", order),))
    paths = fetch(AttributionReport(model="linear", spec=spec, conventions=conventions), engine)
    plain, fast = report.attribution(paths), report.attribution(fetch(report, engine))
    assert fast.channels == plain.channels
    for measure in ("removal_effect", "classic_conversions"):
        got, expected = fast.measures[measure], plain.measures[measure]
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), measure
    assert fast.channel_conversions() == pytest.approx(plain.channel_conversions(), rel=1e-9, abs=1e-9)
    assert fast.channel_values() == pytest.approx(plain.channel_values(), rel=1e-9, abs=1e-9)
    assert fast.conversions.sum() == pytest.approx(plain.conversions.sum())

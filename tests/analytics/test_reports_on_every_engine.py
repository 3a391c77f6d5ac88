"""Every report gives the pandas answer on SQLite, PostgreSQL, DuckDB and Spark over the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.analytics import reference

from revcycle.analytics.engines import Engine
from revcycle.analytics.reports import (
    ChannelReport,
    ContentReport,
    FunnelReport,
    KpiReport,
    TimeInStageReport,
    run,
)
from revcycle.analytics.stages import StageNames

Frames = dict[str, pd.DataFrame]


def test_funnel_by_source_matches_pandas(engine: Engine, frames: Frames, names: StageNames) -> None:
    result = run(FunnelReport(names=names, grouping="source"), engine).frame
    stages = result[result.kind.isin(["stage", "renewal"])].copy()
    stages["step"] = stages.groupby("group").cumcount()
    got = stages.set_index(["group", "step"])
    expected = reference.funnel_by_source(frames)
    expected.index = expected.index.set_names(["group", "step"])
    present = got[got.people > 0]
    assert sorted(present.index) == sorted(expected.index)
    for column in ("people", "days_p50", "days_p90"):
        np.testing.assert_allclose(present.loc[expected.index, column].astype(float), expected[column], rtol=1e-9)


def test_funnel_keeps_existing_customers_and_renewal_contacts_out_of_the_lead_steps(
    engine: Engine, frames: Frames, names: StageNames
) -> None:
    result = run(FunnelReport(names=names), engine).frame.set_index("stage")
    existing = reference.existing_customers(frames)
    assert existing  # the data imports some customers straight from known
    assert result.loc["existing customers", "people"] == len(existing)
    reached = reference.reach(frames)
    mqls = set(reached[reached.step == reference.STAGES.index("mql")].person_id)
    assert not mqls & existing
    assert result.loc["mql", "people"] == len(mqls)
    renewed = set(reference.renewed_people(frames).person_id)
    assert renewed - mqls  # renewal contacts who never were leads are not counted as MQLs
    assert result.loc["renewed", "people"] == len(renewed)
    assert pd.isna(result.loc["renewed", "conversion"])
    customers = result.loc["customer", "people"]
    assert customers == len(set(reached[reached.step == reference.STAGES.index("customer")].person_id))
    assert customers <= result.loc["mql", "people"]


def test_funnel_counts_a_recycled_lead_once_and_its_return_as_an_entry(
    engine: Engine, frames: Frames, names: StageNames
) -> None:
    result = run(FunnelReport(names=names), engine).frame.set_index("stage")
    change = frames["stage_change"]
    mql_moves = change[change.to_stage == "mql"]
    assert result.loc["mql", "entries"] == len(mql_moves)
    assert result.loc["mql", "entries"] > mql_moves.person_id.nunique()  # the data has returns after recycling
    assert result.loc["recycled", "people"] == change[change.to_stage == "recycled"].person_id.nunique()
    people = result[result.kind == "stage"].people.to_numpy()
    assert (np.diff(people) <= 0).all()  # a later stage never has more people than an earlier one
    assert result.loc["sal", "conversion"] == pytest.approx(result.loc["sal", "people"] / result.loc["mql", "people"])


def test_funnel_entries_and_detours_by_source_match_pandas(engine: Engine, frames: Frames, names: StageNames) -> None:
    result = run(FunnelReport(names=names, grouping="source"), engine).frame.set_index(["group", "stage"])
    expected = reference.entries_by_source(frames)
    assert len(expected) > 20 and expected.index.get_level_values(1).isin(["recycled", "disqualified"]).any()
    np.testing.assert_array_equal(result.loc[expected.index, "entries"].astype("int64"), expected.entries)
    # a main stage's people are those who reached it (skips included), a detour's those who moved into it
    detoured = expected[expected.index.get_level_values(1).isin(reference.DETOURS)]
    np.testing.assert_array_equal(result.loc[detoured.index, "people"].astype("int64"), detoured.people)
    detours = result[result.kind == "detour"]
    missing = ~detours.index.isin(expected.index)
    assert (detours[missing].people == 0).all() and (detours[missing].entries == 0).all()


def test_time_in_stage_matches_pandas(engine: Engine, frames: Frames, names: StageNames) -> None:
    got = run(TimeInStageReport(names=names), engine).frame.set_index("stage")
    expected = reference.time_in_stage(frames)
    assert sorted(got.index) == sorted(expected.index)
    for column in ("stays", "days_p50", "days_p90", "days_mean"):
        np.testing.assert_allclose(got.loc[expected.index, column].astype(float), expected[column], rtol=1e-9)


def test_kpis_match_pandas(engine: Engine, frames: Frames, names: StageNames) -> None:
    got = run(KpiReport(names=names), engine).frame.iloc[0]
    expected = reference.kpis(frames)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-9), name
    assert got.lead_acceptance == pytest.approx(expected["accepted"] / expected["mqls"])
    assert got.sourced_share == pytest.approx(expected["sourced_pipeline"] / expected["pipeline"])
    win_rate = expected["won"] / (expected["won"] + expected["lost"])
    assert got.velocity_per_day == pytest.approx(expected["pipeline"] * win_rate / expected["cycle_days_p50"])


def test_channels_match_pandas(engine: Engine, frames: Frames) -> None:
    got = run(ChannelReport(), engine).frame.set_index("channel")
    expected = reference.channels(frames)
    assert sorted(got.index) == sorted(expected.index)
    for column in ("spend", "leads", "customers", "new_revenue", "ltv"):
        np.testing.assert_allclose(got.loc[expected.index, column].astype(float), expected[column], rtol=1e-9)
    paid = got[(got.spend > 0) & (got.customers > 0)]
    np.testing.assert_allclose(paid.cac, paid.spend / paid.customers)
    np.testing.assert_allclose(paid.roi, (paid.new_revenue - paid.spend) / paid.spend)


def test_content_matches_pandas(engine: Engine, frames: Frames) -> None:
    got = run(ContentReport(), engine).frame.set_index("content")
    expected = reference.content(frames)
    assert sorted(got.index) == sorted(expected.index)
    for column in ("opportunities", "pipeline", "people"):
        np.testing.assert_allclose(got.loc[expected.index, column].astype(float), expected[column], rtol=1e-9)

"""The ground truth is visible in the data, and aligned teams beat misaligned ones, beyond chance.

Each comparison is a one-sided test at p < 0.001 (z > 3.09) on 20,000-person runs, computed only from
the CSV files, the way an analyst would.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from revcycle.sim.truth import BAND_LOG_ODDS, INDUSTRY_LOG_ODDS, SENIORITY_LOG_ODDS
from revcycle.sim.vocab import BANDS, INDUSTRIES, SENIORITIES

from .conftest import Dataset

Z_0001 = 3.09  # one-sided 0.1 % critical value of the standard normal


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    """z statistic for H1: rate a > rate b (pooled standard error)."""
    pooled = (hits_a + hits_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return (hits_a / n_a - hits_b / n_b) / se


def mann_whitney_z(a: np.ndarray, b: np.ndarray) -> float:
    """Normal-approximation z of the Mann-Whitney U test for H1: values in a tend to be smaller than in b."""
    ranks = pd.Series(np.concatenate([a, b])).rank().to_numpy()
    u = ranks[: len(a)].sum() - len(a) * (len(a) + 1) / 2
    mean, sd = len(a) * len(b) / 2, math.sqrt(len(a) * len(b) * (len(a) + len(b) + 1) / 12)
    return (mean - u) / sd


def handoffs(data: Dataset) -> pd.DataFrame:
    """Each person's first hand-off: minutes to the first sales touch after it, source, fit, whether SQL."""
    moves, touches = data["stages"], data["touchpoints"]
    mql = moves[moves.to_stage == "mql"].drop_duplicates("person_external_id")[
        ["person_external_id", "occurred_at"]
    ]
    sales = touches[touches.channel == "sales"][["person_external_id", "occurred_at"]]
    first_contact = (
        mql.merge(sales, on="person_external_id", suffixes=("", "_contact"))
        .query("occurred_at_contact >= occurred_at")
        .groupby("person_external_id")
        .occurred_at_contact.min()
    )
    out = mql.set_index("person_external_id")
    out["contact"] = first_contact
    minutes = (pd.to_datetime(out.contact) - pd.to_datetime(out.occurred_at)).dt.total_seconds() / 60
    out["minutes"] = minutes
    source = touches.sort_values("occurred_at", kind="stable").drop_duplicates("person_external_id")
    out["source"] = source.set_index("person_external_id").channel
    people = data["people"].set_index("external_id")
    out["seniority"] = people.seniority
    out["sql"] = out.index.isin(moves[moves.to_stage == "sql"].person_external_id)
    return out


def _rate(frame: pd.DataFrame) -> tuple[int, int]:
    return int(frame.sql.sum()), len(frame)


def test_truth_json_holds_the_models_and_the_run(aligned: Dataset) -> None:
    truth = json.loads((aligned.path / "truth.json").read_text())
    assert truth["mode"] == "aligned" and truth["params"]["people"] == 20_000
    assert set(truth["qualification"]["channel_log_odds"]) == {
        "paid_search",
        "organic",
        "email",
        "webinar",
        "trade_show",
        "podcast",
        "linkedin_ads",
        "direct",
        "referral",
        "events",
    }
    assert truth["qualification"]["response_time"]["odds_ratio_5_vs_30_minutes"] > 2
    assert set(SENIORITY_LOG_ODDS) == set(SENIORITIES) and set(INDUSTRY_LOG_ODDS) == set(INDUSTRIES)
    assert set(BAND_LOG_ODDS) == {band[0] for band in BANDS}


def test_the_channel_with_the_larger_true_effect_converts_better(misaligned: Dataset) -> None:
    # on the misaligned company's hand-offs: the aligned one hands over a tenth as many (its pact is strict)
    effects = json.loads((misaligned.path / "truth.json").read_text())["qualification"]["channel_log_odds"]
    best, worst = max(effects, key=effects.get), min(effects, key=effects.get)
    leads = handoffs(misaligned)
    leads = leads[leads.contact.notna()]
    z = two_proportion_z(*_rate(leads[leads.source == best]), *_rate(leads[leads.source == worst]))
    assert z > Z_0001, (best, worst, z)


def test_high_fit_leads_convert_better_than_low_fit_leads(misaligned: Dataset) -> None:
    leads = handoffs(misaligned)
    leads = leads[leads.contact.notna()]
    senior = leads[leads.seniority.isin(["director", "vp", "c_level"])]
    z = two_proportion_z(*_rate(senior), *_rate(leads[leads.seniority == "ic"]))
    assert z > Z_0001, z


def test_leads_contacted_faster_convert_better(aligned: Dataset, misaligned: Dataset) -> None:
    leads = pd.concat([handoffs(aligned), handoffs(misaligned)])
    fast, slow = leads[leads.minutes <= 30], leads[leads.minutes >= 24 * 60]
    z = two_proportion_z(*_rate(fast), *_rate(slow))
    assert z > Z_0001, z
    within_mode = handoffs(misaligned)
    z_misaligned = two_proportion_z(
        *_rate(within_mode[within_mode.minutes <= 120]), *_rate(within_mode[within_mode.minutes >= 24 * 60])
    )
    assert z_misaligned > Z_0001, z_misaligned


def test_aligned_teams_make_more_pipeline_from_far_fewer_mqls(aligned: Dataset, misaligned: Dataset) -> None:
    # the aligned company hands over only what its pact qualifies (Director+ at 500+ who asked for a
    # conversation): a tenth of the MQLs, a far higher share of them becoming opportunities, bigger deals
    def converted(data: Dataset) -> tuple[int, int]:
        moves = data["stages"]
        reached = moves.groupby("to_stage").person_external_id.nunique()
        return int(reached["opportunity"]), int(reached["mql"])

    def pipeline(data: Dataset) -> float:
        deals = data["opportunities"]
        return float(deals[deals.kind == "new_business"].amount.astype(float).sum())

    assert converted(aligned)[1] * 4 < converted(misaligned)[1]
    z = two_proportion_z(*converted(aligned), *converted(misaligned))
    assert z > Z_0001, z
    assert pipeline(aligned) > pipeline(misaligned)


def test_aligned_teams_contact_leads_sooner(aligned: Dataset, misaligned: Dataset) -> None:
    fast = handoffs(aligned).minutes.dropna().to_numpy()
    slow = handoffs(misaligned).minutes.dropna().to_numpy()
    assert mann_whitney_z(fast, slow) > Z_0001
    assert np.median(fast) * 10 < np.median(slow)


def test_misaligned_marketing_hands_over_more_and_lower_fit_leads(
    aligned: Dataset, misaligned: Dataset
) -> None:
    ours, theirs = handoffs(aligned), handoffs(misaligned)
    assert len(theirs) > 1.3 * len(ours)
    z = two_proportion_z(
        int((theirs.seniority == "ic").sum()), len(theirs), int((ours.seniority == "ic").sum()), len(ours)
    )
    assert z > Z_0001, z


def test_misaligned_sdrs_leave_some_leads_uncontacted(aligned: Dataset, misaligned: Dataset) -> None:
    never = handoffs(misaligned).contact.isna().mean()
    assert never > 0.1 > handoffs(aligned).contact.isna().mean()

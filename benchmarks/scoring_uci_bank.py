"""A calibrated scorecard on real outcomes: the UCI bank marketing set (45,211 clients, 11.7% subscribed).

Each client is a person whose columns are `person.attributes.*`; a starting scorecard gives every rule 10 fit
points; revcycle's calibration (lift with intervals, logistic regression on rule hits, points from the clearly
non-zero effects) is fitted on 70% of the rows and the calibrated scorecard ranks the other 30%, scored by the
same pure model the product uses. `duration` (length of the last call, known only after it) leaks the outcome
and is left out; `pdays = -1` means never contacted before. Prints AUC, precision at the top and a decile table.

    .venv/bin/python benchmarks/scoring_uci_bank.py
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from revcycle.pact.scoring import ScoringSection
from revcycle.scoring.calibration import fit_coefficients, lift, proposed_points, proposed_section, wilson
from revcycle.scoring.fields import field_matrix
from revcycle.scoring.model import Scorecard

DATA = Path(os.environ.get("REVCYCLE_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets"))
FILE = DATA / "uci_bank_marketing" / "bank-full.csv"
SEED = 20240611


def _rule(name: str, when: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "when": when, "points": 10}


def _field(column: str, **test: Any) -> dict[str, Any]:
    return {"field": f"person.attributes.{column}", **test}


def starting_rules() -> list[dict[str, Any]]:
    """One rule per level of every column but `duration` (a reference level is left out of each)."""
    rules = [_rule("age_under_25", _field("age", lt=25)), _rule("age_25_to_29", {"all": [
        _field("age", gte=25), _field("age", lt=30)]}), _rule("age_40_to_59", {"all": [
            _field("age", gte=40), _field("age", lt=60)]}), _rule("age_60_plus", _field("age", gte=60))]
    levels = {"job": ["management", "technician", "entrepreneur", "retired", "admin.", "services", "self-employed",
                      "unemployed", "housemaid", "student", "unknown"],  # blue-collar is the reference
              "marital": ["single", "divorced"], "education": ["primary", "tertiary", "unknown"],
              "contact": ["cellular", "telephone"], "poutcome": ["success", "failure", "other"],
              "month": ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]}
    for column, values in levels.items():
        rules += [_rule(f"{column}_{v.replace('.', '').replace('-', '_')}", _field(column, eq=v)) for v in values]
    rules += [_rule(f"{c}_yes", _field(c, eq="yes")) for c in ("default", "housing", "loan")]
    rules += [_rule("balance_negative", _field("balance", lt=0)),
              _rule("balance_1000_plus", _field("balance", gte=1000)),
              _rule("balance_5000_plus", _field("balance", gte=5000)),
              _rule("calls_this_campaign_3_plus", _field("campaign", gte=3)),
              _rule("calls_this_campaign_6_plus", _field("campaign", gte=6)),
              _rule("contacted_before", _field("pdays", ne=-1)),  # -1: never contacted before
              _rule("contacted_within_90_days", {"all": [_field("pdays", ne=-1), _field("pdays", lte=90)]}),
              _rule("previous_contacts_3_plus", _field("previous", gte=3))]
    return rules


def section(rules: list[dict[str, Any]]) -> ScoringSection:
    """A scoring section of these fit rules (engagement needs a rule; nobody here has touches)."""
    return ScoringSection.model_validate({
        "fit": {"rules": rules},
        "engagement": {"rules": [{"name": "no_touches_here", "touches": {"type": "download"}, "points": 1}]},
    })


def hits(card: Scorecard, frame: pd.DataFrame) -> np.ndarray:
    """Which field rules fire for each row, through the product's field evaluation."""
    attributes = [json.dumps(row) for row in frame.drop(columns=["y"]).to_dict("records")]
    return field_matrix(card.field_rules, {("person", "attributes"): attributes}, len(frame))


def scores(card: Scorecard, fired: np.ndarray) -> np.ndarray:
    """Fit points per row (hundredths): the sum of the rules that fired (no caps in this scorecard)."""
    points = np.array([rule.points for rule in card.field_rules], dtype=np.int64)
    return fired.astype(np.int64) @ points


def precision_at(score: np.ndarray, y: np.ndarray, share: float) -> float:
    """Subscribers among the top `share` of rows by score (ties broken by row order)."""
    top = np.argsort(-score, kind="stable")[: int(len(score) * share)]
    return float(y[top].mean())


def main() -> None:
    started = time.perf_counter()
    frame = pd.read_csv(FILE, sep=";")
    y_all = (frame["y"] == "yes").to_numpy()
    leak_auc = roc_auc_score(y_all, frame["duration"])
    frame = frame.drop(columns=["duration"])  # known only after the call: it leaks the outcome
    train, test = train_test_split(frame, test_size=0.3, random_state=SEED, stratify=frame["y"])
    y_train, y_test = (train["y"] == "yes").to_numpy(), (test["y"] == "yes").to_numpy()
    start = section(starting_rules())
    card = Scorecard.from_section(start)
    fired_train, fired_test = hits(card, train), hits(card, test)
    effects = fit_coefficients(fired_train.astype(float), y_train)
    points = proposed_points(start, {rule.name: effects[rule.index] for rule in card.field_rules})
    calibrated = Scorecard.from_section(ScoringSection.model_validate(proposed_section(start, points)))
    fired_cal = hits(calibrated, test)
    uncalibrated_auc = roc_auc_score(y_test, scores(card, fired_test))
    calibrated_score = scores(calibrated, fired_cal)
    calibrated_auc = roc_auc_score(y_test, calibrated_score)
    train_auc = roc_auc_score(y_train, scores(calibrated, hits(calibrated, train)))
    regression = LogisticRegression(max_iter=5000).fit(fired_train, y_train)
    regression_auc = roc_auc_score(y_test, regression.predict_proba(fired_test)[:, 1])
    print(f"rows {len(frame):,} (train {len(train):,}, held out {len(test):,}); subscribed {y_all.mean():.1%}")
    print(f"rules {len(card.field_rules)}; calibrated: {sum(1 for r in calibrated.field_rules if r.points > 0)} "
          f"positive, {sum(1 for r in calibrated.field_rules if r.points < 0)} negative")
    print(f"held-out AUC: calibrated scorecard (integer points) {calibrated_auc:.4f}; starting scorecard "
          f"(10 points each) {uncalibrated_auc:.4f}; logistic regression probabilities on the same rules "
          f"{regression_auc:.4f}; calibrated scorecard on its training rows {train_auc:.4f}")
    print(f"for reference only, `duration` alone ranks all rows at AUC {leak_auc:.4f} (the leak; not used)")
    base = y_test.mean()
    for share in (0.05, 0.10, 0.20):
        got = precision_at(calibrated_score, y_test, share)
        print(f"precision in the top {share:.0%} of held-out rows: {got:.1%} (base rate {base:.1%}, "
              f"lift {got / base:.2f}x)")
    deciles = pd.qcut(pd.Series(calibrated_score).rank(method="first"), 10, labels=False)
    table = pd.DataFrame({"decile": 10 - deciles, "y": y_test, "score": calibrated_score / 100})
    summary = table.groupby("decile").agg(rows=("y", "size"), subscribed=("y", "mean"), min_points=("score", "min"),
                                          max_points=("score", "max"))
    print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
    top = sorted(((rule.name, rule.points // 100) for rule in calibrated.field_rules), key=lambda r: -abs(r[1]))[:12]
    print("largest calibrated points:", ", ".join(f"{name} {value:+d}" for name, value in top))
    poutcome = next(r for r in card.field_rules if r.name == "poutcome_success")
    got = fired_train[:, poutcome.index]
    c1, n1, c0, n0 = int(y_train[got].sum()), int(got.sum()), int(y_train[~got].sum()), int((~got).sum())
    found = lift(c1, n1, c0, n0)
    assert found is not None
    print(f"lift of poutcome_success on the training rows: {found.value:.2f} [{found.low:.2f}, {found.high:.2f}] "
          f"({wilson(c1, n1).value:.1%} vs {wilson(c0, n0).value:.1%})")
    print(f"whole run {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()

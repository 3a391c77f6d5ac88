"""The ground truth of the simulated market, and how each mode's teams behave.

Outcomes are drawn from these logistic models, so an analysis of the generated files can be checked
against the numbers that made them (they are written to `truth.json` next to the data).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from revcycle.sim.vocab import CHANNELS, Channel

__all__ = [
    "BAND_LOG_ODDS",
    "BEHAVIOURS",
    "CHANNEL_LOG_ODDS",
    "INDUSTRY_LOG_ODDS",
    "SENIORITY_LOG_ODDS",
    "Behaviour",
    "response_log_odds",
    "sigmoid",
    "truth_document",
]

# Log-odds added to P(MQL -> SQL) by the channel of the person's first touch (their lead source).
CHANNEL_LOG_ODDS = {
    Channel.REFERRAL: 0.9,
    Channel.EVENTS: 0.5,
    Channel.TRADE_SHOW: 0.4,
    Channel.WEBINAR: 0.35,
    Channel.DIRECT: 0.3,
    Channel.ORGANIC: 0.2,
    Channel.PODCAST: 0.1,
    Channel.EMAIL: 0.0,
    Channel.PAID_SEARCH: -0.2,
    Channel.LINKEDIN_ADS: -0.5,
    Channel.SALES: 0.0,
}
SENIORITY_LOG_ODDS = {"ic": -0.6, "manager": -0.1, "director": 0.3, "vp": 0.5, "c_level": 0.4, "owner": 0.2}
BAND_LOG_ODDS = {"1-49": -0.8, "50-199": -0.3, "200-999": 0.2, "1000-4999": 0.5, "5000+": 0.3}
INDUSTRY_LOG_ODDS = {
    "software": 0.5,
    "financial_services": 0.3,
    "healthcare": 0.1,
    "manufacturing": 0.0,
    "retail": -0.2,
    "education": -0.6,
    "government": -0.4,
    "media": 0.0,
    "logistics": 0.1,
    "professional_services": 0.2,
}

QUALIFY_BASE = 0.2  # log-odds of MQL -> SQL for an average lead contacted at once
RESPONSE_COEF = 0.7  # log-odds lost per unit of ln(1 + minutes / RESPONSE_SCALE)
RESPONSE_SCALE_MINUTES = 5.0
OPPORTUNITY_BASE, OPPORTUNITY_FIT = 1.4, 0.5  # P(SQL -> opportunity): the AE accepts it
WIN_BASE, WIN_FIT, WIN_CHANNEL = -0.8, 0.6, 0.5  # P(opportunity won)


@dataclass(frozen=True)
class Behaviour:
    """How marketing and sales act in one mode; the market they face is the same."""

    follows_pact: bool  # MQLs are whom the pact's scoring and definition qualify (else the two rules below)
    mql_points: int  # engagement points that make an MQL
    mql_min_fit: float | None  # fit log-odds an MQL must reach (None: any fit); hand-raisers always pass
    marketing_removes_junk: bool  # marketing disqualifies spam, students and competitors before hand-off
    never_contacted: float  # share of MQLs no SDR ever calls
    response_median_minutes: float
    response_sigma: float
    waits_for_working_hours_first: bool  # True: the delay starts when the SDR's day starts
    sdr_speed_spread: float  # sigma of each SDR's personal slowness multiplier (log scale)
    recycles: bool  # rejected leads go back to nurture (else: disqualified or left to rot)
    return_after_days: int  # a recycled lead's quiet time before marketing's nurture reaches them again


BEHAVIOURS = {
    "aligned": Behaviour(
        follows_pact=True,
        mql_points=35,
        mql_min_fit=-0.3,
        marketing_removes_junk=True,
        never_contacted=0.01,
        response_median_minutes=4.0,
        response_sigma=0.8,
        waits_for_working_hours_first=True,
        sdr_speed_spread=0.0,
        recycles=True,
        return_after_days=90,  # "not this quarter"; also the pact's engagement window, so a lead comes back on
        # new engagement, not on what made them an MQL before
    ),
    "misaligned": Behaviour(
        follows_pact=False,
        mql_points=28,
        mql_min_fit=None,
        marketing_removes_junk=False,
        never_contacted=0.22,
        response_median_minutes=150.0,
        response_sigma=1.3,
        waits_for_working_hours_first=False,
        sdr_speed_spread=0.6,
        recycles=False,
        return_after_days=0,
    ),
}


def sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The probability for a log-odds."""
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def response_log_odds(minutes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The true cost of waiting: log-odds of qualifying lost after `minutes` to first contact."""
    return np.asarray(-RESPONSE_COEF * np.log1p(minutes / RESPONSE_SCALE_MINUTES), dtype=np.float64)


def _odds_ratio(fast_minutes: float, slow_minutes: float) -> float:
    gain = RESPONSE_COEF * (
        math.log1p(slow_minutes / RESPONSE_SCALE_MINUTES) - math.log1p(fast_minutes / RESPONSE_SCALE_MINUTES)
    )
    return round(math.exp(gain), 4)


def truth_document(mode: str, params: dict[str, Any]) -> dict[str, Any]:
    """What truth.json holds: the models outcomes were drawn from, and the mode's behaviour."""
    return {
        "mode": mode,
        "params": params,
        "qualification": {
            "what": "P(mql -> sql) for a contacted lead",
            "model": "logit(p) = base + channel[source] + fit + response_time",
            "base": QUALIFY_BASE,
            "channel_log_odds": {
                CHANNELS[c]: v for c, v in CHANNEL_LOG_ODDS.items() if c is not Channel.SALES
            },
            "source": "the channel of the person's first touchpoint",
            "fit_log_odds": {
                "what": "fit = seniority + employee_band + industry",
                "seniority": SENIORITY_LOG_ODDS,
                "employee_band": BAND_LOG_ODDS,
                "industry": INDUSTRY_LOG_ODDS,
            },
            "response_time": {
                "formula": "-coef * ln(1 + minutes_to_first_contact / scale_minutes)",
                "coef": RESPONSE_COEF,
                "scale_minutes": RESPONSE_SCALE_MINUTES,
                "odds_ratio_5_vs_30_minutes": _odds_ratio(5, 30),
                "odds_ratio_5_minutes_vs_24_hours": _odds_ratio(5, 24 * 60),
                "minutes_measured": "from the mql stage change to the first sales touchpoint (call or email)",
            },
            "junk": "spam, student and competitor leads never qualify",
        },
        "opportunity": {
            "what": "P(sql -> opportunity)",
            "model": "logit(p) = base + fit_coef * fit",
            "base": OPPORTUNITY_BASE,
            "fit_coef": OPPORTUNITY_FIT,
        },
        "win": {
            "what": "P(opportunity won)",
            "model": "logit(p) = base + fit_coef * fit + channel_coef * channel",
            "base": WIN_BASE,
            "fit_coef": WIN_FIT,
            "channel_coef": WIN_CHANNEL,
        },
        "behaviour": asdict(BEHAVIOURS[mode]),
    }

"""Aggregated path rows from the engine -> the attribution package's JourneyTable (numpy columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from revcycle.analytics.attribution import Conventions, JourneyTable
from revcycle.analytics.journeys import SEPARATOR

__all__ = ["journey_table"]


def _canonical(path: str) -> str:
    """The path's keys in position order (SQLite concatenates them in any order)."""
    return SEPARATOR.join(sorted(path.split(SEPARATOR)))


def grouped(paths: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct (ordered path, milestones), counts and dollars summed."""
    frame = paths.assign(
        path=paths.path.map(_canonical),
        lead_index=paths.lead_index.fillna(-1).astype("int64"),
        opportunity_index=paths.opportunity_index.fillna(-1).astype("int64"),
        value=paths.value.fillna(0.0).astype("float64"),
    )
    keys = ["path", "lead_index", "opportunity_index"]
    summed = frame.groupby(keys, as_index=False, sort=True)[["conversions", "nulls", "value"]].sum()
    return summed.reset_index(drop=True)


def journey_table(
    paths: pd.DataFrame, untouched: tuple[int, float], conventions: Conventions, *, with_seconds: bool
) -> JourneyTable:
    """Parse path strings into columns; untouched conversions become one touch of the direct channel."""
    frame = grouped(paths)
    keys = [path.split(SEPARATOR) for path in frame.path]
    channels = [[key.split(":", 2)[1] for key in row] for row in keys]
    seconds = [[float(key.split(":", 2)[2]) if with_seconds else np.nan for key in row] for row in keys]
    lengths = np.array([len(row) for row in channels], np.int64)
    conversions = frame.conversions.to_numpy(np.float64)
    lead, opportunity = _milestones(frame, lengths, conversions)
    count, value = untouched
    if count:
        channels.append([conventions.direct_channel])
        seconds.append([0.0])
        lengths = np.append(lengths, 1)
        conversions = np.append(conversions, float(count))
        lead, opportunity = np.append(lead, 0), np.append(opportunity, 0)
    values = np.append(frame.value.to_numpy(np.float64), [float(value)] if count else [])
    nulls = np.append(frame.nulls.to_numpy(np.float64), [0.0] if count else [])
    names = sorted({channel for row in channels for channel in row})
    code = {name: i for i, name in enumerate(names)}
    return JourneyTable.from_arrays(
        names,
        codes=np.array([code[c] for row in channels for c in row], np.int64),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        conversions=conversions,
        values=values,
        nulls=nulls,
        seconds=np.array([s for row in seconds for s in row], np.float64),
        lead_index=lead,
        opportunity_index=opportunity,
        conventions=conventions,
    )


def _milestones(frame: pd.DataFrame, lengths: np.ndarray, conversions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Converting journeys always get milestones: lead falls back to the first touch, the opportunity to the
    last, and the lead never comes after the opportunity."""
    lead = frame.lead_index.to_numpy(np.int64)
    opportunity = frame.opportunity_index.to_numpy(np.int64)
    converting = conversions > 0
    opportunity = np.where(converting & (opportunity < 0), lengths - 1, opportunity)
    lead = np.where(converting & (lead < 0), 0, lead)
    lead = np.where(converting, np.minimum(lead, opportunity), lead)
    return lead, opportunity

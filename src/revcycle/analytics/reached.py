"""Reach for the services that count it outside a report (calibration, back-tests): the same definition as
every report (`analytics.funnel.stage_facts`), run on the store's own engine and returned as plain numbers."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from revcycle.analytics.engines import store_engine
from revcycle.analytics.funnel import stage_facts
from revcycle.analytics.stages import StageNames
from revcycle.errors import NotFound

__all__ = ["first_reached"]

EPOCH = pd.Timestamp(0, tz="UTC")


def first_reached(url: str, names: StageNames, stages: Sequence[str]) -> dict[str, dict[int, int]]:
    """For each of these main stages, when each person reached it (epoch microseconds, UTC), by the one rule."""
    unknown = [stage for stage in stages if stage not in names.stages]
    if unknown:
        raise NotFound(f"{', '.join(unknown)} is not a main stage of the pact in force ({', '.join(names.stages)})")
    engine = store_engine(url)
    try:
        facts = stage_facts(engine.tables, names)
        columns = {stage: f"step_{names.index(stage)}" for stage in stages}
        frame = engine.execute(facts.select("person_id", *sorted(set(columns.values()))))
    finally:
        engine.close()
    out: dict[str, dict[int, int]] = {}
    for stage, column in columns.items():
        chosen = frame[frame[column].notna()]
        at = (pd.to_datetime(chosen[column], utc=True) - EPOCH) // pd.Timedelta(microseconds=1)
        out[stage] = dict(zip(chosen.person_id.astype("int64").tolist(), at.astype("int64").tolist(), strict=True))
    return out

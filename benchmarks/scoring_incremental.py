"""Incremental scoring throughput: touchpoints imported the way a daily feed brings them (in time order, in
imports of N rows), each import rescoring the people it touched inside its own transaction, on SQLite.

A simulated company's users, accounts, people and stages go in first (not timed); its touchpoints, sorted by
time and cut into files of `--chunk` rows, are then imported one file at a time, twice: with the example pact
(scoring on) and with the same pact without its scoring section (scoring off). The time spent inside the
scoring hook is measured separately, so scoring's own throughput is touchpoints / hook time.

    .venv/bin/python benchmarks/scoring_incremental.py                  # 20,000 people, ~400,000 touchpoints
    .venv/bin/python benchmarks/scoring_incremental.py --people 10000 --chunk 5000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

import revcycle.ingest.service as import_service
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.scoring import service as scoring
from revcycle.sim import SimParams, generate
from revcycle.store.session import UnitOfWork, make_engine, upgrade

WORK = Path(__file__).resolve().parent / "_work" / "scoring"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


class Stopwatch:
    """Wraps the scoring hook the importers call and adds up the time spent in it."""

    def __init__(self, hook: Callable[..., None]) -> None:
        self.hook, self.seconds, self.calls, self.people = hook, 0.0, 0, 0

    def __call__(self, ctx: Any, person_ids: Any, **options: Any) -> None:
        ids = list(person_ids)
        started = time.perf_counter()
        self.hook(ctx, ids, **options)
        self.seconds += time.perf_counter() - started
        self.calls += 1
        self.people += len(set(ids))


def feed(people: int, chunk: int) -> tuple[Path, list[Path]]:
    """The simulated company and its touchpoints as time-ordered files of `chunk` rows (built once)."""
    data = WORK / f"sim-incremental-{people}"
    if not (data / "truth.json").exists():
        generate(SimParams(people=people, months=12, mode="aligned", seed=2), data, force=True)
    parts = sorted(data.glob(f"feed-{chunk}-*.csv"))
    if not parts:
        frame = pd.read_csv(data / "touchpoints.csv", dtype=str, keep_default_na=False)
        frame = frame.sort_values(["occurred_at", "external_id"], kind="stable")
        for i, start in enumerate(range(0, len(frame), chunk)):
            frame.iloc[start:start + chunk].to_csv(data / f"feed-{chunk}-{i:05d}.csv", index=False)
        parts = sorted(data.glob(f"feed-{chunk}-*.csv"))
    return data, parts


def run(data: Path, parts: list[Path], *, scoring_on: bool) -> dict[str, float]:
    """Import the company, then the feed file by file; the feed's time, rows and time inside the hook."""
    database = WORK / f"incremental-{'on' if scoring_on else 'off'}.db"
    for stale in WORK.glob(database.name + "*"):
        stale.unlink()
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    uow = UnitOfWork(engine)
    text = example_pact_text(scoring=scoring_on)
    PactService(uow).apply_text(text, source="benchmark", author="benchmark", now=NOW)
    service = ImportService(uow)
    for kind in ("users", "accounts", "campaigns", "people", "stages"):
        service.run(Kind(kind), data / f"{kind}.csv", source="sim", actor="benchmark", now=NOW,
                    report_dir=WORK / "reports")
    watch = Stopwatch(scoring.score_touched)
    import_service.score_touched = watch  # type: ignore[assignment]
    rows, started = 0, time.perf_counter()
    for part in parts:
        summary = service.run(Kind.TOUCHPOINTS, part, source="sim", actor="benchmark", now=NOW,
                              report_dir=WORK / "reports")
        rows += summary.counts.inserted
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"rows": rows, "seconds": elapsed, "hook": watch.seconds, "calls": watch.calls, "people": watch.people}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; store: SQLite", flush=True)
    data, parts = feed(options.people, options.chunk)
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    on = run(data, parts, scoring_on=True)
    off = run(data, parts, scoring_on=False)
    print(f"feed: {on['rows']:,.0f} touchpoints of {options.people:,} people in {len(parts)} imports of "
          f"{options.chunk:,} rows (time order)")
    print(f"import with scoring: {on['seconds']:.1f} s = {on['rows'] / on['seconds']:,.0f} touchpoints/s; "
          f"without scoring: {off['seconds']:.1f} s = {off['rows'] / off['seconds']:,.0f} touchpoints/s")
    print(f"scoring hook: {on['hook']:.1f} s over {on['calls']:.0f} import batches, {on['people']:,.0f} people "
          f"rescored = {on['rows'] / on['hook']:,.0f} touchpoints/s ({on['people'] / on['hook']:,.0f} people/s); "
          f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

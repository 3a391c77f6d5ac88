"""Full rescore of a simulated company (1M people, ~20M touchpoints) with the example pact, on SQLite.

Builds the store once (simulate, then `revcycle import` every file; cached in benchmarks/_work/scoring/ and not
part of the measurement), then in separate child processes (so each peak RSS is its own):
  1. `ScoringService.rescore`: set-based reads through the driver, the numpy engine, bulk writes; one transaction;
  2. a naive person-by-person loop (ORM reads of the person, account and touches, the one-person model, ORM
     writes) on the first N people, rolled back; its per-person time is extrapolated to everybody, and its
     scores and hits are checked equal to the set-based ones for those people.

    .venv/bin/python benchmarks/scoring_rescore.py                       # 1M people, naive loop on 20,000
    .venv/bin/python benchmarks/scoring_rescore.py --people 100000 --naive 5000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / "_work" / "scoring"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
KINDS = ("users", "accounts", "campaigns", "people", "stages", "touchpoints", "opportunities")


def build(people: int, folder: Path) -> Path:
    """The simulated company in a SQLite store, built once per size."""
    database = folder / f"rescore-{people}.db"
    if database.exists():
        return database
    from revcycle.sim import SimParams, generate

    data = folder / f"sim-{people}"
    if not (data / "truth.json").exists():
        generate(SimParams(people=people, months=12, mode="aligned", seed=1), data, force=True)
    url = f"sqlite:///{database}.partial"
    env = {**os.environ, "REVCYCLE_DATABASE_URL": url, "COLUMNS": "200"}
    run = [sys.executable, "-m", "revcycle"]
    subprocess.run([*run, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*run, "pact", "apply", "--example"], env=env, check=True, capture_output=True)
    for kind in KINDS:
        started = time.perf_counter()
        subprocess.run([*run, "import", kind, str(data / f"{kind}.csv"), "--source", "sim", "-q", "--report-dir",
                        str(folder / "reports")], env=env, check=False, capture_output=True)
        print(f"  built: import {kind} {time.perf_counter() - started:.0f} s", flush=True)
    Path(f"{database}.partial").rename(database)
    return database


def child_full(database: Path, pact: str) -> dict[str, Any]:
    """Apply the example pact (or its variant with other points, to rescore after a pact change), then one
    timed full rescore."""
    from sqlalchemy import text

    from revcycle.pact.loader import example_pact_text
    from revcycle.pact.service import PactService
    from revcycle.scoring.service import ScoringService
    from revcycle.store.session import UnitOfWork, make_engine

    engine = make_engine(f"sqlite:///{database}")
    wording = example_pact_text()
    if pact == "changed":
        wording = wording.replace("points: 15, max_hits: 2", "points: 16, max_hits: 2").replace(
            "points: 8}", "points: 9}")
    PactService(UnitOfWork(engine)).apply_text(wording, source=f"benchmark {pact}", author="benchmark", now=NOW)
    started = time.perf_counter()
    summary = ScoringService(UnitOfWork(engine)).rescore(now=NOW, actor="benchmark")
    elapsed = time.perf_counter() - started
    with engine.connect() as connection:
        touches = connection.execute(text("SELECT COUNT(*) FROM touchpoint")).scalar()
    return {"seconds": elapsed, "people": summary.people, "hits": summary.hits, "changed": summary.changed,
            "qualified": summary.qualified, "moved": summary.moved, "touchpoints": touches}


def child_naive(database: Path, count: int) -> dict[str, Any]:
    """The person-by-person loop on the first `count` people (rolled back), checked against the stored scores."""
    from sqlalchemy import delete

    from revcycle.pact.service import PactService
    from revcycle.scoring.model import Scorecard, score_person
    from revcycle.scoring.repository import ScoringRepository
    from revcycle.scoring.tables import PersonScore, ScoreHit
    from revcycle.store.session import UnitOfWork, make_engine

    uow = UnitOfWork(make_engine(f"sqlite:///{database}"))
    card = Scorecard.from_pact(PactService(uow).active().pact)
    with uow.begin() as session:
        repo = ScoringRepository(session)
        ids = repo.person_ids()[:count].tolist()
        expected = {pid: _stored(session, pid) for pid in ids}
        started = time.perf_counter()
        for pid in ids:
            scored = score_person(card, repo.facts(pid), now=NOW)
            session.execute(delete(ScoreHit).where(ScoreHit.person_id == pid))
            session.execute(delete(PersonScore).where(PersonScore.person_id == pid))
            s = scored.scores
            session.add(PersonScore(person_id=pid, fit=s.fit, engagement=s.engagement, total=s.total,
                                    qualified=s.qualified, as_of=NOW))
            session.add_all(ScoreHit(person_id=pid, rule=h.rule, grp=h.group.value, at=h.at,
                                     touchpoint_id=h.touchpoint_id, times=h.times, points=h.points,
                                     decayed=h.decayed, limited=h.limited, capped=h.capped) for h in scored.hits)
            session.flush()
        elapsed = time.perf_counter() - started
        same = sum(_stored(session, pid) == expected[pid] for pid in ids)
        session.rollback()
    return {"seconds": elapsed, "people": len(ids), "same": same}


def _stored(session: Any, pid: int) -> tuple[Any, ...]:
    from sqlalchemy import select

    from revcycle.scoring.tables import PersonScore, ScoreHit

    score = session.get(PersonScore, pid)
    hits = sorted((h.rule, h.at, h.touchpoint_id, h.times, h.points, h.decayed, h.limited, h.capped)
                  for h in session.scalars(select(ScoreHit).where(ScoreHit.person_id == pid)))
    return (score.fit, score.engagement, score.total, bool(score.qualified)), tuple(hits)


def _in_child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=20_000)
    parser.add_argument("--child", nargs="*")
    options = parser.parse_args()
    if options.child:
        kind, database, *rest = options.child
        result = child_full(Path(database), rest[0]) if kind == "full" else child_naive(Path(database), int(rest[0]))
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        result["scan_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print(json.dumps(result))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; store: SQLite", flush=True)
    database = build(options.people, WORK)
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    _in_child("full", str(database), "example")  # warm-up: fills the score tables and the page cache
    full = _in_child("full", str(database), "changed")  # the measured one: after a change of points
    naive = _in_child("naive", str(database), str(options.naive))
    per_person = naive["seconds"] / naive["people"]
    extrapolated = per_person * full["people"]
    print(f"full rescore: {full['people']:,} people, {full['touchpoints']:,} touchpoints, {full['hits']:,} rule hits "
          f"written in {full['seconds']:.1f} s = {full['people'] / full['seconds']:,.0f} people/s, "
          f"{full['touchpoints'] / full['seconds']:,.0f} touchpoints/s; peak RSS {full['peak_rss_mib']} MiB (each "
          f"scanning child at most {full['scan_rss_mib']} MiB); "
          f"{full['qualified']:,} meet the thresholds, {full['changed']:,} changed, {full['moved']:,} moved")
    print(f"naive loop: {naive['people']:,} people in {naive['seconds']:.1f} s = {1 / per_person:,.0f} people/s "
          f"(identical scores and hits for {naive['same']:,} of {naive['people']:,}); extrapolated to "
          f"{full['people']:,} people: {extrapolated:,.0f} s; peak RSS {naive['peak_rss_mib']} MiB")
    print(f"set-based / naive: {extrapolated / full['seconds']:.1f}x faster; load average after: "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Benchmark: `revcycle report attribution --model markov` through the real CLI, against pandas + ChannelAttribution.

1. Builds a store as a user would (once; kept in --dir): `revcycle sim generate`, `revcycle db upgrade`,
   `revcycle pact apply --example`, then `revcycle import KIND FILE -q` for each of the simulator's files.
2. Times the CLI (a subprocess of `.venv/bin/revcycle`, interpreter start included) on the store's own engine
   (SQLite), on DuckDB fed from the store, and on DuckDB over a `revcycle export parquet` folder.
3. Times pandas + ChannelAttribution on the same journeys (person level, conversion won, marketing touches
   up to the first won new-business deal, repeats collapsed, non-converting journeys included): pandas reads
   the tables (from the store with `read_sql`, and from the Parquet export), builds and aggregates the paths,
   and ChannelAttribution's `markov_model` (order 1, defaults) estimates the removal effects.
4. Checks that the removal effects agree (ours exact, theirs simulated) and prints every figure.

    .venv/bin/python benchmarks/markov_cli.py --people 1000000      # store in benchmarks/_work/markov-1000000
"""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

WORK = Path(__file__).resolve().parent / "_work"
REVCYCLE = Path(sys.executable).with_name("revcycle")
KINDS = ("users", "accounts", "campaigns", "people", "stages", "touchpoints", "opportunities")
TIMINGS: dict[str, float] = {}


def _run(*args: str, url: str, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    """`revcycle ARGS` on the store at `url`, timed under the label of its arguments."""
    env = {**os.environ, "REVCYCLE_DATABASE_URL": url, "REVCYCLE_ACTOR": "bench", "COLUMNS": "160"}
    started = time.perf_counter()
    done = subprocess.run([str(REVCYCLE), *args], capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"revcycle {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    TIMINGS[" ".join(args)] = elapsed
    if not quiet:
        print(f"  revcycle {' '.join(args)}: {elapsed:.1f} s", flush=True)
    return done


def build_store(people: int, folder: Path) -> str:
    """A SQLite store of the simulated company built by `revcycle import` (reused when already complete)."""
    database = folder / "revcycle.db"
    url = f"sqlite:///{database}"
    done = folder / "built"
    if done.exists():
        print(f"store: reusing {database} ({done.read_text().strip()})")
        return url
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (database, folder / "revcycle.db-wal", folder / "revcycle.db-shm"):
        stale.unlink(missing_ok=True)
    sim = folder / "sim"
    print(f"store: simulating {people:,} people and importing them into {database}", flush=True)
    _run("sim", "generate", "--people", str(people), "--out", str(sim), "--force", url=url)
    _run("db", "upgrade", url=url)
    _run("pact", "apply", "--example", url=url)
    started = time.perf_counter()
    for kind in KINDS:
        _run("import", kind, str(sim / f"{kind}.csv"), "-q", "--report-dir", str(folder / "reports"), url=url)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    done.write_text(f"built {stamp}, import {time.perf_counter() - started:.0f} s\n")
    return url


def time_cli(url: str, parquet: Path) -> dict[str, pd.DataFrame]:
    """The command on each engine, as a user runs it; the figures each printed (CSV)."""
    base = ("report", "attribution", "--model", "markov", "--format", "csv")
    runs = {
        "sqlite (the store)": base,
        "duckdb (fed from the store)": (*base, "--engine", "duckdb"),
        "duckdb (--parquet export)": (*base, "--engine", "duckdb", "--parquet", str(parquet)),
    }
    if not (parquet / "touchpoint.parquet").exists():
        _run("export", "parquet", str(parquet), url=url)
    out = {}
    for label, args in runs.items():
        done = _run(*args, url=url)
        TIMINGS[label] = TIMINGS.pop(" ".join(args))
        out[label] = pd.read_csv(io.StringIO(done.stdout)).set_index("channel")
    return out


def _read_store(database: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The touchpoint and opportunity columns the journeys need, read from the SQLite store."""
    with sqlite3.connect(database) as connection:
        touches = pd.read_sql_query("SELECT id, person_id, occurred_at, channel, user_id FROM touchpoint", connection)
        deals = pd.read_sql_query("SELECT id, person_id, kind, status, amount, closed_at FROM opportunity", connection)
    for frame, column in ((touches, "occurred_at"), (deals, "closed_at")):
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    return touches, deals


def _read_parquet(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same columns from the Parquet export."""
    touches = pd.read_parquet(
        folder / "touchpoint.parquet", columns=["id", "person_id", "occurred_at", "channel", "user_id"]
    )
    deals = pd.read_parquet(
        folder / "opportunity.parquet", columns=["id", "person_id", "kind", "status", "amount", "closed_at"]
    )
    return touches, deals


def pandas_paths(touches: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """The report's person journeys in pandas: marketing touches (no user, not on the sales channel) up to the
    person's first won new-business deal, in (time, id) order, repeats collapsed, identical paths summed;
    a won person with no such touch is one touch of the direct channel."""
    won = deals[(deals.kind == "new_business") & (deals.status == "won") & deals.closed_at.notna()]
    won = won[won.person_id.notna()].sort_values(["person_id", "closed_at", "id"]).drop_duplicates("person_id")
    won = won.set_index(won.person_id.astype("int64"))[["closed_at", "amount"]]
    marketing = touches[touches.user_id.isna() & (touches.channel.fillna("") != "sales")]
    marketing = marketing.assign(channel=marketing.channel.fillna("none")).join(won.closed_at, on="person_id")
    marketing = marketing[marketing.closed_at.isna() | (marketing.occurred_at <= marketing.closed_at)]
    ordered = marketing.sort_values(["person_id", "occurred_at", "id"], kind="stable")
    person, channel = ordered.person_id.to_numpy(), ordered.channel.to_numpy()
    fresh = np.ones(len(ordered), bool)
    fresh[1:] = (person[1:] != person[:-1]) | (channel[1:] != channel[:-1])
    paths = ordered[fresh].groupby("person_id", sort=False).channel.agg(">".join).rename("path").to_frame()
    paths = paths.join(won.amount)
    untouched = won[~won.index.isin(paths.index)]
    paths = pd.concat([paths, pd.DataFrame({"path": "direct", "amount": untouched.amount})])
    paths["conv"] = paths.amount.notna().astype("int64")
    paths["null"] = 1 - paths.conv
    paths["value"] = paths.amount.fillna(0.0)
    return paths.groupby("path", as_index=False)[["conv", "null", "value"]].sum()


def channelattribution(paths: pd.DataFrame) -> dict[str, float]:
    """Removal effects simulated by ChannelAttribution's markov_model (order 1, its defaults, both cores)."""
    import ChannelAttribution as ca

    result = ca.markov_model(
        paths,
        "path",
        "conv",
        var_value="value",
        var_null="null",
        order=1,
        out_more=True,
        verbose=False,
        flg_pro=False,
        ncore=2,
        seed=0,
    )
    effects = result["removal_effects"]
    return dict(zip(effects["channel_name"], effects["removal_effects_conversion"].astype(float), strict=True))


def time_baseline(label: str, read: object, ours: pd.DataFrame) -> None:
    """pandas reads, builds the paths, ChannelAttribution solves: each step timed; effects compared with ours."""
    started = time.perf_counter()
    touches, deals = read()  # type: ignore[operator]
    TIMINGS[f"pandas read ({label})"] = read_s = time.perf_counter() - started
    started = time.perf_counter()
    paths = pandas_paths(touches, deals)
    TIMINGS[f"pandas paths ({label})"] = paths_s = time.perf_counter() - started
    del touches, deals
    started = time.perf_counter()
    effects = channelattribution(paths)
    TIMINGS[f"ChannelAttribution ({label})"] = ca_s = time.perf_counter() - started
    journeys = int(paths.conv.sum() + paths.null.sum())
    gap = max(abs(effects[c] - ours.removal_effect[c]) for c in ours.index)
    print(
        f"  pandas + ChannelAttribution from {label}: read {read_s:.1f} s, paths {paths_s:.1f} s "
        f"({len(paths):,} distinct paths, {journeys:,} journeys, {int(paths.conv.sum()):,} conversions), "
        f"markov_model {ca_s:.1f} s; total {read_s + paths_s + ca_s:.1f} s; "
        f"max |removal effect - ours| {gap:.2e}",
        flush=True,
    )
    TIMINGS[f"pandas + ChannelAttribution ({label})"] = read_s + paths_s + ca_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--build-only", action="store_true")
    options = parser.parse_args()
    folder = options.dir or WORK / f"markov-{options.people}"
    url = build_store(options.people, folder)
    if options.build_only:
        return
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start", flush=True)
    database = folder / "revcycle.db"
    with sqlite3.connect(database) as connection:
        sizes = {
            t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("person", "touchpoint", "opportunity")
        }
    print(
        "store: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()) + f", {database.stat().st_size / 2**30:.1f} GiB"
    )
    print("revcycle report attribution --model markov (subprocess, interpreter start included)")
    outputs = time_cli(url, folder / "parquet")
    reference = outputs["sqlite (the store)"]
    for label, frame in outputs.items():
        gap = float((frame.removal_effect - reference.removal_effect[frame.index]).abs().max())
        print(f"  {label}: {TIMINGS[label]:.1f} s; max |removal effect - sqlite's| {gap:.1e}")
    print("pandas + ChannelAttribution on the same journeys")
    time_baseline("the Parquet export", lambda: _read_parquet(folder / "parquet"), reference)
    time_baseline("the SQLite store", lambda: _read_store(database), reference)
    print("ratios (pandas + ChannelAttribution / revcycle CLI):")
    for theirs in ("the Parquet export", "the SQLite store"):
        for ours in outputs:
            ratio = TIMINGS[f"pandas + ChannelAttribution ({theirs})"] / TIMINGS[ours]
            print(f"  pandas from {theirs} / revcycle on {ours}: {ratio:.2f}x")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

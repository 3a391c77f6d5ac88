"""Benchmark: exact multi-touch attribution on 1M synthetic journeys (about 10M touchpoints, 8 channels).

Run:  .venv/bin/python benchmarks/attribution.py [--journeys 1000000] [--data DIR] [--skip-channelattribution]

1. Synthesises touchpoints with a known effect per channel (deterministic seed) into Parquet files.
2. revcycle Markov end to end: DuckDB (through `revcycle.analytics.transitions`) counts the windows of
   consecutive channels of every journey with window functions, repeats collapsed, and returns a small count
   table; the absorbing chain is solved exactly in numpy. No path per journey is built.
3. revcycle pipeline for every other model: DuckDB builds each person's ordered path (list() ordered by
   time), then aggregates identical paths; every model runs on the aggregated journeys (time decay on the
   per-person journeys, because aggregating identical paths would merge different touch times). Its Markov
   chain must equal the one from the window counts, count for count.
4. Comparison: pandas builds the same paths and ChannelAttribution's ``markov_model`` (optional dependency,
   simulation-based) estimates removal effects.
5. Both sets of removal effects are compared with the exact closed form: order-1 transition counts taken
   independently in DuckDB SQL, the absorbing-chain system solved in rational arithmetic (fractions).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from revcycle.analytics.attribution import Attribution, JourneyTable, MarkovChain, attribute, markov_chain
from revcycle.analytics.attribution.markov import classic_split
from revcycle.analytics.engines import quiet
from revcycle.analytics.transitions import markov_windows, windows_chain

CHANNELS = ("direct", "display", "email", "events", "organic", "paid_search", "paid_social", "webinar")
# The chance that touching the channel (at least once) converts the person on its own; display does nothing.
EFFECTS = (0.020, 0.000, 0.030, 0.060, 0.015, 0.040, 0.010, 0.050)
POPULARITY = (0.14, 0.20, 0.18, 0.04, 0.16, 0.12, 0.11, 0.05)
BASE_RATE = 0.005
STICKINESS = 0.35  # chance that a touch repeats the previous touch's channel
SEED = 20_240_601
DAY = 86_400

TIMINGS: dict[str, float] = {}


@contextmanager
def timed(label: str) -> Iterator[None]:
    """Record and print the wall time of a step."""
    start = time.perf_counter()
    yield
    TIMINGS[label] = time.perf_counter() - start
    print(f"  {label}: {TIMINGS[label]:.2f} s", flush=True)


def synthesise(journeys: int, folder: Path) -> tuple[Path, Path]:
    """Write touchpoints.parquet and outcomes.parquet; the same seed always gives the same files."""
    rng = np.random.default_rng(SEED)
    lengths = 1 + rng.poisson(9, journeys)
    person = np.repeat(np.arange(journeys, dtype=np.int32), lengths)
    channel = _sticky_channels(rng, lengths)
    touched = np.zeros((journeys, len(CHANNELS)), bool)
    touched[person, channel] = True
    survive = (1 - BASE_RATE) * np.prod(np.where(touched, 1 - np.array(EFFECTS), 1.0), axis=1)
    converted = rng.random(journeys) >= survive
    value = np.where(converted, np.round(rng.lognormal(np.log(4_000), 0.8, journeys), 2), 0.0)
    end = 1_700_000_000 + rng.integers(0, 365 * DAY, journeys)
    ts, position = _times(rng, lengths, end)
    lead, opportunity = _milestones(rng, lengths)
    touches = pa.table(
        {
            "person_id": person,
            "ts": pa.array(ts.astype("datetime64[s]")),
            "channel": pa.DictionaryArray.from_arrays(channel.astype(np.int8), list(CHANNELS)),
            "is_lead_creation": position == np.repeat(lead, lengths),
            "is_opportunity_creation": position == np.repeat(opportunity, lengths),
        }
    )
    outcomes = pa.table(
        {
            "person_id": np.arange(journeys, dtype=np.int32),
            "converted": converted,
            "value": value,
            "end_ts": pa.array(end.astype("datetime64[s]")),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(touches, folder / "touchpoints.parquet")
    pq.write_table(outcomes, folder / "outcomes.parquet")
    return folder / "touchpoints.parquet", folder / "outcomes.parquet"


def _times(rng: np.random.Generator, lengths: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Touch times (epoch seconds, strictly increasing per person, all before the end) and positions."""
    gaps = 1 + rng.exponential(3 * DAY, int(lengths.sum())).astype(np.int64)  # >= 1 s: times never tie
    cumulative = np.cumsum(gaps)
    journey_total = np.repeat(cumulative[np.cumsum(lengths) - 1], lengths)
    before_end = journey_total - cumulative + gaps  # the gaps from this touch to the end of its journey
    position = np.arange(len(gaps)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(end, lengths) - before_end, position


def _sticky_channels(rng: np.random.Generator, lengths: np.ndarray) -> np.ndarray:
    """Channels drawn by popularity; with STICKINESS a touch repeats the previous one (runs to collapse)."""
    fresh = rng.choice(len(CHANNELS), size=int(lengths.sum()), p=np.array(POPULARITY))
    repeat = rng.random(len(fresh)) < STICKINESS
    repeat[np.cumsum(lengths) - lengths] = False
    source = np.where(repeat, 0, np.arange(len(fresh)))
    source = np.maximum.accumulate(source)  # index of the latest fresh draw at or before each touch
    return np.asarray(fresh[source], np.int64)


def _milestones(rng: np.random.Generator, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lead created at a uniform touch, the opportunity at a uniform touch at or after it."""
    lead = (rng.random(len(lengths)) * lengths).astype(np.int64)
    opportunity = lead + (rng.random(len(lengths)) * (lengths - lead)).astype(np.int64)
    return lead, opportunity


# One list of structs ordered once by time (about twice as fast as one ordered list() per column).
PER_PERSON_SQL = """
CREATE OR REPLACE TEMP TABLE person_paths AS
WITH ordered AS (
  SELECT t.person_id,
         list(struct_pack(
           channel := CAST(t.channel AS VARCHAR),
           seconds := CAST(epoch(o.end_ts) - epoch(t.ts) AS DOUBLE),
           lead := t.is_lead_creation,
           opportunity := t.is_opportunity_creation
         ) ORDER BY t.ts) AS touches,
         any_value(CASE WHEN o.converted THEN 1.0 ELSE 0.0 END) AS conversions,
         any_value(o.value) AS value
  FROM read_parquet('{touches}') t JOIN read_parquet('{outcomes}') o USING (person_id)
  GROUP BY t.person_id
)
SELECT person_id,
       list_transform(touches, lambda x: x.channel) AS path,
       list_transform(touches, lambda x: x.seconds) AS seconds_before,
       list_position(list_transform(touches, lambda x: x.lead), true) - 1 AS lead_index,
       list_position(list_transform(touches, lambda x: x.opportunity), true) - 1 AS opportunity_index,
       conversions,
       value
FROM ordered
"""

AGGREGATED_SQL = """
SELECT path, lead_index, opportunity_index,
       sum(conversions) AS conversions, sum(value) AS value, sum(1 - conversions) AS nulls
FROM person_paths
GROUP BY path, lead_index, opportunity_index
"""

TRANSITIONS_SQL = """
WITH ordered AS (
  SELECT person_id, ts, CAST(channel AS VARCHAR) AS channel,
         lag(CAST(channel AS VARCHAR)) OVER (PARTITION BY person_id ORDER BY ts) AS before
  FROM read_parquet('{touches}')
), collapsed AS (
  SELECT person_id, ts, channel FROM ordered WHERE before IS NULL OR before <> channel
), steps AS (
  SELECT person_id, channel,
         lag(channel) OVER (PARTITION BY person_id ORDER BY ts) AS source,
         lead(channel) OVER (PARTITION BY person_id ORDER BY ts) AS following
  FROM collapsed
)
SELECT coalesce(source, '(start)') AS source, channel AS target, count(*) AS n FROM steps GROUP BY ALL
UNION ALL
SELECT s.channel, CASE WHEN o.converted THEN '(conversion)' ELSE '(null)' END, count(*)
FROM steps s JOIN read_parquet('{outcomes}') o USING (person_id)
WHERE s.following IS NULL GROUP BY ALL
"""


def table_from_arrow(arrow: pa.Table, with_seconds: bool) -> JourneyTable:
    """Turn DuckDB's list columns into a JourneyTable without a Python loop over journeys."""
    arrow = arrow.combine_chunks()
    paths = arrow.column("path").combine_chunks()
    lengths = pc.list_value_length(paths).to_numpy(zero_copy_only=False).astype(np.int64)
    encoded = pc.dictionary_encode(pc.list_flatten(paths))
    seconds = None
    if with_seconds:
        flat = pc.list_flatten(arrow.column("seconds_before").combine_chunks())
        seconds = flat.to_numpy(zero_copy_only=False)

    def column(name: str) -> np.ndarray:
        return np.asarray(arrow.column(name).to_numpy())

    return JourneyTable.from_arrays(
        encoded.dictionary.to_pylist(),
        codes=encoded.indices.to_numpy(zero_copy_only=False),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        conversions=column("conversions"),
        values=column("value"),
        nulls=column("nulls") if "nulls" in arrow.column_names else 1 - column("conversions"),
        seconds=seconds,
        lead_index=column("lead_index"),
        opportunity_index=column("opportunity_index"),
    )


def revcycle_pipeline(touches: Path, outcomes: Path) -> tuple[JourneyTable, JourneyTable]:
    """DuckDB builds per-person and aggregated paths; both become JourneyTables."""
    connection = duckdb.connect()
    with timed("duckdb: ordered path per person (list ORDER BY ts)"):
        connection.execute(PER_PERSON_SQL.format(touches=touches, outcomes=outcomes))
    with timed("duckdb: aggregate identical paths"):
        aggregated_arrow = connection.sql(AGGREGATED_SQL).to_arrow_table()
    with timed("journey table from aggregated paths (validate + collapse repeats)"):
        aggregated = table_from_arrow(aggregated_arrow, with_seconds=False)
    with timed("journey table from per-person paths (for time decay)"):
        per_person_arrow = connection.sql("SELECT * FROM person_paths").to_arrow_table()
        per_person = table_from_arrow(per_person_arrow, with_seconds=True)
    connection.close()
    return aggregated, per_person


def markov_end_to_end(touches: Path, outcomes: Path, order: int) -> tuple[MarkovChain, dict[str, float]]:
    """Removal effects (and the classic split of conversions and value) straight from the Parquet files."""
    with timed(f"revcycle markov order {order}: window counts in DuckDB"), quiet():
        connection = ibis.duckdb.connect()
        touch, outcome = connection.read_parquet(touches), connection.read_parquet(outcomes)
        journeys = touch.select(journey_id=touch.person_id, at=touch.ts, channel=touch.channel.cast("string"))
        converted = outcome.converted.cast("float64")
        ends = outcome.select(journey_id=outcome.person_id, conversions=converted, nulls=1.0 - converted)
        windows = connection.execute(markov_windows(journeys, ends, order))
        totals = connection.execute(outcome.aggregate(conversions=converted.sum(), value=outcome.value.sum()))
        connection.disconnect()
    with timed(f"revcycle markov order {order}: exact solve ({len(windows)} window rows)"):
        chain = windows_chain(windows, order)
        effects = chain.removal_effects()
        classic_split(effects, float(totals.conversions.iloc[0]), float(totals.value.iloc[0]))
    return chain, effects


MODEL_RUNS: list[tuple[str, str, dict[str, Any]]] = [
    ("first_touch", "first_touch", {}),
    ("lead_creation", "lead_creation", {}),
    ("last_touch", "last_touch", {}),
    ("last_non_direct", "last_non_direct", {}),
    ("linear", "linear", {}),
    ("u_shaped", "u_shaped", {}),
    ("w_shaped", "w_shaped", {}),
    ("full_path", "full_path", {}),
    ("position_weights 0.3/0.4/0.3", "position_weights", {"first": 0.3, "middle": 0.4, "last": 0.3}),
    ("markov order 1", "markov", {"order": 1}),
    ("markov order 2", "markov", {"order": 2}),
    ("markov order 3", "markov", {"order": 3}),
    ("shapley (subset game, closed form)", "shapley", {}),
    ("shapley (conversion-rate game, 2^8 coalitions)", "shapley", {"variant": "conversion_rate"}),
]


def run_models(aggregated: JourneyTable, per_person: JourneyTable) -> dict[str, Attribution]:
    """Run every model, timing each, and check that every journey's credits add up."""
    results: dict[str, Attribution] = {}
    for label, model, parameters in MODEL_RUNS:
        with timed(f"model {label}"):
            results[label] = attribute(aggregated, model, **parameters)
    with timed("model time_decay (half-life 7 days, per-person journeys)"):
        results["time_decay"] = attribute(per_person, "time_decay", half_life_days=7.0)
    for label, result in results.items():
        gap = np.abs(result.conversion_credits().sum(axis=1) - result.conversions).max()
        assert gap < 1e-9, (label, gap)
    return results


def pandas_paths(touches: Path, outcomes: Path) -> pd.DataFrame:
    """The same aggregated, repeat-collapsed paths built in pandas, as ChannelAttribution wants them."""
    frame = pd.read_parquet(touches, columns=["person_id", "ts", "channel"])
    frame["channel"] = frame["channel"].astype(str)
    frame = frame.sort_values(["person_id", "ts"], kind="stable")
    fresh = (frame["channel"] != frame["channel"].shift()) | (frame["person_id"] != frame["person_id"].shift())
    paths = frame[fresh].groupby("person_id", sort=False)["channel"].agg(">".join).rename("path")
    people = pd.read_parquet(outcomes, columns=["person_id", "converted", "value"]).set_index("person_id")
    joined = people.join(paths)
    joined["conv"] = joined["converted"].astype(np.int64)
    joined["null"] = 1 - joined["conv"]
    return joined.groupby("path", as_index=False)[["conv", "null", "value"]].sum()


def channelattribution(paths: pd.DataFrame, order: int, **settings: float) -> dict[str, float] | None:
    """Removal effects simulated by ChannelAttribution's markov_model, or None when it is not installed."""
    try:
        import ChannelAttribution as ca
    except ImportError:
        return None
    result = ca.markov_model(
        paths,
        "path",
        "conv",
        var_value="value",
        var_null="null",
        order=order,
        out_more=True,
        verbose=False,
        flg_pro=False,
        ncore=2,
        seed=0,
        **settings,
    )
    effects = result["removal_effects"]
    return dict(zip(effects["channel_name"], effects["removal_effects_conversion"].astype(float), strict=True))


# Defaults (nsim_start=1e5, max_step = the longest path in the data), then more simulations with long paths.
CA_RUNS: list[tuple[str, int, dict[str, float]]] = [
    ("order 1, defaults", 1, {}),
    ("order 1, nsim_start=1e6, max_step=1000", 1, {"nsim_start": 1e6, "max_step": 1000}),
    ("order 2, defaults", 2, {}),
]


def exact_removal_effects(touches: Path, outcomes: Path) -> dict[str, Fraction]:
    """Order-1 removal effects in exact rational arithmetic from transition counts taken in SQL."""
    rows = duckdb.execute(TRANSITIONS_SQL.format(touches=touches, outcomes=outcomes)).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for source, target, n in rows:
        counts.setdefault(source, {})[target] = counts.setdefault(source, {}).get(target, 0) + int(n)
    full = _rational_conversion(counts, removed=None)
    return {c: 1 - _rational_conversion(counts, removed=c) / full for c in CHANNELS}


def _rational_conversion(counts: dict[str, dict[str, int]], removed: str | None) -> Fraction:
    """Solve (I - Q) x = r by Gauss-Jordan elimination over fractions; return x[start]."""
    states = ["(start)", *[c for c in CHANNELS if c != removed]]
    index = {s: i for i, s in enumerate(states)}
    size = len(states)
    matrix = [[Fraction(int(i == j)) for j in range(size)] + [Fraction(0)] for i in range(size)]
    for state in states:
        total = sum(counts.get(state, {}).values())
        for target, n in counts.get(state, {}).items():
            if target in index:
                matrix[index[state]][index[target]] -= Fraction(n, total)
            elif target == "(conversion)":
                matrix[index[state]][size] += Fraction(n, total)
    for column in range(size):
        pivot = next(r for r in range(column, size) if matrix[r][column] != 0)
        matrix[column], matrix[pivot] = matrix[pivot], matrix[column]
        lead = matrix[column][column]
        matrix[column] = [v / lead for v in matrix[column]]
        for r in range(size):
            if r != column and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[column], strict=True)]
    return matrix[0][size]


def report_errors(
    ours: Mapping[str, float], theirs: dict[str, dict[str, float] | None], exact: dict[str, Fraction]
) -> None:
    """Print order-1 removal effects side by side and each one's largest absolute error against exact."""
    runs = {label: effects for label, effects in theirs.items() if label.startswith("order 1") and effects}
    print(f"  {'channel':<12} {'exact (rational)':>18} {'revcycle':>14}" + "".join(f"  CA {k[9:]}" for k in runs))
    for channel in CHANNELS:
        others = "".join(f"  {effects[channel]:>{len(label) - 6}.6f}" for label, effects in runs.items())
        print(f"  {channel:<12} {float(exact[channel]):>18.12f} {ours[channel]:>14.11f}" + others)
    print(f"  max |error| vs exact, revcycle end to end: {_error(ours, exact):.3e}")
    for label, effects in runs.items():
        print(f"  max |error| vs exact, ChannelAttribution {label}: {_error(effects, exact):.3e}")


def _error(effects: Mapping[str, float], exact: dict[str, Fraction]) -> float:
    return float(max(abs(Fraction(effects[c]) - exact[c]) for c in CHANNELS))


def print_credits(results: dict[str, Attribution]) -> None:
    """Share of conversions by channel for each model, beside the known per-channel effect."""
    print("  share of conversions (%) by channel; first row: the known per-touch effect")
    print(f"  {'model':<48}" + "".join(f"{c[:11]:>12}" for c in CHANNELS))
    print(f"  {'known effect (chance to convert, %)':<48}" + "".join(f"{100 * e:>12.1f}" for e in EFFECTS))
    for label, result in results.items():
        credits = result.channel_conversions()
        total = sum(credits.values())
        print(f"  {label:<48}" + "".join(f"{100 * credits[c] / total:>12.2f}" for c in CHANNELS))


def main(arguments: list[str] | None = None) -> None:
    """Synthesise, run both pipelines, compare with the exact removal effects, print every figure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/revcycle-attribution-bench"))
    parser.add_argument("--skip-channelattribution", action="store_true")
    options = parser.parse_args(arguments)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"synthesising {options.journeys:,} journeys (seed {SEED})")
    with timed("synthesise + write Parquet"):
        touches, outcomes = synthesise(options.journeys, options.data)
    people = pq.read_metadata(outcomes).num_rows
    print(f"  {pq.read_metadata(touches).num_rows:,} touchpoints, {people:,} journeys, {len(CHANNELS)} channels")
    print("revcycle: Markov end to end (window counts in DuckDB + exact solve)")
    chains = {order: markov_end_to_end(touches, outcomes, order) for order in (1, 2)}
    print("revcycle: DuckDB paths + exact models")
    aggregated, per_person = revcycle_pipeline(touches, outcomes)
    for order, (chain, _) in chains.items():
        from_paths = markov_chain(aggregated, order)
        assert chain.states == from_paths.states and np.array_equal(chain.counts, from_paths.counts), order
        print(f"  order {order}: the chain from window counts equals the chain from the paths, count for count")
    print(
        f"  {aggregated.n_journeys:,} distinct (path, lead, opportunity) rows; "
        f"{len(aggregated.codes):,} touches after collapsing repeats; "
        f"{int(aggregated.conversions.sum()):,} conversions"
    )
    results = run_models(aggregated, per_person)
    print_credits(results)
    _compare(options, touches, outcomes, results, chains[1][1])
    _print_summary()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def _compare(
    options: argparse.Namespace,
    touches: Path,
    outcomes: Path,
    results: dict[str, Attribution],
    end_to_end: dict[str, float],
) -> None:
    theirs: dict[str, dict[str, float] | None] = {}
    installed = importlib.util.find_spec("ChannelAttribution") is not None
    if not installed:
        print("ChannelAttribution is not installed (pip install matplotlib ChannelAttribution): skipped")
    if installed and not options.skip_channelattribution:
        print("pandas paths + ChannelAttribution markov_model")
        with timed("pandas: ordered, collapsed, aggregated paths"):
            paths = pandas_paths(touches, outcomes)
        print(f"  {len(paths):,} distinct paths")
        for label, order, settings in CA_RUNS:
            with timed(f"ChannelAttribution markov_model {label}"):
                theirs[label] = channelattribution(paths, order, **settings)
    with timed("exact rational removal effects (order 1, SQL counts + fractions)"):
        exact = exact_removal_effects(touches, outcomes)
    report_errors(end_to_end, theirs, exact)
    path_error = _error(results["markov order 1"].measures["removal_effect"], exact)
    print(f"  max |error| vs exact, revcycle path pipeline: {path_error:.3e}")
    order2 = theirs.get("order 2, defaults")
    if order2 is not None:
        ours2 = results["markov order 2"].measures["removal_effect"]
        gap = max(abs(ours2[c] - order2[c]) for c in CHANNELS)
        print(f"  order 2 max |revcycle exact - ChannelAttribution defaults|: {gap:.3e}")


def _print_summary() -> None:
    ours = sum(v for k, v in TIMINGS.items() if k.startswith("revcycle markov order 1:"))
    ours2 = sum(v for k, v in TIMINGS.items() if k.startswith("revcycle markov order 2:"))
    solve = next(v for k, v in TIMINGS.items() if k.startswith("revcycle markov order 1: exact solve"))
    build = (
        TIMINGS["duckdb: ordered path per person (list ORDER BY ts)"]
        + TIMINGS["duckdb: aggregate identical paths"]
        + TIMINGS["journey table from aggregated paths (validate + collapse repeats)"]
    )
    markov1 = TIMINGS["model markov order 1"]
    print(f"revcycle markov order 1 end to end (window counts + exact solve): {ours:.2f} s; order 2: {ours2:.2f} s")
    print(f"revcycle path pipeline (ordered paths + JourneyTable + markov order 1): {build + markov1:.2f} s")
    pandas_build = TIMINGS.get("pandas: ordered, collapsed, aggregated paths")
    ca1 = TIMINGS.get("ChannelAttribution markov_model order 1, defaults")
    ca2 = TIMINGS.get("ChannelAttribution markov_model order 2, defaults")
    if pandas_build is not None and ca1 is not None and ca2 is not None:
        print(f"pandas build paths + ChannelAttribution order 1: {pandas_build + ca1:.2f} s")
        print(f"ratio end to end, order 1 (theirs / ours): {(pandas_build + ca1) / ours:.1f}x")
        print(f"ratio end to end, order 2 (theirs / ours): {(pandas_build + ca2) / ours2:.1f}x")
        print(f"ratio markov step alone, order 1 (ChannelAttribution / our exact solve): {ca1 / solve:.0f}x")
        print(f"ratio end to end, order 1, against the path pipeline: {(pandas_build + ca1) / (build + markov1):.1f}x")
    all_models = sum(v for k, v in TIMINGS.items() if k.startswith("model "))
    print(f"all {len(MODEL_RUNS) + 1} model runs: {all_models:.2f} s")


if __name__ == "__main__":
    main()

"""Benchmark: funnel + KPIs over a simulated company (default 1M people / ~20M touchpoints).

DuckDB: the simulator's CSVs are loaded straight into an in-memory DuckDB with `load_sim_csv`, then the funnel
(grouped by source) and KPI reports run on the DuckDB engine. SQLite: the same tables are copied from DuckDB
into a SQLite file keyed and indexed as the store is, then the same reports run on the SQLite engine
(`--sqlite-people` sets its size). Each engine runs both reports twice: cold (the engine first materializes
the shared tables: first touches, stage reach, person groups) and warm (they are reused).

    .venv/bin/python benchmarks/analytics.py                       # 1M people on DuckDB, 100k on SQLite
    .venv/bin/python benchmarks/analytics.py --people 100000 --sqlite-people 100000
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import time
from pathlib import Path

import duckdb
import ibis

from revcycle.analytics.engines import Engine, from_backend
from revcycle.analytics.reports import FunnelReport, KpiReport, run
from revcycle.analytics.simload import load_sim_csv
from revcycle.analytics.stages import StageNames
from revcycle.analytics.tables import COLUMNS
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.sim import SimParams, generate

WORK = Path(__file__).parent / "_work" / "analytics"
SQL_TYPES = {"int64": "INTEGER", "float64": "REAL", "string": "TEXT", "timestamp": "DATETIME"}
# As in the store: every table's id is its INTEGER PRIMARY KEY (the rowid), plus the store's other indexes.
INDEXES = (
    "CREATE INDEX ix_tp ON touchpoint(person_id, occurred_at)",
    "CREATE INDEX ix_sc ON stage_change(person_id, at)",
    "CREATE INDEX ix_op ON opportunity(person_id)",
    "CREATE INDEX ix_oc ON opportunity_contact(opportunity_id)",
)


def _simulate(people: int) -> Path:
    out = WORK / f"sim-{people}"
    if not (out / "truth.json").exists():
        started = time.perf_counter()
        generate(SimParams(people=people, months=12, mode="aligned", seed=1), out, force=True)
        print(f"simulate {people:,} people: {time.perf_counter() - started:.1f} s", flush=True)
    return out


def _time(label: str, engine: Engine) -> None:
    for attempt in ("cold", "warm"):
        total = 0.0
        names = StageNames.of(load_pact(example_pact_text()))  # the simulator writes the example pact's stages
        for report in (FunnelReport(grouping="source", names=names), KpiReport(names=names)):
            started = time.perf_counter()
            run(report, engine)
            elapsed = time.perf_counter() - started
            total += elapsed
            print(f"  {label} {attempt} {report.slug}: {elapsed:.2f} s", flush=True)
        print(f"  {label} {attempt} funnel + kpis: {total:.2f} s", flush=True)


def _duckdb(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    started = time.perf_counter()
    load_sim_csv(folder, con)
    print(f"load CSV -> DuckDB: {time.perf_counter() - started:.1f} s", flush=True)
    for name in COLUMNS:
        count = con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        print(f"  {name}: {count:,} rows", flush=True)
    return con


def _sqlite(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    path.unlink(missing_ok=True)
    target = sqlite3.connect(path)
    started = time.perf_counter()
    for name, columns in COLUMNS.items():
        definitions = [f"{c} {SQL_TYPES[t]}{' PRIMARY KEY' if c == 'id' else ''}" for c, t in columns.items()]
        target.execute(f"CREATE TABLE {name} ({', '.join(definitions)})")
        quoted = ", ".join(f'"{c}"' for c in columns)
        for batch in con.sql(f"SELECT {quoted} FROM {name}").to_arrow_reader(200_000):
            rows = zip(*[column.to_pylist() for column in batch.columns], strict=True)
            target.executemany(
                f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))})",
                ([v.isoformat(" ") if hasattr(v, "isoformat") else v for v in row] for row in rows),
            )
    for statement in INDEXES:
        target.execute(statement)
    target.commit()
    target.close()
    print(f"copy DuckDB -> SQLite (with indexes): {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000, help="people for the DuckDB run (0: skip)")
    parser.add_argument("--sqlite-people", type=int, default=100_000, help="people for the SQLite run (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data in benchmarks/_work")
    args = parser.parse_args()
    for people, name in ((args.people, "duckdb"), (args.sqlite_people, "sqlite")):
        if people <= 0:
            continue
        folder = _simulate(people)
        con = _duckdb(folder)
        if name == "duckdb":
            _time(f"duckdb {people:,}", from_backend("duckdb", ibis.duckdb.from_connection(con)))
        else:
            _sqlite(con, folder / "analytics.sqlite")
            _time(f"sqlite {people:,}", from_backend("sqlite", ibis.sqlite.connect(folder / "analytics.sqlite")))
        con.close()
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()

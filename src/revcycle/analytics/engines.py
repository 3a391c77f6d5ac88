"""Where a report runs: the store itself (SQLite, PostgreSQL), DuckDB, or PySpark in local mode.

DuckDB and Spark read the store's tables through Arrow (or a Parquet folder written by `revcycle export
parquet`); DuckDB's sqlite and postgres scanners are extensions that need a download, so they are not used.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.spark import spark_session
from revcycle.analytics.tables import COLUMNS, Tables, normalized

__all__ = ["ENGINES", "Engine", "connect", "from_backend", "quiet", "store_backend", "store_engine"]

ENGINES = ("sqlite", "postgres", "duckdb", "spark")
_VIEWS = itertools.count(1)


@contextmanager
def quiet() -> Iterator[None]:
    """Silence deprecations Ibis 12 triggers in pandas 3 and DuckDB 2 (on every string column, every table)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*future.infer_string.*")
        warnings.filterwarnings("ignore", message=".*fetch_arrow_table.*", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")  # PySpark's toPandas
        yield


@dataclass
class Engine:
    """An Ibis backend with the store's tables on it; `execute` runs a built expression."""

    name: str
    backend: Any
    tables: Tables
    _cleanup: list[Path] = field(default_factory=list, repr=False)

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Run an expression and return its rows."""
        with quiet():
            return self.backend.execute(expr)

    def close(self) -> None:
        """Release the connection (the shared Spark session stays up) and any temporary files."""
        with quiet():
            self.tables.release()
        if self.name != "spark":
            self.backend.disconnect()
        for folder in self._cleanup:
            shutil.rmtree(folder, ignore_errors=True)


def store_engine(url: str) -> Engine:
    """The engine of the store itself at this SQLAlchemy URL: SQLite for a SQLite file, else PostgreSQL."""
    return connect("sqlite" if url.startswith("sqlite") else "postgres", url=url)


def connect(name: str, *, url: str | None = None, parquet: Path | None = None) -> Engine:
    """An engine by name over the store at `url`, or (DuckDB, Spark) over a Parquet export folder."""
    if name not in ENGINES:
        raise AnalyticsError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    with quiet():
        return _connect(name, url, parquet)


def _connect(name: str, url: str | None, parquet: Path | None) -> Engine:
    if name in ("sqlite", "postgres"):
        if parquet is not None:
            raise AnalyticsError(f"--parquet is for the duckdb and spark engines, not {name}")
        backend = store_backend(_required(url), expect=name)
        return Engine(name, backend, _tables(backend.table, paths="unordered" if name == "sqlite" else "ordered"))
    if name == "duckdb":
        return _duckdb(url, parquet)
    return _spark(url, parquet)


def from_backend(name: str, backend: Any) -> Engine:
    """An engine over an Ibis connection you already have whose tables use the store's names."""
    if name not in ENGINES:
        raise AnalyticsError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    paths = {"sqlite": "unordered", "spark": "arrays"}.get(name, "ordered")
    with quiet():
        return Engine(name, backend, _tables(backend.table, paths=paths))


def store_backend(url: str, *, expect: str | None = None) -> Any:
    """An Ibis connection to the store at this SQLAlchemy URL (SQLite file or PostgreSQL)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise AnalyticsError(f"{url!r} is not a database URL") from exc
    kind = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgres"
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise AnalyticsError(f"analytics reads SQLite or PostgreSQL stores, not {parsed.get_backend_name()}")
    if expect is not None and expect != kind:
        raise AnalyticsError(f"the store at {parsed!r} is {kind}; use --engine {kind} (or duckdb, spark)")
    if kind == "sqlite":
        path = parsed.database or ""
        if str(parsed.query.get("uri", "")).lower() in ("true", "1") and path.startswith("file:"):
            path = path.removeprefix("file:")  # a SQLite URI (e.g. `file:PATH?mode=ro`): reports only read it
        if not path or path == ":memory:" or not Path(path).exists():
            raise AnalyticsError(f"no SQLite store at {path or url!r}: run `revcycle db upgrade` first")
        return ibis.sqlite.connect(path)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    import psycopg  # loaded for PostgreSQL stores only (a tenth of a second of every SQLite report)

    try:
        return ibis.postgres.from_connection(psycopg.connect(conninfo, autocommit=True))
    except psycopg.OperationalError as exc:
        raise AnalyticsError(f"cannot reach PostgreSQL at {parsed!r}: {exc}") from exc


def _required(url: str | None) -> str:
    if not url:
        raise AnalyticsError("no store URL: set REVCYCLE_DATABASE_URL or pass --database-url")
    return url


def _tables(table: Any, *, paths: str = "ordered") -> Tables:
    columns = {name: normalized(table(name), name) for name in COLUMNS}
    # SQLite has neither an ordered aggregate nor a percentile: paths are sorted in Python, quantiles ranked
    return Tables(**columns, paths=paths, native_quantiles=paths != "unordered", materialize=True)


def _duckdb(url: str | None, parquet: Path | None) -> Engine:
    backend = ibis.duckdb.connect()
    if parquet is not None:
        for name, path in _parquet_files(parquet).items():
            backend.read_parquet(path, table_name=name)
    else:
        store = store_backend(_required(url))
        try:
            for name in COLUMNS:
                backend.create_table(name, store.to_pyarrow(normalized(store.table(name), name)))
        finally:
            store.disconnect()
    return Engine("duckdb", backend, _tables(backend.table))


def _spark(url: str | None, parquet: Path | None) -> Engine:
    from revcycle.analytics.parquet import export_parquet

    cleanup: list[Path] = []
    if parquet is None:
        parquet = Path(tempfile.mkdtemp(prefix="revcycle-spark-"))
        cleanup.append(parquet)
        export_parquet(_required(url), parquet)
    session = spark_session()
    prefix = f"rc{next(_VIEWS)}_"
    for name, path in _parquet_files(parquet).items():
        session.read.parquet(str(path)).createOrReplaceTempView(prefix + name)
    backend = ibis.pyspark.connect(session)
    return Engine("spark", backend, _tables(lambda name: backend.table(prefix + name), paths="arrays"), cleanup)


def _parquet_files(folder: Path) -> dict[str, Path]:
    files = {name: folder / f"{name}.parquet" for name in COLUMNS}
    missing = [path.name for path in files.values() if not path.exists()]
    if missing:
        raise AnalyticsError(
            f"{folder} is not a revcycle Parquet export (missing {', '.join(missing)}): "
            "run `revcycle export parquet DIR`"
        )
    return files

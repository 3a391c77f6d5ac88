"""Export the store's analytic columns as Parquet, one file per table, for DuckDB or Spark to read."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from revcycle.analytics.engines import quiet, store_backend
from revcycle.analytics.tables import COLUMNS, normalized

__all__ = ["export_parquet"]


def export_parquet(url: str, folder: Path) -> dict[str, int]:
    """Write `<table>.parquet` for every table analytics reads; returns the rows written per table."""
    folder.mkdir(parents=True, exist_ok=True)
    store = store_backend(url)
    rows: dict[str, int] = {}
    try:
        for name in COLUMNS:
            with quiet():
                table = store.to_pyarrow(normalized(store.table(name), name))
            pq.write_table(table, folder / f"{name}.parquet")
            rows[name] = table.num_rows
    finally:
        store.disconnect()
    return rows

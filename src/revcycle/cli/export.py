"""`revcycle export parquet DIR`: the store's analytic columns as Parquet, for DuckDB or Spark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from revcycle.analytics.parquet import export_parquet
from revcycle.cli.workspace import Workspace, console

app = typer.Typer(help="Export the store for other engines.", no_args_is_help=True)


@app.command()
def parquet(ctx: typer.Context, folder: Annotated[Path, typer.Argument(help="folder to write into")]) -> None:
    """Write one Parquet file per table analytics reads (read them with --engine duckdb|spark --parquet DIR)."""
    workspace: Workspace = ctx.obj
    rows = export_parquet(workspace.settings.database_url, folder)
    for name, count in rows.items():
        console.print(f"{name:>20}: {count:>10,} rows  {folder / (name + '.parquet')}", highlight=False)

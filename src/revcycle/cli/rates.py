"""`revcycle rates`: the dated exchange rates reports convert deals' amounts with."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from revcycle.cli.imports import SOME_ROWS_REJECTED
from revcycle.cli.workspace import Workspace, console, errors

app = typer.Typer(help="Exchange rates: import dated rates into the pact's currency, list them.", no_args_is_help=True)


@app.command("import")
def import_rates(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="a CSV with currency,rate,valid_from (and optionally quote)")],
) -> None:
    """Import dated rates: from valid_from on, 1 unit of currency = rate units of the pact's currency."""
    workspace: Workspace = ctx.obj
    done = workspace.app.rates.import_file(file, now=workspace.now())
    console.print(
        f"{file.name}: {done.added:,} added, {done.changed:,} changed, {done.unchanged:,} unchanged, "
        f"{len(done.rejected):,} rejected (rates into {done.quote})",
        highlight=False,
    )
    for problem in done.rejected:
        errors.print(f"  {file.name}: {problem}", highlight=False)
    if done.rejected:
        sys.exit(SOME_ROWS_REJECTED)  # as `revcycle import`: committed with rows rejected (1: refused whole)


@app.command("list")
def list_rates(
    ctx: typer.Context,
    currency: Annotated[str | None, typer.Option(help="only this currency's rates")] = None,
) -> None:
    """Every stored rate by currency pair and the date it takes effect."""
    workspace: Workspace = ctx.obj
    rates = workspace.app.rates.list(currency)
    if not rates:
        console.print("no exchange rates stored: run `revcycle rates import FILE`", highlight=False)
        return
    table = Table("currency", "quote", "rate", "valid_from", "source", box=None, header_style="bold")
    for rate in rates:
        table.add_row(rate.currency, rate.quote, f"{rate.rate.normalize():f}", str(rate.valid_from), rate.source)
    console.print(table)

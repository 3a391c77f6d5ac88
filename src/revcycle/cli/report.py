"""`revcycle report`: the numbers both teams read."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from revcycle.analytics.summary import FunnelSummary, StageTime, funnel_summary, time_in_stage_summary
from revcycle.cli.workspace import Workspace, console

app = typer.Typer(help="Reports: funnel and more.", no_args_is_help=True)


@app.command()
def funnel(ctx: typer.Context, top: Annotated[int, typer.Option(help="sources to show")] = 10) -> None:
    """People who reached each stage, and where they stand now, by source (their first touch's channel)."""
    workspace: Workspace = ctx.obj
    show_funnel(funnel_summary(workspace.uow()), top=top)


def show_funnel(summary: FunnelSummary, *, top: int = 10) -> None:
    """Print a funnel summary as two tables."""
    table = Table(
        "stage",
        "reached",
        "conversion from previous",
        "now in stage",
        box=None,
        header_style="bold",
        title="Funnel (people who ever reached each stage)",
    )
    previous = None
    for stage in summary.stages:
        reached = summary.reached.get(stage, 0)
        rate = f"{reached / previous:.1%}" if previous else ""
        table.add_row(stage, f"{reached:,}", rate, f"{summary.current.get(stage, 0):,}")
        previous = reached or None
    for detour in summary.detours:
        table.add_row(f"({detour})", f"{summary.reached.get(detour, 0):,}", "", f"{summary.current.get(detour, 0):,}")
    console.print(table)
    by_source = Table(
        "source",
        *summary.stages,
        box=None,
        header_style="bold",
        title="Current stage by source (first touch channel; 'none' = no channel recorded)",
    )
    for source, counts in list(summary.by_source.items())[:top]:
        by_source.add_row(source, *[f"{counts.get(stage, 0):,}" for stage in summary.stages])
    console.print(by_source)


@app.command("time-in-stage")
def time_in_stage(ctx: typer.Context) -> None:
    """Median and p90 days people spent in each stage (completed stays)."""
    workspace: Workspace = ctx.obj
    show_time_in_stage(time_in_stage_summary(workspace.uow(), now=workspace.now()))


def show_time_in_stage(rows: list[StageTime]) -> None:
    """Print time in stage as a table."""
    table = Table(
        "stage", "completed stays", "median days", "p90 days", box=None, header_style="bold", title="Time in stage"
    )
    for row in rows:
        table.add_row(row.stage, f"{row.stays:,}", f"{row.median_days:.1f}", f"{row.p90_days:.1f}")
    console.print(table)

"""`revcycle sim generate`: write a simulated B2B company as import-ready files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from revcycle.cli.workspace import console
from revcycle.pact.schema import Pact
from revcycle.sim import SimParams, SimSummary, generate

app = typer.Typer(help="The simulated demo company.", no_args_is_help=True)


@app.command("generate")
def generate_command(
    people: Annotated[int, typer.Option(help="people the company meets over the period")] = 5000,
    months: Annotated[int, typer.Option(help="length of the period in months")] = 12,
    mode: Annotated[str, typer.Option(help="aligned or misaligned teams")] = "aligned",
    seed: Annotated[int, typer.Option(help="same seed, same files")] = 1,
    out: Annotated[Path, typer.Option(help="folder to write the CSV files and truth.json into")] = Path("sim-out"),
    force: Annotated[bool, typer.Option(help="overwrite the simulator's files in a non-empty folder")] = False,
    start: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="first day simulated (default: 2025-01-01, or "
                                                                  "--months before --end)")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="the day the period ends, excluded (default: "
                                                                "--months after --start)")
    ] = None,
) -> None:
    """Simulate a company and write users, accounts, campaigns, people, stages, touchpoints, opportunities."""
    if end is None:
        params = SimParams(people=people, months=months, mode=_mode(mode), seed=seed,
                           start=start.date() if start else SimParams.start)
    else:
        params = period(people, months, mode, seed, start, end, end.date())
    summary = simulate(params, out, force=force)
    for kind, rows in summary.rows.items():
        console.print(f"{kind:>14}: {rows:>10,} rows  {summary.out_dir / (kind + '.csv')}", highlight=False)
    console.print(f"ground truth: {summary.truth}", highlight=False)


def period(people: int, months: int, mode: str, seed: int, start: datetime | None, end: datetime | None,
           today: date) -> SimParams:
    """The simulated period: `months` up to `end` (default: today), or from `start` to the end."""
    last = end.date() if end is not None else today
    if start is None:
        return SimParams.ending(last, months, people=people, mode=_mode(mode), seed=seed)
    if start.date() >= last:
        raise typer.BadParameter(f"{start:%Y-%m-%d} is not before the end, {last:%Y-%m-%d}", param_hint="--start")
    return SimParams.spanning(start.date(), last, people=people, mode=_mode(mode), seed=seed)


def _mode(mode: str) -> Literal["aligned", "misaligned"]:
    if mode not in ("aligned", "misaligned"):
        raise typer.BadParameter(f'"{mode}" is not a mode (use aligned or misaligned)', param_hint="--mode")
    return "aligned" if mode == "aligned" else "misaligned"


def simulate(params: SimParams, out: Path, *, force: bool, pact: Pact | None = None) -> SimSummary:
    """Run the simulator with a progress bar."""
    with Progress(
        TextColumn("simulating {task.fields[step]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("sim", total=params.people, step="people")
        return generate(
            params,
            out,
            force=force,
            pact=pact,
            progress=lambda step, done, total: progress.update(task, completed=done, total=total, step=step),
        )

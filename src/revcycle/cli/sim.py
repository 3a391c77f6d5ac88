"""`revcycle sim generate`: write a simulated B2B company as import-ready files."""

from __future__ import annotations

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
) -> None:
    """Simulate a company and write users, accounts, campaigns, people, stages, touchpoints, opportunities."""
    summary = simulate(SimParams(people=people, months=months, mode=_mode(mode), seed=seed), out, force=force)
    for kind, rows in summary.rows.items():
        console.print(f"{kind:>14}: {rows:>10,} rows  {summary.out_dir / (kind + '.csv')}", highlight=False)
    console.print(f"ground truth: {summary.truth}", highlight=False)


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

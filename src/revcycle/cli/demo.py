"""`revcycle demo`: a living company in one command: simulate 12 months, import them, show the result."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from revcycle.analytics.summary import funnel_summary, showcase_lead, time_in_stage_summary
from revcycle.cli import lead, report
from revcycle.cli.imports import progress_bar, show_summary
from revcycle.cli.sim import _mode, simulate
from revcycle.cli.workspace import Workspace, console
from revcycle.config import Settings
from revcycle.ingest.fields import Kind
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.sim import SimParams
from revcycle.store.session import upgrade

ORDER = (Kind.USERS, Kind.ACCOUNTS, Kind.CAMPAIGNS, Kind.PEOPLE, Kind.STAGES, Kind.TOUCHPOINTS, Kind.OPPORTUNITIES)


def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Option("--dir", help="the demo workspace (its database and data are replaced)")
    ] = Path("revcycle-demo"),
    people: Annotated[int, typer.Option(help="people the simulated company meets")] = 10000,
    months: Annotated[int, typer.Option(help="months simulated")] = 12,
    mode: Annotated[str, typer.Option(help="aligned or misaligned teams")] = "aligned",
    seed: Annotated[int, typer.Option(help="simulation seed")] = 1,
) -> None:
    """Create a SQLite workspace with the example pact, simulate a company, import it, and show the numbers."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "revcycle.db"
    for stale in (database, folder / "revcycle.db-wal", folder / "revcycle.db-shm"):
        stale.unlink(missing_ok=True)
    workspace = Workspace(Settings(database_url=f"sqlite:///{database}", actor="demo"))
    ctx.obj = workspace
    upgrade(workspace.engine)
    PactService(workspace.uow()).apply_text(
        example_pact_text(), source="example pact", author="demo", now=workspace.now()
    )
    console.rule("[bold]1. simulate")
    sim = simulate(SimParams(people=people, months=months, mode=_mode(mode), seed=seed), folder / "data", force=True)
    console.rule("[bold]2. import")
    imports = workspace.app.imports
    for kind in ORDER:
        with progress_bar(kind, sim.paths[kind.value]) as update:
            summary = imports.run(
                kind,
                sim.paths[kind.value],
                source="demo",
                actor="demo",
                now=workspace.now(),
                report_dir=folder / "import-reports",
                progress=update,
            )
        show_summary(summary, empties=False)
    console.rule("[bold]3. the revenue cycle")
    report.show_funnel(funnel_summary(workspace.uow()))
    report.show_time_in_stage(time_in_stage_summary(workspace.uow(), now=workspace.now()))
    key = showcase_lead(workspace.uow())
    if key is not None:
        console.rule(f"[bold]4. one lead's timeline ({key})")
        lead.show_timeline(workspace, key, brief=True)
    console.rule()
    console.print(
        f"done in {time.perf_counter() - started:.1f} s. Explore it:\n"
        f"  export REVCYCLE_DATABASE_URL=sqlite:///{database.resolve()}\n"
        f"  revcycle report funnel\n  revcycle lead show {key or 'EMAIL'}\n  revcycle pact show",
        highlight=False,
    )

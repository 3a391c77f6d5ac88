"""`revcycle demo`: a living company in one command: simulate the 12 months up to today under the example
pact, import them, show the result."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from revcycle.analytics.summary import funnel_summary, time_in_stage_summary
from revcycle.cli import lead, report
from revcycle.cli.imports import progress_bar, show_summary
from revcycle.cli.sim import period, simulate
from revcycle.cli.workspace import Workspace, console
from revcycle.config import Settings
from revcycle.errors import Conflict
from revcycle.ingest.fields import Kind
from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.service import PactService
from revcycle.scoring.showcase import featured_lead
from revcycle.store.session import upgrade

ORDER = (Kind.USERS, Kind.ACCOUNTS, Kind.CAMPAIGNS, Kind.PEOPLE, Kind.STAGES, Kind.TOUCHPOINTS, Kind.OPPORTUNITIES)
MARKER = ".revcycle-demo"  # in a folder whose store the demo made (and may replace)


def _claim(folder: Path, *, force: bool) -> Path:
    """The demo's database in `folder`, its old files removed; refuses a store the demo did not make."""
    database, marker = folder / "revcycle.db", folder / MARKER
    if not force and not marker.is_file() and (database.exists() or (folder / "data").exists()):
        found = database if database.exists() else folder / "data"
        raise Conflict(f"{found} was not made by `revcycle demo`, so the demo will not replace it: choose another "
                       "--dir, or pass --force to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (database, folder / "revcycle.db-wal", folder / "revcycle.db-shm"):
        stale.unlink(missing_ok=True)
    marker.write_text("made by `revcycle demo`: it replaces revcycle.db and data/ here when run again\n",
                      encoding="utf-8")
    return database


def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Option("--dir", help="the demo workspace (a store a previous demo made there is replaced)")
    ] = Path("revcycle-demo"),
    people: Annotated[int, typer.Option(help="people the simulated company meets")] = 10000,
    months: Annotated[int, typer.Option(help="months simulated, up to --end")] = 12,
    mode: Annotated[str, typer.Option(help="aligned (follows the pact) or misaligned teams")] = "aligned",
    seed: Annotated[int, typer.Option(help="simulation seed")] = 1,
    start: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="first day simulated (default: --months before --end)")
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="the day the simulated period ends, excluded (default: today, UTC)"),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="replace a revcycle.db or data/ in --dir that the demo did not make")
    ] = False,
) -> None:
    """Create a SQLite workspace with the example pact, simulate a company, import it, and show the numbers."""
    started = time.perf_counter()
    now = Workspace.now()
    params = period(people, months, mode, seed, start, end, now.date())
    database = _claim(folder, force=force)
    workspace = Workspace(Settings(database_url=f"sqlite:///{database}", actor="demo"))
    ctx.obj = workspace
    upgrade(workspace.engine)
    PactService(workspace.uow()).apply_text(
        example_pact_text(), source="example pact", author="demo", now=workspace.now()
    )
    pact = load_pact(example_pact_text(), source="example pact")
    console.rule("[bold]1. simulate")
    sim = simulate(params, folder / "data", force=True, pact=pact)
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
    report.show_time_in_stage(time_in_stage_summary(workspace.uow()))
    key = featured_lead(workspace.uow(), pact)
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

"""`revcycle lead show` (one person's timeline) and `revcycle lead move` (a stage move by hand)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from revcycle.cli.workspace import Workspace, console

app = typer.Typer(help="People: a lead's timeline, a stage move by hand.", no_args_is_help=True)


@app.command()
def move(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="email, id or external id")],
    stage: Annotated[str, typer.Argument(help="the stage or detour to move to (as the pact names it)")],
    reason: Annotated[str | None, typer.Option(help="reason code (a move onto a detour needs one)")] = None,
) -> None:
    """Move a person to another stage, if the pact allows the move from where they stand."""
    workspace: Workspace = ctx.obj
    done = workspace.app.cycle.move(key, stage, actor=workspace.settings.actor, now=workspace.now(), reason=reason)
    because = f" ({done.reason})" if done.reason else ""
    console.print(f"moved {key}: {done.from_stage} -> {done.to_stage}{because}", highlight=False)


@app.command()
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="email, id or external id")],
    brief: Annotated[bool, typer.Option(help="leave out page views and email opens")] = False,
) -> None:
    """The person's timeline: touchpoints, stage moves and opportunities, in time order."""
    show_timeline(ctx.obj, key, brief=brief)


QUIET = ("page_view", "email_open")


def show_timeline(workspace: Workspace, key: str, *, brief: bool = False) -> None:
    """Print one person's timeline (`brief` leaves out page views and email opens, and says how many)."""
    timeline = workspace.app.cycle.timeline(key, now=workspace.now())
    p = timeline.person
    name = " ".join(filter(None, [p.first_name, p.last_name])) or p.email or p.external_id
    console.print(
        f"[bold]{name}[/bold] #{p.id} ({p.email or 'no email'}), {p.title or 'no title'}"
        f"{', ' + timeline.account if timeline.account else ''}",
        highlight=False,
    )
    console.print(f"stage [bold]{p.stage}[/bold] since {p.stage_entered_at:%Y-%m-%d %H:%M} UTC", highlight=False)
    table = Table("when (UTC)", "what", "detail", box=None, header_style="bold")
    hidden = 0
    for event in timeline.events:
        if brief and event.what in QUIET:
            hidden += 1
            continue
        table.add_row(f"{event.at:%Y-%m-%d %H:%M}", event.what, event.detail)
    console.print(table)
    if hidden:
        console.print(f"({hidden} page views and email opens not shown: revcycle lead show {key})", highlight=False)
    if timeline.time_in_stage:
        spent = ", ".join(f"{stage} {days:.1f}d" for stage, days in timeline.time_in_stage.items())
        console.print(f"time in stage: {spent}", highlight=False)

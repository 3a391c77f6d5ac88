"""`revcycle lead show` (one person's card and timeline) and `revcycle lead move` (a stage move by hand)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from revcycle.cli.workspace import Workspace, console
from revcycle.cycle.service import Card

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
    """The person's owner, scores, lead value and tier, then their touchpoints, stage moves and opportunities."""
    show_timeline(ctx.obj, key, brief=brief)


QUIET = ("page_view", "email_open")


def card_lines(card: Card) -> list[str]:
    """The lead's card as lines: owner, scores, lead value and tier."""
    lines = [f"owner {card.owner or 'none'}"]
    if card.scores is None:
        lines.append("scores: not scored yet (revcycle score rescore)")
    else:
        s = card.scores
        state = "qualified" if s.qualified else "not qualified"
        lines.append(
            f"scores fit {_points(s.fit)}, engagement {_points(s.engagement)}, total {_points(s.total)} "
            f"({state}; as of {s.as_of:%Y-%m-%d %H:%M} UTC)"
        )
    if card.value is None:
        lines.append("lead value: the pact sets no lead_values")
    else:
        why = f" (highest-value touch: {card.value.touch_type})" if card.value.touch_type else " (no valued touch)"
        lines.append(f"lead value {card.value.amount:,} {card.value.currency}{why}")
    if card.tiers_defined:
        tier = card.tier
        fits = f"tier {tier.name}: first contact within {tier.within}" if tier else "tier: none of the pact's fits"
        lines.append(fits)
    # The SLA clock (started at hand-off, stopped by the first real contact) is shown here once the SLA exists.
    return lines


def _points(hundredths: int) -> str:
    """Stored hundredths of a point as points, e.g. 1250 -> 12.5."""
    return f"{Decimal(hundredths) / 100:.2f}".rstrip("0").rstrip(".")


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
    if timeline.card is not None:
        for line in card_lines(timeline.card):
            console.print(line, highlight=False, markup=False)
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

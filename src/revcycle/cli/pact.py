"""`revcycle pact`: check, apply, show, list and diff the sales-marketing agreement."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from revcycle.cli.workspace import Workspace, console, errors
from revcycle.pact.loader import example_pact_text, load_pact_file
from revcycle.pact.service import PactService

app = typer.Typer(help="The pact: the sales-marketing SLA as a versioned YAML file.", no_args_is_help=True)


@app.command()
def check(file: Annotated[Path, typer.Argument(help="the pact YAML file")]) -> None:
    """Validate a pact file; every problem names its YAML path and line (exit status 1 if any)."""
    pact, _ = load_pact_file(file)
    console.print(
        f'{file}: valid pact "{pact.name}" (version {pact.version}): {len(pact.stages)} stages, '
        f"{len(pact.detours)} detours, {len(pact.lifecycle)} lifecycle rules"
    )


def _mapping(values: list[str] | None) -> dict[str, str]:
    """`--map OLD=NEW` options as a dict; a malformed or repeated one is a usage error."""
    mapping: dict[str, str] = {}
    for value in values or []:
        old, equals, new = (part.strip() for part in value.partition("="))
        if not equals or not old or not new:
            raise typer.BadParameter(f"{value!r} is not OLD=NEW (e.g. --map sal=mql)", param_hint="'--map'")
        if mapping.get(old, new) != new:
            raise typer.BadParameter(f"{old} is mapped twice ({old}={mapping[old]}, {old}={new})", param_hint="'--map'")
        mapping[old] = new
    return mapping


@app.command()
def apply(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="the pact YAML file")] = None,
    example: Annotated[bool, typer.Option("--example", help="apply the example pact shipped with revcycle")] = False,
    author: Annotated[
        str | None, typer.Option(help="who signs this version (default: $REVCYCLE_ACTOR or $USER)")
    ] = None,
    stage_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="OLD=NEW",
            help="move the people standing in a stage this pact removes (OLD) to one of its stages (NEW); repeat",
        ),
    ] = None,
) -> None:
    """Store a pact as the new version in force (refused with its errors if invalid, or if it removes a stage
    people stand in without a --map for it; nothing changes)."""
    workspace: Workspace = ctx.obj
    mapping = _mapping(stage_map)
    if (file is None) == (not example):
        errors.print("give a pact FILE or --example")
        sys.exit(2)
    service = PactService(workspace.uow())
    who = author or workspace.settings.actor
    if example:
        text, source = example_pact_text(), "example pact"
    else:
        assert file is not None
        _, text = load_pact_file(file)
        source = str(file)
    applied = service.apply_checked(text, source=source, author=who, now=workspace.now(), mapping=mapping)
    version = applied.version
    if not applied.created:
        unused = " and nobody moved" if mapping else ""
        console.print(f"unchanged: this text is already version {version.number} (nothing stored{unused})")
        return
    console.print(f'applied pact version {version.number} "{version.pact.name}" by {version.author}', highlight=False)
    for move in applied.moved:
        people = "1 person" if move.people == 1 else f"{move.people:,} people"
        console.print(f"  moved {people} from {move.old} to {move.new} ({move.reason})", highlight=False)


@app.command()
def show(
    ctx: typer.Context,
    version: Annotated[
        str | None, typer.Argument(help="a stored version (3 or v3); default: the one in force")
    ] = None,
) -> None:
    """Print the pact in force, or a stored version, with who applied it and when."""
    workspace: Workspace = ctx.obj
    active = workspace.app.pact() if version is None else PactService(workspace.uow()).version(version)
    console.print(
        f"# pact version {active.number}, applied by {active.author} at {active.applied_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
        markup=False,
    )
    console.print(active.text, highlight=False, markup=False, soft_wrap=True)


@app.command()
def history(ctx: typer.Context) -> None:
    """Every stored version: number, when and by whom it was applied, its title, and what it changed."""
    workspace: Workspace = ctx.obj
    entries = PactService(workspace.uow()).history()
    if not entries:
        console.print("no pact has been applied yet: run `revcycle pact apply FILE`", highlight=False)
        return
    table = Table("version", "applied at (UTC)", "author", "title", "changes", box=None, header_style="bold")
    for entry in entries:
        table.add_row(
            f"v{entry.number}",
            f"{entry.applied_at:%Y-%m-%d %H:%M}",
            escape(entry.author),
            escape(entry.title),
            escape(entry.changes),
        )
    console.print(table, highlight=False)


@app.command()
def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="a pact file or a stored version (e.g. v1)")],
    new: Annotated[str, typer.Argument(help="a pact file or a stored version (e.g. v2)")],
) -> None:
    """Show what changes from OLD to NEW, section by section."""
    workspace: Workspace = ctx.obj
    needs_store = not (Path(old).is_file() and Path(new).is_file())
    service = PactService(workspace.uow() if needs_store else workspace.uow(check=False))
    old_label, new_label, sections = service.diff(old, new)
    console.print(f"--- {old_label}\n+++ {new_label}", highlight=False, markup=False)
    if not sections:
        console.print("no differences")
    for section, lines in sections.items():
        console.print(f"\n[bold]{section}[/bold]")
        for line in lines:
            colour = {"+": "green", "-": "red"}.get(line[0], "yellow")
            console.print(f"  [{colour}]{escape(line)}[/{colour}]", highlight=False)

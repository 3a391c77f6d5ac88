"""`revcycle pact`: check, apply, show and diff the sales-marketing agreement."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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


@app.command()
def apply(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="the pact YAML file")] = None,
    example: Annotated[bool, typer.Option("--example", help="apply the example pact shipped with revcycle")] = False,
    author: Annotated[
        str | None, typer.Option(help="who signs this version (default: $REVCYCLE_ACTOR or $USER)")
    ] = None,
) -> None:
    """Store a pact as the new version in force (refused with its errors if invalid; nothing changes)."""
    workspace: Workspace = ctx.obj
    if (file is None) == (not example):
        errors.print("give a pact FILE or --example")
        sys.exit(2)
    service = PactService(workspace.uow())
    who = author or workspace.settings.actor
    if example:
        version, created = service.apply_text(
            example_pact_text(), source="example pact", author=who, now=workspace.now()
        )
    else:
        assert file is not None
        version, created = service.apply(file, author=who, now=workspace.now())
    if created:
        console.print(f'applied pact version {version.number} "{version.pact.name}" by {version.author}')
    else:
        console.print(f"unchanged: this text is already version {version.number} (nothing stored)")


@app.command()
def show(ctx: typer.Context) -> None:
    """Print the pact in force with who applied it and when."""
    active = ctx.obj.app.pact()
    console.print(
        f"# pact version {active.number}, applied by {active.author} at {active.applied_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
        markup=False,
    )
    console.print(active.text, highlight=False, markup=False, soft_wrap=True)


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

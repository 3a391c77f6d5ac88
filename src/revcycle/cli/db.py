"""`revcycle db`: the store's schema."""

from __future__ import annotations

import typer

from revcycle.cli.workspace import Workspace, console
from revcycle.store.session import upgrade as upgrade_schema

app = typer.Typer(help="The store: create or upgrade its schema.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Create the schema or bring it to the newest migration."""
    workspace: Workspace = ctx.obj
    upgrade_schema(workspace.engine)
    console.print(f"database at {workspace.engine.url!r} is at the newest schema")

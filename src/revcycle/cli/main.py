"""The `revcycle` command: thin commands over the services; user mistakes print a message, not a traceback."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from revcycle.cli import db, demo, export, imports, lead, pact, report, score, sim
from revcycle.cli.workspace import Workspace, errors
from revcycle.config import Settings
from revcycle.errors import RevcycleError

__all__ = ["app", "run"]

app = typer.Typer(
    name="revcycle",
    help="One pact, one system of record for marketing, SDR and sales.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(pact.app, name="pact")
app.add_typer(lead.app, name="lead")
app.add_typer(report.app, name="report")
app.add_typer(sim.app, name="sim")
app.add_typer(score.app, name="score")
app.add_typer(export.app, name="export")
app.command("import")(imports.import_file)
app.command("demo")(demo.demo)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", envvar="REVCYCLE_DATABASE_URL", help="SQLAlchemy URL; default sqlite:///revcycle.db"
        ),
    ] = None,
) -> None:
    """revcycle: the sales-marketing pact, the revenue cycle, and their numbers."""
    ctx.obj = Workspace(Settings.from_env(database_url))


def run() -> None:
    """The console entry point: Typer handles usage errors; a RevcycleError is a message and exit status 1."""
    try:
        app()
    except RevcycleError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(1)

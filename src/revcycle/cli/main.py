"""The `revcycle` command: thin commands over the services; user mistakes print a message, not a traceback."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated

import typer
from rich.markup import escape

from revcycle.cli.workspace import Workspace, errors
from revcycle.config import Settings
from revcycle.errors import RevcycleError

__all__ = ["build", "run"]

_GROUPS = ("db", "pact", "lead", "report", "sim", "score", "export")
_COMMANDS = {"import": ("imports", "import_file"), "demo": ("demo", "demo")}


def build(wanted: str | None = None) -> typer.Typer:
    """The command line. With `wanted`, only that command's module is loaded: `revcycle import` does not pay
    for the analytics engines' libraries, nor `revcycle report` for the importers'."""
    app = typer.Typer(
        name="revcycle",
        help="One pact, one system of record for marketing, SDR and sales.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    app.callback()(main)
    for name in _GROUPS:
        if wanted in (None, name):
            app.add_typer(import_module(f"revcycle.cli.{name}").app, name=name)
    for name, (module, function) in _COMMANDS.items():
        if wanted in (None, name):
            app.command(name)(getattr(import_module(f"revcycle.cli.{module}"), function))
    return app


def _wanted(arguments: list[str]) -> str | None:
    """The command named on the command line, or None (no command, --help, or an unknown word: load all)."""
    words = iter(arguments)
    for word in words:
        if word == "--database-url":
            next(words, None)
        elif not word.startswith("--database-url="):
            return word if word in _GROUPS or word in _COMMANDS else None
    return None


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
        build(_wanted(sys.argv[1:]))()
    except RevcycleError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        sys.exit(1)

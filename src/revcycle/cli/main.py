"""The `revcycle` command: thin commands over the services; user mistakes print a message, not a traceback."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from revcycle.errors import RevcycleError

__all__ = ["build", "run"]

_GROUPS = ("db", "pact", "lead", "report", "rates", "sim", "score", "export")
_COMMANDS = {"import": ("imports", "import_file"), "demo": ("demo", "demo")}
# What `revcycle --help` lists, without importing every command's libraries (pandas, Ibis, numpy: seconds);
# tests/cli/test_startup.py holds each line equal to the help its command declares.
SUMMARIES = {
    "db": "The store: create or upgrade its schema.",
    "pact": "The pact: the sales-marketing SLA as a versioned YAML file.",
    "lead": "People: a lead's timeline, a stage move by hand.",
    "report": "Reports: funnel, KPIs, attribution, content, channels, on any engine.",
    "sim": "The simulated demo company.",
    "score": "Lead scoring: fit and engagement, explained, back-tested, calibrated.",
    "export": "Export the store for other engines.",
    "rates": "Exchange rates: import dated rates into the pact's currency, list them.",
    "import": "Import users, accounts, campaigns, people, stages, touchpoints or opportunities (idempotent by "
    "external id).",
    "demo": "Create a SQLite workspace with the example pact, simulate a company, import it, and show the numbers.",
}


def build(wanted: str | None = None) -> typer.Typer:
    """The command line. With `wanted`, only that command's module is loaded: `revcycle import` does not pay
    for the analytics engines' libraries, nor `revcycle report` for the importers'."""
    app = typer.Typer(
        name="revcycle",
        help="One pact, one system of record for marketing, SDR and sales.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        cls=_Root,
    )
    app.callback()(main)
    if wanted == "":  # the overview alone: every command listed by its summary, none imported
        for name in _GROUPS:
            app.add_typer(typer.Typer(help=SUMMARIES[name]), name=name)
        for name in _COMMANDS:
            app.command(name, help=SUMMARIES[name])(_listed_only)
        return app
    for name in _GROUPS:
        if wanted in (None, name):
            app.add_typer(import_module(f"revcycle.cli.{name}").app, name=name)
    for name, (module, function) in _COMMANDS.items():
        if wanted in (None, name):
            app.command(name)(getattr(import_module(f"revcycle.cli.{module}"), function))
    return app


def _listed_only() -> None:
    """Stands for a command in the overview; never run (a named command loads its real module)."""


def _wanted(arguments: list[str]) -> str | None:
    """The command named on the command line; "" for the overview alone (nothing, or only --help); None when
    the first word is no command (load all, so the error can suggest the nearest)."""
    words = iter(arguments)
    for word in words:
        if word == "--database-url":
            next(words, None)
        elif word in ("--help", "--version"):
            continue
        elif not word.startswith("--database-url="):
            return word if word in _GROUPS or word in _COMMANDS else None
    return ""


def _version(shown: bool) -> None:
    """`--version`: the installed package's version, read from its metadata (no command module is loaded)."""
    if not shown:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        typer.echo(f"revcycle {version('revcycle')}")
    except PackageNotFoundError:
        typer.echo("revcycle (version unknown: the package is not installed, only on the path)")
    raise typer.Exit()


def main(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", envvar="REVCYCLE_DATABASE_URL", help="SQLAlchemy URL; default sqlite:///revcycle.db"
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True,
                     help="print the installed revcycle version and exit"),
    ] = False,
) -> None:
    """revcycle: the sales-marketing pact, the revenue cycle, and their numbers."""
    from revcycle.cli.workspace import Workspace  # the store's libraries, for commands that run (not --help)
    from revcycle.config import Settings

    ctx.obj = Workspace(Settings.from_env(database_url))
    ctx.call_on_close(ctx.obj.close)  # the engine's connections are closed when the command ends


class _Root(TyperGroup):
    """The `revcycle` group: a database failure escaping any command is explained, naming the command's store."""

    def invoke(self, ctx: Any) -> Any:  # Click's own Context type is private to Typer
        try:
            return super().invoke(ctx)
        except Exception as exc:
            settings = getattr(ctx.obj, "settings", None)
            url = settings.database_url if settings is not None else None
            explained = _explained(exc, url)
            if explained is None or explained is exc:
                raise
            raise explained from exc


def _explained(exc: BaseException, url: str | None = None) -> RevcycleError | None:
    """`exc` as a RevcycleError, if it is one or a database failure; None for anything else (a bug)."""
    if isinstance(exc, RevcycleError):
        return exc
    from revcycle.store.failures import explain  # only on the way out: start-up does not pay for it

    return explain(exc, url=url)


def run(arguments: list[str] | None = None) -> None:
    """The console entry point: Typer handles usage errors (exit status 2); a RevcycleError or a database
    failure is one line and exit status 1."""
    words = sys.argv[1:] if arguments is None else arguments
    try:
        build(_wanted(words))(args=words, prog_name="revcycle")
    except Exception as exc:
        failure = _explained(exc)
        if failure is None:
            raise
        from revcycle.cli.workspace import errors

        errors.print(f"[red]error:[/red] {escape(str(failure))}", highlight=False)
        sys.exit(1)

"""`revcycle import KIND FILE`: load a CSV or JSON Lines export with a progress bar and a closing summary.

Exit status (docs/imports.md): 0 every row went in, 1 the import failed and wrote nothing, 2 a usage error,
3 the import committed but rejected some rows, 130 interrupted (the message says whether anything was written).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from revcycle.cli.workspace import Workspace, console
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService, ImportSummary
from revcycle.ingest.upsert import Counts

SOME_ROWS_REJECTED = 3  # distinct from 1, a failed import that wrote nothing
INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def import_file(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Argument(help="what the file holds")],
    file: Annotated[Path, typer.Argument(help="a .csv or .jsonl file")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="a mapping YAML for the export's columns")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the extension)")] = None,
    source: Annotated[
        str | None, typer.Option(help="source system the external ids belong to (default: mapping's, or 'file')")
    ] = None,
    report_dir: Annotated[
        Path | None, typer.Option(help="where the problems report goes (default: beside the database)")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    encoding: Annotated[
        str | None, typer.Option(help="the file's text encoding, e.g. cp1252 or latin-1 (default: utf-8)")
    ] = None,
) -> None:
    """Import users, accounts, campaigns, people, stages, touchpoints or opportunities (idempotent by external id).

    Exit status: 0 all rows in, 1 failed (nothing written), 3 committed with some rows rejected, 130 interrupted."""
    workspace: Workspace = ctx.obj
    service = workspace.app.imports
    runs: list[int] = []
    try:
        with progress_bar(kind, file, disable=quiet) as update:
            summary = service.run(
                kind,
                file,
                mapping=mapping,
                fmt=fmt,
                source=source,
                actor=workspace.settings.actor,
                now=workspace.now(),
                report_dir=report_dir or workspace.settings.workspace / "import-reports",
                progress=update,
                encoding=encoding,
                started=runs.append,
            )
        show_summary(summary)
    except KeyboardInterrupt:
        console.print(interrupted(service, runs[-1] if runs else None), highlight=False)
        sys.exit(INTERRUPTED)
    if summary.counts.rejected:
        sys.exit(SOME_ROWS_REJECTED)


def interrupted(service: ImportService, run_id: int | None) -> str:
    """The one sentence after Ctrl-C: what the store holds now (it is asked, not guessed)."""
    counts = service.stored_run(run_id) if run_id is not None else None
    if counts is None:
        return "interrupted before the commit: nothing was written (run the same command again to import the file)"
    return (
        f"interrupted after the commit: import #{run_id} is in the store ({_counted(counts)}); "
        "running it again changes nothing"
    )


def _counted(c: Counts) -> str:
    return f"{c.inserted} inserted, {c.updated} updated, {c.unchanged} unchanged, {c.rejected} rejected"


@contextmanager
def progress_bar(kind: Kind, file: Path, *, disable: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A byte-based progress bar for one import; yields the callback the import service calls."""
    with Progress(
        TextColumn(f"importing {kind.value}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=disable,
    ) as progress:
        task = progress.add_task("import", total=file.stat().st_size if file.is_file() else None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def show_summary(summary: ImportSummary, *, empties: bool = True) -> None:
    """The closing summary: counts, empty fields, the first problems and where the rest are."""
    c = summary.counts
    console.print(
        f"{summary.kind.value} from {summary.file} (source {summary.source}, import #{summary.run_id}): "
        f"[green]{c.inserted} inserted[/green], {c.updated} updated, {c.unchanged} unchanged, "
        f"[red]{c.rejected} rejected[/red], [yellow]{c.warnings} warnings[/yellow]",
        highlight=False,
    )
    for note in summary.notes:
        console.print(f"note: {note}", highlight=False)
    if summary.empty and empties:
        fields = ", ".join(f"{name} {count}" for name, count in sorted(summary.empty.items()))
        console.print(f"empty (stored as no value, never as a placeholder like 'unknown'): {fields}", highlight=False)
    if summary.problems:
        table = Table("line", "column", "", "problem", box=None, header_style="bold")
        for p in summary.problems[:20]:
            table.add_row(str(p.line), p.column or "", p.severity, p.message)
        console.print(table)
    if summary.report:
        console.print(f"all {c.rejected + c.warnings} problems: {summary.report}", highlight=False)

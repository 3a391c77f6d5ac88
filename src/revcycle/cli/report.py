"""`revcycle report`: the numbers both teams read, on the store or on DuckDB / Spark."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from revcycle.analytics.attribution import Conventions
from revcycle.analytics.engines import connect
from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.facts import GROUPINGS
from revcycle.analytics.journeys import JourneySpec
from revcycle.analytics.ordering import in_display_order
from revcycle.analytics.period import Period
from revcycle.analytics.render import FORMATS, is_empty, tables, to_csv, to_json
from revcycle.analytics.reports import (
    AttributionReport,
    ChannelReport,
    ContentReport,
    FunnelReport,
    KpiReport,
    Report,
    ReportResult,
    TimeInStageReport,
    run,
)
from revcycle.analytics.stages import StageNames
from revcycle.analytics.summary import FunnelSummary, StageTime
from revcycle.cli.workspace import Workspace, console, errors
from revcycle.errors import RevcycleError
from revcycle.money.model import reporting_currency
from revcycle.pact.loader import example_pact_text, load_pact, load_pact_file
from revcycle.pact.service import ActivePact

app = typer.Typer(help="Reports: funnel, KPIs, attribution, content, channels, on any engine.", no_args_is_help=True)

Engine = Annotated[str | None, typer.Option("--engine", help="sqlite, postgres, duckdb or spark; default: the store's")]
Format = Annotated[str, typer.Option("--format", help="table, csv or json")]
Since = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="period start (UTC date, included)")]
Until = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="period end (UTC date, excluded)")]
Parquet = Annotated[Path | None, typer.Option(help="read a `revcycle export parquet` folder (duckdb, spark)")]
PactFile = Annotated[
    Path | None,
    typer.Option(
        "--pact",
        help="with --parquet: the pact file whose stages the export follows "
        "(default: the store's pact in force, else the example pact)",
    ),
]
By = Annotated[str, typer.Option("--by", help=f"grouping: {', '.join(GROUPINGS)}")]
Kinds = Annotated[
    list[str] | None, typer.Option("--kind", help="opportunity kinds (repeat; 'all'); default new_business")
]


def _period(since: datetime | None, until: datetime | None) -> Period:
    return Period(since.date() if since else None, until.date() if until else None)


def _kinds(kinds: list[str] | None) -> tuple[str, ...] | None:
    if not kinds:
        return ("new_business",)
    return None if "all" in kinds else tuple(kinds)


def _names(workspace: Workspace, parquet: Path | None, pact_file: Path | None) -> tuple[StageNames, str]:
    """The stage names of the pact in force, and a note saying which pact that is. On the store: its pact in
    force. On a Parquet folder: --pact FILE, else the store's pact in force if there is one, else the example."""
    if parquet is None:
        if pact_file is not None:
            raise AnalyticsError("--pact is for --parquet input: a store's reports read the store's pact in force")
        active = workspace.app.pact()
        return StageNames.of(active.pact), _described(active)
    if pact_file is not None:
        pact, _ = load_pact_file(pact_file)
        return StageNames.of(pact), f"stage names from the pact file {pact_file} ({pact.name})"
    stored = _stored_pact(workspace)
    if stored is not None:
        return StageNames.of(stored.pact), _described(stored)
    example = load_pact(example_pact_text(), source="example pact")
    return StageNames.of(example), "stage names from the example pact (no pact in a store, no --pact FILE)"


def _described(active: ActivePact) -> str:
    return f"stage names from the store's pact in force, v{active.number} ({active.pact.name})"


def _currency(workspace: Workspace) -> str:
    """The currency reports sum amounts in: the store's pact's (USD when there is no store or pact)."""
    stored = _stored_pact(workspace)
    return reporting_currency(stored.pact if stored is not None else None)


def _stored_pact(workspace: Workspace) -> ActivePact | None:
    """The store's pact in force, or None when there is no store (a missing SQLite file is not created)."""
    url = workspace.settings.database_url
    path = url.removeprefix("sqlite:///").partition("?")[0].removeprefix("file:")
    if url.startswith("sqlite:///") and not Path(path).exists():
        return None
    try:
        return workspace.app.pact()
    except RevcycleError:
        return None


def _execute(
    ctx: typer.Context, report: Report, engine: str | None, parquet: Path | None, output: str, source: str = ""
) -> None:
    """Run the report on the chosen engine (default: the store's own, or DuckDB over a Parquet folder); `source`
    says which pact the stage names came from (a note; on stderr for CSV, whose output is rows only)."""
    if output not in FORMATS:
        raise AnalyticsError(f"unknown format {output!r}; choose one of {', '.join(FORMATS)}")
    url = ctx.obj.settings.database_url
    name = engine or ("duckdb" if parquet is not None else "sqlite" if url.startswith("sqlite") else "postgres")
    connected = connect(name, url=None if parquet is not None else url, parquet=parquet)
    try:
        connected.tables = connected.tables.in_currency(_currency(ctx.obj))
        result = run(report, connected)
    finally:
        connected.close()
    frame = in_display_order(result.frame, getattr(report, "grouping", None))
    result = dataclasses.replace(result, frame=frame, notes=[*result.notes, *([source] if source else [])])
    if output == "csv":
        if source:
            errors.print(source, style="dim", highlight=False)
        typer.echo(to_csv(result), nl=False)
    elif output == "json":
        typer.echo(to_json(result))
    else:
        spec = getattr(report, "spec", None)
        _show(result, period=getattr(report, "period", None) or getattr(spec, "period", None))


def _show(result: ReportResult, *, period: Period | None = None, out: Console | None = None) -> None:
    """A report as tables fitting the terminal's width (split, with the key columns repeated, when it is wider),
    or a sentence when the period holds nobody; then its notes."""
    out = out or console
    out.print(Text(f"{result.title} [{result.engine}]", style="bold"))
    if is_empty(result.frame):
        where = "in the store" if period is None or period.describe() == "all time" else period.describe()
        out.print(f"No people or opportunities {where}: nothing to report.", highlight=False)
    else:
        parts = tables(result.frame, width=out.width)
        for number, table in enumerate(parts, start=1):
            if len(parts) > 1:
                out.print(f"part {number} of {len(parts)}", style="dim", highlight=False)
            out.print(table)
    for note in filter(None, result.notes):
        out.print(f"  {note}", style="dim", highlight=False, markup=False)


@app.command()
def funnel(
    ctx: typer.Context,
    by: By = "none",
    since: Since = None,
    until: Until = None,
    engine: Engine = None,
    output: Format = "table",
    parquet: Parquet = None,
    pact: PactFile = None,
    renewal: Annotated[bool, typer.Option(help="end the funnel at renewal")] = True,
) -> None:
    """People reaching each stage, conversion and drop-off, days to reach, re-entries and detours."""
    names, source = _names(ctx.obj, parquet, pact)
    report = FunnelReport(names=names, grouping=by, period=_period(since, until), renewal=renewal)
    _execute(ctx, report, engine, parquet, output, source)


@app.command("time-in-stage")
def time_in_stage(
    ctx: typer.Context,
    by: By = "none",
    since: Since = None,
    until: Until = None,
    engine: Engine = None,
    output: Format = "table",
    parquet: Parquet = None,
    pact: PactFile = None,
) -> None:
    """Median and p90 days people spent in each stage (completed stays)."""
    names, source = _names(ctx.obj, parquet, pact)
    report = TimeInStageReport(names=names, grouping=by, period=_period(since, until))
    _execute(ctx, report, engine, parquet, output, source)


@app.command()
def kpis(
    ctx: typer.Context,
    by: By = "none",
    since: Since = None,
    until: Until = None,
    engine: Engine = None,
    output: Format = "table",
    parquet: Parquet = None,
    pact: PactFile = None,
    kind: Kinds = None,
) -> None:
    """Marketing-sourced and -influenced pipeline, lead conversion, acceptance, first contact, sales cycle."""
    names, source = _names(ctx.obj, parquet, pact)
    report = KpiReport(names=names, grouping=by, period=_period(since, until), kinds=_kinds(kind))
    _execute(ctx, report, engine, parquet, output, source)


@app.command()
def channels(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="channel or campaign")] = "channel",
    since: Since = None,
    until: Until = None,
    engine: Engine = None,
    output: Format = "table",
    parquet: Parquet = None,
) -> None:
    """Spend, leads, pipeline, customers, CAC, ROI and lifetime value by lead-source channel or campaign."""
    _execute(ctx, ChannelReport(by=by, period=_period(since, until)), engine, parquet, output)


@app.command()
def content(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="content, campaign or content_stage")] = "content",
    since: Since = None,
    until: Until = None,
    engine: Engine = None,
    output: Format = "table",
    parquet: Parquet = None,
    kind: Kinds = None,
) -> None:
    """Which assets or campaigns the people on opportunities touched before them, with the dollars."""
    report = ContentReport(by=by, period=_period(since, until), kinds=_kinds(kind))
    _execute(ctx, report, engine, parquet, output)


@app.command()
def attribution(
    ctx: typer.Context,
    model: Annotated[
        str,
        typer.Option(
            help="first_touch, last_touch, linear, u_shaped, w_shaped, full_path, "
            "time_decay, position_weights, markov, shapley, ..."
        ),
    ] = "linear",
    level: Annotated[str, typer.Option(help="person, opportunity or account")] = "person",
    conversion: Annotated[str, typer.Option(help="mql, sql, opportunity or won")] = "won",
    lookback_days: Annotated[float | None, typer.Option(help="only touches this many days before")] = None,
    include_sales: Annotated[bool, typer.Option(help="count sales touches too")] = False,
    collapse_repeats: Annotated[bool, typer.Option(help="merge consecutive touches on one channel")] = True,
    non_converting: Annotated[bool, typer.Option(help="include journeys that did not convert")] = True,
    direct_channel: Annotated[str, typer.Option(help="the channel that counts as direct")] = "direct",
    order: Annotated[int | None, typer.Option(help="Markov order (1-3)")] = None,
    half_life_days: Annotated[float | None, typer.Option(help="time-decay half-life")] = None,
    variant: Annotated[ShapleyVariant | None, typer.Option(help="Shapley: conversions or conversion_rate")] = None,
    weights: Annotated[str | None, typer.Option(help="position_weights: FIRST,MIDDLE,LAST")] = None,
    since: Since = None,
    until: Until = None,
    engine: Engine = None,
    output: Format = "table",
    parquet: Parquet = None,
    pact: PactFile = None,
    kind: Kinds = None,
) -> None:
    """Conversions and dollars credited to each channel by one attribution model."""
    names, source = _names(ctx.obj, parquet, pact)
    parameters = _model_parameters(order, half_life_days, variant, weights)
    spec = JourneySpec(
        names=names,
        level=level,
        conversion=conversion,
        lookback_days=lookback_days,
        include_sales=include_sales,
        period=_period(since, until),
        kinds=_kinds(kind),
        with_seconds=model == "time_decay",
    )
    conventions = Conventions(
        collapse_repeats=collapse_repeats, include_non_converting=non_converting, direct_channel=direct_channel
    )
    report = AttributionReport(model=model, spec=spec, conventions=conventions, parameters=parameters)
    _execute(ctx, report, engine, parquet, output, source)


class ShapleyVariant(StrEnum):
    """What a coalition of channels is worth in the Shapley model."""

    CONVERSIONS = "conversions"
    CONVERSION_RATE = "conversion_rate"


def _model_parameters(
    order: int | None, half_life_days: float | None, variant: ShapleyVariant | None, weights: str | None
) -> tuple[tuple[str, object], ...]:
    parameters: list[tuple[str, object]] = []
    if order is not None:
        parameters.append(("order", order))
    if half_life_days is not None:
        parameters.append(("half_life_days", half_life_days))
    if variant is not None:
        parameters.append(("variant", variant.value))
    if weights is not None:
        try:
            first, middle, last = (float(part) for part in weights.split(","))
        except ValueError as exc:
            raise RevcycleError(f"--weights must be three numbers FIRST,MIDDLE,LAST, got {weights!r}") from exc
        parameters += [("first", first), ("middle", middle), ("last", last)]
    return tuple(parameters)


def show_funnel(summary: FunnelSummary, *, top: int = 10) -> None:
    """Print a funnel summary as two tables."""
    table = Table(
        "stage",
        "reached",
        "conversion from previous",
        "now in stage",
        box=None,
        header_style="bold",
        title="Funnel (people who ever reached each stage)",
    )
    previous = None
    for stage in summary.stages:
        reached = summary.reached.get(stage, 0)
        rate = f"{reached / previous:.1%}" if previous else ""
        table.add_row(stage, f"{reached:,}", rate, f"{summary.current.get(stage, 0):,}")
        previous = reached or None
    for detour in summary.detours:
        table.add_row(f"({detour})", f"{summary.reached.get(detour, 0):,}", "", f"{summary.current.get(detour, 0):,}")
    console.print(table)
    by_source = Table(
        "source",
        *summary.stages,
        box=None,
        header_style="bold",
        title="People reaching each stage, by source (first touch channel; 'none' = no touch recorded)",
    )
    for source, counts in list(summary.by_source.items())[:top]:
        by_source.add_row(source, *[f"{counts.get(stage, 0):,}" for stage in summary.stages])
    console.print(by_source)
    for note in summary.notes:
        console.print(f"  {note}", style="dim", highlight=False)


def show_time_in_stage(rows: list[StageTime]) -> None:
    """Print time in stage as a table."""
    table = Table(
        "stage", "completed stays", "median days", "p90 days", box=None, header_style="bold", title="Time in stage"
    )
    for row in rows:
        table.add_row(row.stage, f"{row.stays:,}", f"{row.median_days:.1f}", f"{row.p90_days:.1f}")
    console.print(table)

"""`revcycle score`: rescore everybody, explain one score rule by rule, its history, the top accounts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from revcycle.cli.workspace import Workspace, console
from revcycle.pact.loader import load_pact_file
from revcycle.scoring.backtest import Backtest
from revcycle.scoring.calibration import Interval
from revcycle.scoring.review import Calibration
from revcycle.scoring.service import Explanation

app = typer.Typer(help="Lead scoring: fit and engagement, explained, back-tested, calibrated.", no_args_is_help=True)


def points(hundredths: int) -> str:
    """Stored hundredths as points, e.g. 1250 -> 12.50."""
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{cents:02d}"


@app.command()
def rescore(
    ctx: typer.Context,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Rescore every person under the pact in force (after a pact change); moves whoever now qualifies."""
    workspace: Workspace = ctx.obj
    service = workspace.app.scoring
    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True, disable=quiet) as progress:
        task = progress.add_task("score", total=None)
        summary = service.rescore(now=workspace.now(), actor=workspace.settings.actor,
                                  progress=lambda done, total: progress.update(task, completed=done, total=total))
    console.print(f"scored {summary.people:,} people ({summary.hits:,} rule hits): {summary.changed:,} scores changed, "
                  f"{summary.qualified:,} meet the thresholds, {summary.moved:,} moved stage", highlight=False)


@app.command()
def explain(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="email, id or external id")],
) -> None:
    """Every rule hit behind a person's score: when, points, what decayed, what a limit or cap removed."""
    show_explanation(ctx.obj.app.scoring.explain(key))


def show_explanation(found: Explanation) -> None:
    """Print a score and its hits, and check that they add up."""
    p, s = found.person, found.score
    console.print(f"[bold]{p.email or p.external_id or p.id}[/bold] #{p.id}, stage {p.stage}: fit {points(s.fit)}, "
                  f"engagement {points(s.engagement)}, total {points(s.total)}"
                  f"{' (meets the qualification thresholds)' if s.qualified else ''}; scored "
                  f"{s.as_of:%Y-%m-%d %H:%M} UTC", highlight=False)
    table = Table("rule", "group", "when (UTC)", "touch", "times", "points", "decayed", "limit", "cap", "counted",
                  box=None, header_style="bold")
    sums = {"fit": 0, "engagement": 0}
    for hit, touch in found.hits:
        counted = hit.points - hit.decayed - hit.limited - hit.capped
        sums[hit.grp] += counted
        detail = ", ".join(filter(None, [touch.type, touch.content, touch.url])) if touch else ""
        table.add_row(hit.rule, hit.grp, f"{hit.at:%Y-%m-%d %H:%M}", detail, str(hit.times), points(hit.points),
                      _minus(hit.decayed), _minus(hit.limited), _minus(hit.capped), points(counted))
    console.print(table)
    rule = found.card.qualify if found.card else None
    if rule is not None:
        wanted = [f"{name} >= {points(value)}" for name, value in (("fit", rule.fit), ("engagement", rule.engagement),
                                                                   ("total", rule.total)) if value is not None]
        console.print(f"qualifies for {rule.stage} at {', '.join(wanted) or 'its definition'}"
                      f"{' and its written definition' if rule.definition is not None else ''}", highlight=False)
    agree = (sums["fit"], sums["engagement"]) == (s.fit, s.engagement)
    console.print(f"sum of counted points: fit {points(sums['fit'])} + engagement {points(sums['engagement'])} = "
                  f"{points(sums['fit'] + sums['engagement'])} "
                  f"({'matches the stored score' if agree else 'DOES NOT match the stored score'})", highlight=False)


def _minus(hundredths: int) -> str:
    return f"-{points(hundredths)}" if hundredths else ""


@app.command()
def history(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="email, id or external id")],
) -> None:
    """A person's score each time it changed, and why."""
    person, changes = ctx.obj.app.scoring.history(key)
    console.print(f"[bold]{person.email or person.external_id or person.id}[/bold] #{person.id}", highlight=False)
    table = Table("when (UTC)", "fit", "engagement", "total", "qualified", "cause", box=None, header_style="bold")
    for change in changes:
        table.add_row(f"{change.at:%Y-%m-%d %H:%M}", points(change.fit), points(change.engagement),
                      points(change.total), "yes" if change.qualified else "", change.cause)
    console.print(table)


@app.command()
def accounts(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(help="how many accounts", min=1)] = 20,
) -> None:
    """The accounts whose buying groups score highest: best fit plus their most engaged people's engagement."""
    table = Table("account", "fit", "engagement", "total", "people", "engaged", "qualified", box=None,
                  header_style="bold")
    for score, name in ctx.obj.app.scoring.top_accounts(top):
        table.add_row(name, points(score.fit), points(score.engagement), points(score.total), str(score.people),
                      str(score.engaged_people), str(score.qualified_people))
    console.print(table)


Since = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="period start (a date in the pact's time "
                                                                    "zone, included)")]
Until = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                 help="period end (a date in the pact's time zone, excluded); "
                                                      "default: now")]


def _period(workspace: Workspace, since: datetime, until: datetime | None) -> tuple[datetime, datetime]:
    """The period's instants: dates start at midnight in the pact's time zone (its months are the pact's)."""
    zone = ZoneInfo(workspace.app.pact().pact.time_zone)
    return since.replace(tzinfo=zone), workspace.now() if until is None else until.replace(tzinfo=zone)


@app.command()
def backtest(
    ctx: typer.Context,
    pact_file: Annotated[Path, typer.Option("--pact", help="the proposed pact YAML")],
    since: Since,
    until: Until = None,
) -> None:
    """Replay history under a proposed pact beside the one in force: MQLs a month, conversion, SDR load,
    leads that change status. Writes nothing."""
    workspace: Workspace = ctx.obj
    proposed, _ = load_pact_file(pact_file)
    start, end = _period(workspace, since, until)
    result = workspace.app.review.backtest(proposed, since=start, until=end, label=pact_file.name)
    show_backtest(result)
    console.print("(a back-test writes nothing)")


def show_backtest(result: Backtest) -> None:
    """Print a back-test: months side by side, conversion, workload, changes."""
    old, new = result.current, result.proposed
    console.print(f"back-test {result.since:%Y-%m-%d} to {result.until:%Y-%m-%d}: [bold]{old.label}[/bold] against "
                  f"[bold]{new.label}[/bold]", highlight=False)
    months = Table("month", f"MQLs {old.label}", f"MQLs {new.label}", box=None, header_style="bold")
    for month in result.months:
        months.add_row(month, str(old.by_month[month]), str(new.by_month[month]))
    months.add_row("total", str(old.mqls), str(new.mqls), style="bold")
    console.print(months)
    rates = Table("MQLs that reached", old.label, new.label, box=None, header_style="bold")
    for stage in old.reached:
        rates.add_row(stage, _share(old.reached[stage], old.rate(stage)), _share(new.reached[stage], new.rate(stage)))
    console.print(rates)
    load = (f"{old.per_sdr_month:.1f} -> {new.per_sdr_month:.1f} MQLs per SDR per month ({result.sdrs} SDRs)"
            if old.per_sdr_month is not None and new.per_sdr_month is not None else "no SDRs in the store")
    console.print(f"SDR workload: {load}", highlight=False)
    console.print(f"leads that change status: {result.newly_qualified} newly qualified, {result.no_longer_qualified} "
                  f"no longer qualified, {result.earlier} qualify earlier, {result.later} later", highlight=False)
    if result.examples:
        table = Table("lead", "stage now", "change", box=None, header_style="bold")
        for row in result.examples:
            table.add_row(*row)
        console.print(table)


def _share(count: int, rate: float | None) -> str:
    return f"{count} ({rate:.1%})" if rate is not None else "-"


@app.command()
def calibrate(
    ctx: typer.Context,
    since: Since,
    until: Until = None,
    outcome: Annotated[str, typer.Option(help="the stage that counts as converted")] = "sql",
    write: Annotated[Path | None, typer.Option(help="write the proposed pact to this YAML file")] = None,
) -> None:
    """Measure each rule's lift on the leads that qualified in the period, propose points from a logistic
    regression, and back-test the proposal beside the pact in force. Writes nothing to the store."""
    workspace: Workspace = ctx.obj
    start, end = _period(workspace, since, until)
    result = workspace.app.review.calibrate(since=start, until=end, outcome_stage=outcome)
    console.print(f"{result.population:,} leads qualified in the period; {result.converted:,} reached {outcome} "
                  f"({result.converted / result.population:.1%})", highlight=False)
    show_rules(result)
    show_reasons(result)
    show_backtest(result.backtest)
    for warning in result.warnings:
        console.print(f"[bold yellow]warning:[/bold yellow] {warning}", highlight=False)
    if write is not None:
        write.write_text(result.proposal, encoding="utf-8")
        console.print(f"proposed pact written to {write} (check it with `revcycle pact check {write}`)",
                      highlight=False)


def show_rules(result: Calibration) -> None:
    """Each rule's lift and effect with intervals, and the points proposed."""
    table = Table("rule", "group", "points", "fired", f"{result.outcome} if fired", "if not", "lift (95% CI)",
                  "log-odds per hit (95% CI)", "proposed", box=None, header_style="bold")
    for r in result.rules:
        table.add_row(r.rule, r.group, str(r.points), f"{r.fired:,}", _rate(r.fired_rate), _rate(r.others_rate),
                      _interval(r.lift, "{:.2f}"), _interval(r.effect, "{:+.2f}"),
                      "drop" if r.proposed is None else str(r.proposed))
    console.print(table)


def _rate(rate: Interval) -> str:
    return "-" if rate.value != rate.value else f"{rate.value:.1%} [{rate.low:.1%}, {rate.high:.1%}]"


def _interval(value: Interval | None, form: str) -> str:
    if value is None:
        return "not measurable"
    return f"{form.format(value.value)} [{form.format(value.low)}, {form.format(value.high)}]"


def show_reasons(result: Calibration) -> None:
    """Reasons sales gave that say a lead was never a fit, against the fit rules that fired for those leads."""
    if not result.reasons:
        return
    rules = [name for name in result.reasons[0].fired] or [r.rule for r in result.rules if r.group == "fit"]
    table = Table("fit reason (sales)", "leads", *rules, box=None, header_style="bold")
    table.add_row("(all qualified leads)", str(result.population),
                  *(f"{result.baseline.get(name, 0.0):.0%}" for name in rules), style="dim")
    for reason in result.reasons:
        table.add_row(f"{reason.detour}: {reason.code}", str(reason.people),
                      *(f"{reason.fired[name]:.0%}" if name in reason.fired else "-" for name in rules))
    console.print("share of leads each fit rule fired for:")
    console.print(table)

"""Deals' amounts in one currency (the pact's), converted in the engine, and the deals' dates reports use.

* every amount a report sums is in `tables.currency`; a deal in another currency is converted at the rate in
  force on its date: the close date of a won or lost deal, the creation date of an open one (the other when
  that one is missing). A rate is in force from its `valid_from` (midnight UTC) until the pair's next rate.
  The conversion is an as-of join on the rates table, run by the engine, never row by row in Python.
* a deal whose amount is missing or 0 needs no rate; any other deal without one makes the report refuse,
  naming the currencies and how many deals (every deal in the store is checked, whatever the period).
* a deal without a creation date is placed in the period of its close date (`opened_at`): it counts as an
  opportunity, pipeline, won or lost and revenue there, has no cycle length, and its influence is judged by
  the touches before its close. A deal with neither date is in no period.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from revcycle.analytics.engines import quiet
from revcycle.analytics.errors import AnalyticsError
from revcycle.analytics.tables import COLUMNS, Tables

__all__ = ["Census", "amount_notes", "census", "opened_at", "priced_on", "valued"]

CLOSED = ("won", "lost")
_READ = "read"  # set in `Tables._censuses` by each build that reads amounts; `amount_notes` takes it


def opened_at(opportunity: ir.Table) -> ir.TimestampValue:
    """When a deal entered the pipeline: its creation, or its close when it has no creation date."""
    return ibis.coalesce(opportunity.created_at, opportunity.closed_at)


def priced_on(opportunity: ir.Table) -> ir.TimestampValue:
    """The instant whose rate converts a deal: its close (won, lost), else its creation; the other if missing."""
    closed = opportunity.status.isin(list(CLOSED))
    return ibis.ifelse(
        closed,
        ibis.coalesce(opportunity.closed_at, opportunity.created_at),
        ibis.coalesce(opportunity.created_at, opportunity.closed_at),
    )


@dataclass(frozen=True)
class Census:
    """What the store's deals need to be summed in one currency; one row per deal currency."""

    currency: str
    by_currency: pd.DataFrame  # currency, deals, needing, missing, undated, dateless

    @property
    def needing(self) -> int:
        """Deals whose amount must be converted."""
        return int(self.by_currency.needing.sum())

    def refuse_missing(self) -> None:
        """Raise, naming each currency and its deals, when some deals have no rate on their date."""
        missing = self.by_currency[self.by_currency.missing > 0].sort_values(
            ["missing", "currency"], ascending=[False, True]
        )
        if missing.empty:
            return
        parts = [
            f"{int(row.missing):,} {'deal' if row.missing == 1 else 'deals'} in {row.currency}"
            if i == 0
            else f"{int(row.missing):,} in {row.currency}"
            for i, row in enumerate(missing.itertuples())
        ]
        one = len(parts) == 1 and int(missing.missing.iloc[0]) == 1
        raise AnalyticsError(
            f"{', '.join(parts)} {'has' if one else 'have'} no rate to {self.currency} in force on "
            f"{'its' if one else 'their'} date (close date when won or lost, creation date when open): "
            "run `revcycle rates import FILE`"
        )

    def notes(self) -> list[str]:
        """The currency, the conversion used, and the deals placed by their close date."""
        frame = self.by_currency
        converted = frame[frame.needing > 0].sort_values("currency")
        if converted.empty:
            lines = [f"amounts in {self.currency}; no deal needed converting"]
        else:
            counts = ", ".join(f"{int(row.needing):,} in {row.currency}" for row in converted.itertuples())
            lines = [
                f"amounts in {self.currency} (the pact's currency); deals in other currencies ({counts}) converted "
                "at the rate in force on their close date (won, lost) or creation date (open): `revcycle rates list`"
            ]
        undated, dateless = int(frame.undated.sum()), int(frame.dateless.sum())
        if undated:
            lines.append(
                f"{undated:,} {'deal has' if undated == 1 else 'deals have'} no creation date: counted in the period "
                "of the close date (opportunities, pipeline, won, lost, revenue); no cycle length; influenced "
                "when a marketing touch came before the close"
            )
        if dateless:
            lines.append(
                f"{dateless:,} {'deal has' if dateless == 1 else 'deals have'} neither a creation nor a "
                "close date: in no period, so in no count"
            )
        return lines


def census(tables: Tables) -> Census:
    """Count, in the engine, the deals of each currency, those needing a rate, and those with none on their
    date; once per engine and currency. Only when some deal needs a rate are the deals joined to the rates
    (the converted table, kept on the engine for the reports to read)."""
    found = tables._censuses.get(tables.currency)
    if found is None:
        opportunity = tables.opportunity
        created, closed = opportunity.created_at, opportunity.closed_at
        query = opportunity.group_by("currency").aggregate(
            deals=opportunity.count(),
            needing=_needs(opportunity, tables.currency).sum(),
            undated=(created.isnull() & closed.notnull()).sum(),
            dateless=(created.isnull() & closed.isnull()).sum(),
        )
        frame = _execute(tables, query).fillna({"currency": "?"})
        frame["missing"] = 0
        if frame.needing.sum():
            converted = _converted(tables)
            unpriced = converted.filter(converted._needs & converted._rate.isnull())
            missing = _execute(tables, unpriced.group_by("currency").aggregate(missing=unpriced.count()))
            counts = dict(zip(missing.currency, missing.missing, strict=True))
            frame["missing"] = [int(counts.get(currency, 0)) for currency in frame.currency]
        found = tables._censuses[tables.currency] = Census(tables.currency, frame)
    return found


def valued(tables: Tables) -> ir.Table:
    """The store's opportunities with `amount` in `tables.currency`; refuses when some deal has no rate.
    With nothing to convert it is the opportunity table itself (its indexes stay usable)."""
    found = census(tables)
    found.refuse_missing()
    tables._censuses[_READ] = True
    if not found.needing:
        return tables.opportunity
    return _converted(tables).select(*COLUMNS["opportunity"])


def amount_notes(tables: Tables) -> list[str]:
    """The notes of the amounts the last build read (none when it read no amount)."""
    if not tables._censuses.pop(_READ, False):
        return []
    return census(tables).notes()


def _rates(tables: Tables) -> ir.Table:
    """Rates into the reporting currency with the instant each stops being in force (null: still in force)."""
    rate = tables.fx_rate.filter(tables.fx_rate.quote == tables.currency)
    later = ibis.window(group_by=rate.currency, order_by=rate.valid_from)
    return rate.select(
        _rate_currency=rate.currency,
        _rate=rate.rate,
        _valid_from=rate.valid_from,
        _valid_to=rate.valid_from.lead().over(later),
    )


def _needs(opportunity: ir.Table, currency: str) -> ir.BooleanValue:
    """The deal's amount must be converted: another currency, an amount other than 0."""
    return (opportunity.currency != currency) & opportunity.amount.notnull() & (opportunity.amount != 0)


def _execute(tables: Tables, query: ir.Table) -> pd.DataFrame:
    with quiet():
        return tables.opportunity._find_backend().execute(query)


def _converted(tables: Tables) -> ir.Table:
    """Every opportunity with `amount` converted, `_needs` and `_rate` (the rate in force, or null): one as-of
    join of the deals on the rates, kept on the engine (a temporary table) the first time it is asked for."""
    with quiet():  # Ibis `cache` runs the query at once
        return tables.shared(("converted", tables.currency), lambda: _as_of(tables))


def _as_of(tables: Tables) -> ir.Table:
    opportunity = tables.opportunity
    opportunity = opportunity.mutate(_at=priced_on(opportunity), _needs=_needs(opportunity, tables.currency))
    rates = _rates(tables)
    joined = opportunity.left_join(
        rates,
        [
            opportunity.currency == rates._rate_currency,
            rates._valid_from <= opportunity._at,
            rates._valid_to.isnull() | (opportunity._at < rates._valid_to),
        ],
    )
    amount = ibis.ifelse(joined._needs, joined.amount * joined._rate, joined.amount).cast("float64")
    columns = {name: joined[name] for name in COLUMNS["opportunity"]}
    return joined.select(**{**columns, "amount": amount}, _needs=joined._needs, _rate=joined._rate)

"""What every report is: a declarative class that builds Ibis queries, run separately on an engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import ibis.expr.types as ir
import pandas as pd

from revcycle.analytics.amounts import amount_notes
from revcycle.analytics.engines import Engine, quiet
from revcycle.analytics.tables import Tables

__all__ = ["Report", "ReportResult", "describe_kinds", "fetch", "filled", "run"]


class Report(ABC):
    """A report: `slug` and `title`, its parameters as dataclass fields, `build` and `finish`."""

    slug: ClassVar[str]
    title: ClassVar[str]

    @abstractmethod
    def build(self, tables: Tables) -> Mapping[str, ir.Table]:
        """The engine-side queries, by name: all heavy aggregation happens here."""

    @abstractmethod
    def finish(self, frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        """Turn the queries' (small, aggregated) results into the report's table."""

    def notes(self) -> list[str]:
        """The conventions and parameters behind the numbers, shown with every output."""
        return []


@dataclass(frozen=True)
class ReportResult:
    """A finished report: its table, the notes that explain it, and where it ran."""

    slug: str
    title: str
    frame: pd.DataFrame
    engine: str
    notes: list[str] = field(default_factory=list)
    extra: Mapping[str, Any] = field(default_factory=dict)


def fetch(report: Report, engine: Engine) -> dict[str, pd.DataFrame]:
    """Build the report's queries and execute them on the engine: the aggregated rows `finish` reads."""
    with quiet():
        return {name: engine.execute(query) for name, query in report.build(engine.tables).items()}


def run(report: Report, engine: Engine) -> ReportResult:
    """Build the report's queries, execute them on the engine, finish the result."""
    frame = report.finish(fetch(report, engine))
    return ReportResult(report.slug, report.title, frame, engine.name, [*report.notes(), *amount_notes(engine.tables)])


def filled(frame: pd.DataFrame, counts: Iterable[str], amounts: Iterable[str]) -> pd.DataFrame:
    """A group a query had no row for gets 0: `counts` as int64, `amounts` as float64 (in place)."""
    for column in counts:
        frame[column] = frame[column].fillna(0).astype("int64")
    for column in amounts:
        frame[column] = frame[column].fillna(0.0).astype("float64")
    return frame


def describe_kinds(kinds: tuple[str, ...] | None) -> str:
    """Opportunity kinds in a report's notes."""
    return "all kinds" if kinds is None else ", ".join(kinds)

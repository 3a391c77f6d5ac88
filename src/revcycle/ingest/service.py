"""The import use-case: stream a file through its plan into the store in one transaction, and report."""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from revcycle.cycle.model import Cycle
from revcycle.cycle.tables import Touchpoint
from revcycle.errors import Conflict
from revcycle.ingest.bulk_load import DeferredIndexes, RepeatedIds, estimated_rows, worth_bulk_loading
from revcycle.ingest.fields import Kind
from revcycle.ingest.mapping import Plan, load_mapping, plan_for
from revcycle.ingest.readers import SourceFile, open_source
from revcycle.ingest.repository import IngestRepository
from revcycle.ingest.rows import Converted, RowProblem, compile_plan
from revcycle.ingest.tables import ImportRun
from revcycle.ingest.upsert import Context, Counts
from revcycle.ingest.writers import ROW_PATH_BELOW, WRITERS, column_writer, goes_columnar
from revcycle.pact.service import ActivePact, PactService
from revcycle.store.session import UnitOfWork
from revcycle.store.tables import AuditLog

if TYPE_CHECKING:
    from revcycle.ingest.columnar import ColumnBatch

__all__ = ["ImportService", "ImportSummary"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class _Job:
    """One import's inputs."""

    kind: Kind
    path: Path
    plan: Plan
    source: str
    actor: str
    now: datetime
    report_dir: Path
    progress: Progress | None
    encoding: str = "utf-8-sig"
    started: Callable[[int], None] | None = None


@dataclass
class ImportSummary:
    """What an import did: counts, the first problems, where the full report is, which fields were empty."""

    kind: Kind
    file: str
    source: str
    run_id: int
    counts: Counts
    problems: list[RowProblem] = field(default_factory=list)
    report: Path | None = None
    empty: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    notes: list[str] = field(default_factory=list)  # what the import did that the counts do not say


class ImportService:
    """Imports CSV and JSON Lines files; the service owns the one transaction of each import."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        pacts: Callable[[], ActivePact] | None = None,
        batch_size: int = 5000,
        column_batch_size: int = 50_000,
        columnar: bool = True,
        columnar_from_rows: int = ROW_PATH_BELOW,
    ) -> None:
        self.uow = uow
        self.columnar = columnar  # False: every file goes the row path (tests hold the two paths equal)
        self.pacts = pacts or PactService(uow).active  # the pact in force (bootstrap's cache in the app)
        self.batch_size = batch_size  # rows per batch on the row path
        self.column_batch_size = column_batch_size  # rows per batch on the columnar path
        self.columnar_from_rows = columnar_from_rows  # smaller people and accounts files go the row path

    def run(
        self,
        kind: Kind,
        path: Path,
        *,
        mapping: Path | None = None,
        fmt: str | None = None,
        source: str | None = None,
        actor: str,
        now: datetime,
        report_dir: Path,
        progress: Progress | None = None,
        encoding: str | None = None,
        started: Callable[[int], None] | None = None,
    ) -> ImportSummary:
        """Import one file (read in `encoding`, default UTF-8); bad rows are rejected into the report while the
        good rows go in. `started` is told the import's run id once it has one (see `stored_run`)."""
        rules = load_mapping(mapping) if mapping else None
        pact = self.pacts()
        reader = open_source(path, fmt, encoding)
        try:
            plan = plan_for(kind, rules, reader.header, str(path))
            job = _Job(
                kind, path, plan, source or plan.source_system or "file", actor, now, report_dir, progress,
                reader.encoding, started,
            )
            columnar = self.columnar and reader.format == "csv" and goes_columnar(kind, path, self.columnar_from_rows)
            if columnar and _columnar_plan(plan):
                import pyarrow as pa  # Arrow is loaded by the imports that use it (a small people file does not)

                try:
                    try:
                        return self._import(job, pact, reader, columnar=True)
                    except RepeatedIds:  # found only when the deferred unique index was rebuilt: all undone
                        concurrent = self._has_touchpoints(job.source)  # ours were undone: these are another's
                        summary = self._import(job, pact, reader, columnar=True, defer_indexes=False)
                        summary.notes.append(_CONCURRENT if concurrent else _REPEATS)
                        return summary
                except pa.ArrowInvalid:
                    pass  # Arrow cannot read this CSV: the row reader will name the broken lines
            return self._import(job, pact, reader, columnar=False)
        finally:
            reader.close()

    def _import(
        self, job: _Job, pact: ActivePact, reader: SourceFile, *, columnar: bool, defer_indexes: bool = True
    ) -> ImportSummary:
        bulk = defer_indexes and columnar and self._worth_bulk_loading(job)
        report_path: list[Path] = []
        try:
            return self._transaction(job, pact, reader, columnar, bulk, report_path)
        except BaseException as exc:
            for path in report_path:  # the handlers undid the import before it committed: so is its report
                path.unlink(missing_ok=True)
            if isinstance(exc, IntegrityError) and _unique_violation(exc):
                raise Conflict(_raced(job, exc)) from exc
            raise

    def _transaction(
        self, job: _Job, pact: ActivePact, reader: SourceFile, columnar: bool, bulk: bool, report_path: list[Path]
    ) -> ImportSummary:
        with _cycle_collector_paused(), self.uow.begin(bulk_load=bulk) as session:
            run = ImportRun(
                kind=job.kind.value,
                file=str(job.path),
                source_system=job.source,
                actor=job.actor,
                started_at=job.now,
                finished_at=job.now,
                inserted=0,
                updated=0,
                unchanged=0,
                rejected=0,
                warnings=0,
            )
            session.add(run)
            session.flush()
            if job.started:
                job.started(run.id)
            ctx = Context(
                session, job.source, run.id, Cycle(pact.pact), f"import:{job.source}", job.now, pact.version_id
            )
            summary = ImportSummary(job.kind, str(job.path), job.source, run.id, ctx.counts)
            indexes = DeferredIndexes(session, "touchpoint")
            if bulk:
                ctx.new_source = True
                indexes.drop()
            convert = compile_plan(job.plan)
            optional = [fp.spec.name for fp in job.plan.fields if not fp.spec.required and fp.column]
            with _Report(job.report_dir / f"import-{run.id}-{job.kind.value}-problems.csv", str(job.path)) as report:
                done = 0
                for batch, size in self._batches(job, reader, columnar):
                    if isinstance(batch, list):  # rows (a columnar batch Arrow could not convert comes as rows)
                        self._write_rows(ctx, job.kind, batch, convert, summary, optional, indexes)
                    else:
                        self._write_columns(ctx, job.kind, batch, convert, summary, optional, indexes)
                    report.write(ctx.problems, summary, ctx.repo, run.id)
                    done = reader.position if size is None else done + size
                    if job.progress:
                        job.progress(min(done, reader.size), reader.size)
                if indexes.dropped:
                    indexes.rebuild()
                summary.notes.extend(ctx.finish(job.kind.value))
                report.write(ctx.problems, summary, ctx.repo, run.id)
            summary.report = report.path if report.count else None
            report_path.append(report.path)
            _close_run(session, run, ctx.counts, job.actor, job.now)
        return summary

    def stored_run(self, run_id: int) -> Counts | None:
        """An import run's counts as committed, or None if it never was (an interrupted import is undone whole)."""
        with self.uow.begin() as session:
            run = session.get(ImportRun, run_id)
            if run is None:
                return None
            return Counts(
                inserted=run.inserted, updated=run.updated, unchanged=run.unchanged, rejected=run.rejected,
                warnings=run.warnings,
            )

    def _has_touchpoints(self, source: str) -> bool:
        """Whether the store holds touchpoints from `source` (committed by another import, when ours was undone)."""
        with self.uow.begin() as session:
            found = session.execute(select(Touchpoint.id).where(Touchpoint.source_system == source).limit(1))
            return found.first() is not None

    def _worth_bulk_loading(self, job: _Job) -> bool:
        """A large touchpoint file from a new source, into SQLite: decided before the import's transaction,
        which then runs with the touchpoint indexes deferred and foreign keys checked once at the end."""
        with self.uow.begin() as session:
            return worth_bulk_loading(session, "touchpoint", job.source, estimated_rows(job.path))

    def _batches(self, job: _Job, reader: SourceFile, columnar: bool) -> Iterator[tuple[Any, int | None]]:
        if not columnar:
            for rows in _batches(reader.rows(), self.batch_size):
                yield rows, None
            return
        yield from _read_ahead(self._converted(job, reader))

    def _converted(self, job: _Job, reader: SourceFile) -> Iterator[tuple[Any, int | None]]:
        from revcycle.ingest.columnar import ColumnBatch, NeedsRows, arrow_batches, convert_batch

        encoding = "utf8" if job.encoding == "utf-8-sig" else job.encoding  # Arrow skips a byte-order mark itself
        for raw, first_line in arrow_batches(job.path, reader.header or [], self.column_batch_size, encoding):
            try:
                batch: Any = convert_batch(job.plan, raw, first_line).prepare()
            except NeedsRows:
                batch = ColumnBatch({}, [], first_line, raw).raw_rows()
            yield batch, raw.nbytes

    def _write_columns(
        self,
        ctx: Context,
        kind: Kind,
        batch: ColumnBatch,
        convert: Callable[[Any], Converted | RowProblem],
        summary: ImportSummary,
        optional: list[str],
        indexes: DeferredIndexes,
    ) -> None:
        from revcycle.ingest.columnar import NeedsRows

        try:
            column_writer(kind)(ctx, batch)
        except NeedsRows:
            self._write_rows(ctx, kind, batch.raw_rows(), convert, summary, optional, indexes)
            return
        summary.rows += batch.size
        for name in optional:
            nulls = batch.columns[name].null_count
            if nulls:
                summary.empty[name] = summary.empty.get(name, 0) + nulls

    def _write_rows(
        self,
        ctx: Context,
        kind: Kind,
        rows: list[Any],
        convert: Callable[[Any], Converted | RowProblem],
        summary: ImportSummary,
        optional: list[str],
        indexes: DeferredIndexes,
    ) -> None:
        """A batch row by row. The row path looks stored rows up by external id: deferred indexes come back first."""
        if indexes.dropped:
            indexes.rebuild()
        WRITERS[kind](ctx, self._convert(ctx, rows, convert, summary, optional))

    @staticmethod
    def _convert(
        ctx: Context,
        batch: list[Any],
        convert: Callable[[Any], Converted | RowProblem],
        summary: ImportSummary,
        optional: list[str],
    ) -> list[Converted]:
        good: list[Converted] = []
        for raw in batch:
            result = convert(raw)
            summary.rows += 1
            if isinstance(result, RowProblem):
                ctx.reject(result.line, result.column, result.message)
                continue
            for name in optional:
                if result.values.get(name) is None:
                    summary.empty[name] = summary.empty.get(name, 0) + 1
            good.append(result)
        return good


_END = object()
_REPEATS = (
    "an external id appears in two parts of the file: the bulk load was undone and the file imported again the "
    "ordinary way (hence the progress bar starting over); the repeats are among the problems below"
)
_CONCURRENT = (
    "another import of this source committed touchpoints while this one was loading (two imports at once): the "
    "bulk load was undone and the file imported again the ordinary way, against what the other import stored "
    "(hence the progress bar starting over)"
)


def _columnar_plan(plan: Plan) -> bool:
    from revcycle.ingest.columnar import supports_columnar

    return supports_columnar(plan)


def _unique_violation(exc: IntegrityError) -> bool:
    """Whether a write met a key another transaction committed first (the import checked the keys itself)."""
    driver = exc.orig
    return getattr(driver, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(driver)


def _raced(job: _Job, exc: IntegrityError) -> str:
    """The one sentence for an import that met another writer's rows of the same keys."""
    diag = getattr(exc.orig, "diag", None)
    key = getattr(diag, "constraint_name", None) or str(exc.orig).split("\n")[0]
    return (
        f"{job.path}: another import stored some of the same {job.kind.value} while this one was running "
        f"(two imports at once; key {key}), so this import was undone and wrote nothing: run it again, and it "
        "will find those rows (unchanged where they are the same)"
    )


def _read_ahead(items: Iterator[Any]) -> Iterator[Any]:
    """The items, each produced in a thread while the one before it is used: Arrow reads and converts the
    next batch (mostly without the interpreter lock) while this one is written to the store."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read") as pool:
        pending = pool.submit(next, items, _END)
        while (item := pending.result()) is not _END:
            pending = pool.submit(next, items, _END)
            yield item


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A large import makes millions of short-lived tuples and no reference cycles: Python's cycle collector
    scanning them cost about a tenth of the import and freed nothing, so it rests until the import is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Report:
    """The problems file, written as problems arrive (so memory stays flat), and the import_issue rows."""

    def __init__(self, path: Path, file: str) -> None:
        self.path = path
        self.file = file
        self.count = 0
        self._handle: Any = None

    def __enter__(self) -> _Report:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._handle is not None:
            self._handle.close()
            if kind is not None:  # the import is undone: so is its report (nothing half-written stays behind)
                self.path.unlink(missing_ok=True)

    def write(self, problems: list[RowProblem], summary: ImportSummary, repo: IngestRepository, run_id: int) -> None:
        if not problems:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["file", "line", "column", "severity", "message"])
        self._writer.writerows([self.file, p.line, p.column or "", p.severity, p.message] for p in problems)
        repo.add_issues(
            [
                {"run_id": run_id, "severity": p.severity, "line": p.line, "column": p.column, "message": p.message}
                for p in problems
            ]
        )
        room = 50 - len(summary.problems)
        summary.problems.extend(problems[: max(room, 0)])
        self.count += len(problems)
        problems.clear()


def _close_run(session: Any, run: ImportRun, counts: Counts, actor: str, now: datetime) -> None:
    run.inserted, run.updated, run.unchanged = counts.inserted, counts.updated, counts.unchanged
    run.rejected, run.warnings, run.finished_at = counts.rejected, counts.warnings, now
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action=f"import.{run.kind}",
            entity="import_run",
            entity_id=str(run.id),
            detail={
                "file": run.file,
                "inserted": counts.inserted,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "rejected": counts.rejected,
            },
        )
    )

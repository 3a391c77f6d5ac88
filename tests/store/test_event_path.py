"""The event path: every change publishes batch-shaped events; handlers registered in the app run before
the change commits, in its transaction; a failing handler or a handler cycle undoes the whole change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from revcycle.bootstrap import App
from revcycle.cli.main import build, run
from revcycle.cycle.events import MovesRecorded, PersonChanged, TouchesRecorded
from revcycle.cycle.tables import Person, StageChange
from revcycle.errors import HandlerFailed, HandlerLoop
from revcycle.ingest.fields import Kind
from revcycle.pact.loader import example_pact_text
from revcycle.store.events import MAX_DEPTH, publish
from revcycle.store.session import make_engine, upgrade
from tests.conftest import NOW
from tests.ingest.helpers import write_csv

PEOPLE = [
    {"external_id": f"p{i}", "email": f"p{i}@acme{i % 3}.com", "created_at": "2026-01-02T09:00:00Z"}
    for i in range(7)
]


@pytest.fixture(autouse=True)
def _closed() -> Iterator[None]:
    yield
    for app in _APPS:
        app.close()
    _APPS.clear()


_APPS: list[App] = []


def _app(url: str, extra: list[Any]) -> App:
    engine = make_engine(url)
    upgrade(engine)
    app = App.for_engine(engine, extra_handlers=extra)
    app.pact_service.apply_text(example_pact_text(), source="example", author="test", now=NOW)
    _APPS.append(app)
    return app


def _people(app: App, folder: Path, batch_size: int = 3) -> None:
    from revcycle.ingest.service import ImportService

    ImportService(app.uow(), pacts=app.pact, batch_size=batch_size).run(
        Kind.PEOPLE, write_csv(folder / "people.csv", PEOPLE), actor="test", now=NOW, report_dir=folder
    )


def _count(app: App, model: Any) -> int:
    with app.uow().begin() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_registered_handler_is_called_once_per_batch_of_an_import(store_url: str, tmp_path: Path) -> None:
    calls: list[Any] = []
    app = _app(store_url, [lambda h: h.on(PersonChanged, MovesRecorded, name="test.spy")(
        lambda event, session: calls.append(event))])
    _people(app, tmp_path, batch_size=3)  # 7 people: batches of 3, 3 and 1
    changed = [e for e in calls if isinstance(e, PersonChanged)]
    moved = [e for e in calls if isinstance(e, MovesRecorded)]
    assert [len(e.created) for e in changed] == [3, 3, 1]
    assert [len(e.moves) for e in moved] == [3, 3, 1]
    assert all(move.to_stage == "known" for e in moved for _, move in e.moves)


def test_a_move_by_hand_through_the_cli_is_one_live_event(store_url: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[MovesRecorded] = []
    spy = [lambda h: h.on(MovesRecorded, name="test.spy")(lambda event, session: calls.append(event))]
    app = _app(store_url, spy)
    _people(app, tmp_path)
    calls.clear()
    import revcycle.cli.workspace as workspace

    original = workspace.App
    monkeypatch.setattr(workspace, "App", lambda settings: original(settings, spy))  # the CLI's own app, spied
    result = CliRunner().invoke(build(), ["--database-url", store_url, "lead", "move", "p1@acme1.com", "engaged"])
    assert result.exit_code == 0, result.output
    assert "known -> engaged" in result.output
    assert len(calls) == 1 and not calls[0].history
    assert [(m.from_stage, m.to_stage) for _, m in calls[0].moves] == [("known", "engaged")]


def test_a_failing_handler_undoes_the_whole_import_and_names_itself_and_the_event(
    store_url: str, tmp_path: Path
) -> None:
    def broken(event: TouchesRecorded, session: Any) -> None:
        raise RuntimeError("the webhook table is missing")

    app = _app(store_url, [lambda h: h.on(PersonChanged, name="test.broken")(broken)])
    with pytest.raises(HandlerFailed) as failure:
        _people(app, tmp_path)
    assert 'handler "test.broken" failed on PersonChanged' in str(failure.value)
    assert "RuntimeError: the webhook table is missing" in str(failure.value)
    assert _count(app, Person) == 0 and _count(app, StageChange) == 0


def test_a_failing_handler_is_one_line_from_the_cli_with_nothing_written(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(event: Any, session: Any) -> None:
        raise RuntimeError("boom")

    extra = [lambda h: h.on(PersonChanged, name="test.broken")(broken)]
    app = _app(sqlite_url, extra)
    import revcycle.cli.workspace as workspace

    original = workspace.App
    monkeypatch.setattr(workspace, "App", lambda settings: original(settings, extra))
    path = write_csv(tmp_path / "people.csv", PEOPLE)
    with CliRunner().isolation() as (_out, _err, mixed):
        with pytest.raises(SystemExit) as exit_:
            run(["--database-url", sqlite_url, "import", "people", str(path)])
        output = " ".join(mixed.getvalue().decode().split())
    assert exit_.value.code == 1
    assert "Traceback" not in output
    assert 'handler "test.broken" failed on PersonChanged (0 changed, 7 created): RuntimeError: boom' in output
    assert _count(app, Person) == 0


def test_a_handler_cycle_is_stopped_at_the_stated_depth_and_undoes_everything(store_url: str, tmp_path: Path) -> None:
    depth: list[int] = []

    def echo(event: MovesRecorded, session: Any) -> None:
        depth.append(1)
        publish(session, MovesRecorded(moves=event.moves, pact_version_id=event.pact_version_id, now=event.now))

    app = _app(store_url, [lambda h: h.on(MovesRecorded, name="test.echo")(echo)])
    with pytest.raises(HandlerLoop) as failure:
        _people(app, tmp_path, batch_size=10)
    assert f"past depth {MAX_DEPTH}" in str(failure.value)
    assert len(depth) == MAX_DEPTH  # one echo in each of the rounds allowed, then the loop is stopped
    assert _count(app, Person) == 0


def test_handlers_run_in_the_order_bootstrap_registers_them(sqlite_url: str) -> None:
    app = App.for_engine(make_engine(sqlite_url))
    assert app.handlers.names == ["cycle.lifecycle_rules", "scoring.rescore"]
    app.close()

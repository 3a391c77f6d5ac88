"""Two `pact apply` at once: each gets its own version number, or the second is told to apply again; never an
IntegrityError and never two versions with one number. Real appliers, each with its own engine."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, func, select

from revcycle.errors import Conflict
from revcycle.pact.loader import example_pact_text
from revcycle.pact.repository import PactRepository
from revcycle.pact.service import ActivePact, PactService
from revcycle.pact.tables import PactVersion
from revcycle.store.session import UnitOfWork, make_engine
from tests.conftest import NOW, Store


def _apply(url: str, mark: str, *, engine_hook: Any = None) -> ActivePact:
    """Apply the example pact with a comment making it a new text, through an engine of its own."""
    engine = make_engine(url)
    if engine_hook is not None:
        event.listen(engine, "before_cursor_execute", engine_hook)
    try:
        text = f"{example_pact_text()}\n# {mark}\n"
        version, created = PactService(UnitOfWork(engine)).apply_text(text, source=mark, author=mark, now=NOW)
        assert created
        return version
    finally:
        engine.dispose()


def _numbers(store: Store) -> list[int]:
    with store.uow.begin() as session:
        return list(session.scalars(select(PactVersion.number).order_by(PactVersion.number)))


def test_appliers_started_together_take_consecutive_numbers(store: Store) -> None:
    start = threading.Barrier(4)

    def applier(i: int) -> int:
        start.wait()
        return _apply(store.url, f"applier {i}").number

    with ThreadPoolExecutor(4) as pool:
        numbers = sorted(pool.map(applier, range(4)))
    assert numbers == [2, 3, 4, 5]
    assert _numbers(store) == [1, 2, 3, 4, 5]


def test_an_applier_waits_for_one_still_writing_then_takes_the_next_number(store: Store) -> None:
    writing = threading.Event()

    def slow_insert(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The first applier has read the number and holds its insert open: the window a race needs.
        if statement.lstrip().upper().startswith("INSERT INTO PACT_VERSION"):
            writing.set()
            time.sleep(0.5)

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(_apply, store.url, "first", engine_hook=slow_insert)
        assert writing.wait(10)
        second = _apply(store.url, "second")
        assert first.result().number == 2
    assert second.number == 3 and second.author == "second"
    assert _numbers(store) == [1, 2, 3]


def test_a_number_taken_meanwhile_is_a_conflict_and_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A writer that did not take the numbering lock (an older revcycle) reaches the unique number.
    monkeypatch.setattr(PactRepository, "next_number", lambda _self: 1)
    with pytest.raises(Conflict, match=r"another pact was applied at the same time as this one; run `revcycle pact"):
        _apply(store.url, "late")
    with store.uow.begin() as session:
        assert session.scalar(select(func.count()).select_from(PactVersion)) == 1

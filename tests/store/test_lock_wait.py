"""A writer that waits for a lock says so and gives up after the stated time (10 s), changing nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from revcycle.errors import StoreBusy
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.failures import BUSY_TIMEOUT_SECONDS
from revcycle.store.session import make_engine
from tests.conftest import NOW, Store


def test_a_writer_blocked_by_another_gives_up_after_the_stated_time_in_one_sentence(store: Store) -> None:
    other = make_engine(store.url)
    changed = example_pact_text().replace("name: Example Co.", "name: Changed Co.")
    with other.connect() as holder:
        if store.backend == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")  # another command in the middle of a write
            holder.exec_driver_sql("UPDATE pact_version SET author = author")
        else:
            holder.execute(text("LOCK TABLE pact_version IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        with pytest.raises(StoreBusy, match="busy") as failure:
            PactService(store.uow).apply_text(changed, source="changed", author="test", now=NOW)
        waited = time.monotonic() - started
        holder.rollback()
    other.dispose()
    assert BUSY_TIMEOUT_SECONDS - 1 <= waited < BUSY_TIMEOUT_SECONDS * 3
    assert "\n" not in str(failure.value)
    assert PactService(store.uow).active().number == 1  # nothing was written

"""A bulk-load transaction on SQLite checks foreign keys once, before it commits, instead of row by row: a broken
reference still undoes everything and is named; the next transaction on the same pooled connection checks
row by row again. On PostgreSQL a bulk load is an ordinary transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from revcycle.bootstrap import App
from revcycle.cycle.tables import Account, Person
from revcycle.errors import StoreError
from revcycle.store.session import make_engine, upgrade
from tests.conftest import NOW, Store


def _person(number: int, account_id: int | None) -> Person:
    return Person(external_id=f"p{number}", email=f"p{number}@example.com", account_id=account_id,
                  stage="new", stage_entered_at=NOW, created_at=NOW)


def _people(store: Any) -> int:
    with store.uow.begin() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def test_a_bulk_load_with_good_references_goes_in(store: Any) -> None:
    with store.uow.begin(bulk_load=True) as session:
        account = Account(name="Acme", domain="acme.example")
        session.add(account)
        session.flush()
        session.add_all([_person(i, account.id) for i in range(3)])
    assert _people(store) == 3


def test_a_broken_reference_in_a_bulk_load_undoes_it_and_is_named(store: Any) -> None:
    with store.uow.begin() as session:  # rows stored before the load are not the load's to answer for
        session.add(_person(0, None))
    error: type[Exception] = StoreError if store.backend == "sqlite" else IntegrityError
    with pytest.raises(error) as raised, store.uow.begin(bulk_load=True) as session:
        session.add_all([_person(1, None), _person(2, 4242)])
    if store.backend == "sqlite":
        assert str(raised.value).startswith("person.account_id = 4242 names no account")
    assert _people(store) == 1


def test_sqlite_checks_row_by_row_again_after_a_bulk_load(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    store = Store(sqlite_url, engine, App.for_engine(engine).uow(check=False), "sqlite")
    engine.pool.dispose()
    with store.uow.begin(bulk_load=True) as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 0
        session.add(_person(1, None))
    assert store.engine.pool.checkedin() == 1  # the load's connection went back to the pool ...
    with pytest.raises(IntegrityError), store.uow.begin() as session:  # ... checking foreign keys again
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        session.add(_person(2, 4242))
    with pytest.raises(StoreError), store.uow.begin(bulk_load=True) as session:
        session.add(_person(3, 4242))
    with store.uow.begin() as session:  # also after a load that failed its check
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert _people(store) == 1
    engine.dispose()


def test_a_reference_of_several_columns_is_checked_as_a_whole(tmp_path: Any) -> None:
    """The schema has none today; a later migration may add one, and the check must still hold."""
    from sqlalchemy import create_engine

    from revcycle.store.references import check_added_rows, mark_tables

    engine = create_engine(f"sqlite:///{tmp_path / 'pairs.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE parent (a INTEGER, b INTEGER, PRIMARY KEY (a, b))")
        connection.exec_driver_sql("CREATE TABLE child (x INTEGER, y INTEGER, FOREIGN KEY (x, y) REFERENCES parent)")
        connection.exec_driver_sql("INSERT INTO parent VALUES (1, 1), (1, 2)")
        marks = mark_tables(connection)
        connection.exec_driver_sql("INSERT INTO child VALUES (1, 1), (1, 2), (NULL, 5)")
        check_added_rows(connection, marks)  # every pair has its parent; a pair with an empty part refers to none
        connection.exec_driver_sql("INSERT INTO child VALUES (2, 1)")
        with pytest.raises(StoreError, match=r"^child.x, y = 2, 1 names no parent"):
            check_added_rows(connection, marks)
    engine.dispose()

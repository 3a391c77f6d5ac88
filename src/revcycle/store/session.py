"""The engine factory and the unit of work: the one place a transaction is opened and committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError, InternalError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from revcycle.errors import StoreError
from revcycle.store.events import MAX_DEPTH, Handlers, dispatch
from revcycle.store.failures import BUSY_TIMEOUT_SECONDS, explain
from revcycle.store.references import check_added_rows, mark_tables

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["SCHEMA_HEAD", "UnitOfWork", "check_revision", "make_engine", "upgrade"]


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for this URL; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgresql_timeouts)
    return engine


def _postgresql_timeouts(dbapi_connection: Any, _record: Any) -> None:
    """A writer waiting for a row or table lock gives up after the same time as on SQLite, and says so."""
    was = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a session setting, outside any transaction
    dbapi_connection.execute(f"SET lock_timeout = '{BUSY_TIMEOUT_SECONDS}s'")
    dbapi_connection.autocommit = was


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # 8 KiB pages (PostgreSQL's size) for a new file; an existing file keeps its own. A million-touchpoint
    # import measured about 8% faster than with SQLite's default 4 KiB: fewer pages to split, index and write.
    cursor.execute("PRAGMA page_size=8192")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")  # a writer waits this long, then says so
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses at most the last commit
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: bulk imports touch many index pages
    cursor.close()


def _checked_again(connection: Connection) -> None:
    """Foreign keys back on before the connection goes back to the pool; a connection that cannot be put
    right is thrown away rather than handed to the next transaction."""
    try:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        if connection.exec_driver_sql("PRAGMA foreign_keys").scalar() != 1:
            raise StoreError("foreign keys could not be switched back on")
        connection.commit()
    except Exception:
        connection.invalidate()
        raise


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # Alembic is imported by the commands that touch the schema only

    config = Config()
    config.set_main_option("script_location", str(resources.files("revcycle.store") / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` through the migrations (the only way a schema is created)."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)
    except DBAPIError as exc:
        raise _explained(exc, engine) from exc


# The newest migration. Checked on every command, so read without Alembic (importing it costs a third of a
# second); tests/store/test_migrations.py holds it equal to Alembic's own head.
SCHEMA_HEAD = "0004"


def check_revision(engine: Engine) -> None:
    """Refuse to work on a store whose schema is not at the newest migration."""
    try:
        with engine.connect() as connection:
            current = _current_revision(connection)
    except DBAPIError as exc:
        raise _explained(exc, engine) from exc
    if current != SCHEMA_HEAD:
        state = "has no schema yet" if current is None else f"is at revision {current}, not {SCHEMA_HEAD}"
        raise StoreError(f"the database at {engine.url!r} {state}: run `revcycle db upgrade`")


def _explained(exc: DBAPIError, engine: Engine) -> StoreError:
    """A driver's failure as one sentence naming the store (busy, read-only, unreachable, not migrated)."""
    found = explain(exc, url=engine.url.render_as_string(hide_password=False))
    return found if isinstance(found, StoreError) else StoreError(f"the store failed: {exc.orig}")


def _current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


class UnitOfWork:
    """Owns one transaction and the events raised in it: services open it and do their change; before it
    commits, the handlers registered for the events published on its session run in the same transaction (a
    handler that fails undoes the whole change). Without `handlers`, events are dropped (a bare store)."""

    def __init__(self, engine: Engine, handlers: Handlers | None = None, *, max_depth: int = MAX_DEPTH) -> None:
        self.engine = engine
        self.handlers = handlers
        self.max_depth = max_depth
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def begin(self, *, bulk_load: bool = False) -> Iterator[Session]:
        """A session in a transaction, committed when the block ends and rolled back if it raises.

        `bulk_load` (SQLite): foreign keys are checked once, over every row the transaction added, just before
        it commits, instead of as each row is written (see `references`). Elsewhere it changes nothing."""
        try:
            with self._transaction(bulk_load) as session:
                yield session
        except (OperationalError, InternalError) as exc:  # busy past the timeout, read-only, gone: one
            raise _explained(exc, self.engine) from exc  # sentence, nothing written (an IntegrityError is the
            # caller's to turn into a Conflict, and passes)

    @contextmanager
    def _transaction(self, bulk_load: bool) -> Iterator[Session]:
        if not bulk_load or self.engine.dialect.name != "sqlite":
            with self._sessions() as session, session.begin():
                yield session
                dispatch(session, self.handlers, max_depth=self.max_depth)
            return
        with self.engine.connect() as connection:
            try:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # taken only outside a transaction: the
                marks = mark_tables(connection)  # driver sends BEGIN before the first write, not before these
                connection.commit()  # so this ends SQLAlchemy's side only, and the session begins its own
                with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                    yield session
                    dispatch(session, self.handlers, max_depth=self.max_depth)
                    session.flush()
                    check_added_rows(connection, marks)
            finally:
                _checked_again(connection)

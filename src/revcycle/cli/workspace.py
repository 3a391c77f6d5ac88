"""What every command shares: settings, the engine (built on first use), the clock, the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.console import Console
from sqlalchemy import Engine

from revcycle.config import Settings
from revcycle.store.session import UnitOfWork, check_revision, make_engine

__all__ = ["Workspace", "console", "errors"]

console = Console()
errors = Console(stderr=True)


@dataclass
class Workspace:
    """One command's view of the store."""

    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The store's engine, created when first needed."""
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def uow(self, *, check: bool = True) -> UnitOfWork:
        """A unit of work on a store whose schema is current."""
        if check:
            check_revision(self.engine)
        return UnitOfWork(self.engine)

    @staticmethod
    def now() -> datetime:
        """The edge reads the clock; services get `now` as a parameter."""
        return datetime.now(UTC)

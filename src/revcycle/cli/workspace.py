"""What every command shares: the composed app (settings, engine built on first use, pact cache, services),
the clock, the consoles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.console import Console
from sqlalchemy import Engine

from revcycle.bootstrap import App
from revcycle.config import Settings
from revcycle.store.session import UnitOfWork

__all__ = ["Workspace", "console", "errors"]

console = Console()
errors = Console(stderr=True)


@dataclass
class Workspace:
    """One command's view of the app."""

    settings: Settings
    app: App = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.app = App(self.settings)

    @property
    def engine(self) -> Engine:
        """The store's engine, created when first needed."""
        return self.app.engine

    def uow(self, *, check: bool = True) -> UnitOfWork:
        """A unit of work (with every handler) on a store whose schema is current."""
        return self.app.uow(check=check)

    def close(self) -> None:
        """Close the store's connections, if any were opened."""
        self.app.close()

    @staticmethod
    def now() -> datetime:
        """The edge reads the clock; services get `now` as a parameter."""
        return datetime.now(UTC)

"""Settings read from the environment when a command starts (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///revcycle.db"


@dataclass(frozen=True)
class Settings:
    """Where the store lives and who is acting."""

    database_url: str = DEFAULT_DATABASE_URL
    actor: str = "cli"

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        """Settings from `REVCYCLE_DATABASE_URL` / `REVCYCLE_ACTOR`, an explicit URL winning."""
        url = database_url or os.environ.get("REVCYCLE_DATABASE_URL") or DEFAULT_DATABASE_URL
        actor = os.environ.get("REVCYCLE_ACTOR") or os.environ.get("USER") or "cli"
        return cls(database_url=url, actor=actor)

    @property
    def workspace(self) -> Path:
        """The folder beside a SQLite file (or the current folder) for reports the store does not hold."""
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///")).resolve().parent
        return Path.cwd()

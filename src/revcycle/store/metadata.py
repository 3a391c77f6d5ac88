"""Every table of every capability, gathered for migrations and schema comparison."""

from __future__ import annotations

from sqlalchemy import MetaData

__all__ = ["metadata"]


def metadata() -> MetaData:
    """The metadata with every capability's tables registered."""
    import revcycle.cycle.tables
    import revcycle.ingest.tables
    import revcycle.money.tables
    import revcycle.pact.tables
    import revcycle.scoring.tables
    import revcycle.store.tables  # noqa: F401
    from revcycle.store.base import Base

    return Base.metadata

"""Every query on stored pact versions, and the people counts a new version is checked against."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from revcycle.cycle.tables import Person
from revcycle.pact.tables import PactVersion

__all__ = ["PactRepository"]


class PactRepository:
    """Reads and adds pact versions; it never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self) -> PactVersion | None:
        """The version in force (the highest number)."""
        return self.session.scalars(select(PactVersion).order_by(PactVersion.number.desc()).limit(1)).first()

    def get(self, number: int) -> PactVersion | None:
        """A version by number."""
        return self.session.scalars(select(PactVersion).where(PactVersion.number == number)).first()

    def all(self) -> list[PactVersion]:
        """Every version, oldest first."""
        return list(self.session.scalars(select(PactVersion).order_by(PactVersion.number)))

    def lock_numbering(self) -> None:
        """Hold the right to number a new version until the transaction ends: a second applier waits here, then
        reads the number the first one took, so two versions never race for one number."""
        if self.session.get_bind().dialect.name == "postgresql":
            # Self-conflicting, but `pact show` and every other reader (ACCESS SHARE) go on unblocked.
            self.session.execute(text("LOCK TABLE pact_version IN SHARE ROW EXCLUSIVE MODE"))
        else:
            # SQLite has one write lock per file; a write matching no row takes it (waiting out the busy
            # timeout) before anything is read, so the snapshot read next is already the newest.
            self.session.execute(text("UPDATE pact_version SET number = number WHERE 1 = 0"))

    def next_number(self) -> int:
        """The number the next applied version gets."""
        return int(self.session.scalar(select(func.coalesce(func.max(PactVersion.number), 0))) or 0) + 1

    def people_by_stage(self) -> dict[str, int]:
        """How many people stand in each stage now (stages nobody stands in are left out)."""
        query = select(Person.stage, func.count()).group_by(Person.stage)
        return {str(stage): int(count) for stage, count in self.session.execute(query)}

    def people_in(self, stage: str) -> list[int]:
        """The ids of the people standing in `stage`, locked on PostgreSQL until the transaction ends (a move by
        hand made meanwhile waits, then sees the stage they were moved to)."""
        query = select(Person.id).where(Person.stage == stage).order_by(Person.id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return [int(pid) for pid in self.session.scalars(query)]

    def add(self, version: PactVersion) -> None:
        """Store a new version."""
        self.session.add(version)
        self.session.flush()

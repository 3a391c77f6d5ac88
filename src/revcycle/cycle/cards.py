"""Every query behind a lead's card (`lead show`): their owner, their stored scores, the kinds of touch they made."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from revcycle.cycle.tables import AppUser, Person, Touchpoint
from revcycle.scoring.tables import PersonScore

__all__ = ["CardRepository"]


class CardRepository:
    """Reads for one person's card; it never writes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def owner(self, person: Person) -> AppUser | None:
        """The user who owns the person (None: nobody does)."""
        return self.session.get(AppUser, person.owner_id) if person.owner_id is not None else None

    def scores(self, person_id: int) -> PersonScore | None:
        """The person's scores as last stored by scoring (None: never scored)."""
        return self.session.get(PersonScore, person_id)

    def touch_types(self, person_id: int) -> set[str]:
        """The distinct kinds of touch the person made."""
        query = select(Touchpoint.type).where(Touchpoint.person_id == person_id).distinct()
        return set(self.session.scalars(query))

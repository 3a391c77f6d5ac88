"""Every query an import makes: batched look-ups by external id, email and domain, and batched writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import FromClause, delete, insert, select, update
from sqlalchemy.orm import Session

from revcycle.cycle.tables import Account, OpportunityContact, Person, Team
from revcycle.ingest.tables import ImportIssue
from revcycle.store.base import Base
from revcycle.store.bulk import execute_many

__all__ = ["Existing", "IngestRepository"]

_CHUNK = 5000
Existing = tuple[int, str | None, int | None]  # id, row hash, import run that last wrote it


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class IngestRepository:
    """Batched reads and writes for imports; it never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def existing(self, table: FromClause, source: str, external_ids: Sequence[str]) -> dict[str, Existing]:
        """Rows of `table` already stored under these external ids."""
        out: dict[str, Existing] = {}
        for chunk in _chunks(list(external_ids)):
            query = select(table.c.external_id, table.c.id, table.c.row_hash, table.c.import_run_id).where(
                table.c.source_system == source, table.c.external_id.in_(chunk)
            )
            out.update({row[0]: (row[1], row[2], row[3]) for row in self.session.execute(query)})
        return out

    def people_at(self, accounts: Sequence[int]) -> list[int]:
        """Ids of the people at these accounts."""
        return [
            pid for chunk in _chunks(accounts) for pid in self.session.scalars(
                select(Person.id).where(Person.account_id.in_(chunk))
            )
        ]

    def accounts_of(self, person_ids: Sequence[int]) -> dict[int, int | None]:
        """Each of these people's account."""
        out: dict[int, int | None] = {}
        for chunk in _chunks(person_ids):
            query = select(Person.id, Person.account_id).where(Person.id.in_(chunk))
            out.update({pid: account for pid, account in self.session.execute(query)})
        return out

    def ids(
        self, table: FromClause, source: str, external_ids: Iterable[str | None], *, column: str = "id"
    ) -> dict[str, Any]:
        """A column (the id, unless named) of rows of `table` by external id."""
        wanted = sorted({value for value in external_ids if value})
        out: dict[str, Any] = {}
        for chunk in _chunks(wanted):
            query = select(table.c.external_id, table.c[column]).where(
                table.c.source_system == source, table.c.external_id.in_(chunk)
            )
            out.update({ext: value for ext, value in self.session.execute(query)})
        return out

    def people_by_email(self, emails: Iterable[str | None]) -> dict[str, tuple[int, str, str | None, int | None]]:
        """People by normalised email: id, external id, row hash, last import run."""
        wanted = sorted({value for value in emails if value})
        out: dict[str, tuple[int, str, str | None, int | None]] = {}
        for chunk in _chunks(wanted):
            query = select(Person.email, Person.id, Person.external_id, Person.row_hash, Person.import_run_id).where(
                Person.email.in_(chunk)
            )
            out.update({row[0]: (row[1], row[2], row[3], row[4]) for row in self.session.execute(query)})
        return out

    def accounts_by_domain(self, domains: Iterable[str | None]) -> dict[str, int]:
        """The account id for each company domain (the oldest account when several share one)."""
        wanted = sorted({value for value in domains if value})
        out: dict[str, int] = {}
        for chunk in _chunks(wanted):
            query = select(Account.domain, Account.id).where(Account.domain.in_(chunk)).order_by(Account.id.desc())
            out.update({domain: id_ for domain, id_ in self.session.execute(query)})
        return out

    def unlinked_people_by_domain(self) -> list[tuple[int, int, str]]:
        """People with an email and no account whose email domain is an account's domain: (person id, the
        oldest such account's id, the domain). Each person's domain is looked up in the account domain index."""
        connection = self.session.connection()
        domain = (
            "substr(p.email, instr(p.email, '@') + 1)" if connection.dialect.name == "sqlite"
            else "split_part(p.email, '@', 2)"  # an import's emails hold one @ (the email rule)
        )
        sql = (
            f"SELECT p.id, min(a.id), min(a.domain) FROM person p JOIN account a ON a.domain = lower({domain}) "
            "WHERE p.account_id IS NULL AND p.email IS NOT NULL GROUP BY p.id"
        )
        return [(int(pid), int(account), str(name)) for pid, account, name in connection.exec_driver_sql(sql)]

    def set_accounts(self, links: Sequence[tuple[int, int]]) -> None:
        """Give people (person id, account id) their account."""
        execute_many(self.session, "UPDATE person SET account_id = ? WHERE id = ?", [(a, p) for p, a in links])

    def team_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Team ids by name, creating the teams that do not exist yet."""
        wanted = sorted(set(names))
        found = {n: i for n, i in self.session.execute(select(Team.name, Team.id).where(Team.name.in_(wanted)))}
        for name in wanted:
            if name not in found:
                team = Team(name=name, function=name)
                self.session.add(team)
                self.session.flush()
                found[name] = team.id
        return found

    def insert(self, table: Any, rows: list[dict[str, Any]], *, returning: bool = False) -> list[int]:
        """Insert rows; with `returning`, their new ids in the order given."""
        if not rows:
            return []
        if returning:
            result = self.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
            return [row[0] for row in result]
        self.session.execute(insert(table), rows)
        return []

    def update(self, model: type[Base], rows: list[dict[str, Any]]) -> None:
        """Update rows by primary key `id` (an ORM bulk update: one statement, many parameter sets)."""
        if rows:
            self.session.execute(update(model), rows)

    def replace_contacts(self, links: dict[int, list[tuple[int, str | None]]]) -> None:
        """Set each opportunity's buying group to exactly these (person, role) pairs."""
        if not links:
            return
        ids = list(links)
        for chunk in _chunks(ids):
            self.session.execute(delete(OpportunityContact).where(OpportunityContact.opportunity_id.in_(chunk)))
        rows = [
            {"opportunity_id": opp, "person_id": person, "role": role}
            for opp, people in links.items()
            for person, role in people
        ]
        if rows:
            self.session.execute(insert(OpportunityContact), rows)

    def add_issues(self, rows: list[dict[str, Any]]) -> None:
        """Store rejected rows and warnings of an import run."""
        if rows:
            self.session.execute(insert(ImportIssue), rows)

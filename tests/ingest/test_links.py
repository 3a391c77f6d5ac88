"""People and their accounts are linked by email domain whichever file came first, and re-imports link what is
unlinked; free-mail addresses never link, and nobody is linked twice."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from revcycle.cycle.tables import Account, Person
from revcycle.scoring.tables import AccountScore, PersonScore
from tests.conftest import Store
from tests.ingest.helpers import run_import, write_csv

_ACCOUNTS = [
    {"external_id": "a1", "name": "Acme", "domain": "https://www.Acme.com/", "employees": "1200"},
    {"external_id": "a2", "name": "Other", "domain": "other.io", "employees": "40"},
    {"external_id": "a3", "name": "Gmail by mistake", "domain": "gmail.com", "employees": "5000"},
]
_PEOPLE = [
    {"external_id": "p1", "email": "ada@acme.com", "title": "VP Engineering", "seniority": "vp"},
    {"external_id": "p2", "email": "bob@ACME.com", "title": "Engineer", "seniority": "ic"},
    {"external_id": "p3", "email": "cy@other.io", "title": "Director", "seniority": "director"},
    {"external_id": "p4", "email": "dee@gmail.com", "title": "Founder", "seniority": "owner"},
    {"external_id": "p5", "email": "eve@nowhere.example", "title": "Analyst", "seniority": "ic"},
]


def _links(store: Store) -> dict[str, str | None]:
    """Each person's account, by external ids."""
    with store.uow.begin() as session:
        rows = session.execute(
            select(Person.external_id, Account.external_id).outerjoin(Account, Person.account_id == Account.id)
        ).all()
    return {person: account for person, account in rows}


_EXPECTED = {"p1": "a1", "p2": "a1", "p3": "a2", "p4": None, "p5": None}


def test_accounts_imported_after_their_people_link_them_by_domain(store: Store, tmp_path: Path) -> None:
    people = run_import(store, "people", write_csv(tmp_path / "people.csv", _PEOPLE))
    assert people.counts.linked == 0 and set(_links(store).values()) == {None}
    accounts = run_import(store, "accounts", write_csv(tmp_path / "accounts.csv", _ACCOUNTS))
    assert _links(store) == _EXPECTED
    assert accounts.counts.linked == 3
    assert "3 people linked to their account by email domain" in accounts.notes


def test_people_imported_after_their_accounts_are_linked_as_they_go_in(store: Store, tmp_path: Path) -> None:
    run_import(store, "accounts", write_csv(tmp_path / "accounts.csv", _ACCOUNTS))
    people = run_import(store, "people", write_csv(tmp_path / "people.csv", _PEOPLE))
    assert _links(store) == _EXPECTED
    assert people.counts.linked == 0 and people.counts.inserted == 5  # linked on insert, not afterwards


def test_a_people_reimport_links_what_is_unlinked_and_nobody_twice(store: Store, tmp_path: Path) -> None:
    people_file = write_csv(tmp_path / "people.csv", _PEOPLE)
    run_import(store, "people", people_file)
    with store.uow.begin() as session:  # accounts that came in without a linking pass (say, by the API)
        session.add_all([Account(name="Acme", domain="acme.com"), Account(name="Acme again", domain="acme.com")])
    again = run_import(store, "people", people_file)
    assert (again.counts.unchanged, again.counts.linked) == (5, 2)
    assert again.notes == ["2 people linked to their account by email domain"]
    with store.uow.begin() as session:
        oldest = min(session.scalars(select(Account.id).where(Account.domain == "acme.com")))
        linked = set(session.scalars(select(Person.account_id).where(Person.account_id.is_not(None))))
    assert linked == {oldest}  # the oldest account of a shared domain
    third = run_import(store, "people", people_file)
    assert (third.counts.unchanged, third.counts.linked, third.notes) == (5, 0, [])
    accounts_again = run_import(store, "accounts", write_csv(tmp_path / "accounts.csv", _ACCOUNTS))
    assert accounts_again.counts.linked == 1  # only Cy (other.io): Ada and Bob keep the account they have
    assert _links(store)["p3"] == "a2" and _links(store)["p4"] is None


def test_a_linked_person_is_rescored_with_their_account(store: Store, tmp_path: Path) -> None:
    run_import(store, "people", write_csv(tmp_path / "people.csv", _PEOPLE))
    with store.uow.begin() as session:
        ada = session.scalars(select(Person).where(Person.external_id == "p1")).one().id
        before = session.get(PersonScore, ada)
        fit_before = before.fit if before else 0
    run_import(store, "accounts", write_csv(tmp_path / "accounts.csv", _ACCOUNTS))
    with store.uow.begin() as session:
        after = session.get(PersonScore, ada)
        acme = session.scalars(select(Account.id).where(Account.external_id == "a1")).one()
        account = session.get(AccountScore, acme)
        assert after is not None and after.fit >= fit_before + 20  # the pact's company_500_plus rule: 1,200 people
        assert account is not None and account.people == 2

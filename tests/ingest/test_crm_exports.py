"""HubSpot and Salesforce exports load unedited with the example mappings kept in the repository."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from revcycle.cycle.tables import Person
from tests.cli.helpers import ROOT
from tests.conftest import Store
from tests.ingest.helpers import run_import

FIXTURES = ROOT / "tests" / "fixtures"
MAPPINGS = ROOT / "examples" / "mappings"


def _people(store: Store) -> dict[str, tuple[str | None, str, str | None]]:
    with store.uow.begin() as session:
        rows = session.execute(select(Person.external_id, Person.email, Person.stage, Person.seniority))
        return {ext: (email, stage, seniority) for ext, email, stage, seniority in rows}


def test_a_hubspot_contacts_export_loads_with_stages_and_seniority_mapped(store: Store, tmp_path: Path) -> None:
    summary = run_import(store, "people", FIXTURES / "hubspot-contacts.csv",
                         mapping=MAPPINGS / "hubspot" / "contacts.yaml")
    assert (summary.counts.inserted, summary.counts.rejected) == (4, 0)
    people = _people(store)
    assert people["51"] == ("dana.okafor@northwind.example", "mql", "vp")
    assert people["52"] == ("luis@northwind.example", "engaged", "ic")
    assert people["53"][1:] == ("customer", "director")
    with store.uow.begin() as session:
        dana = session.scalars(select(Person).where(Person.external_id == "51")).one()
        assert dana.created_at.isoformat() == "2025-03-04T14:15:00+00:00"  # 09:15 in New York, EST
        assert dana.attributes == {"Lead Status": "NEW", "Original Source": "Organic Search"}


def test_a_salesforce_leads_export_loads_with_its_us_dates(store: Store, tmp_path: Path) -> None:
    summary = run_import(store, "people", FIXTURES / "salesforce-leads.csv",
                         mapping=MAPPINGS / "salesforce" / "leads.yaml")
    assert (summary.counts.inserted, summary.counts.rejected) == (3, 0)
    people = _people(store)
    assert people["00Q5e00000AbCdE"][1] == "mql" and people["00Q5e00000AbCdF"][1] == "sal"
    with store.uow.begin() as session:
        ivy = session.scalars(select(Person).where(Person.external_id == "00Q5e00000AbCdG")).one()
        assert ivy.created_at.isoformat() == "2025-02-28T08:00:00+00:00"  # midnight in Los Angeles

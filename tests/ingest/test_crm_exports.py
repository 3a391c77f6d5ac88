"""HubSpot and Salesforce exports, with those tools' own column names and values, load unedited through the
mappings shipped in examples/mappings/ with no rejected row."""

from __future__ import annotations

from sqlalchemy import select

from revcycle.cycle.tables import Account, AppUser, Opportunity, Person, Touchpoint
from tests.cli.helpers import ROOT
from tests.conftest import Store
from tests.ingest.helpers import dump, run_import

FIXTURES = ROOT / "tests" / "fixtures"
MAPPINGS = ROOT / "examples" / "mappings"
HUBSPOT = [
    ("users", "hubspot-owners.csv", "hubspot/owners.yaml", 3),
    ("accounts", "hubspot-companies.csv", "hubspot/companies.yaml", 3),
    ("people", "hubspot-contacts.csv", "hubspot/contacts.yaml", 8),
    ("touchpoints", "hubspot-contacts.csv", "hubspot/contacts-first-touch.yaml", 8),
    ("opportunities", "hubspot-deals.csv", "hubspot/deals.yaml", 3),
]


def _people(store: Store) -> dict[str, tuple[str, str | None, str | None, int | None, str | None]]:
    """Each person's stage, seniority, owner's name, account's employees and first touch's channel."""
    with store.uow.begin() as session:
        rows = session.execute(
            select(Person.external_id, Person.stage, Person.seniority, AppUser.name, Account.employees,
                   Touchpoint.channel)
            .outerjoin(AppUser, AppUser.id == Person.owner_id)
            .outerjoin(Account, Account.id == Person.account_id)
            .outerjoin(Touchpoint, Touchpoint.person_id == Person.id)
        )
        return {ext: (stage, seniority, owner, employees, channel) for ext, stage, seniority, owner, employees, channel
                in rows}


def _import_hubspot(store: Store) -> None:
    for kind, file, mapping, rows in HUBSPOT:
        summary = run_import(store, kind, FIXTURES / file, mapping=MAPPINGS / mapping)
        assert (summary.counts.inserted, summary.counts.rejected, summary.counts.warnings) == (rows, 0, 0), (
            kind, summary.problems)


def test_a_standard_hubspot_export_imports_with_no_rejected_row(store: Store) -> None:
    _import_hubspot(store)
    people = _people(store)
    # stage from Lifecycle Stage (" Lead " and "subscriber" as exported by hand-edited sheets), seniority
    # from Job Title, owner by the name in "Contact owner", "5,000" employees, Original Source as first touch
    assert people["51"] == ("mql", "vp", "Jordan Reyes", 5000, "organic")
    assert people["52"] == ("engaged", "ic", "Jordan Reyes", 5000, "paid_search")
    assert people["53"] == ("customer", "director", "Priya Natarajan", 1200, "direct")
    assert people["55"][1:] == ("c_level", "Priya Natarajan", 45, "referral")
    assert people["56"] == ("opportunity", "director", "Priya Natarajan", 5000, "email")
    assert people["57"] == ("engaged", "manager", "Tom Becker", 45, "social")
    assert people["58"] == ("customer", "owner", "Priya Natarajan", 1200, "direct")
    # a Subscriber is known; its first touch then moves it to engaged by the example pact's rule
    # (touchpoint_recorded from known), and a closed-lost deal moves its SQL contact to lost by the pact's
    assert people["54"] == ("engaged", "ic", None, 1200, "offline")
    assert people["55"][0] == "lost"
    with store.uow.begin() as session:
        dana = session.scalars(select(Person).where(Person.external_id == "51")).one()
        assert dana.created_at.isoformat() == "2025-03-04T14:15:00+00:00"  # 09:15 in New York, EST
        assert dana.attributes == {"Lead Status": "New", "Original Source": "Organic Search",
                                   "Company Name": "Northwind Traders"}
        deals = {d.external_id: (d.status, str(d.amount), d.currency) for d in session.scalars(select(Opportunity))}
        assert deals == {"7001": ("open", "48000.00", "USD"), "7002": ("won", "12500.00", "USD"),
                         "7003": ("lost", "9000.00", "EUR")}


def test_importing_the_hubspot_export_again_changes_nothing(store: Store) -> None:
    _import_hubspot(store)
    before = dump(store)
    for kind, file, mapping, rows in HUBSPOT:
        again = run_import(store, kind, FIXTURES / file, mapping=MAPPINGS / mapping)
        assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, rows), kind
    assert dump(store) == before


def test_a_salesforce_leads_export_loads_with_its_us_dates_owners_and_lead_source(store: Store) -> None:
    run_import(store, "users", FIXTURES / "salesforce-owners.csv", mapping=MAPPINGS / "salesforce" / "owners.yaml")
    summary = run_import(store, "people", FIXTURES / "salesforce-leads.csv",
                         mapping=MAPPINGS / "salesforce" / "leads.yaml")
    assert (summary.counts.inserted, summary.counts.rejected) == (3, 0)
    touches = run_import(store, "touchpoints", FIXTURES / "salesforce-leads.csv",
                         mapping=MAPPINGS / "salesforce" / "leads-first-touch.yaml")
    assert (touches.counts.inserted, touches.counts.rejected) == (3, 0)
    people = _people(store)
    assert people["00Q5e00000AbCdE"] == ("mql", "director", "Jordan Reyes", None, "web")
    assert people["00Q5e00000AbCdF"] == ("sal", "c_level", "Jordan Reyes", None, "trade_show")
    assert people["00Q5e00000AbCdG"] == ("engaged", "ic", None, None, "partner")  # known, then its touch (pact)
    with store.uow.begin() as session:
        ivy = session.scalars(select(Person).where(Person.external_id == "00Q5e00000AbCdG")).one()
        assert ivy.created_at.isoformat() == "2025-02-28T08:00:00+00:00"  # midnight in Los Angeles


def test_salesforce_accounts_contacts_and_opportunities_load_through_their_mappings(store: Store) -> None:
    salesforce = MAPPINGS / "salesforce"
    for kind, file, mapping, rows in [
        ("users", "salesforce-owners.csv", "owners.yaml", 1),
        ("accounts", "salesforce-accounts.csv", "accounts.yaml", 2),
        ("people", "salesforce-contacts.csv", "contacts.yaml", 2),
        ("touchpoints", "salesforce-contacts.csv", "contacts-first-touch.yaml", 2),
        ("opportunities", "salesforce-opportunities.csv", "opportunities.yaml", 2),
    ]:
        summary = run_import(store, kind, FIXTURES / file, mapping=salesforce / mapping)
        assert (summary.counts.inserted, summary.counts.rejected) == (rows, 0), (kind, summary.problems)
    people = _people(store)
    assert people["0035e00000QwErA"][1:] == ("vp", "Jordan Reyes", 5000, "web")
    assert people["0035e00000QwErB"][1:] == ("manager", None, 80, "partner")
    with store.uow.begin() as session:
        accounts = dict(session.execute(select(Account.external_id, Account.domain)).all())
        assert accounts == {"0015e00000XyZaA": "fabrikam.example", "0015e00000XyZaB": "litware.example"}
        deals = {d.external_id: (d.status, d.kind, str(d.amount), d.currency, d.stage)
                 for d in session.scalars(select(Opportunity))}
        assert deals == {
            "0065e00000OpPaA": ("open", "new_business", "48000.00", "EUR", "Proposal/Price Quote"),
            "0065e00000OpPaB": ("won", "renewal", "9000.00", "USD", "Closed Won"),
        }

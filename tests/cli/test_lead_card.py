"""`lead show` opens with the lead's card: owner, current scores, lead value and first-contact tier."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from revcycle.cycle.tables import Person
from revcycle.scoring.tables import PersonScore
from tests.cli.inprocess import invoke
from tests.conftest import Store
from tests.ingest.helpers import run_import, write_csv


def _lead(store: Store, folder: Path) -> None:
    run_import(store, "users", write_csv(folder / "users.csv", [
        {"external_id": "u1", "email": "sam@seller.example", "name": "Sam Seller", "team": "sdr"}]))
    run_import(store, "accounts", write_csv(folder / "accounts.csv", [
        {"external_id": "a1", "name": "Acme", "employees": 800}]))
    run_import(store, "people", write_csv(folder / "people.csv", [
        {"external_id": "p1", "email": "ada@acme.example", "first_name": "Ada", "seniority": "vp",
         "account_external_id": "a1", "owner_external_id": "u1", "created_at": "2025-06-01T09:00:00Z"},
        {"external_id": "p2", "email": "bo@acme.example", "first_name": "Bo", "account_external_id": "a1",
         "created_at": "2025-06-01T09:00:00Z"}]))
    run_import(store, "touchpoints", write_csv(folder / "touches.csv", [
        {"external_id": f"t{i}", "person_external_id": "p1", "type": kind, "channel": "organic",
         "occurred_at": f"2026-01-1{i + 1}T09:00:00Z"}
        for i, kind in enumerate(["page_view", "download", "webinar_attendance"])]))


def _points(hundredths: int) -> str:
    return f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")


def test_lead_show_gives_owner_scores_lead_value_and_tier(store: Store, tmp_path: Path) -> None:
    _lead(store, tmp_path)
    with store.uow.begin() as session:
        ada = session.scalars(select(Person.id).where(Person.email == "ada@acme.example")).one()
        score = session.get(PersonScore, ada)
        assert score is not None
        fit, engagement, total = score.fit, score.engagement, score.total
    shown = invoke("lead", "show", "ada@acme.example", url=store.url)
    assert shown.code == 0, shown
    said = " ".join(shown.stdout.split())
    assert "owner Sam Seller <sam@seller.example>" in said
    assert f"scores fit {_points(fit)}, engagement {_points(engagement)}, total {_points(total)}" in said
    assert engagement > 0  # the touches were scored
    assert "lead value 100 USD (highest-value touch: webinar_attendance)" in said
    assert "tier warm: first contact within 1h" in said
    other = " ".join(invoke("lead", "show", "bo@acme.example", url=store.url).stdout.split())
    assert "owner none" in other and "lead value 0 USD (no valued touch)" in other
    assert "tier standard: first contact within 24h" in other

"""The simulator's files go in through the public import path with zero rejected rows, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from revcycle.cycle.tables import Opportunity, Person, Touchpoint
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService
from revcycle.sim import SimParams, generate
from tests.conftest import NOW, Store

ORDER = ("users", "accounts", "campaigns", "people", "stages", "touchpoints", "opportunities")


def _import_all(store: Store, folder: Path) -> dict[str, tuple[int, int, int, int]]:
    service = ImportService(store.uow)
    out = {}
    for kind in ORDER:
        summary = service.run(Kind(kind), folder / f"{kind}.csv", source="sim", actor="test", now=NOW,
                              report_dir=folder / "reports")
        c = summary.counts
        out[kind] = (c.inserted, c.updated, c.unchanged, c.rejected)
    return out


@pytest.mark.parametrize("mode", ["aligned", "misaligned"])
def test_simulated_files_import_with_zero_rejected_rows_and_replay_harmlessly(
    store: Store, tmp_path: Path, mode: str
) -> None:
    summary = generate(SimParams(people=600, months=6, mode=mode, seed=3), tmp_path / "sim")  # type: ignore[arg-type]
    first = _import_all(store, tmp_path / "sim")
    for kind, (inserted, _updated, _unchanged, rejected) in first.items():
        assert rejected == 0, kind
        assert inserted == summary.rows[kind], kind
    with store.uow.begin() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == summary.rows["people"]
        assert session.scalar(select(func.count()).select_from(Touchpoint)) == summary.rows["touchpoints"]
        assert session.scalar(select(func.count()).select_from(Opportunity)) == summary.rows["opportunities"]
    again = _import_all(store, tmp_path / "sim")
    assert all(counts[:2] == (0, 0) and counts[3] == 0 for counts in again.values()), again

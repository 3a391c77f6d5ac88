"""Shared fixtures of the scoring tests: a small simulated company imported into each store."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService
from revcycle.sim import SimParams, generate
from tests.conftest import NOW, Store

ORDER = ("users", "accounts", "campaigns", "people", "stages")


def import_file(store: Store, kind: str, path: Path) -> None:
    """Import one file through the service the CLI uses; no row may be rejected."""
    summary = ImportService(store.uow, batch_size=700).run(Kind(kind), path, source="sim", actor="test", now=NOW,
                                                         report_dir=path.parent / "reports")
    assert summary.counts.rejected == 0, summary.problems


def _split(path: Path, parts: int) -> list[Path]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    size = -(-len(body) // parts)
    out = []
    for i in range(parts):
        part = path.with_name(f"touchpoints-{i}.csv")
        with part.open("w", newline="") as handle:
            csv.writer(handle).writerows([header, *body[i * size:(i + 1) * size]])
        out.append(part)
    return out


def stored(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored score, hit and account score, sorted."""
    with store.engine.connect() as connection:
        return {
            "scores": sorted(tuple(r) for r in connection.execute(text(
                "SELECT person_id, fit, engagement, total, qualified FROM person_score"))),
            "hits": sorted(tuple(r) for r in connection.execute(text(
                "SELECT person_id, rule, grp, at, touchpoint_id, times, points, decayed, limited, capped "
                "FROM score_hit"))),
            "accounts": sorted(tuple(r) for r in connection.execute(text(
                "SELECT account_id, fit, engagement, total, people, engaged_people, qualified_people "
                "FROM account_score"))),
        }


@pytest.fixture
def simulated(store: Store, tmp_path: Path) -> Store:
    """A small simulated company imported the way users do, its touchpoints in three imports."""
    folder = tmp_path / "sim"
    generate(SimParams(people=300, months=3, mode="misaligned", seed=5, start=date(2025, 10, 1)), folder)
    for kind in ORDER:
        import_file(store, kind, folder / f"{kind}.csv")
    for part in _split(folder / "touchpoints.csv", 3):
        import_file(store, "touchpoints", part)
    return store



"""`revcycle score` as users meet it: explain adds up, history shows why, mistakes are one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from revcycle.pact.loader import example_pact_text
from tests.cli.helpers import revcycle
from tests.conftest import Store


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_explain_and_history_print_what_the_store_holds(simulated: Store) -> None:
    with simulated.engine.connect() as connection:
        best = connection.execute(text("SELECT p.email, s.total FROM person_score s JOIN person p ON p.id = "
                                       "s.person_id ORDER BY s.total DESC, p.id")).first()
    assert best is not None
    email, total = best
    shown = revcycle("score", "explain", email, url=simulated.url)
    assert shown.returncode == 0, shown.stderr
    whole, cents = divmod(total, 100)
    assert f"total {whole}.{cents:02d}" in shown.stdout
    assert f"= {whole}.{cents:02d} (matches the stored score)" in shown.stdout
    history = revcycle("score", "history", email, url=simulated.url)
    assert history.returncode == 0 and "import #" in history.stdout


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_mistakes_are_one_clear_line_without_a_traceback(store: Store, tmp_path: Path) -> None:
    unknown = revcycle("score", "explain", "nobody@nowhere.example", url=store.url)
    assert unknown.returncode == 1
    assert 'no person with email, id or external id "nobody@nowhere.example"' in unknown.stderr
    early = revcycle("score", "calibrate", "--since", "2025-01-01", "--until", "2026-01-01", url=store.url)
    assert early.returncode == 1 and "too few to calibrate on" in early.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(example_pact_text().replace("fit: 40, engagement: 60,", "fit: 40, engagement: 600,"))
    refused = revcycle("score", "backtest", "--pact", bad, "--since", "2025-01-01", url=store.url)
    assert refused.returncode == 1 and "scoring.qualify.engagement: 600 can never be reached" in refused.stderr
    for result in (unknown, early, refused):
        assert "Traceback" not in result.stderr

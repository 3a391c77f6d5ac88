"""Importing a rate file on each store: good rows in and bad rows named, a replay changes nothing, a correction
changes the one rate; `revcycle rates import/list` print that without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from revcycle.bootstrap import App
from revcycle.errors import ImportFileError
from tests.cli.inprocess import invoke
from tests.conftest import NOW, Store

RATES = """currency,rate,valid_from
JPY,0.0067,2026-01-01
eur,1.10,2026-01-01
EUR,1.08,2026-06-01
XX,abc,2026-13-01
EUR,1.2,2026-06-01
"""


def _file(folder: Path, text: str, name: str = "rates.csv") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_good_rows_go_in_bad_rows_are_named_and_a_replay_changes_nothing(store: Store, tmp_path: Path) -> None:
    rates = App.for_engine(store.engine).rates
    first = rates.import_file(_file(tmp_path, RATES), now=NOW)
    assert (first.added, first.changed, first.unchanged, first.quote) == (3, 0, 0, "USD")
    assert [str(problem) for problem in first.rejected] == [
        'line 5: currency: "XX" is not a 3-letter currency code (e.g. EUR); rate: "abc" is not a number (write '
        '0.0067, no thousands separator); valid_from: "2026-13-01" is not a date (write YYYY-MM-DD)',
        "line 6: EUR from 2026-06-01 is already on line 4 with rate 1.08",
    ]
    again = rates.import_file(_file(tmp_path, RATES), now=NOW)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    listed = [(r.currency, r.quote, str(r.rate.normalize()), str(r.valid_from)) for r in rates.list()]
    assert listed == [
        ("EUR", "USD", "1.1", "2026-01-01"),
        ("EUR", "USD", "1.08", "2026-06-01"),
        ("JPY", "USD", "0.0067", "2026-01-01"),
    ]


def test_a_corrected_rate_is_changed_in_place(store: Store, tmp_path: Path) -> None:
    rates = App.for_engine(store.engine).rates
    rates.import_file(_file(tmp_path, "currency,rate,valid_from\nEUR,1.10,2026-01-01\n"), now=NOW)
    fixed = rates.import_file(_file(tmp_path, "currency,rate,valid_from\nEUR,1.11,2026-01-01\n"), now=NOW)
    assert (fixed.added, fixed.changed) == (0, 1)
    assert [str(r.rate.normalize()) for r in rates.list("eur")] == ["1.11"]


def test_a_file_without_the_rate_columns_is_refused_whole(store: Store, tmp_path: Path) -> None:
    rates = App.for_engine(store.engine).rates
    with pytest.raises(ImportFileError, match=r"line 1: missing column\(s\) currency, rate, valid_from"):
        rates.import_file(_file(tmp_path, "code,value\nEUR,1.1\n"), now=NOW)
    assert rates.list() == []


def test_the_rates_commands_print_what_they_did_and_exit_3_on_rejected_rows(store: Store, tmp_path: Path) -> None:
    imported = invoke("rates", "import", str(_file(tmp_path, RATES)), url=store.url)
    assert imported.code == 3
    assert "rates.csv: 3 added, 0 changed, 0 unchanged, 2 rejected (rates into USD)" in imported.stdout
    assert "rates.csv: line 6: EUR from 2026-06-01 is already on line 4" in imported.stderr
    listed = invoke("rates", "list", "--currency", "JPY", url=store.url)
    assert listed.code == 0 and "JPY" in listed.stdout and "0.0067" in listed.stdout and "EUR" not in listed.stdout
    missing = invoke("rates", "import", str(tmp_path / "nope.csv"), url=store.url)
    assert missing.code == 1 and "nope.csv: no such file" in missing.stderr and "Traceback" not in missing.stderr

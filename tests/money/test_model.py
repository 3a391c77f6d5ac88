"""A rate file's row becomes a dated rate, or a rejection naming each bad column; the pact names the currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from revcycle.money.model import Rate, RowRejected, read_rate, reporting_currency
from revcycle.pact.loader import example_pact_text, load_pact


def test_a_row_is_a_rate_into_the_pacts_currency_from_its_date() -> None:
    found = read_rate({"currency": " jpy ", "rate": "0.0067", "valid_from": "2026-01-01"}, 2, quote="USD")
    assert found == Rate("JPY", "USD", Decimal("0.0067"), date(2026, 1, 1))


def test_a_row_may_name_its_quote_currency() -> None:
    found = read_rate({"currency": "EUR", "rate": "0.86", "valid_from": "2026-01-01", "quote": "gbp"}, 2, quote="USD")
    assert isinstance(found, Rate) and found.quote == "GBP"


def test_every_bad_column_of_a_row_is_named_at_once() -> None:
    found = read_rate({"currency": "EURO", "rate": "-1", "valid_from": "01/02/2026"}, 7, quote="USD")
    assert isinstance(found, RowRejected)
    assert str(found) == (
        'line 7: currency: "EURO" is not a 3-letter currency code (e.g. EUR); rate: "-1" must be a positive '
        'number; valid_from: "01/02/2026" is not a date (write YYYY-MM-DD)'
    )


def test_missing_cells_and_a_rate_of_the_currency_into_itself_are_refused() -> None:
    missing = read_rate({}, 3, quote="USD")
    assert isinstance(missing, RowRejected)
    assert "currency: missing" in missing.message and "rate: missing" in missing.message
    itself = read_rate({"currency": "USD", "rate": "1", "valid_from": "2026-01-01"}, 4, quote="USD")
    assert isinstance(itself, RowRejected) and "USD is the currency rates convert to" in itself.message


def test_reports_sum_in_the_pacts_lead_value_currency_and_usd_without_one() -> None:
    pact = load_pact(example_pact_text())
    assert reporting_currency(pact) == "USD"
    euro = pact.model_copy(update={"lead_values": pact.lead_values.model_copy(update={"currency": "eur"})})  # type: ignore[union-attr]
    assert reporting_currency(euro) == "EUR"
    assert reporting_currency(None) == "USD"

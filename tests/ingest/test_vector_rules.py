"""Each columnar rule (`vector_rules.py`) gives what its row rule (`model.py`) gives, cell for cell: the same
value, or a rejection where the row rule rejects a cell."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revcycle.ingest.fields import FieldSpec, Kind, fields_of
from revcycle.ingest.model import WHITESPACE, CellError, converter_for, is_empty
from revcycle.ingest.vector_rules import VECTOR_RULES, NeedsRows, convert_column, trimmed

SPECS = fields_of(Kind.TOUCHPOINTS)
# local times around which each zone's clocks change: spring-forward gaps, fall-back folds, 30- and 15-minute
# changes, one past 2037 (where Arrow's own zone tables stop changing clocks and zoneinfo's rule goes on)
CHANGES = {
    "America/New_York": [datetime(2026, 3, 8, 2, 0), datetime(2026, 11, 1, 1, 0), datetime(2055, 3, 14, 2, 0)],
    "Europe/Dublin": [datetime(2026, 3, 29, 1, 0), datetime(2026, 10, 25, 1, 0)],
    "Australia/Lord_Howe": [datetime(2026, 4, 5, 1, 30), datetime(2026, 10, 4, 2, 0)],
    "Asia/Kathmandu": [datetime(1986, 1, 1, 0, 0)],
    "America/Sao_Paulo": [datetime(2018, 11, 4, 0, 0), datetime(2019, 2, 16, 23, 0)],
}
ZONES = [None, *CHANGES]
ODD = "ΣİßKẞ\u1c89éÉ"  # letters Python and Arrow lower-case differently, or not at all in ASCII
spaces = st.text(st.sampled_from(WHITESPACE), max_size=2)


def _stamp(moment: datetime, separator: str, seconds: int, suffix: str) -> str:
    text = moment.isoformat(separator, timespec=("minutes", "seconds", "milliseconds", "microseconds")[seconds])
    return text + suffix


stamps = st.builds(
    _stamp,
    st.one_of(
        st.builds(
            lambda at, minutes, us: at + timedelta(minutes=minutes, microseconds=us),
            st.sampled_from([at for ats in CHANGES.values() for at in ats]),
            st.integers(-150, 150),
            st.integers(0, 59_999_999),
        ),
        st.datetimes(datetime(1000, 1, 1), datetime(9999, 12, 31, 23)),
    ),
    st.sampled_from(["T", " "]),
    st.integers(0, 3),
    st.sampled_from(["", "", "Z", "+01:00", "-05:30", "+0545", "+14", "-00:00", "+23:59", "+01:60", "z", " Z"]),
)
timestamps = st.one_of(
    stamps,
    st.builds(lambda s: s.replace("-", "", 2).replace(":", ""), stamps),  # the basic form: Python only
    st.sampled_from(["2026-02-30T10:00:00Z", "0999-01-01T00:00:00Z", "9999-12-31T23:30:00-01:00", "2026-03-08", ""]),
    st.text(max_size=12),
)
letters = st.text(st.sampled_from("abcXYZ@.-_ 1" + ODD + WHITESPACE[:6]), max_size=12)
emails = st.one_of(
    st.builds(lambda a, b, c: f"{a}@{b}.{c}", letters, letters, letters),
    st.sampled_from(["ADA@ACME.COM", "ΑΣ@X.COM", "İ@x.io", "a\x0bb@c.de", "a\xa0b@c.de", "x@y.z\x1f"]),
)
choices = st.one_of(
    st.sampled_from(["top", "TOP", "Middle", "bOttom", "tOp", "mİddle", "ТOP", "bottom\x1c", "none"]), letters
)
CELLS: dict[str, tuple[FieldSpec, Any]] = {
    "text": (SPECS["content"], st.text(st.sampled_from("ab ,\"'\n" + ODD + WHITESPACE), max_size=8)),
    "email": (SPECS["person_email"], emails),
    "choice": (SPECS["content_stage"], choices),
    "timestamp": (SPECS["occurred_at"], timestamps),
}


def _row_rule(cells: list[str], spec: FieldSpec, zone: ZoneInfo | None) -> list[Any] | None:
    """What the row path stores for each cell, or None when it rejects one of them."""
    convert = converter_for(spec, zone=zone)
    try:
        return [None if is_empty(cell) else convert(cell) for cell in cells]
    except CellError:
        return None


def _vector_rule(cells: list[str], spec: FieldSpec, zone: ZoneInfo | None) -> list[Any] | None:
    try:
        return convert_column(trimmed(pa.array(cells, pa.string())), spec, zone).to_pylist()  # type: ignore[no-any-return]
    except (NeedsRows, pa.ArrowInvalid):  # columnar.convert_batch sends such a batch the row path
        return None


def test_every_vectorised_type_is_held_equal_here() -> None:
    assert set(VECTOR_RULES) == set(CELLS)


@pytest.mark.parametrize("kind", sorted(CELLS))
@settings(max_examples=150, deadline=None)
@given(data=st.data(), zone_name=st.sampled_from(ZONES))
def test_the_columnar_rule_gives_what_the_row_rule_gives(kind: str, data: st.DataObject, zone_name: str | None) -> None:
    spec, cell = CELLS[kind]
    cells = data.draw(st.lists(st.builds(lambda a, v, b: a + v + b, spaces, cell, spaces), min_size=1, max_size=8))
    zone = ZoneInfo(zone_name) if zone_name else None
    assert _vector_rule(cells, spec, zone) == _row_rule(cells, spec, zone)


@pytest.mark.parametrize(
    ("zone_name", "cell", "utc"),
    [
        ("America/New_York", "2026-03-08T02:30:00", datetime(2026, 3, 8, 7, 30)),  # in the gap: EST (fold=0)
        ("America/New_York", "2026-11-01T01:30:00", datetime(2026, 11, 1, 5, 30)),  # twice on the clock: EDT, first
        ("America/New_York", "2050-07-01T12:00:00", datetime(2050, 7, 1, 16, 0)),  # past Arrow's tables: still EDT
        ("Australia/Lord_Howe", "2026-10-04T02:15:00", datetime(2026, 10, 3, 15, 45)),  # in the 30-minute gap
        ("Australia/Lord_Howe", "2026-10-04T02:45:00", datetime(2026, 10, 3, 15, 45)),  # same hour, after the gap
        ("Asia/Kathmandu", "1986-01-01T00:20:00", datetime(1985, 12, 31, 18, 35)),  # after a 15-minute jump
    ],
)
def test_local_times_where_clocks_change_follow_fold_zero(zone_name: str, cell: str, utc: datetime) -> None:
    zone = ZoneInfo(zone_name)
    got = _vector_rule([cell], SPECS["occurred_at"], zone)
    assert got is not None and got[0].replace(tzinfo=None) == utc
    assert got == _row_rule([cell], SPECS["occurred_at"], zone)


def test_the_whitespace_both_paths_trim_is_every_character_str_strip_removes() -> None:
    import sys

    every = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
    assert every == WHITESPACE
    assert all((c + "a" + c).strip() == "a" for c in WHITESPACE)

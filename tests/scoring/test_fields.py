"""Field tests answered per distinct column value agree with the pact's own evaluator on every value."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from revcycle.pact.conditions import SENIORITY, Facts, FieldTest, evaluate
from revcycle.scoring.fields import answers, email_domain, factorize, field_matrix, record
from revcycle.scoring.model import Group, Rule
from revcycle.scoring.sql import sqlite_instants

SCALARS = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["a", "b", "ab", "director", "vp", "x@y.z", ""]),
                    st.sampled_from(list(SENIORITY)), st.booleans(), st.floats(-2, 2, allow_nan=False))
VALUES = st.one_of(SCALARS, st.lists(st.sampled_from(["a", "b", 1]), max_size=3),
                   st.dictionaries(st.sampled_from(["k"]), st.integers(0, 2), max_size=1))
OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "matches", "exists")


@st.composite
def field_tests(draw: st.DrawFn) -> FieldTest:
    field = draw(st.sampled_from(["person.seniority", "person.title", "account.employees", "account.technologies"]))
    operator = draw(st.sampled_from(OPERATORS))
    if operator in ("in", "not_in"):
        wanted: Any = draw(st.lists(SCALARS.filter(lambda v: v is not None), min_size=1, max_size=3))
    elif operator == "matches":
        wanted = draw(st.sampled_from(["^a", "b$", "(?i)DIRECTOR", "1"]))
    elif operator == "exists":
        wanted = draw(st.booleans())
    else:
        wanted = draw(SCALARS.filter(lambda v: v is not None))
    return FieldTest.model_validate({"field": field, operator: wanted})


def _one(test: FieldTest, value: Any) -> bool:
    owner, _, column = test.field.partition(".")
    facts = Facts(person={column: value}) if owner == "person" else Facts(account={column: value})
    return evaluate(test, facts, now=datetime(2026, 1, 1, tzinfo=UTC))


@settings(max_examples=400, deadline=None)
@given(field_tests(), st.lists(VALUES, min_size=1, max_size=8))
def test_answers_per_value_are_the_evaluators_answers(test: FieldTest, values: list[Any]) -> None:
    assert answers(test, values).tolist() == [_one(test, value) for value in values]


def test_nested_attributes_and_missing_values_read_like_the_evaluator() -> None:
    rule = Rule(0, "plan", Group.FIT, 100, when=FieldTest.model_validate(
        {"field": "person.attributes.plan.tier", "in": ["gold", "silver"]}))
    raw = ['{"plan": {"tier": "gold"}}', '{"plan": {"tier": "bronze"}}', '{"plan": 3}', None, "null"]
    assert field_matrix([rule], {("person", "attributes"): raw}, len(raw))[:, 0].tolist() == [
        True, False, False, False, False]
    assert np.array_equal(field_matrix([rule], {("person", "attributes"): []}, 0), np.zeros((0, 1), dtype=bool))


def test_the_email_domain_is_what_follows_the_first_at_as_the_store_derives_it() -> None:
    assert [email_domain(e) for e in ("ada@acme.example", "odd@a@b", "no-at-sign", "")] == [
        "acme.example", "a@b", "no-at-sign", ""]
    assert record("person", {"email": "ada@acme.example"})["email_domain"] == "acme.example"


def test_instants_are_written_in_the_form_sqlite_stores_them() -> None:
    rng = np.random.default_rng(5)
    moments = np.concatenate([rng.integers(-10**16, 2 * 10**17, 5000), [0, -1, 1, 951782400000000]]).astype(np.int64)
    arrow = pc.strftime(pa.array(moments).cast(pa.timestamp("us")), format="%Y-%m-%d %H:%M:%S").to_pylist()
    assert sqlite_instants(moments) == arrow
    assert sqlite_instants(np.array([951782400000001]))[0] == "2000-02-29 00:00:00.000001"


cells = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(max_size=3), st.sampled_from(["director", "Director", "vp", ""]))


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=40))
def test_small_columns_factorize_as_pandas_does(values: list[object]) -> None:
    codes, uniques = factorize(values)
    expected_codes, expected_uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    assert codes.tolist() == expected_codes.tolist()
    assert [repr(u) for u in uniques] == [repr(u) for u in expected_uniques]
    assert codes.dtype == np.int64

"""Field rules over columns: each field test is answered once per distinct value of the column it reads.

A million people share a few thousand titles, company sizes and email domains, so a test is answered for each
distinct value and the answer spread back to the rows; `all`, `any` and `not` combine the rows' answers. The
answers are those of the pact's own evaluator (`pact.conditions.evaluate`): equality, membership and order
tests are answered here with its rules (a test holds no property the evaluator does not, and the tests prove
the two agree), anything else is handed to the evaluator itself. Stored values are normalised the same way
when one person is scored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from revcycle.pact.conditions import AllOf, AnyOf, Facts, FieldTest, NotOf, evaluate, seniority_rank
from revcycle.scoring.model import Rule
from revcycle.store.base import utc

__all__ = ["JSON_COLUMNS", "answers", "column_of", "columns_needed", "factorize", "field_matrix", "normalise", "record"]

JSON_COLUMNS = frozenset({"attributes", "technologies"})
_TIMES = frozenset({"created_at"})
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # field conditions never read the time
Bools = npt.NDArray[np.bool_]


def _tests(condition: Any) -> Iterator[FieldTest]:
    if isinstance(condition, AllOf):
        for part in condition.all:
            yield from _tests(part)
    elif isinstance(condition, AnyOf):
        for part in condition.any:
            yield from _tests(part)
    elif isinstance(condition, NotOf):
        yield from _tests(condition.not_)
    elif isinstance(condition, FieldTest):
        yield condition


def column_of(field: str) -> tuple[str, str]:
    """The stored (owner, column) a pact field reads (`email_domain` is derived from the email in the query)."""
    owner, _, rest = field.partition(".")
    return owner, rest.split(".", 1)[0]


def columns_needed(rules: Sequence[Rule]) -> list[tuple[str, str]]:
    """Every column the field rules read, as (person|account, column), in a stable order."""
    return sorted({column_of(test.field) for rule in rules for test in _tests(rule.when)})


def normalise(column: str, raw: Any) -> Any:
    """A stored value as the condition language sees it (JSON parsed, instants aware)."""
    if raw is None:
        return None
    if column in JSON_COLUMNS and isinstance(raw, str):
        return json.loads(raw)
    if column in _TIMES:
        return utc(datetime.fromisoformat(raw) if isinstance(raw, str) else raw)
    return raw


def email_domain(email: str) -> str:
    """What follows the first @ (the whole text when there is none), as the store's query derives it."""
    return email[email.find("@") + 1:]


def record(owner: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping a condition reads for one person or account, from normalised column values."""
    out = dict(values)
    if owner == "person" and out.get("email") is not None:
        out["email_domain"] = email_domain(str(out["email"]))
    return out


def field_matrix(rules: Sequence[Rule], columns: Mapping[tuple[str, str], Sequence[Any]], size: int) -> Bools:
    """Whether each field rule holds for each row (rows x rules), from the stored column values."""
    codes: dict[tuple[str, str], tuple[npt.NDArray[np.int64], list[Any]]] = {}
    for key in columns_needed(rules):
        labels, uniques = factorize(columns[key])
        codes[key] = (labels, [normalise(key[1], raw) for raw in uniques])
    out = np.zeros((size, len(rules)), dtype=np.bool_)
    for k, rule in enumerate(rules):
        out[:, k] = _rows(rule.when, codes, size)
    return out


_SMALL = 2_000  # rows below which Python's dict beats loading pandas (0.15-0.3 s) for a one-row import


def factorize(values: Sequence[Any]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Each value's code (-1 for None and NaN) and the distinct values in first-seen order, as
    `pandas.factorize` gives them; small columns without pandas (held equal by tests/scoring/test_fields.py)."""
    if len(values) >= _SMALL:
        import pandas as pd  # here, not at the top: a small import needs no pandas

        labels, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        return labels.astype(np.int64), list(uniques)
    seen: dict[Any, int] = {}
    codes = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and value != value):
            codes[i] = -1
        else:
            codes[i] = seen.setdefault(value, len(seen))
    return codes, list(seen)


def _rows(condition: Any, codes: Mapping[tuple[str, str], tuple[npt.NDArray[np.int64], list[Any]]],
          size: int) -> Bools:
    if isinstance(condition, AllOf):
        return np.logical_and.reduce([_rows(part, codes, size) for part in condition.all])  # type: ignore[no-any-return]
    if isinstance(condition, AnyOf):
        return np.logical_or.reduce([_rows(part, codes, size) for part in condition.any])  # type: ignore[no-any-return]
    if isinstance(condition, NotOf):
        return ~_rows(condition.not_, codes, size)
    labels, uniques = codes[column_of(condition.field)]
    values = [_walk(condition.field, value) for value in uniques] + [None]  # the last one answers empty cells
    return answers(condition, values)[labels]


def _walk(field: str, value: Any) -> Any:
    """The value of `owner.column.a.b` inside a stored column value (attributes are nested mappings)."""
    for part in field.split(".")[2:]:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def answers(test: FieldTest, values: Sequence[Any]) -> Bools:
    """`evaluate(test, ...)` for a person or account whose field holds each of these values."""
    (operator, wanted), = test.operators().items()
    if operator == "exists":
        return np.array([(value is not None) == wanted for value in values], dtype=np.bool_)
    compared = values
    if test.field == "person.seniority":
        compared = [None if value is None else seniority_rank(value) for value in values]
        wanted = seniority_rank(wanted)
    answer = _quick(operator, wanted)
    if answer is None:
        return np.array([_evaluated(test, value) for value in values], dtype=np.bool_)
    return np.array([operator in ("ne", "not_in") if value is None else answer(value) for value in compared],
                    dtype=np.bool_)


def _quick(operator: str, wanted: Any) -> Callable[[Any], bool] | None:
    """The evaluator's answer for one present value, for the operators simple enough to answer here."""
    if operator in ("in", "not_in") and all(isinstance(w, str | int | float | bool) for w in wanted):
        members = set(wanted)
        return (lambda v: _member(v, members)) if operator == "in" else (lambda v: not _member(v, members))
    if operator == "eq":
        return lambda v: bool(v == wanted)
    if operator == "ne":
        return lambda v: bool(v != wanted)
    if operator in ("gt", "gte", "lt", "lte"):
        return lambda v: _ordered(operator, v, wanted)
    return None


def _member(value: Any, members: set[Any]) -> bool:
    try:
        return value in members
    except TypeError:  # an unhashable value (a list) equals no scalar
        return False


def _ordered(operator: str, value: Any, wanted: Any) -> bool:
    try:
        if operator == "gt":
            return bool(value > wanted)
        if operator == "gte":
            return bool(value >= wanted)
        if operator == "lt":
            return bool(value < wanted)
        return bool(value <= wanted)
    except TypeError:
        return False


def _evaluated(test: FieldTest, value: Any) -> bool:
    owner, _, rest = test.field.partition(".")
    nested: dict[str, Any] = {}
    target = nested
    parts = rest.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value
    facts = Facts(person=nested) if owner == "person" else Facts(account=nested)
    return evaluate(test, facts, now=_NO_TIME)

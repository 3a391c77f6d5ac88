"""Exact quantiles computed in the engine, identical on every backend (numpy's default interpolation).

DuckDB and PostgreSQL (`percentile_cont`) and Spark (`percentile`) have an exact aggregate. SQLite has none,
so there each group's values are ranked (`row_number`) and the two neighbours of position (n - 1) * q are
interpolated linearly, which is what those aggregates compute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir

__all__ = ["at_levels", "quantiles", "unpacked"]


def quantiles(
    rows: ir.Table, keys: Sequence[str], value: str, levels: Mapping[str, float], *, native: bool = True
) -> ir.Table:
    """Per group of `keys`: `n` and one column per level name with the exact quantile of `value`."""
    present = rows.filter(rows[value].notnull())
    if native:
        column = present[value]
        grouped = present.group_by(list(keys)).aggregate(n=column.count(), _levels=at_levels(column, levels))
        return grouped.select(*keys, "n", **unpacked(grouped._levels, levels))
    return _ranked(present, keys, value, levels)


def at_levels(column: ir.NumericColumn, levels: Mapping[str, float]) -> ir.ArrayValue:
    """All the exact quantiles of a column as one aggregate (one sort of the values, not one per level)."""
    return column.quantile(list(levels.values()))


def unpacked(values: ir.ArrayValue, levels: Mapping[str, float]) -> dict[str, ir.Value]:
    """The quantiles `at_levels` returned, one column per level name."""
    return {name: values[i] for i, name in enumerate(levels)}


def _ranked(present: ir.Table, keys: Sequence[str], value: str, levels: Mapping[str, float]) -> ir.Table:
    ranked = present.mutate(
        _rank=ibis.row_number().over(group_by=list(keys), order_by=present[value]),
        _n=present[value].count().over(group_by=list(keys)),
    )
    aggregates: dict[str, ir.Value] = {"n": ranked._n.max()}
    for name, level in levels.items():
        position = (ranked._n - 1) * level
        aggregates[f"_{name}_lo"] = ranked[value].max(where=ranked._rank == position.floor())
        aggregates[f"_{name}_hi"] = ranked[value].max(where=ranked._rank == position.ceil())
    grouped = ranked.group_by(list(keys)).aggregate(**aggregates)
    finals = {}
    for name, level in levels.items():
        position = (grouped.n - 1) * level
        fraction = position - position.floor()
        low, high = grouped[f"_{name}_lo"], grouped[f"_{name}_hi"]
        finals[name] = low + (high - low) * fraction
    return grouped.select(*keys, "n", **finals)

"""Every query that reads touches for scoring: the touches that match any touch rule, as columns.

One statement computes, per touch, a bit mask of the rules it matches (`sql.filter_sql`), so only matching
touches leave the store. Everybody's touches on a large SQLite file are scanned by one child process per core,
each over a range of touchpoint ids on its own read-only connection: the scan is the store's work, and
processes halve it where threads would fight over the interpreter for every row they fetch.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from revcycle.errors import StoreError
from revcycle.scoring.engine import TouchColumns
from revcycle.scoring.model import Scorecard
from revcycle.scoring.sql import Driver, Statement, filter_sql

__all__ = ["PARALLEL_SCAN_FROM", "TouchTable", "read_touches", "scan_in_processes", "start_scan", "touch_statement"]

Ints = npt.NDArray[np.int64]
PARALLEL_SCAN_FROM = 1_000_000  # touchpoints; below this starting processes costs more than it saves
_MASK_BITS = 62


@dataclass(frozen=True)
class TouchTable:
    """Rule-matching touches of many people by person id, one column per touch rule in `matched`."""

    person_id: Ints
    at_us: Ints
    touch_id: Ints
    matched: npt.NDArray[np.bool_]

    @staticmethod
    def empty(rules: int) -> TouchTable:
        """No touches."""
        none = np.zeros(0, dtype=np.int64)
        return TouchTable(none, none, none, np.zeros((0, rules), dtype=np.bool_))

    @staticmethod
    def concat(parts: list[TouchTable], rules: int) -> TouchTable:
        """Parts read one after another, as one table sorted by person, time and id."""
        if not parts:
            return TouchTable.empty(rules)
        person, at, touch = (np.concatenate([getattr(p, name) for p in parts])
                             for name in ("person_id", "at_us", "touch_id"))
        order = np.lexsort((touch, at, person))
        return TouchTable(person[order], at[order], touch[order], np.concatenate([p.matched for p in parts])[order])

    def of(self, ids: Ints) -> TouchColumns:
        """The touches of these people (ids ascending), each pointing at its person's position in `ids`."""
        if len(ids) == 0:
            return TouchColumns.empty(self.matched.shape[1])
        low = int(np.searchsorted(self.person_id, ids[0], side="left"))
        high = int(np.searchsorted(self.person_id, ids[-1], side="right"))
        person = self.person_id[low:high]
        position = np.searchsorted(ids, person)
        mine = ids[np.minimum(position, len(ids) - 1)] == person
        rows = np.arange(low, high)[mine]
        return TouchColumns(position[mine].astype(np.int64), self.at_us[rows], self.touch_id[rows], self.matched[rows])


def touch_statement(card: Scorecard, driver: Driver) -> Statement:
    """SELECT person, touch id, microseconds and the rule mask(s) of every touch matching a touch rule."""
    conditions = [filter_sql(rule.touches, driver) for rule in card.touch_rules if rule.touches is not None]
    sql = Statement(f"SELECT t.person_id, t.id, {driver.micros('t.occurred_at')}")
    for start in range(0, len(conditions), _MASK_BITS):
        sql.add(", ")
        for bit, condition in enumerate(conditions[start:start + _MASK_BITS]):
            sql.add((" + " if bit else "") + f"CASE WHEN {condition.text} THEN {1 << bit} ELSE 0 END",
                    *condition.params)
    sql.add(" FROM touchpoint t WHERE (")
    for i, condition in enumerate(conditions):
        sql.add((" OR " if i else "") + condition.text, *condition.params)
    return sql.add(")")


def read_touches(chunks: Iterable[list[Any]], rules: int, people: Ints | None = None) -> TouchTable:
    """The rows of `touch_statement`, chunk by chunk, as one sorted table; only those of `people` if given
    (each chunk is cut down as it is read, so memory holds no more than the wanted touches and one chunk)."""
    return TouchTable.concat([_table(rows, rules, people) for rows in chunks], rules)


def _table(rows: list[Any], rules: int, people: Ints | None = None) -> TouchTable:
    person_id, touch_id, at, *masks = zip(*rows, strict=True)
    matched = np.zeros((len(rows), rules), dtype=np.bool_)
    for column, values in enumerate(masks):
        bits = np.array(values, dtype=np.int64)
        for bit in range(min(_MASK_BITS, rules - column * _MASK_BITS)):
            matched[:, column * _MASK_BITS + bit] = (bits >> bit) & 1 == 1
    table = TouchTable(np.array(person_id, dtype=np.int64), np.array(at, dtype=np.int64),
                       np.array(touch_id, dtype=np.int64), matched)
    if people is None:
        return table
    keep = np.isin(table.person_id, people)
    return TouchTable(table.person_id[keep], table.at_us[keep], table.touch_id[keep], table.matched[keep])


def scan_in_processes(database: str, statement: Statement, rules: int, high: int,
                      processes: int | None = None) -> TouchTable:
    """`touch_statement` over everybody on a SQLite file, by several processes over ranges of touchpoint ids
    (`high` is one past the highest id); each reads the committed store on its own read-only connection."""
    return start_scan(database, statement, rules, high, processes)()


def start_scan(database: str, statement: Statement, rules: int, high: int,
               processes: int | None = None) -> Callable[[], TouchTable]:
    """Start `scan_in_processes` and return what waits for its result (the caller works meanwhile)."""
    count = processes or min(2, os.cpu_count() or 1)
    bounds = [high * k // count for k in range(count + 1)]
    folder = tempfile.TemporaryDirectory(prefix="revcycle-scan-")
    # plain child processes (not multiprocessing): nothing of the caller (connections, threads, its main
    # module) is inherited or re-run
    children = []
    for k in range(count):
        job = {"database": database, "sql": statement.text, "params": statement.params, "low": bounds[k],
               "high": bounds[k + 1], "rules": rules, "out": str(Path(folder.name) / f"part-{k}.npz")}
        child = subprocess.Popen([sys.executable, "-m", "revcycle.scoring.touches"], stdin=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert child.stdin is not None
        child.stdin.write(json.dumps(job))
        child.stdin.close()
        children.append((child, str(job["out"])))

    def result() -> TouchTable:
        with folder:
            return TouchTable.concat([_collect(child, out) for child, out in children], rules)

    return result


def _collect(child: subprocess.Popen[str], out: str) -> TouchTable:
    with child:  # closes its pipes
        assert child.stderr is not None
        problem = child.stderr.read()
        failed = child.wait() != 0
    if failed:
        raise StoreError(f"scanning the touchpoints failed: {problem.strip().splitlines()[-1:]}")
    with np.load(out) as saved:
        return TouchTable(saved["person_id"], saved["at_us"], saved["touch_id"], saved["matched"])


def _scan_range(job: dict[str, Any]) -> None:
    """In a child process: scan one range of touchpoint ids and save the columns."""
    connection = sqlite3.connect(f"file:{job['database']}?mode=ro", uri=True)
    try:
        cursor = connection.execute(f"{job['sql']} AND t.id >= ? AND t.id < ?", [*job["params"], job["low"],
                                                                                 job["high"]])
        table = read_touches(iter(lambda: cursor.fetchmany(500_000), []), job["rules"])
    finally:
        connection.close()
    np.savez(job["out"], person_id=table.person_id, at_us=table.at_us, touch_id=table.touch_id,
             matched=table.matched)


if __name__ == "__main__":
    _scan_range(json.loads(sys.stdin.read()))

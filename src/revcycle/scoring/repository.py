"""Every query of scoring: the columns a batch is scored from, writing scores and hits, reading them back."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from revcycle.cycle.tables import Account, Campaign, Person, Touchpoint
from revcycle.pact.conditions import Facts
from revcycle.scoring.engine import AccountColumns, BatchScores, PeopleColumns, TouchColumns
from revcycle.scoring.fields import JSON_COLUMNS, columns_needed, field_matrix, normalise, record
from revcycle.scoring.model import Scorecard, ScoringTouch, micros
from revcycle.scoring.sql import Driver, Selection, Statement, sqlite_instants
from revcycle.scoring.tables import AccountScore, PersonScore, ScoreChange, ScoreHit
from revcycle.scoring.touches import (
    PARALLEL_SCAN_FROM,
    TouchTable,
    read_touches,
    start_scan,
    touch_statement,
)
from revcycle.store.base import utc
from revcycle.store.bulk import insert_rows, timestamp_param

__all__ = ["Batch", "ScoringRepository"]

Ints = npt.NDArray[np.int64]
_PERSON_COLUMNS = ("email", "first_name", "last_name", "title", "seniority", "department", "country", "persona",
                   "stage", "created_at", "source_system", "external_id", "attributes")
_ACCOUNT_COLUMNS = ("name", "domain", "industry", "employees", "country", "technologies", "created_at", "attributes")
_HIT_COLUMNS = ("person_id", "rule", "grp", "at", "touchpoint_id", "times", "points", "decayed", "limited", "capped")
_ONE_PASS_SHARE = 0.5  # of everybody: fewer people's touches are looked up person by person
_ONE_PASS_AT_MOST = 5_000_000  # touchpoints: a larger table is read person by person (memory stays bounded)
_SCORE_COLUMNS = ("person_id", "fit", "engagement", "total", "qualified", "as_of", "pact_version_id")
_CHANGE_COLUMNS = ("person_id", "at", "fit", "engagement", "total", "qualified", "cause", "pact_version_id")
_ACCOUNT_SCORE_COLUMNS = ("account_id", "fit", "engagement", "total", "people", "engaged_people", "qualified_people",
                          "as_of")


@dataclass(frozen=True)
class Batch:
    """A batch of people ready to score, with their account."""

    people: PeopleColumns
    touches: TouchColumns
    account_id: list[int | None]


class ScoringRepository:
    """Scoring's reads and writes; it never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.driver = Driver(session)

    def person_ids(self) -> Ints:
        """Every person's id, ascending."""
        rows = self.driver.rows(Statement("SELECT id FROM person ORDER BY id"))
        return np.array([row[0] for row in rows], dtype=np.int64)

    def batch(self, card: Scorecard, selection: Selection, now: datetime, touches: TouchTable | None = None) -> Batch:
        """The people of a selection scored at `now`: field-rule results and matching touches, as columns
        (taken from `touches` when given: a table read beforehand that holds every touch of the selection)."""
        people, accounts = self.people(card, selection, now)
        read = touches if touches is not None else self.touches(card, selection)
        return Batch(people, read.of(people.person_id), accounts)

    def touches_in_one_pass(self, card: Scorecard, ids: Sequence[int]) -> TouchTable | None:
        """The rule-matching touches of these people, read in one pass over the touchpoint table, when they are at
        least half of everybody and the table is not large; None otherwise. Reading a million touches in table
        order took 1.9 s here, looking up the same touches person by person through the index 4.5 s."""
        if not card.touch_rules or not ids:
            return None
        people = int(self.driver.rows(Statement("SELECT COALESCE(MAX(id), 0) FROM person"))[0][0])
        touches = int(self.driver.rows(Statement("SELECT COALESCE(MAX(id), 0) FROM touchpoint"))[0][0])
        if len(ids) < _ONE_PASS_SHARE * people or touches > _ONE_PASS_AT_MOST:
            return None
        statement = touch_statement(card, self.driver)
        return read_touches(self.driver.chunks(statement, 500_000), len(card.touch_rules),
                            people=np.asarray(sorted(ids), dtype=np.int64))

    def people(self, card: Scorecard, selection: Selection, now: datetime) -> tuple[PeopleColumns, list[int | None]]:
        """The people of a selection (ids ascending) with their field-rule results, and their accounts."""
        needed = columns_needed(card.field_rules)
        expressions = [self._column(owner, column) for owner, column in needed]
        sql = Statement("SELECT p.id, p.account_id" + "".join(f", {e}" for e in expressions)
                        + " FROM person p LEFT JOIN account a ON a.id = p.account_id WHERE 1 = 1")
        rows = self.driver.rows(self.driver.where(sql, "p.id", selection))
        rows.sort(key=lambda row: int(row[0]))
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        columns = {key: [row[2 + i] for row in rows] for i, key in enumerate(needed)}
        people = PeopleColumns(ids, np.full(len(ids), micros(now), dtype=np.int64),
                               field_matrix(card.field_rules, columns, len(ids)))
        return people, [row[1] for row in rows]

    def _column(self, owner: str, column: str) -> str:
        """The SQL expression for a column a field rule reads (JSON as text, the email's domain derived)."""
        allowed = _PERSON_COLUMNS if owner == "person" else _ACCOUNT_COLUMNS
        if (owner, column) == ("person", "email_domain"):
            return self.driver.email_domain("p.email")
        if column not in allowed:
            raise ValueError(f"{owner}.{column} is not a stored column")
        alias = "p" if owner == "person" else "a"
        return f"CAST({alias}.{column} AS TEXT)" if column in JSON_COLUMNS else f"{alias}.{column}"

    def touches(self, card: Scorecard, selection: Selection) -> TouchTable:
        """The touches of a selection of people that match any touch rule."""
        if not card.touch_rules:
            return TouchTable.empty(0)
        statement = self.driver.where(touch_statement(card, self.driver), "t.person_id", selection)
        return read_touches(self.driver.chunks(statement, 500_000), len(card.touch_rules))

    def everybodys_touches(self, card: Scorecard) -> Callable[[], TouchTable]:
        """Start reading everybody's rule-matching touches; call the result to get them. On a large SQLite file
        child processes scan ranges of touchpoints meanwhile; otherwise they are read when asked for."""
        high = self._parallel_scan_end() if card.touch_rules else None
        if high is None:
            return lambda: self.touches(card, Selection())
        database = self.session.get_bind().engine.url.database
        assert database is not None
        return start_scan(database, touch_statement(card, self.driver), len(card.touch_rules), high)

    def _parallel_scan_end(self) -> int | None:
        """One past the highest touchpoint id, when the store is a SQLite file large enough to scan in parallel."""
        database = self.session.get_bind().engine.url.database
        if not self.driver.sqlite or not database or database == ":memory:":
            return None
        high = int(self.driver.rows(Statement("SELECT COALESCE(MAX(id), 0) FROM touchpoint"))[0][0]) + 1
        return high if high > PARALLEL_SCAN_FROM else None

    def scores(self, selection: Selection) -> dict[int, tuple[int, int, int, bool]]:
        """Stored scores of a selection: fit, engagement, total, qualified."""
        sql = Statement("SELECT person_id, fit, engagement, total, qualified FROM person_score WHERE 1 = 1")
        return {int(r[0]): (int(r[1]), int(r[2]), int(r[3]), bool(r[4]))
                for r in self.driver.rows(self.driver.where(sql, "person_id", selection))}

    def delete(self, selection: Selection, *, hits: bool = True) -> None:
        """Forget the stored scores (and hits) of a selection before writing new ones."""
        for table in ("score_hit", "person_score") if hits else ("person_score",):
            self.driver.run(self.driver.where(Statement(f"DELETE FROM {table} WHERE 1 = 1"), "person_id", selection))

    def write(self, card: Scorecard, batch: Batch, result: BatchScores, *, now: datetime,
              pact_version_id: int | None, cause: str, old: dict[int, tuple[int, int, int, bool]]) -> int:
        """Store the batch's scores and hits, and a history row for each score that changed; how many changed."""
        ids = batch.people.person_id.tolist()
        at = timestamp_param(self.session, now)
        news = list(zip(result.fit.tolist(), result.engagement.tolist(), result.total.tolist(),
                        result.qualified.tolist(), strict=True))
        insert_rows(self.session, "person_score", _SCORE_COLUMNS,
                    [(pid, *new, at, pact_version_id) for pid, new in zip(ids, news, strict=True)])
        changed = [(pid, at, *new, cause, pact_version_id) for pid, new in zip(ids, news, strict=True)
                   if old.get(pid) != tuple(new)]
        insert_rows(self.session, "score_change", _CHANGE_COLUMNS, changed)
        self._hits(card, batch.people.person_id, result)
        return len(changed)

    def _hits(self, card: Scorecard, ids: Ints, result: BatchScores) -> None:
        hits = result.hits
        if len(hits.person) == 0:
            return
        names = np.array([rule.name for rule in card.rules], dtype=object)
        groups = np.array([rule.group.value for rule in card.rules], dtype=object)
        touch = hits.touch_id.astype(object)
        touch[hits.touch_id < 0] = None
        columns = [ids[hits.person].tolist(), names[hits.rule].tolist(), groups[hits.rule].tolist(),
                   self._instants(hits.at_us), touch.tolist(), hits.times.tolist(), hits.points.tolist(),
                   hits.decayed.tolist(), hits.limited.tolist(), hits.capped.tolist()]
        marks = ", ".join("?" * len(_HIT_COLUMNS))
        self.driver.many(f"INSERT INTO score_hit ({', '.join(_HIT_COLUMNS)}) VALUES ({marks})",
                         zip(*columns, strict=True))  # an iterator: no list of millions of rows

    def _instants(self, at_us: Ints) -> list[Any]:
        """Instants in the form `UtcDateTime` stores them, each distinct one converted once."""
        values, inverse = np.unique(at_us, return_inverse=True)
        if self.driver.sqlite:
            stored = np.asarray(sqlite_instants(values), dtype=object)
        else:
            stored = np.asarray(pa.array(values, type=pa.int64()).cast(pa.timestamp("us")).to_pylist(), dtype=object)
        return stored[inverse.reshape(-1)].tolist()  # type: ignore[no-any-return]

    def members(self, accounts: Sequence[int]) -> tuple[Ints, Ints, Ints, Ints, npt.NDArray[np.bool_]]:
        """The scored people of these accounts: account, person, fit, engagement, qualified."""
        sql = Statement("SELECT p.account_id, s.person_id, s.fit, s.engagement, s.qualified FROM person_score s "
                        "JOIN person p ON p.id = s.person_id WHERE 1 = 1")
        rows = self.driver.rows(self.driver.where(sql, "p.account_id", Selection(ids=accounts))) if accounts else []
        account, person, fit, engagement = (np.array([r[k] for r in rows], dtype=np.int64) for k in range(4))
        return account, person, fit, engagement, np.array([bool(r[4]) for r in rows], dtype=np.bool_)

    def delete_accounts(self, accounts: Sequence[int]) -> None:
        """Forget the stored scores of these accounts (one with no scored member left keeps none)."""
        if accounts:
            self.driver.run(self.driver.where(Statement("DELETE FROM account_score WHERE 1 = 1"), "account_id",
                                              Selection(ids=accounts)))

    def replace_accounts(self, scored: AccountColumns, *, everybody: bool, now: datetime) -> None:
        """Store these account scores in place of the old ones (of these accounts, or of every account)."""
        ids = scored.account_id.tolist()
        if everybody:
            self.driver.run(Statement("DELETE FROM account_score"))
        elif ids:
            self.delete_accounts(ids)
        else:
            return
        at = timestamp_param(self.session, now)
        columns = [scored.fit, scored.engagement, scored.total, scored.people, scored.engaged, scored.qualified]
        insert_rows(self.session, "account_score", _ACCOUNT_SCORE_COLUMNS,
                    [(*row, at) for row in zip(ids, *(c.tolist() for c in columns), strict=True)])

    @contextmanager
    def large_cache(self) -> Iterator[None]:
        """On SQLite, a 256 MiB page cache for the connection while a full rescore writes (indexes on random
        values, like scores, thrash the default 2 MiB); restored afterwards."""
        if not self.driver.sqlite:
            yield
            return
        before = self.driver.rows(Statement("PRAGMA cache_size"))[0][0]
        self.driver.run(Statement("PRAGMA cache_size = -262144"))
        try:
            yield
        finally:
            self.driver.run(Statement(f"PRAGMA cache_size = {int(before)}"))

    def clear(self) -> None:
        """Forget every stored hit (a full rescore rewrites them all)."""
        self.driver.run(Statement("DELETE FROM score_hit"))

    def facts(self, person_id: int) -> Facts:
        """One person's fields, account fields and touches, as conditions and the scoring model read them."""
        person = self.session.get(Person, person_id)
        if person is None:
            return Facts()
        account = self.session.get(Account, person.account_id) if person.account_id else None
        query = (select(Touchpoint, Campaign.external_id, Campaign.name)
                 .outerjoin(Campaign, Campaign.id == Touchpoint.campaign_id)
                 .where(Touchpoint.person_id == person_id).order_by(Touchpoint.occurred_at, Touchpoint.id))
        touches = tuple(ScoringTouch(t.type, utc(t.occurred_at), t.channel, t.content_stage, t.content, key, t.url,
                                     t.id, name) for t, key, name in self.session.execute(query))
        return Facts(person=_record("person", person, _PERSON_COLUMNS),
                     account=_record("account", account, _ACCOUNT_COLUMNS) if account else {}, touches=touches)

    def current(self, person_id: int) -> tuple[PersonScore | None, list[tuple[ScoreHit, Touchpoint | None]]]:
        """A person's stored score and its hits with the touch each came from, in score order."""
        score = self.session.get(PersonScore, person_id)
        query = (select(ScoreHit, Touchpoint).outerjoin(Touchpoint, Touchpoint.id == ScoreHit.touchpoint_id)
                 .where(ScoreHit.person_id == person_id).order_by(ScoreHit.grp.desc(), ScoreHit.at, ScoreHit.id))
        return score, [(hit, touch) for hit, touch in self.session.execute(query).tuples()]

    def appeared(self, ids: Ints) -> Ints:
        """When each of these people (ids ascending) first appeared: their created_at in microseconds."""
        rows = self.driver.rows(Statement(f"SELECT id, {self.driver.micros('created_at')} FROM person ORDER BY id"))
        found = {int(r[0]): int(r[1]) for r in rows}
        return np.array([found[i] for i in ids.tolist()], dtype=np.int64)

    def people_with_reasons(self, codes: Sequence[str]) -> dict[str, set[int]]:
        """For each reason code, the people ever moved with it (sales' recycle and disqualify reasons)."""
        out: dict[str, set[int]] = {code: set() for code in codes}
        if codes:
            sql = Statement(f"SELECT DISTINCT reason, person_id FROM stage_change WHERE reason IN "
                            f"({', '.join('?' * len(codes))})", list(codes))
            for code, person in self.driver.rows(sql):
                out[code].add(int(person))
        return out

    def sdrs(self) -> int:
        """Active users on an SDR team."""
        sql = Statement("SELECT COUNT(*) FROM app_user u JOIN team t ON t.id = u.team_id "
                        "WHERE t.function = 'sdr' AND u.active")
        return int(self.driver.rows(sql)[0][0])

    def labels(self, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """Email (or external id) and current stage of these people."""
        sql = self.driver.where(Statement("SELECT id, COALESCE(email, external_id), stage FROM person WHERE 1 = 1"),
                                "id", Selection(ids=ids))
        return {int(r[0]): (str(r[1]), str(r[2])) for r in self.driver.rows(sql)} if ids else {}

    def top_accounts(self, limit: int) -> list[tuple[AccountScore, str]]:
        """The highest-scoring accounts with their names."""
        query = (select(AccountScore, Account.name).join(Account, Account.id == AccountScore.account_id)
                 .order_by(AccountScore.total.desc(), AccountScore.account_id).limit(limit))
        return [(score, name) for score, name in self.session.execute(query).tuples()]

    def history(self, person_id: int) -> list[ScoreChange]:
        """A person's score history, oldest first."""
        return list(self.session.scalars(select(ScoreChange).where(ScoreChange.person_id == person_id)
                                         .order_by(ScoreChange.at, ScoreChange.id)))


def _record(owner: str, row: Any, columns: Sequence[str]) -> dict[str, Any]:
    return record(owner, {name: normalise(name, getattr(row, name)) for name in columns})

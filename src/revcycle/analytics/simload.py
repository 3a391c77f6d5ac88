"""Load the simulator's CSV files straight into the analytics tables with DuckDB (no store in between).

For benchmarks and large tests: ids are the numbers in the simulator's external ids (p0000042 -> 42), and
every person gets the "known" entry at creation that `revcycle import` records. Lifecycle moves the importer
derives from opportunities are not added: the files' own stage moves are used as they are.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

__all__ = ["load_sim_csv"]

_ID = "CAST(substr({0}, 2) AS BIGINT)"
_TEAMS = "('manager', 'marketing', 'sdr', 'ae')"


def _csv(folder: Path, name: str) -> str:
    path = str(folder / f"{name}.csv").replace("'", "''")
    return f"read_csv('{path}', header=true, all_varchar=true)"


def _ts(column: str) -> str:
    return f"CAST(strptime(nullif({column}, ''), ['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%d']) AS TIMESTAMP)"


def _id(column: str) -> str:
    return _ID.format(f"nullif({column}, '')")


def _statements(folder: Path) -> dict[str, str]:
    def csv(name: str) -> str:
        return _csv(folder, name)

    return {
        "team": f"SELECT CAST(row_number() OVER (ORDER BY name) AS BIGINT) AS id, name, name AS function "
        f"FROM (SELECT DISTINCT team AS name FROM {csv('users')})",
        "app_user": f"SELECT {_id('u.external_id')} AS id, u.name, u.email, t.id AS team_id "
        f"FROM {csv('users')} u JOIN team t ON t.name = u.team",
        "account": f"SELECT {_id('external_id')} AS id, industry, CAST(nullif(employees, '') AS BIGINT) AS employees, "
        f"country, {_id('owner_external_id')} AS owner_id FROM {csv('accounts')}",
        "campaign": f"SELECT {_id('external_id')} AS id, name, channel, {_ts('start_date')} AS start_date, "
        f"CAST(nullif(cost, '') AS DOUBLE) AS cost FROM {csv('campaigns')}",
        "person": f"SELECT {_id('external_id')} AS id, {_id('account_external_id')} AS account_id, "
        f"{_id('owner_external_id')} AS owner_id, coalesce(nullif(stage, ''), 'known') AS stage, seniority, "
        f"{_ts('created_at')} AS created_at FROM {csv('people')}",
        "touchpoint": f"SELECT {_id('external_id')} AS id, {_id('person_external_id')} AS person_id, type, "
        f"nullif(channel, '') AS channel, {_id('campaign_external_id')} AS campaign_id, "
        f"nullif(content, '') AS content, nullif(content_stage, '') AS content_stage, "
        f"{_ts('occurred_at')} AS occurred_at, {_id('user_external_id')} AS user_id "
        f"FROM {csv('touchpoints')}",
        "opportunity": f"SELECT {_id('external_id')} AS id, {_id('account_external_id')} AS account_id, "
        f"{_id('person_external_id')} AS person_id, {_id('owner_external_id')} AS owner_id, "
        f"CAST(nullif(amount, '') AS DOUBLE) AS amount, coalesce(nullif(currency, ''), 'USD') AS currency, kind, "
        f"status, {_ts('created_at')} AS created_at, "
        f"{_ts('closed_at')} AS closed_at FROM {csv('opportunities')}",
        "opportunity_contact": f"SELECT DISTINCT {_id('external_id')} AS opportunity_id, "
        f"{_id('contact')} AS person_id, CAST(NULL AS VARCHAR) AS role FROM "
        f"(SELECT external_id, unnest(string_split(contact_external_ids, ';')) AS contact "
        f"FROM {csv('opportunities')} WHERE contact_external_ids <> '')",
        "stage_change": f'SELECT id, person_id, to_stage, "at", kind FROM ('
        f"SELECT -{_id('external_id')} AS id, {_id('external_id')} AS person_id, 'known' AS to_stage, "
        f"{_ts('created_at')} AS \"at\", 'entered' AS kind FROM {csv('people')} UNION ALL "
        f"SELECT {_id('external_id')}, {_id('person_external_id')}, to_stage, {_ts('occurred_at')}, "
        f"'move' FROM {csv('stages')})",
        "fx_rate": "SELECT CAST(NULL AS VARCHAR) AS currency, CAST(NULL AS VARCHAR) AS quote, "
        "CAST(NULL AS DOUBLE) AS rate, CAST(NULL AS TIMESTAMP) AS valid_from WHERE false",  # the simulator sells in USD
    }


def load_sim_csv(folder: Path, target: duckdb.DuckDBPyConnection, *, parquet: Path | None = None) -> None:
    """Create the analytics tables in `target` from the simulator's CSVs (and write them as Parquet too)."""
    for name, select in _statements(folder).items():
        target.execute(f"CREATE OR REPLACE TABLE {name} AS {select}")
        if parquet is not None:
            parquet.mkdir(parents=True, exist_ok=True)
            target.execute(f"COPY {name} TO '{parquet / (name + '.parquet')}' (FORMAT parquet)")

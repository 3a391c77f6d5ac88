"""The simulator's files honour the import contract (docs/imports.md) and the pact's state machine."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from revcycle.sim import SimParams, generate
from revcycle.sim.files import COLUMNS

from .conftest import Dataset

PACT = Path(__file__).parents[2] / "src" / "revcycle" / "pact" / "examples" / "default.yaml"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
KINDS = ("users", "accounts", "campaigns", "people", "stages", "touchpoints", "opportunities")


def _run(tmp_path: Path, name: str, seed: int, mode: str = "aligned") -> Path:
    out = tmp_path / name
    generate(SimParams(people=2_000, months=6, mode=mode, seed=seed), out)  # type: ignore[arg-type]
    return out


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first, second = _run(tmp_path, "a", seed=5), _run(tmp_path, "b", seed=5)
    names = [f"{kind}.csv" for kind in KINDS] + ["truth.json"]
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert sorted(match) == sorted(names)


def test_a_different_seed_gives_different_files(tmp_path: Path) -> None:
    first, second = _run(tmp_path, "a", seed=5), _run(tmp_path, "b", seed=6)
    for kind in ("accounts", "people", "stages", "touchpoints", "opportunities"):
        assert (first / f"{kind}.csv").read_bytes() != (second / f"{kind}.csv").read_bytes(), kind


@pytest.mark.parametrize("kind", KINDS)
def test_every_file_has_exactly_the_canonical_columns(small: Dataset, kind: str) -> None:
    header = (small.path / f"{kind}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert tuple(header.split(",")) == COLUMNS[kind]
    assert len(small[kind]) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_external_ids_are_unique(small: Dataset, kind: str) -> None:
    assert small[kind].external_id.is_unique


def test_timestamps_are_iso_utc_with_z(small: Dataset) -> None:
    for kind, column in [
        ("people", "created_at"),
        ("accounts", "created_at"),
        ("touchpoints", "occurred_at"),
        ("stages", "occurred_at"),
        ("opportunities", "created_at"),
    ]:
        assert small[kind][column].str.match(TIMESTAMP).all(), (kind, column)
    closed = small["opportunities"].closed_at
    assert closed[closed != ""].str.match(TIMESTAMP).all()


def test_people_belong_to_accounts_with_unique_emails_at_the_account_domain(small: Dataset) -> None:
    people, accounts = small["people"], small["accounts"]
    assert people.email.is_unique and accounts.domain.is_unique
    domain = people.account_external_id.map(accounts.set_index("external_id").domain)
    assert domain.notna().all()
    assert (people.email.str.split("@").str[1] == domain).all()
    assert set(people.seniority) <= {"ic", "manager", "director", "vp", "c_level", "owner"}
    assert (people.stage == "").all() and (people.stage_reason == "").all()


def test_users_accounts_and_opportunities_reference_existing_users(small: Dataset) -> None:
    users = small["users"].set_index("external_id")
    managers = small["users"].manager_external_id
    assert managers[managers != ""].isin(users.index).all()
    assert set(users.team) == {"marketing", "sdr", "ae", "manager"}
    owners = small["accounts"].owner_external_id
    assert (owners[owners != ""].map(users.team) == "ae").all()
    assert (small["opportunities"].owner_external_id.map(users.team) == "ae").all()
    actors = small["stages"].actor_external_id
    assert actors[actors != ""].isin(users.index).all()


def test_touchpoints_reference_people_campaigns_and_users(small: Dataset) -> None:
    touches, people = small["touchpoints"], small["people"]
    assert touches.person_external_id.isin(people.external_id).all()
    campaigns = touches.campaign_external_id
    assert campaigns[campaigns != ""].isin(small["campaigns"].external_id).all()
    sales = touches.channel == "sales"
    assert touches[sales].user_external_id.isin(small["users"].external_id).all()
    assert set(touches[sales].type) <= {"call", "email", "meeting"}
    assert (touches[~sales].user_external_id == "").all()
    paid = touches.type == "ad_click"
    assert (touches[paid].utm_source != "").all() and (touches[paid].utm_campaign != "").all()
    downloads = touches.type == "download"
    assert set(touches[downloads].content_stage) == {"top", "middle", "bottom"}


def test_no_touch_precedes_its_person_and_the_first_is_at_created_at(small: Dataset) -> None:
    touches = small["touchpoints"]
    created = touches.person_external_id.map(small["people"].set_index("external_id").created_at)
    assert (touches.occurred_at >= created).all()  # ISO strings with Z order like the times they name
    first = touches.groupby("person_external_id", sort=False).occurred_at.min()
    assert first.sort_index().equals(small["people"].set_index("external_id").created_at.sort_index())


def test_campaign_costs_are_zero_exactly_for_free_channels(small: Dataset) -> None:
    campaigns = small["campaigns"]
    cost = campaigns.cost.astype(float)
    free = campaigns.channel.isin(["organic", "direct", "referral"])
    assert (cost[free] == 0).all()
    assert (cost[~free] > 0).all()
    assert campaigns.cost.str.match(r"^\d+\.\d{2}$").all()
    assert len(set(campaigns.channel)) == 10


def test_opportunities_are_consistent_with_accounts_people_and_status(small: Dataset) -> None:
    opps, people = small["opportunities"], small["people"].set_index("external_id")
    assert (opps.person_external_id.map(people.account_external_id) == opps.account_external_id).all()
    for contacts, account in zip(opps.contact_external_ids, opps.account_external_id, strict=True):
        for contact in filter(None, contacts.split(";")):
            assert people.account_external_id[contact] == account
    closed = opps.status.isin(["won", "lost"])
    assert (opps[closed].closed_at != "").all() and (opps[~closed].closed_at == "").all()
    assert (opps[closed].closed_at >= opps[closed].created_at).all()
    assert ((opps.status == "lost") == (opps.lost_reason != "")).all()
    assert set(opps.kind) == {"new_business", "renewal", "add_on"}
    assert set(opps.status) == {"open", "won", "lost"}
    assert (opps.amount.astype(int) > 0).all()


def _pact_rules() -> tuple[list[str], dict[str, dict[str, object]]]:
    pact = yaml.safe_load(PACT.read_text(encoding="utf-8"))
    stages = [stage["name"] for stage in pact["stages"]]
    detours = {
        d["name"]: {
            "from": set(d["from"]),
            "returns_to": d["returns_to"],
            "reasons": {r if isinstance(r, str) else r["code"] for r in d["reasons"]},
        }
        for d in pact["detours"]
    }
    return stages, detours


def _illegal(
    stages: list[str], detours: dict[str, dict[str, object]], state: str, to: str, reason: str
) -> bool:
    if to in detours:
        return state not in detours[to]["from"] or reason not in detours[to]["reasons"]  # type: ignore[operator]
    floor = stages.index(state) + 1 if state in stages else stages.index(str(detours[state]["returns_to"]))
    return reason != "" or stages.index(to) < floor


@pytest.mark.parametrize("fixture", ["small", "small_aligned"])
def test_every_stage_move_is_legal_in_the_example_pact(fixture: str, request: pytest.FixtureRequest) -> None:
    data: Dataset = request.getfixturevalue(fixture)
    stages, detours = _pact_rules()
    created = data["people"].set_index("external_id").created_at
    moves = data["stages"]
    assert "known" not in set(moves.to_stage)
    bad = []
    for person, rows in moves.groupby("person_external_id", sort=False):
        state, last = "known", created[person]
        for to, at, reason in zip(rows.to_stage, rows.occurred_at, rows.reason, strict=True):
            if at < last or _illegal(stages, detours, state, to, reason):
                bad.append((person, state, to, reason, at))
            state, last = to, at
    assert bad == []
    assert moves.person_external_id.is_monotonic_increasing  # a person's moves are contiguous, in time order


@pytest.mark.parametrize("fixture", ["small", "small_aligned"])
def test_sales_moves_name_the_user_who_made_them(fixture: str, request: pytest.FixtureRequest) -> None:
    moves: pd.DataFrame = request.getfixturevalue(fixture)["stages"]
    sales = moves.to_stage.isin(["sal", "sql", "opportunity", "lost", "recycled"])
    assert (moves[sales].actor_external_id != "").all()
    assert (moves[moves.to_stage.isin(["engaged", "mql"])].actor_external_id == "").all()


def test_both_modes_face_the_same_market(small: Dataset, small_aligned: Dataset) -> None:
    assert (small.path / "accounts.csv").read_bytes() == (small_aligned.path / "accounts.csv").read_bytes()
    mine, theirs = (
        small["people"].drop(columns="owner_external_id"),
        small_aligned["people"].drop(columns="owner_external_id"),
    )
    pd.testing.assert_frame_equal(mine, theirs)
    # until aligned sales recycle a lead, both see the same journey; then nurture changes what follows
    recycled = small_aligned["stages"].query("to_stage == 'recycled'").groupby("person_external_id").occurred_at.min()
    assert len(recycled) > 0

    def before_recycling(data: Dataset) -> pd.DataFrame:
        touches = data["touchpoints"].query("channel != 'sales'")
        until = touches.person_external_id.map(recycled).fillna("9999")
        return touches[touches.occurred_at <= until].drop(columns="external_id").reset_index(drop=True)

    pd.testing.assert_frame_equal(before_recycling(small), before_recycling(small_aligned))


def test_detours_are_taken_only_by_the_mode_that_takes_them(small: Dataset, small_aligned: Dataset) -> None:
    assert "recycled" not in set(small["stages"].to_stage)
    assert {"recycled", "disqualified", "lost", "customer"} <= set(small_aligned["stages"].to_stage)
    assert {"disqualified", "lost", "customer"} <= set(small["stages"].to_stage)

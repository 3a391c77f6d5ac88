"""`pact apply` checked against the people in the store: a pact removing a stage people stand in is refused with
the counts and changes nothing; with `--map OLD=NEW` they are moved, as recorded moves, in the same transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from revcycle.cycle.tables import Person, StageChange
from revcycle.pact.loader import example_pact_text
from revcycle.pact.tables import PactVersion
from revcycle.store.tables import AuditLog
from tests.cli.inprocess import invoke
from tests.conftest import Store
from tests.ingest.helpers import run_import, write_csv

WITHOUT_SAL = (
    example_pact_text()
    .replace('  - {name: sal, team: sdr, description: "Sales accepted: an SDR took the lead and is working it"}\n', "")
    .replace("handoffs: {mql: mql, sal: sal,", "handoffs: {mql: mql, sal: sql,")
    .replace("from: [mql, sal, sql]", "from: [mql, sql]")
    .replace("from: [known, engaged, mql, sal, sql]", "from: [known, engaged, mql, sql]")
    .replace("  sal:\n    description: An SDR accepted the lead after a first real conversation, within the SLA "
             "window.\n", "")
)
# `recycled` renamed `nurture` as well: two stranded states, each needing its own --map
RENAMED_TOO = WITHOUT_SAL.replace("- name: recycled", "- name: nurture").replace("from: [recycled]", "from: [nurture]")


def _people(store: Store, folder: Path, stages: dict[str, int]) -> None:
    rows = []
    for stage, count in stages.items():
        rows += [
            {"external_id": f"{stage}{i}", "email": f"{stage}{i}@acme.example", "created_at": "2025-06-01T09:00:00Z",
             "stage": stage, **({"stage_reason": "no_budget"} if stage == "recycled" else {})}
            for i in range(count)
        ]
    summary = run_import(store, "people", write_csv(folder / "people.csv", rows))
    assert not summary.problems, summary.problems


def _state(store: Store) -> tuple[int, dict[str, int], int, int]:
    with store.uow.begin() as session:
        versions = session.scalar(select(func.count()).select_from(PactVersion))
        stages = dict(session.execute(select(Person.stage, func.count()).group_by(Person.stage)).tuples().all())
        moves = session.scalar(select(func.count()).select_from(StageChange))
        audits = session.scalar(select(func.count()).select_from(AuditLog))
    return int(versions or 0), {str(k): int(v) for k, v in stages.items()}, int(moves or 0), int(audits or 0)


def test_a_pact_removing_a_stage_people_stand_in_is_refused_with_the_counts_and_changes_nothing(
    store: Store, tmp_path: Path
) -> None:
    _people(store, tmp_path, {"sal": 3, "recycled": 1, "mql": 2})
    before = _state(store)
    pact = tmp_path / "v2.yaml"
    pact.write_text(RENAMED_TOO)
    refused = invoke("pact", "apply", str(pact), url=store.url)
    assert refused.code == 1 and "Traceback" not in refused.stderr
    message = " ".join(refused.stderr.split())
    assert "3 people stand in sal, which this pact removes; give --map sal=mql to move them" in message
    assert "1 person stands in recycled, which this pact removes; give --map recycled=nurture" in message
    assert "nothing was changed" in message
    half = invoke("pact", "apply", str(pact), "--map", "sal=mql", url=store.url)  # one stage left unmapped
    assert half.code == 1 and "1 person stands in recycled" in half.stderr and "sal" not in half.stderr.split(";")[0]
    assert _state(store) == before


def test_a_stage_map_moves_the_people_as_recorded_moves_with_the_new_version(store: Store, tmp_path: Path) -> None:
    _people(store, tmp_path, {"sal": 3, "recycled": 1, "mql": 2})
    _, _, moves_before, _ = _state(store)
    pact = tmp_path / "v2.yaml"
    pact.write_text(RENAMED_TOO)
    done = invoke("pact", "apply", str(pact), "--map", "sal=sql", "--map", "recycled=nurture", url=store.url)
    assert done.code == 0, done
    assert "applied pact version 2" in done.stdout
    assert "moved 3 people from sal to sql (pact v2: stage sal removed)" in done.stdout
    assert "moved 1 person from recycled to nurture (pact v2: stage recycled removed)" in done.stdout
    versions, stages, moves, _ = _state(store)
    assert versions == 2 and stages == {"sql": 3, "nurture": 1, "mql": 2} and moves == moves_before + 4
    with store.uow.begin() as session:
        v2 = session.scalars(select(PactVersion.id).where(PactVersion.number == 2)).one()
        recorded = session.execute(
            select(StageChange.from_stage, StageChange.to_stage, StageChange.actor, StageChange.reason,
                   StageChange.kind, StageChange.pact_version_id)
            .where(StageChange.reason.like("pact v2:%"))
        ).tuples().all()
        audit = session.scalars(select(AuditLog.detail).where(AuditLog.action == "pact.apply")
                                .order_by(AuditLog.id.desc())).first()
    assert sorted(recorded) == sorted(
        [("sal", "sql", "tester", "pact v2: stage sal removed", "forward", v2)] * 3
        + [("recycled", "nurture", "tester", "pact v2: stage recycled removed", "detour", v2)]
    )
    assert audit is not None and audit["moved"] == {"sal": {"to": "sql", "people": 3},
                                                    "recycled": {"to": "nurture", "people": 1}}
    timeline = invoke("lead", "show", "sal0@acme.example", url=store.url)
    assert "sal -> sql (pact v2: stage sal removed) by tester" in timeline.stdout


def test_a_map_to_a_stage_the_new_pact_lacks_is_refused_naming_it(store: Store, tmp_path: Path) -> None:
    _people(store, tmp_path, {"sal": 2})
    before = _state(store)
    pact = tmp_path / "v2.yaml"
    pact.write_text(WITHOUT_SAL)
    wrong = invoke("pact", "apply", str(pact), "--map", "sal=accepted", url=store.url)
    assert wrong.code == 1 and '"accepted" is not a stage of the new pact' in " ".join(wrong.stderr.split())
    kept = invoke("pact", "apply", str(pact), "--map", "mql=sql", "--map", "sal=sql", url=store.url)
    assert kept.code == 1 and '"mql" is still a stage of the new pact' in " ".join(kept.stderr.split())
    for malformed in ("sal", "sal=", "=sql"):
        bad = invoke("pact", "apply", str(pact), "--map", malformed, url=store.url)
        assert bad.code == 2 and "OLD=NEW" in bad.stderr and "Traceback" not in bad.stderr
    assert _state(store) == before


def test_a_pact_removing_a_stage_nobody_stands_in_applies_without_a_map(store: Store, tmp_path: Path) -> None:
    _people(store, tmp_path, {"mql": 1})
    pact = tmp_path / "v2.yaml"
    pact.write_text(WITHOUT_SAL)
    done = invoke("pact", "apply", str(pact), url=store.url)
    assert done.code == 0 and "applied pact version 2" in done.stdout and "moved" not in done.stdout


def test_a_pact_whose_hand_off_roles_cannot_be_resolved_is_refused(store: Store, tmp_path: Path) -> None:
    no_sdr = example_pact_text().replace("team: sdr,", "team: ae,").replace(
        "handoffs: {mql: mql, sal: sal, sql: sql, opportunity: opportunity, won: customer}", "handoffs: {mql: mql}"
    )
    pact = tmp_path / "v2.yaml"
    pact.write_text(no_sdr)
    refused = invoke("pact", "apply", str(pact), url=store.url)
    message = " ".join(refused.stderr.split())
    assert refused.code == 1 and "handoffs.sal" in message and "cannot be derived" in message
    assert _state(store)[0] == 1

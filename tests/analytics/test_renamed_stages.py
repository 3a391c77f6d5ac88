"""Reports read stage names and hand-offs from the pact in force: the example pact with every stage and detour
renamed gives the same numbers as the example itself, through the CLI, and no output names an old stage."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from tests.conftest import NOW
from typer.testing import CliRunner

from revcycle.cli.main import build
from revcycle.ingest.fields import Kind
from revcycle.ingest.service import ImportService
from revcycle.pact.loader import example_pact_text, load_pact, read_yaml
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork, make_engine, upgrade

RENAMED = {
    "known": "aware",
    "engaged": "interested",
    "mql": "marketing_ready",
    "sal": "sdr_accepted",
    "sql": "sales_ready",
    "opportunity": "deal_open",
    "customer": "won_client",
    "recycled": "nurture_again",
    "disqualified": "ruled_out",
    "lost": "deal_lost",
}
BACK = {new: old for old, new in RENAMED.items()}
# Old names that are also the product's own words (an opportunity; its status lost): they may appear, but
# never as a stage (checked through the stage columns and the mapped-back equality).
VOCABULARY = {"opportunity", "lost"}
ORDER = (Kind.USERS, Kind.ACCOUNTS, Kind.CAMPAIGNS, Kind.PEOPLE, Kind.STAGES, Kind.TOUCHPOINTS, Kind.OPPORTUNITIES)
REPORTS = (
    ("funnel", "--by", "source"),
    ("kpis",),
    ("time-in-stage",),
    ("channels",),
    ("content",),
    ("attribution", "--model", "markov"),
    ("attribution", "--model", "linear", "--level", "opportunity"),
)


def renamed_pact() -> str:
    """The example pact with every stage and detour renamed wherever the YAML names one."""
    pact: dict[str, Any] = read_yaml(example_pact_text())[1]
    for stage in pact["stages"]:
        stage["name"] = RENAMED[stage["name"]]
    for detour in pact["detours"]:
        detour.update(name=RENAMED[detour["name"]], returns_to=RENAMED[detour["returns_to"]])
        detour["from"] = [RENAMED[name] for name in detour["from"]]
    for rule in pact["lifecycle"]:
        rule["to"] = RENAMED[rule["to"]]
        if "from" in rule:
            rule["from"] = [RENAMED[name] for name in rule["from"]]
    pact["definitions"] = {RENAMED[name]: value for name, value in pact["definitions"].items()}
    pact["handoffs"] = {role: RENAMED[stage] for role, stage in pact["handoffs"].items()}
    qualify = pact["scoring"]["qualify"]
    qualify.update(stage=RENAMED[qualify["stage"]], **{"from": [RENAMED[name] for name in qualify["from"]]})
    left = [value for value in _values(pact) if value in RENAMED]
    assert not left, f"old stage names left in the renamed pact: {left}"
    text = yaml.safe_dump(pact, sort_keys=False, allow_unicode=True)
    assert load_pact(text).stage_names() == [RENAMED[name] for name in load_pact(example_pact_text()).stage_names()]
    return text


def _values(node: Any, path: str = "") -> list[Any]:
    """Every scalar of a YAML tree with mapping keys, but the hand-off roles (handoffs' keys) and the sales
    dispositions (accepted, rejected, recycled: sales' verdicts, not stages)."""
    if isinstance(node, dict):
        keys = [] if path == ".handoffs" else list(node)
        return [*keys, *(value for key, child in node.items() for value in _values(child, f"{path}.{key}"))]
    if isinstance(node, list):
        return [] if path.endswith(".dispositions") else [value for child in node for value in _values(child, path)]
    return [node]


def _renamed_sim(sim: Path, out: Path) -> Path:
    """The simulator's files with the stage names a person is given (people.stage, stages.to_stage) renamed."""
    shutil.copytree(sim, out)
    for name, column in (("people", "stage"), ("stages", "to_stage")):
        frame = pd.read_csv(sim / f"{name}.csv", dtype=str, keep_default_na=False)
        frame[column] = frame[column].map(lambda stage: RENAMED.get(stage, stage))
        frame.to_csv(out / f"{name}.csv", index=False)
    return out


def _store(folder: Path, pact: str, sim: Path) -> str:
    """A SQLite store with this pact in force and the simulator's files imported as `revcycle import` does."""
    url = f"sqlite:///{folder / 'revcycle.db'}"
    engine = make_engine(url)
    upgrade(engine)
    uow = UnitOfWork(engine)
    PactService(uow).apply_text(pact, source=str(folder), author="test", now=NOW)
    service = ImportService(uow)
    for kind in ORDER:
        service.run(kind, sim / f"{kind.value}.csv", source="sim", actor="test", now=NOW, report_dir=folder / "reports")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def original_store(sim_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The simulated company under the example pact, built exactly as the renamed one is."""
    return _store(tmp_path_factory.mktemp("original"), example_pact_text(), sim_dir)


@pytest.fixture(scope="module")
def renamed_store(sim_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The same company under the renamed pact, its files' stage names renamed too; and the pact file."""
    folder = tmp_path_factory.mktemp("renamed")
    pact_file = folder / "renamed.yaml"
    pact_file.write_text(renamed_pact(), encoding="utf-8")
    return _store(folder, pact_file.read_text(), _renamed_sim(sim_dir, folder / "sim")), pact_file


def report(url: str, *args: str) -> str:
    """`revcycle report ARGS` run in-process on the store at `url`; its standard output."""
    result = CliRunner().invoke(build("report"), ["--database-url", url, "report", *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def _mapped_back(text: str) -> str:
    return re.sub(r"\b(" + "|".join(BACK) + r")\b", lambda match: BACK[match.group(1)], text)


def _old_names(text: str) -> set[str]:
    return {name for name in RENAMED if name not in VOCABULARY and re.search(rf"\b{name}\b", text)}


@pytest.mark.parametrize("args", REPORTS, ids=[" ".join(args) for args in REPORTS])
def test_every_report_gives_the_same_numbers_under_renamed_stages(
    original_store: str, renamed_store: tuple[str, Path], args: tuple[str, ...]
) -> None:
    original = json.loads(report(original_store, *args, "--format", "json"))
    text = report(renamed_store[0], *args, "--format", "json")
    assert not _old_names(text), _old_names(text)
    renamed = json.loads(_mapped_back(text))
    assert renamed["notes"] == original["notes"]
    got, expected = pd.DataFrame(renamed["rows"]), pd.DataFrame(original["rows"])
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    for column in ("stage",):
        if column in got:
            lines = {*RENAMED.values(), "renewed", "existing customers"}
            assert set(pd.DataFrame(json.loads(text)["rows"])[column]) <= lines


def test_tables_and_csv_name_only_the_renamed_stages(renamed_store: tuple[str, Path]) -> None:
    url, _ = renamed_store
    shown = {"funnel": "won_client", "time-in-stage": "interested", "kpis": "marketing_ready"}
    for args in (("funnel",), ("time-in-stage",), ("kpis",), ("funnel", "--format", "csv")):
        text = report(url, *args)
        assert shown[args[0]] in text, args
        assert not _old_names(text), (args, _old_names(text))


def _same_rows(got: list[dict[str, object]], expected: list[dict[str, object]]) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(expected), check_exact=False, rtol=1e-12)


def test_a_parquet_export_reads_its_stage_names_from_the_pact_file(
    renamed_store: tuple[str, Path], tmp_path: Path
) -> None:
    url, pact_file = renamed_store
    result = CliRunner().invoke(build("export"), ["--database-url", url, "export", "parquet", str(tmp_path / "pq")])
    assert result.exit_code == 0, result.output
    nowhere = f"sqlite:///{tmp_path / 'no-store.db'}"
    on_store = json.loads(report(url, "funnel", "--format", "json"))
    parquet = ("funnel", "--format", "json", "--parquet", str(tmp_path / "pq"))
    from_file = json.loads(report(nowhere, *parquet, "--pact", str(pact_file)))
    same = _same_rows  # engines may differ in the last digit of a quantile
    same(from_file["rows"], on_store["rows"])
    assert from_file["notes"][-1] == f"stage names from the pact file {pact_file} (Example Co. sales & marketing pact)"
    from_store = json.loads(report(url, *parquet))
    same(from_store["rows"], on_store["rows"])
    assert from_store["notes"] == on_store["notes"]
    example = json.loads(report(nowhere, *parquet))
    assert "from the example pact" in example["notes"][-1]
    assert [row["stage"] for row in example["rows"]][:2] == ["known", "engaged"]  # the example's names, as it says
    assert not (tmp_path / "no-store.db").exists()  # looking for a store's pact created no store

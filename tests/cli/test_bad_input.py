"""Every command, fed bad input, says what is wrong in a line and exits non-zero; none shows a traceback.

The commands are read from the built CLI, so a new command is covered without editing this file. Each case runs
in-process through `run()`, the console entry point; two run the real `python -m revcycle`."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer

from revcycle.cli.main import build
from revcycle.pact.loader import example_pact_text
from revcycle.pact.service import PactService
from revcycle.store.session import UnitOfWork, make_engine, upgrade
from tests.cli import inprocess
from tests.cli.helpers import revcycle
from tests.conftest import NOW
from tests.ingest.helpers import people_rows, write_csv

Path_ = tuple[str, ...]
# Commands that never open the store (demo builds its own), and the ones whose plain run writes to it.
STORELESS: set[Path_] = {("pact", "check"), ("sim", "generate"), ("demo",)}
WRITERS: set[Path_] = {("pact", "apply"), ("import",), ("score", "rescore")}
# Path parameters a command writes into (a missing one is created, not an error).
OUTPUTS = {"out", "folder", "report_dir", "write"}
# String options that take one word of a fixed set; any other word must be refused.
WORDS = {
    "--mode", "--engine", "--format", "--encoding", "--by", "--model", "--level", "--conversion", "--variant",
    "--outcome",
}
ZERO_ALLOWED = {"seed"}  # whole-number options for which 0 is a real value
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"
BAD_URLS = {
    "revcycle.db": "sqlite:///revcycle.db",
    "sqlite://x.db": "sqlite:///x.db",
    "sqlite://": "in-memory",
    "mysql://root:secret@localhost/crm": "revcycle stores its data in SQLite or PostgreSQL",
    "postgresql://u@h:notaport/db": "cannot be read as a database URL",
}


def _leaves(command: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield path, command
        return
    for name, sub in sorted(subcommands.items()):
        yield from _leaves(sub, (*path, name))


COMMANDS = dict(_leaves(typer.main.get_command(build())))
STORE_COMMANDS = [path for path in COMMANDS if path not in STORELESS]

# Known gaps, each a strict expected failure naming where the fix belongs (test name, case id) -> reason.
GAPS: dict[tuple[str, str], str] = {}


def _annotation(param: Any) -> Any:
    return param.type_descriptor.annotation


def _is_argument(param: Any) -> bool:
    return not param.opts[0].startswith("-")


def _is_enum(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Enum)


def _case(test: str, path: Path_, *values: Any, flag: str = "") -> Any:
    """One pytest case with a readable id, a strict expected failure when it is a known gap."""
    case_id = " ".join((*path, flag)).strip()
    reason = GAPS.get((test, case_id))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(path, *values, id=case_id, marks=marks)


def _params(test: str, *kinds: type, options_only: bool = True) -> list[Any]:
    """(command, parameter) for every parameter of these types."""
    return [
        _case(test, path, p, flag=p.opts[0])
        for path, command in COMMANDS.items()
        for p in command.params
        if any(_annotation(p) is kind or (kind is Enum and _is_enum(_annotation(p))) for kind in kinds)
        if not (options_only and _is_argument(p))
    ]


def _names_option(outcome: Outcome, param: Any) -> None:
    """The message names the option: its flag, its name, or the name's first word (`lookback` window)."""
    names = (param.opts[0], param.name, param.name.replace("_", " "), param.name.split("_")[0])
    assert any(name in outcome.output for name in names), outcome


@dataclass
class Files:
    """Inputs that are right, so a case fails on the one thing it gets wrong."""

    root: Path
    pact: Path
    people: Path


@dataclass
class Outcome:
    code: int
    output: str  # stdout and stderr, whitespace collapsed (Rich wraps long lines)


def invoke(*args: str | Path, url: str) -> Outcome:
    """`revcycle ARGS` in-process through the console entry point; an escaping exception is kept as its traceback."""
    ran = inprocess.invoke(*args, url=url, columns=300)
    return Outcome(ran.code, ran.output)


def _placeholder(param: Any, files: Files) -> str:
    """A value of the parameter's type that the command accepts."""
    kind = _annotation(param)
    if _is_enum(kind):
        return str(next(iter(kind)).value)
    if kind is Path:
        return str(files.root / param.name) if param.name in OUTPUTS else str(files.pact)
    if kind is datetime:
        return "2025-01-01"
    return {int: "1", float: "1"}.get(kind, "v1")


def required_args(path: Path_, files: Files, **values: str) -> list[str]:
    """The command's required parameters (and any named in `values`), each with a value it accepts unless given."""
    args: list[str] = []
    for param in COMMANDS[path].params:
        if param.required or param.name in values:
            value = values.get(param.name) or _placeholder(param, files)
            args += [value] if _is_argument(param) else [param.opts[0], value]
    return args


def valid_args(path: Path_, files: Files) -> list[str]:
    """Arguments with which the command does its job (small where it simulates)."""
    given = {
        ("pact", "apply"): [str(files.pact)],
        ("import",): ["people", str(files.people)],
        ("demo",): ["--dir", str(files.root / "demo"), "--people", "50", "--months", "1"],
        ("sim", "generate"): ["--people", "50", "--months", "1", "--out", str(files.root / "sim")],
    }
    return given.get(path) or required_args(path, files)


def assert_explained(outcome: Outcome, *expected: str, code: int | None = None) -> None:
    assert "Traceback" not in outcome.output, outcome.output
    assert outcome.code != 0 if code is None else outcome.code == code, outcome
    for words in expected:
        assert words in outcome.output, outcome.output


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store with the example pact, copied by each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "revcycle.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    PactService(UnitOfWork(engine)).apply_text(example_pact_text(), source="example", author="test", now=NOW)
    engine.dispose()
    return path


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Files:
    monkeypatch.chdir(tmp_path)  # defaults such as sim-out/ and revcycle-demo/ land here
    pact = tmp_path / "pact.yaml"
    pact.write_text(example_pact_text())
    return Files(tmp_path, pact, write_csv(tmp_path / "people.csv", people_rows()))


@pytest.fixture
def migrated_url(template: Path, tmp_path: Path) -> str:
    """A copy of the template store of its own, in a folder of its own."""
    path = tmp_path / "store" / "revcycle.db"
    path.parent.mkdir()
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_an_unknown_option_is_a_usage_error(path: Path_, migrated_url: str) -> None:
    assert_explained(invoke(*path, "--no-such-option", url=migrated_url), "No such option", code=2)


@pytest.mark.parametrize("path", [p for p, c in COMMANDS.items() if any(x.required for x in c.params)], ids=" ".join)
def test_a_missing_required_parameter_is_a_usage_error(path: Path_, migrated_url: str) -> None:
    assert_explained(invoke(*path, url=migrated_url), "Missing", code=2)


@pytest.mark.parametrize(("path", "param"), _params("enum", Enum, options_only=False))
def test_a_word_outside_an_enumeration_is_a_usage_error(
    path: Path_, param: Any, files: Files, migrated_url: str
) -> None:
    assert_explained(
        invoke(*path, *required_args(path, files, **{param.name: "bogus"}), url=migrated_url), "bogus", code=2
    )


@pytest.mark.parametrize(
    ("path", "option"),
    [
        _case("word", path, opt, flag=opt)
        for path, c in COMMANDS.items()
        for p in c.params
        for opt in p.opts
        if opt in WORDS
    ],
)
def test_a_word_outside_an_option_set_is_refused(path: Path_, option: str, files: Files, migrated_url: str) -> None:
    outcome = invoke(*path, *valid_args(path, files), option, "bogus", url=migrated_url)
    assert_explained(outcome)
    assert "bogus" in outcome.output or option in outcome.output, outcome


@pytest.mark.parametrize(("path", "param"), _params("negative", int, float))
def test_a_negative_number_is_refused_naming_the_option(
    path: Path_, param: Any, files: Files, migrated_url: str
) -> None:
    outcome = invoke(*path, *valid_args(path, files), param.opts[0], "-1", url=migrated_url)
    assert_explained(outcome)
    _names_option(outcome, param)


@pytest.mark.parametrize(("path", "param"), [c for c in _params("zero", int) if c.values[1].name not in ZERO_ALLOWED])
def test_a_zero_count_is_refused_naming_the_option(path: Path_, param: Any, files: Files, migrated_url: str) -> None:
    outcome = invoke(*path, *valid_args(path, files), param.opts[0], "0", url=migrated_url)
    assert_explained(outcome)
    _names_option(outcome, param)


@pytest.mark.parametrize(
    ("path", "param"),
    [c for c in _params("file", Path, options_only=False) if c.values[1].name not in OUTPUTS],
)
def test_a_missing_input_file_is_named(path: Path_, param: Any, files: Files, migrated_url: str) -> None:
    values = {param.name: str(files.root / "no-such-file.yaml")}
    if param.name == "pact" and any(p.name == "parquet" for p in COMMANDS[path].params):
        values["parquet"] = str(files.root)  # a report's --pact goes with --parquet (the store has its own pact)
    args = required_args(path, files, **values)
    assert_explained(invoke(*path, *args, url=migrated_url), "no-such-file.yaml")


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_a_bad_database_url_says_what_is_accepted(path: Path_, files: Files) -> None:
    for url, hint in BAD_URLS.items():
        outcome = invoke("--database-url", url, *path, *valid_args(path, files), url="sqlite:///never-used.db")
        assert_explained(outcome, hint, code=1)
        assert "secret" not in outcome.output


@pytest.mark.parametrize("path", STORE_COMMANDS, ids=" ".join)
def test_a_store_without_schema_says_to_upgrade(path: Path_, files: Files) -> None:
    outcome = invoke(*path, *valid_args(path, files), url=f"sqlite:///{files.root / 'empty.db'}")
    if path == ("db", "upgrade"):
        assert outcome.code == 0, outcome
    else:
        assert_explained(outcome, "revcycle db upgrade", code=1)


@pytest.mark.parametrize("path", STORE_COMMANDS, ids=" ".join)
def test_unreachable_postgresql_is_named(path: Path_, files: Files) -> None:
    assert_explained(invoke(*path, *valid_args(path, files), url=UNREACHABLE), "cannot reach", "127.0.0.1", code=1)


def _read_only(outcome: Outcome, path: Path_) -> None:
    """A writer fails saying the store is read-only; a reader reads it (its own refusals, such as a lead that
    is not there, are fine); nothing shows a traceback."""
    assert "Traceback" not in outcome.output, outcome.output
    if path in WRITERS:
        assert_explained(outcome, "read-only", code=1)
    else:
        assert "read-only" not in outcome.output and "db upgrade" not in outcome.output, outcome


@pytest.mark.parametrize("path", [_case("read-only", path) for path in STORE_COMMANDS])
def test_a_store_opened_read_only_refuses_writes_in_a_sentence(path: Path_, files: Files, migrated_url: str) -> None:
    # Root ignores file modes, so SQLite's own read-only mode stands in for a file the user cannot write.
    url = migrated_url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"
    _read_only(invoke(*path, *valid_args(path, files), url=url), path)


@contextmanager
def _unwritable(*paths: Path) -> Iterator[None]:
    """These files and folders made unwritable: by mode bits, or (root ignores them) by the immutable attribute."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, check=False).returncode != 0:
        pytest.skip("running as root, which ignores file modes, and chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


@pytest.mark.parametrize("folder_too", [False, True], ids=["file", "file and folder"])
@pytest.mark.parametrize("path", STORE_COMMANDS, ids=" ".join)
def test_a_store_file_without_write_permission_is_named(
    path: Path_, folder_too: bool, files: Files, migrated_url: str
) -> None:
    store = Path(migrated_url.removeprefix("sqlite:///"))
    with _unwritable(store, *([store.parent] if folder_too else [])):
        outcome = invoke(*path, *valid_args(path, files), url=migrated_url)
    if folder_too:  # SQLite cannot open a WAL store without writing its -shm file beside it: all fail
        assert_explained(outcome, str(store), code=1)
    else:
        _read_only(outcome, path)


def test_the_real_entry_point_refuses_a_bad_url_in_one_line(tmp_path: Path) -> None:
    result = revcycle("pact", "show", url="sqlite://x.db", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "write sqlite:///x.db" in result.stderr


def test_the_real_entry_point_explains_a_write_to_a_read_only_store(migrated_url: str, tmp_path: Path) -> None:
    url = migrated_url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"
    result = revcycle("pact", "apply", "--example", url=url, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is read-only" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "expected", "code"),
    [
        (("pact", "apply", "PACT", "--map", "sal"), "is not OLD=NEW", 2),
        (("pact", "apply", "PACT", "--map", "sal=mql", "--map", "sal=sql"), "sal is mapped twice", 2),
        (("pact", "apply", "CHANGED", "--map", "sal=nowhere"), '"nowhere" is not a stage of the new pact', 1),
        (("pact", "show", "v999"), "there is no stored pact version 999", 1),
        (("pact", "show", "latest"), '"latest" is not a pact version number', 1),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_a_bad_stage_map_or_version_is_explained(
    args: tuple[str, ...], expected: str, code: int, files: Files, migrated_url: str
) -> None:
    changed = files.root / "changed.yaml"
    changed.write_text(example_pact_text().replace("name: Example Co.", "name: Changed Co."))
    given = [{"PACT": str(files.pact), "CHANGED": str(changed)}.get(arg, arg) for arg in args]
    assert_explained(invoke(*given, url=migrated_url), expected, code=code)

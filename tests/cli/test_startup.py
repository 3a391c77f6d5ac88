"""Start-up: `revcycle --help` lists every command without importing any command's libraries, and `pact show`
imports none of the analytics, scoring or migration libraries (times are in benchmarks/README.md)."""

from __future__ import annotations

import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

from revcycle.cli.main import _COMMANDS, _GROUPS, SUMMARIES, build

HEAVY = ("pandas", "ibis", "numpy", "pyarrow", "alembic", "duckdb", "scipy")
PROBE = """
import sys
from revcycle.cli.main import run
try:
    run(sys.argv[1:])
except SystemExit:
    pass
print("LOADED", " ".join(sorted({name.split('.')[0] for name in sys.modules})), file=sys.stderr)
"""


def _loaded(*args: str, url: str, cwd: Path) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd,
                          env={"REVCYCLE_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
                          timeout=120, check=False)
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return done.stdout, set(line.split()[1:])


def test_the_overview_lists_each_command_by_the_help_it_declares() -> None:
    for name in _GROUPS:
        assert import_module(f"revcycle.cli.{name}").app.info.help == SUMMARIES[name], name
    full = build(None)
    commands = {c.name: c for c in full.registered_commands}
    for name, (module, function) in _COMMANDS.items():
        declared = getattr(import_module(f"revcycle.cli.{module}"), function).__doc__
        first = declared.split("\n\n")[0]  # the overview lists a command by its help's first paragraph
        assert " ".join(first.split()) == SUMMARIES[name], name
        assert name in commands


def test_help_imports_no_command_library_and_lists_every_command(tmp_path: Path) -> None:
    out, loaded = _loaded("--help", url=f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path)
    for name in (*_GROUPS, *_COMMANDS):
        assert name in out
    assert not loaded & {*HEAVY, "sqlalchemy", "pydantic"}, loaded & {*HEAVY, "sqlalchemy", "pydantic"}


@pytest.mark.parametrize("args", [("pact", "show"), ("lead", "show", "nobody@example.com")], ids=" ".join)
def test_a_store_command_imports_none_of_the_heavy_libraries(
    args: tuple[str, ...], sqlite_url: str, tmp_path: Path
) -> None:
    from revcycle.pact.loader import example_pact_text
    from revcycle.pact.service import PactService
    from revcycle.store.session import UnitOfWork, make_engine, upgrade
    from tests.conftest import NOW

    engine = make_engine(sqlite_url)
    upgrade(engine)
    PactService(UnitOfWork(engine)).apply_text(example_pact_text(), source="example", author="t", now=NOW)
    engine.dispose()
    _, loaded = _loaded(*args, url=sqlite_url, cwd=tmp_path)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)

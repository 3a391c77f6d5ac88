"""The spine's structure: one writer of stage moves, and ingest publishing rather than calling downstream."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "revcycle"


def _modules() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]


WRITES = re.compile(r'(INSERT INTO|UPDATE|DELETE FROM) stage_change|insert_rows\([^)]*"stage_change"|add\(StageChange')


def test_only_the_cycle_repository_writes_the_stage_change_table() -> None:
    writers = {p.relative_to(SRC).as_posix() for p in _modules() if WRITES.search(p.read_text())}
    assert writers == {"cycle/repository.py"}


def test_only_the_move_writer_records_moves() -> None:
    callers = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record":
                owner = node.func.value
                if (isinstance(owner, ast.Attribute) and owner.attr == "repo") or (
                    isinstance(owner, ast.Name) and owner.id in ("repo", "cycle_repo")
                ):
                    callers.add(path.relative_to(SRC).as_posix())
    assert callers == {"cycle/moves.py"}


def test_ingest_imports_no_downstream_capability() -> None:
    for path in (SRC / "ingest").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("revcycle.scoring", "revcycle.analytics")), (path.name, node.module)

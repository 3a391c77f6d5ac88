"""The pure-core rule: every capability's model.py imports no I/O framework and never reads the clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "revcycle"
FORBIDDEN_MODULES = ("sqlalchemy", "fastapi", "httpx", "alembic", "typer", "requests", "psycopg")
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic"}
MODELS = sorted(SRC.glob("*/model.py")) + sorted(SRC.glob("*/*/model.py"))


def test_there_are_model_modules_to_check() -> None:
    assert len(MODELS) >= 2


@pytest.mark.parametrize("path", MODELS, ids=lambda p: str(p.relative_to(SRC)))
def test_model_modules_import_no_io_framework_and_read_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        for name in names:
            assert not name.startswith(FORBIDDEN_MODULES), f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if owner_name in {"datetime", "date", "time"}:
                assert node.func.attr not in CLOCK_CALLS, (
                    f"{path.name} reads the clock: {owner_name}.{node.func.attr}()"
                )

"""The attribution maths stays pure: numpy and the standard library, no database, web or clock."""

from __future__ import annotations

import ast
from pathlib import Path

import revcycle.analytics.attribution as attribution

FORBIDDEN = {"sqlalchemy", "fastapi", "httpx", "duckdb", "pandas", "ibis", "time", "datetime"}
PACKAGE = Path(next(iter(attribution.__path__)))


def imported_roots(source: Path) -> set[str]:
    tree = ast.parse(source.read_text())
    roots = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    roots |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return roots


def test_no_attribution_module_imports_a_database_a_web_framework_or_the_clock() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 10
    for module in modules:
        assert not imported_roots(module) & FORBIDDEN, module.name


def test_every_module_declares_its_public_names() -> None:
    for module in sorted(PACKAGE.glob("*.py")):
        assert "__all__ =" in module.read_text(), module.name

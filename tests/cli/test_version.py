"""`revcycle --version` prints the installed package's version, without loading any command's libraries."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from tests.cli.inprocess import invoke
from tests.cli.test_startup import HEAVY, _loaded


def test_version_prints_the_installed_package_version(tmp_path: Path) -> None:
    shown = invoke("--version", url=f"sqlite:///{tmp_path / 'never.db'}")
    assert shown.code == 0 and shown.stdout == f"revcycle {version('revcycle')}\n"
    assert not (tmp_path / "never.db").exists()  # no store is opened for it


def test_version_loads_none_of_the_store_or_analytics_libraries(tmp_path: Path) -> None:
    out, loaded = _loaded("--version", url=f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path)
    assert out.strip() == f"revcycle {version('revcycle')}"
    assert not loaded & {*HEAVY, "sqlalchemy", "pydantic"}, loaded & {*HEAVY, "sqlalchemy", "pydantic"}

"""Simulated datasets shared by the simulator's tests (generated once per session, read as text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from revcycle.sim import SimParams, SimSummary, generate


@dataclass
class Dataset:
    """One generated run and its files, loaded lazily as all-text frames."""

    summary: SimSummary
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.summary.out_dir

    def __getitem__(self, kind: str) -> pd.DataFrame:
        if kind not in self._frames:
            self._frames[kind] = pd.read_csv(self.path / f"{kind}.csv", dtype=str, keep_default_na=False)
        return self._frames[kind]


def _make(factory: pytest.TempPathFactory, name: str, params: SimParams) -> Dataset:
    return Dataset(generate(params, factory.mktemp(name) / "out"))


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """2,000 people over 12 months, misaligned (the mode with every kind of detour but recycling)."""
    return _make(tmp_path_factory, "small", SimParams(people=2_000, months=12, mode="misaligned", seed=11))


@pytest.fixture(scope="session")
def small_aligned(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The same market as `small`, run by aligned teams."""
    return _make(
        tmp_path_factory, "small_aligned", SimParams(people=2_000, months=12, mode="aligned", seed=11)
    )


@pytest.fixture(scope="session")
def aligned(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """20,000 people, aligned: large enough for the statistical tests."""
    return _make(tmp_path_factory, "aligned", SimParams(people=20_000, months=12, mode="aligned", seed=3))


@pytest.fixture(scope="session")
def misaligned(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The same 20,000-person market as `aligned`, run by misaligned teams."""
    return _make(
        tmp_path_factory, "misaligned", SimParams(people=20_000, months=12, mode="misaligned", seed=3)
    )

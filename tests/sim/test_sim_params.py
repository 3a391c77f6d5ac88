"""Impossible requests are refused with a message that says what to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from revcycle.errors import RevcycleError
from revcycle.sim import SimError, SimParams, generate


def _params(**changes: object) -> SimParams:
    values: dict[str, object] = {"people": 100, "months": 3, "mode": "aligned", "seed": 1} | changes
    return SimParams(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"people": 0}, "people must be a positive whole number, got 0"),
        ({"people": -5}, "people must be a positive whole number, got -5"),
        ({"months": 0}, "months must be a positive whole number, got 0"),
        ({"months": 121}, "months must be at most 120 (10 years), got 121"),
        ({"mode": "chaotic"}, 'mode must be "aligned" or "misaligned", got \'chaotic\''),
        ({"seed": -1}, "seed must be a whole number >= 0, got -1"),
    ],
)
def test_impossible_parameters_are_refused_with_a_message(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(SimError) as caught:
        generate(_params(**changes), tmp_path / "out")
    assert str(caught.value) == message
    assert not (tmp_path / "out").exists()


def test_sim_error_is_a_revcycle_error_and_not_a_value_error() -> None:
    assert issubclass(SimError, RevcycleError)
    assert not issubclass(SimError, ValueError)


def test_a_non_empty_output_directory_is_refused_without_force(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SimError, match=r"is not empty; use --force") as caught:
        generate(_params(), tmp_path)
    assert str(tmp_path) in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_force_overwrites_the_simulators_files_and_keeps_others(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "people.csv").write_text("stale")
    summary = generate(_params(), tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "people.csv").read_text().startswith("external_id,email,")
    assert summary.rows["people"] == 100


def test_an_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("x")
    with pytest.raises(SimError, match="is not a directory"):
        generate(_params(), target, force=True)


def test_progress_is_reported_per_chunk_up_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate(_params(people=45_000, months=1), tmp_path / "out", progress=lambda *call: calls.append(call))
    assert calls == [("people", 20_000, 45_000), ("people", 40_000, 45_000), ("people", 45_000, 45_000)]


def test_the_summary_counts_the_rows_of_every_file(tmp_path: Path) -> None:
    summary = generate(_params(), tmp_path / "out")
    for kind, path in summary.paths.items():
        lines = path.read_bytes().count(b"\n")
        assert lines - 1 == summary.rows[kind], kind
    assert summary.truth is not None and summary.truth.name == "truth.json"
    assert not list((tmp_path / "out").glob(".*.partial"))

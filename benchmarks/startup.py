"""Benchmark: what a user waits for before a command does any work, through the real `revcycle` command.

Times, in fresh processes (interpreter start to exit), `revcycle --help`, `revcycle pact show`, a one-row
people import, `revcycle lead show` and `revcycle report funnel` / `report kpis` on a store holding one person
(a report's fixed cost), each run N times (median and range).
Usage: python benchmarks/startup.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REVCYCLE = str(Path(sys.executable).with_name("revcycle"))


def timed(url: str, *args: str, cwd: Path) -> float:
    env = {**os.environ, "REVCYCLE_DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run([REVCYCLE, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"revcycle {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main(runs: int) -> None:
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'revcycle.db'}"
        timed(url, "db", "upgrade", cwd=folder)
        timed(url, "pact", "apply", "--example", cwd=folder)
        people = folder / "people.csv"
        people.write_text("external_id,email,created_at\np1,ada@acme.example,2026-01-02T09:00:00Z\n")
        timed(url, "import", "people", str(people), "-q", cwd=folder)
        commands = {
            "revcycle --help": ["--help"],
            "revcycle pact show": ["pact", "show"],
            "revcycle import people (1 row, unchanged)": ["import", "people", str(people), "-q"],
            "revcycle lead show": ["lead", "show", "ada@acme.example"],
            "revcycle report funnel (1 person)": ["report", "funnel"],
            "revcycle report kpis (1 person)": ["report", "kpis"],
        }
        for label, args in commands.items():
            times = sorted(timed(url, *args, cwd=folder) for _ in range(runs))
            print(f"{label:45s} median {statistics.median(times):.2f} s  (min {times[0]:.2f}, max {times[-1]:.2f}, "
                  f"{runs} runs)")
        one = folder / "one.csv"
        times = []
        for i in range(runs):
            one.write_text(f"external_id,email,created_at\nq{i},q{i}@acme.example,2026-01-02T09:00:00Z\n")
            times.append(timed(url, "import", "people", str(one), "-q", cwd=folder))
        times.sort()
        print(f"{'revcycle import people (1 new row)':45s} median {statistics.median(times):.2f} s  "
              f"(min {times[0]:.2f}, max {times[-1]:.2f}, {runs} runs)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

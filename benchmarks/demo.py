"""Benchmark: wall time of the README's main command, `revcycle demo`, in a fresh process and folder.

Usage: python benchmarks/demo.py [PEOPLE ...]   (default: the demo's default size)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(sizes: list[str]) -> None:
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} at start")
    for people in sizes or [""]:
        with tempfile.TemporaryDirectory() as tmp:
            args = [sys.executable, "-m", "revcycle", "demo", "--dir", str(Path(tmp) / "demo")]
            if people:
                args += ["--people", people]
            start = time.perf_counter()
            done = subprocess.run(
                args, capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "120"}
            )
            elapsed = time.perf_counter() - start
            assert done.returncode == 0, done.stderr[-2000:]
            touches = next(line for line in done.stdout.splitlines() if line.startswith("touchpoints from"))
            print(
                f"revcycle demo {('--people ' + people) if people else '(default 10,000 people)'}: "
                f"{elapsed:.1f} s wall, including interpreter start; {touches.split(':', 1)[1].strip()}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Times `revcycle.sim.generate` at several market sizes and reports rows/s and peak memory.

Each size runs in its own child process so its peak RSS is its own. Output goes to benchmarks/_work/
(git-ignored) and is deleted afterwards unless --keep is given.

    .venv/bin/python benchmarks/sim_generate.py                      # 100k and 1M people, 12 months
    .venv/bin/python benchmarks/sim_generate.py --people 20000 --mode misaligned
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / "_work"


def _child(people: int, months: int, mode: str, seed: int) -> None:
    """Runs one generation and prints its measurements as JSON."""
    from revcycle.sim import SimParams, generate

    out = WORK / f"sim-{people}-{mode}"
    started = time.perf_counter()
    summary = generate(SimParams(people=people, months=months, mode=mode, seed=seed), out, force=True)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    size = sum(path.stat().st_size for path in summary.paths.values())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "people": people,
                "months": months,
                "mode": mode,
                "seconds": seconds,
                "rows": summary.rows,
                "bytes": size,
                "peak_rss_mib": peak_kib / 1024,
                "out": str(out),
            }
        )
    )


def _report(result: dict[str, Any]) -> None:
    rows: dict[str, int] = result["rows"]
    total, seconds, people = sum(rows.values()), float(result["seconds"]), int(result["people"])
    touches = rows["touchpoints"]
    print(f"people={people:,} months={result['months']} mode={result['mode']}")
    print(f"  time {seconds:.1f} s, {total:,} rows ({total / seconds:,.0f} rows/s)")
    print(f"  touchpoints {touches:,} ({touches / seconds:,.0f}/s, {touches / people:.1f} per person)")
    print(f"  {result['bytes'] / 2**20:,.0f} MiB written, peak RSS {result['peak_rss_mib']:,.0f} MiB")
    print("  rows: " + ", ".join(f"{kind} {count:,}" for kind, count in rows.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--mode", choices=["aligned", "misaligned"], default="aligned")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.people[0], args.months, args.mode, args.seed)
        return
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    for people in args.people:
        command = [
            sys.executable,
            __file__,
            "--child",
            "--people",
            str(people),
            "--months",
            str(args.months),
            "--mode",
            args.mode,
            "--seed",
            str(args.seed),
        ]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        _report(result)
        if not args.keep:
            shutil.rmtree(result["out"], ignore_errors=True)


if __name__ == "__main__":
    main()

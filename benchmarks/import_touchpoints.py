"""Benchmark: import touchpoints from CSV into SQLite through `revcycle import` (the same service and path).

Writes a people file (one person per 10 touchpoints) and a touchpoints file, imports people (not timed),
then times `revcycle import touchpoints` in a fresh process and reads that process's peak RSS.
Usage: python benchmarks/import_touchpoints.py 100000 1000000
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHANNELS = ["paid_search", "organic", "email", "webinar", "linkedin_ads", "direct", "referral", "events"]
TYPES = ["page_view", "download", "webinar_attendance", "email_click", "ad_click", "pricing_page_view"]


def write_files(folder: Path, touches: int) -> tuple[Path, Path]:
    rng = random.Random(7)
    people = max(touches // 10, 1)
    people_path, touch_path = folder / "people.csv", folder / "touchpoints.csv"
    with people_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "email", "created_at"])
        writer.writerows((f"p{i}", f"person{i}@company{i % 5000}.com", "2025-01-01T00:00:00Z") for i in range(people))
    with touch_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id",
                "person_external_id",
                "type",
                "channel",
                "content",
                "content_stage",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "occurred_at",
            ]
        )
        for i in range(touches):
            day, second = rng.randrange(365), rng.randrange(86400)
            writer.writerow(
                [
                    f"t{i}",
                    f"p{rng.randrange(people)}",
                    rng.choice(TYPES),
                    rng.choice(CHANNELS),
                    f"asset-{rng.randrange(40)}",
                    rng.choice(["top", "middle", "bottom"]),
                    "google",
                    "cpc",
                    f"campaign-{rng.randrange(30)}",
                    f"2025-{1 + day // 31 % 12:02d}-{1 + day % 28:02d}T{second // 3600:02d}:"
                    f"{second // 60 % 60:02d}:{second % 60:02d}Z",
                ]
            )
    return people_path, touch_path


def revcycle(url: str, *args: str) -> tuple[float, int, str]:
    """Run the CLI in a child; its wall time, its peak RSS in MiB, its output."""
    code = (
        "import resource, runpy, sys; sys.argv = ['revcycle', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('revcycle', run_name='__main__')\n"
        "finally:\n    print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "REVCYCLE_DATABASE_URL": url, "COLUMNS": "200"},
        check=False,
    )
    elapsed = time.perf_counter() - start
    rss = int(done.stderr.rsplit("MAXRSS", 1)[1].split()[0]) // 1024
    return elapsed, rss, done.stdout


def rss_trace(folder: Path, people: Path, touches: Path) -> tuple[float, list[tuple[int, int]]]:
    """Import in this process on a fresh database (the pact without scoring), sampling resident memory (MiB) as
    the file is read; the import's own time (no process start, no module loading)."""
    from datetime import UTC, datetime

    from revcycle.ingest.fields import Kind
    from revcycle.ingest.service import ImportService
    from revcycle.pact.loader import example_pact_text
    from revcycle.pact.service import PactService
    from revcycle.store.session import UnitOfWork, make_engine, upgrade

    engine = make_engine(f"sqlite:///{folder / 'trace.db'}")
    upgrade(engine)
    uow = UnitOfWork(engine)
    now = datetime.now(UTC)
    PactService(uow).apply_text(example_pact_text(scoring=False), source="example", author="bench", now=now)
    service = ImportService(uow)
    service.run(Kind.PEOPLE, people, actor="bench", now=now, report_dir=folder)
    samples: list[tuple[int, int]] = []

    def sample(done: int, total: int) -> None:
        percent = done * 100 // total
        if not samples or percent - samples[-1][0] >= 10:
            status = Path("/proc/self/status").read_text()
            rss = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) // 1024
            samples.append((percent, rss))

    os.sync()
    start = time.perf_counter()
    service.run(Kind.TOUCHPOINTS, touches, actor="bench", now=now, report_dir=folder, progress=sample)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, samples


def main(sizes: list[int]) -> None:
    from revcycle.pact.loader import example_pact_text

    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
    for size in sizes:
        with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
            folder = Path(tmp)
            people, touches = write_files(folder, size)
            unscored = folder / "no-scoring.yaml"
            unscored.write_text(example_pact_text(scoring=False))
            for label, pact in (("example pact (scoring on)", ["--example"]), ("no scoring section", [str(unscored)])):
                url = f"sqlite:///{folder / (label[:2] + '.db')}"
                revcycle(url, "db", "upgrade")
                revcycle(url, "pact", "apply", *pact)
                revcycle(url, "import", "people", str(people), "-q")
                os.sync()  # the set-up's writes reach the disk first: the timed import waits on its own writes only
                load = os.getloadavg()[0]
                elapsed, rss, out = revcycle(url, "import", "touchpoints", str(touches), "-q")
                assert f"{size} inserted" in out, out
                again, rss_again, out_again = revcycle(url, "import", "touchpoints", str(touches), "-q")
                assert f"{size} unchanged" in out_again, out_again
                mib = touches.stat().st_size / 2**20
                print(
                    f"{size:>9,} touchpoints ({mib:,.0f} MiB CSV), {label}, load {load:.2f}: first import "
                    f"{elapsed:6.1f} s = {size / elapsed:8,.0f} rows/s, peak RSS {rss} MiB; re-import (all unchanged)"
                    f" {again:6.1f} s = {size / again:8,.0f} rows/s, peak RSS {rss_again} MiB"
                )
            elapsed, samples = rss_trace(folder, people, touches)
            trace = ", ".join(f"{percent}%: {rss}" for percent, rss in samples)
            print(f"          in-process, no scoring section: the import alone {elapsed:.2f} s = "
                  f"{size / elapsed:,.0f} rows/s; resident memory (MiB) while reading the file: {trace}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000])

"""Benchmark: people and accounts imports from CSV into SQLite through the real CLI (`revcycle import`).

For each size N it writes, into benchmarks/_work/ (git-ignored), an accounts file of N accounts and a people file
of N people shaped like the simulator's (14 columns, each person at one of N/4 accounts by reference, one in ten
by email domain only, one in twenty at a free-mail address), then times, each in a fresh process read by
`/usr/bin/time -v` (wall time, CPU time, peak resident memory):
- `revcycle import people` of the N people into a store holding their N/4 accounts, then the same file again;
- `revcycle import accounts` of the N accounts into an empty store, then the same file again;
- `revcycle import people` of a one-row file into an empty store.
Each store has the example pact (scoring on); with --unscored, the people imports run a second time under the
example pact without its scoring section, to show what scoring costs.
Usage: python benchmarks/imports_people.py 100000 1000000 [--unscored]
"""

from __future__ import annotations

import csv
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

WORK = Path(__file__).parent / "_work" / "imports_people"
CLI = Path(sys.executable).with_name("revcycle")
TITLES = [("VP Marketing", "vp", "marketing"), ("Revenue Operations Manager", "manager", "revenue_operations"),
          ("Software Engineer", "ic", "engineering"), ("Chief Executive Officer", "c_level", "executive"),
          ("Director of Sales", "director", "sales"), ("Founder", "owner", "executive")]  # fmt: skip
NAMES = ["Ada", "Bob", "Cy", "Dee", "Eve", "Fay", "Guy", "Hal", "Ivy", "Jo"]
INDUSTRIES = ["software", "financial_services", "healthcare", "retail", "manufacturing"]


def write_accounts(path: Path, count: int) -> Path:
    rng = random.Random(11)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "name", "domain", "industry", "employees", "country", "technologies",
                         "owner_external_id", "created_at"])  # fmt: skip
        writer.writerows(
            (f"a{i:09d}", f"Company {i}", f"company-{i}.example", rng.choice(INDUSTRIES), rng.randrange(1, 20000),
             rng.choice(["US", "DE", "IN", "BR"]), "salesforce;snowflake" if i % 3 else "", "",
             f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z")
            for i in range(count)
        )  # fmt: skip
    return path


def write_people(path: Path, count: int, accounts: int) -> Path:
    rng = random.Random(7)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "email", "first_name", "last_name", "title", "seniority", "department",
                         "country", "persona", "account_external_id", "stage", "stage_reason", "owner_external_id",
                         "created_at"])  # fmt: skip
        for i in range(count):
            account = rng.randrange(accounts)
            title, seniority, department = rng.choice(TITLES)
            free = i % 20 == 0
            email = f"person{i}@gmail.com" if free else f"person{i}@company-{account}.example"
            reference = "" if free or i % 10 == 1 else f"a{account:09d}"  # one in ten linked by domain only
            writer.writerow([f"p{i:09d}", email, rng.choice(NAMES), rng.choice(NAMES), title, seniority, department,
                             "US", "champion", reference, "", "", "",
                             f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"])  # fmt: skip
    return path


def run(url: str, *args: str) -> tuple[float, float, int, str]:
    """The CLI in a fresh process: wall time (s), CPU time (user + system, s), peak RSS (MiB), its output."""
    env = {**os.environ, "REVCYCLE_DATABASE_URL": url, "COLUMNS": "200"}
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", str(CLI), *args], capture_output=True, text=True, env=env,
                          check=False)  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"revcycle {' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1)) // 1024  # type: ignore[union-attr]
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr))
    return elapsed, cpu, rss, " ".join(done.stdout.split())


def fresh_store(name: str, pact: list[str]) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{WORK / name}.db{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{WORK / name}.db"
    run(url, "db", "upgrade")
    run(url, "pact", "apply", *pact)
    return url


def timed(label: str, url: str, kind: str, path: Path, rows: int) -> None:
    os.sync()  # earlier writes reach the disk first: the timed import waits on its own writes only
    load = os.getloadavg()[0]
    elapsed, cpu, rss, out = run(url, "import", kind, str(path), "-q")
    counts = re.search(r"\d+ inserted, \d+ updated, \d+ unchanged, \d+ rejected", out)
    linked = re.search(r"(\d+) people linked", out)
    print(f"| {label} | {rows:,} | {elapsed:.2f} s | {rows / elapsed:,.0f} | {cpu:.2f} s | {rss} MiB | {load:.2f} | "
          f"{counts.group(0) if counts else out[:80]}{f', {linked.group(1)} linked' if linked else ''} |",
          flush=True)  # fmt: skip


def main(sizes: list[int], unscored: bool) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"machine: nproc {os.cpu_count()}, python {sys.version.split()[0]}, load average {os.getloadavg()}")
    pacts = [("example pact", ["--example"])]
    if unscored:
        from revcycle.pact.loader import example_pact_text

        (WORK / "unscored.yaml").write_text(example_pact_text(scoring=False))
        pacts.append(("no scoring", [str(WORK / "unscored.yaml")]))
    print("| import | rows | wall | rows/s | CPU | peak RSS | load before | summary |")
    print("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        accounts = write_accounts(WORK / f"accounts-{size}.csv", size)
        people = write_people(WORK / f"people-{size}.csv", size, max(size // 4, 1))
        home = write_accounts(WORK / f"accounts-of-{size}.csv", max(size // 4, 1))
        for label, pact in pacts:
            url = fresh_store(f"people-{size}", pact)
            run(url, "import", "accounts", str(home), "-q")
            timed(f"people, first ({label})", url, "people", people, size)
            timed(f"people, again ({label})", url, "people", people, size)
        url = fresh_store(f"accounts-{size}", ["--example"])
        timed("accounts, first", url, "accounts", accounts, size)
        timed("accounts, again", url, "accounts", accounts, size)
    one = write_people(WORK / "people-1.csv", 1, 1)
    url = fresh_store("people-1", ["--example"])
    timed("people, one row", url, "people", one, 1)
    timed("people, one row again", url, "people", one, 1)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main([int(a) for a in arguments if a.isdigit()] or [100_000], "--unscored" in arguments)

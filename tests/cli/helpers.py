"""Running the real `revcycle` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def revcycle(*args: str | Path, url: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `revcycle ARGS` against the store at `url`; output is captured as text."""
    env = {**os.environ, "REVCYCLE_DATABASE_URL": url, "REVCYCLE_ACTOR": "tester", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "revcycle", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=600,
        check=False,
    )

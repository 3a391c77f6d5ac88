"""Running the real `revcycle` command in-process, through its console entry point, with output captured."""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from revcycle.cli.main import run


@dataclass
class Ran:
    """What a command printed and its exit status (-1: an exception escaped, its traceback is in `stderr`);
    `mixed` is both streams in the order written."""

    code: int
    stdout: str
    stderr: str
    mixed: str = ""

    @property
    def output(self) -> str:
        """Both streams on one line, whitespace collapsed (Rich wraps long lines)."""
        return " ".join(self.mixed.split())


def invoke(*args: str | Path, url: str, columns: int = 200) -> Ran:
    """`revcycle ARGS` against the store at `url`, as the console entry point runs it."""
    env = {"REVCYCLE_DATABASE_URL": url, "REVCYCLE_ACTOR": "tester", "COLUMNS": str(columns)}
    with CliRunner().isolation(env=env) as (stdout, stderr, mixed):
        try:
            run([str(arg) for arg in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except Exception:
            sys.stderr.write(traceback.format_exc())
            code = -1
        sys.stdout.flush()
        sys.stderr.flush()
        decoded = (stream.getvalue().decode(errors="replace") for stream in (stdout, stderr, mixed))
        return Ran(code, *decoded)

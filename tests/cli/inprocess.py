"""Running the real `revcycle` command in-process, through its console entry point, with output captured."""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass

from typer.testing import CliRunner

from revcycle.cli.main import run


@dataclass
class Ran:
    """What a command printed and its exit status (-1: an exception escaped, its traceback is in `stderr`)."""

    code: int
    stdout: str
    stderr: str


def invoke(*args: str, url: str) -> Ran:
    """`revcycle ARGS` against the store at `url`, as the console entry point runs it."""
    env = {"REVCYCLE_DATABASE_URL": url, "REVCYCLE_ACTOR": "tester", "COLUMNS": "200"}
    with CliRunner().isolation(env=env) as (stdout, stderr, _mixed):
        try:
            run(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except Exception:
            sys.stderr.write(traceback.format_exc())
            code = -1
        sys.stdout.flush()
        sys.stderr.flush()
        return Ran(code, stdout.getvalue().decode(), stderr.getvalue().decode())

"""`python -m revcycle` runs the command line."""

from revcycle.cli.main import run

run()

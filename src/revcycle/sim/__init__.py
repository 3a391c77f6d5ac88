"""A seeded, deterministic simulator of a B2B company's revenue cycle, for demos, tests and benchmarks.

`generate(SimParams(people=..., months=..., mode="aligned" | "misaligned", seed=...), out_dir)` writes
users, accounts, campaigns, people, stages, touchpoints and opportunities as import-ready CSV files
(docs/imports.md) plus `truth.json`, the true effects the outcomes were drawn from.
"""

from revcycle.sim.generate import generate
from revcycle.sim.params import SimError, SimParams, SimSummary

__all__ = ["SimError", "SimParams", "SimSummary", "generate"]

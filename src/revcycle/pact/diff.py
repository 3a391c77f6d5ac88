"""A readable diff of two pacts, section by section (stages, detours, sla ...), by YAML path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from revcycle.pact.loader import format_path
from revcycle.pact.schema import Pact

__all__ = ["diff_pacts"]


def diff_pacts(old: Pact, new: Pact) -> dict[str, list[str]]:
    """Changes from `old` to `new` grouped by top-level section; an empty dict when they agree."""
    before = old.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    after = new.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    sections: dict[str, list[str]] = {}
    for key in [*before, *(k for k in after if k not in before)]:
        lines = list(_diff(before.get(key), after.get(key), (key,)))
        if lines:
            sections[key] = lines
    return sections


def _named(items: list[Any]) -> dict[str, Any] | None:
    """A list of named items (stages, detours, tiers) keyed by name, so a reorder is not a rewrite."""
    if items and all(isinstance(item, dict) and "name" in item for item in items):
        return {item["name"]: item for item in items}
    return None


def _diff(old: Any, new: Any, path: tuple[Any, ...]) -> Iterator[str]:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if key not in new:
                yield f"- {format_path((*path, key))}: {_show(old[key])}"
            elif key not in old:
                yield f"+ {format_path((*path, key))}: {_show(new[key])}"
            else:
                yield from _diff(old[key], new[key], (*path, key))
        return
    if isinstance(old, list) and isinstance(new, list):
        old_named, new_named = _named(old), _named(new)
        if old_named is not None and new_named is not None:
            if list(old_named) != list(new_named) and set(old_named) == set(new_named):
                yield f"~ {format_path(path)}: order {', '.join(old_named)} -> {', '.join(new_named)}"
            for name in [*old_named, *(n for n in new_named if n not in old_named)]:
                label = (*path[:-1], f"{path[-1]}[{name}]")
                if name not in new_named:
                    yield f"- {format_path(label)}: removed"
                elif name not in old_named:
                    yield f"+ {format_path(label)}: {_show(new_named[name])}"
                else:
                    yield from _diff(old_named[name], new_named[name], label)
            return
    yield f"~ {format_path(path)}: {_show(old)} -> {_show(new)}"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items() if v not in (None, [], {}, "")) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)

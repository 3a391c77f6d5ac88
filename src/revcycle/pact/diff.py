"""A readable diff of two pacts, section by section (stages, detours, sla ...), by YAML path. A changed list
shows the items added and removed, not the whole list before and after."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from revcycle.pact.loader import format_path
from revcycle.pact.schema import Pact

__all__ = ["diff_pacts", "summary"]


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


def summary(sections: dict[str, list[str]]) -> str:
    """The changes in one line, per section: named items added or removed by name (`stages: sal removed`),
    everything else counted (`sla: 1 changed`)."""
    if not sections:
        return "no changes"
    words = {"+": "added", "-": "removed", "~": "changed"}
    parts = []
    for section, lines in sections.items():
        named, counts = [], Counter[str]()
        for line in lines:
            sign, path = line[0], line[2:].split(": ", 1)[0]
            found = _LAST_NAME.search(path) if sign in "+-" and path.count("[") == 1 else None
            if found:
                named.append(f"{found.group(1)} {words[sign]}")
            else:
                counts[sign] += 1
        counted = [f"{counts[sign]} {word}" for sign, word in words.items() if counts[sign]]
        parts.append(f"{section}: " + ", ".join([*named, *counted]))
    return "; ".join(parts)


_LAST_NAME = re.compile(r"^[a-z_]+\[([a-z][a-z0-9_]*)\]$")  # a top-level named item: stages[sal], detours[lost]


def _named(items: list[Any]) -> dict[str, Any] | None:
    """A list of named items (stages, detours, tiers by name; reasons by code) keyed so, so a reorder is not a
    rewrite."""
    for key in ("name", "code"):
        if items and all(isinstance(item, dict) and key in item for item in items):
            names = [item[key] for item in items]
            if len(set(names)) == len(names):
                return {item[key]: item for item in items}
    return None


def _items(old: list[Any], new: list[Any], path: tuple[Any, ...]) -> Iterator[str]:
    """The items of a changed list removed and added (an item that moved is neither); a reorder alone is named."""
    before, after = [_key(item) for item in old], [_key(item) for item in new]
    removed, added = Counter(before) - Counter(after), Counter(after) - Counter(before)
    if not removed and not added:
        yield f"~ {format_path(path)}: order {_show(old)} -> {_show(new)}"
        return
    for sign, items, keys, left in (("-", old, before, removed), ("+", new, after, added)):
        for index, (item, key) in enumerate(zip(items, keys, strict=True)):
            if left[key] > 0:
                left[key] -= 1
                where = (*path, index) if isinstance(item, dict | list) else path
                yield f"{sign} {format_path(where)}: {_show(item)}"


def _key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


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
        yield from _items(old, new, path)
        return
    yield f"~ {format_path(path)}: {_show(old)} -> {_show(new)}"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items() if v not in (None, [], {}, "")) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)

"""A mapping file's validation errors in revcycle's words: the YAML path, its line, and what is expected there."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import yaml

from revcycle.pact.loader import format_path

__all__ = ["describe"]

_TOP_KEYS = ("kind", "source_system", "timezone", "columns", "attributes", "description")
_RULE_KEYS = ("column", "value", "values", "default", "format", "derive")
_RULE = "ColumnRule"  # pydantic's name for the branch of `str | ColumnRule` a rule written as a mapping takes
_EXPECTED = {
    "string_type": "must be text",
    "dict_type": "must be a mapping (key: value lines, or {key: value})",
    "list_type": "must be a list ([a, b] or one '- item' per line)",
    "missing": "is required",
}
_PLACES = {
    "kind": "must be one of users, accounts, campaigns, people, stages, touchpoints, opportunities",
    "source_system": "must be 1 to 40 lower-case letters, digits, '_', '.' or '-' (e.g. hubspot)",
    "derive": "must be seniority_from_title (the only derived value so far)",
}


def describe(errors: Sequence[Any], node: Any, data: Any) -> list[str]:
    """One sentence per problem, `path (line N): what is wrong`, without pydantic's wording."""
    lines = dict(_lines(node, ())) if node is not None else {}
    out: list[str] = []
    for loc, message in _problems(errors, data):
        line = _nearest(loc, lines)
        where = format_path(loc) or "the file"
        sentence = f"{where}{f' (line {line})' if line else ''}: {message}"
        if sentence not in out:
            out.append(sentence)
    return out


def _problems(errors: Sequence[Any], data: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    ruled = {tuple(e["loc"][: e["loc"].index(_RULE)]) for e in errors if _RULE in e["loc"] and _deeper(e["loc"])}
    for error in errors:
        loc = tuple(error["loc"])
        if not loc:
            yield (), "a mapping file must be a YAML mapping of keys (kind, columns, attributes ...)"
            continue
        field = tuple(part for part in loc if part not in ("str", _RULE))
        if "str" in loc or (_RULE in loc and not _deeper(loc)):
            if field in ruled:
                continue  # written as a rule: its own errors say what is wrong inside it
            yield field, (
                "must be a column name (Email) or a rule such as {column: Lifecycle Stage, values: {Lead: engaged}} "
                f"with the keys {', '.join(_RULE_KEYS)}"
            )
            continue
        yield field, _message(error, field)


def _deeper(loc: Sequence[Any]) -> bool:
    """Whether an error is inside a rule written as a mapping (not about the rule's own type)."""
    return _RULE in loc and loc.index(_RULE) < len(loc) - 1


def _message(error: Any, loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        keys = _RULE_KEYS if len(loc) >= 3 and loc[0] == "columns" else _TOP_KEYS
        return f"unknown key (check its spelling and indentation; the keys here are {', '.join(keys)})"
    if loc and loc[-1] in _PLACES and kind not in ("string_type", "missing"):
        return _PLACES[str(loc[-1])]
    return _EXPECTED.get(kind, "has a value of the wrong kind here")


def _lines(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    """Each path's line: a key's own line (not its value's, which may start on the next line)."""
    if not path:
        yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield (*path, key.value), key.start_mark.line + 1
            yield from _lines(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield (*path, index), item.start_mark.line + 1
            yield from _lines(item, (*path, index))


def _nearest(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None

"""Reading a pact file: YAML with line numbers, schema errors and cross-reference errors in one list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from revcycle.errors import PactError, PactIssue
from revcycle.pact.checks import check
from revcycle.pact.schema import Pact

__all__ = ["example_pact_text", "format_path", "load_pact", "load_pact_file", "pact_issues", "read_yaml"]


# libyaml's parser when PyYAML was built with it (the wheels are): a pact is read on every command that needs
# the pact in force, and the pure-Python parser took a quarter to half a second of each
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PactLoader(_SafeLoader):  # type: ignore[misc]
    """YAML 1.2 booleans: only true/false, so `on:`, `no` and `off` stay words (the Norway problem)."""


_PactLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _PactLoader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


def read_yaml(text: str) -> tuple[Any, Any]:
    """The data in a YAML text and its node tree (for line numbers), read once with YAML 1.2 booleans."""
    loader = _PactLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def example_pact_text(*, scoring: bool = True) -> str:
    """The example pact shipped with the package, encoding the source articles; without `scoring`, the same pact
    with its scoring section (the file's last) left out."""
    text = (resources.files("revcycle.pact") / "examples" / "default.yaml").read_text(encoding="utf-8")
    return text if scoring else text.split("\n# Lead scoring both")[0] + "\n"


def load_pact_file(path: Path) -> tuple[Pact, str]:
    """The pact in a file and its text; a PactError lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PactError([PactIssue("", f"cannot read {path}: {exc.strerror}")], source=str(path)) from exc
    return load_pact(text, source=str(path)), text


def load_pact(text: str, *, source: str = "pact") -> Pact:
    """The pact in this YAML text, or a PactError naming each problem's path and line."""
    pact, issues = _parse(text)
    if issues or pact is None:
        raise PactError(issues, source=source)
    return pact


def pact_issues(text: str) -> list[PactIssue]:
    """Every problem in this YAML text (empty when the pact is valid)."""
    return _parse(text)[1]


def _parse(text: str) -> tuple[Pact | None, list[PactIssue]]:
    try:
        node, data = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, [PactIssue("", f"not valid YAML: {getattr(exc, 'problem', exc)}", line)]
    if not isinstance(data, dict):
        return None, [PactIssue("", "a pact is a YAML mapping with name, stages, detours, ...", 1)]
    lines = dict(_lines(node, ()))
    try:
        pact = Pact.model_validate(data)
    except ValidationError as exc:
        return None, [_issue(error, lines) for error in exc.errors()]
    issues = check(pact)
    return pact, [PactIssue(i.path, i.message, _line_of(i.path, lines)) for i in issues]


def _lines(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _lines(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _lines(item, (*path, index))


def _issue(error: Any, lines: dict[tuple[Any, ...], int]) -> PactIssue:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("<")))
    path = format_path(loc)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling and indentation)"
    elif error["type"] == "missing":
        message = "is required"
    elif error["type"] in ("greater_than_equal", "greater_than"):
        bound = error["ctx"].get("ge", error["ctx"].get("gt"))
        message = f"{error['input']!r} is too small (the least allowed is {bound}; negative values make no sense here)"
    return PactIssue(path, message, _nearest_line(loc, lines))


def format_path(loc: tuple[Any, ...]) -> str:
    """`('sla', 'sales', 'first_contact', 1, 'within')` as `sla.sales.first_contact[1].within`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _nearest_line(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _line_of(path: str, lines: dict[tuple[Any, ...], int]) -> int | None:
    parts: list[Any] = []
    for chunk in path.replace("]", "").split("."):
        name, *indexes = chunk.split("[")
        parts.append(name)
        parts.extend(int(i) for i in indexes)
    return _nearest_line(tuple(parts), lines)

"""Mapping files: how a HubSpot, Salesforce or other export's columns become revcycle's fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from revcycle.errors import ImportFileError
from revcycle.ingest.fields import FieldSpec, Kind, fields_of
from revcycle.ingest.mapping_errors import describe
from revcycle.ingest.model import value_key
from revcycle.pact.loader import read_yaml

__all__ = ["ColumnRule", "Mapping", "Plan", "load_mapping", "plan_for"]


class ColumnRule(BaseModel):
    """Where one field comes from: a column (with optional value map, default and date format) or a value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str | None = None
    value: Any = None
    values: dict[Any, Any] | None = None
    default: Any = None
    format: str | None = None
    derive: Literal["seniority_from_title"] | None = None

    def value_map(self) -> dict[str, Any] | None:
        """`values` keyed as cells are matched: trimmed and case-folded."""
        return None if self.values is None else {value_key(k): v for k, v in self.values.items()}


class Mapping(BaseModel):
    """A mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Kind | None = None
    source_system: str | None = Field(default=None, pattern=r"^[a-z0-9_.-]{1,40}$")
    timezone: str | None = None
    columns: dict[str, str | ColumnRule] = Field(default_factory=dict)
    attributes: list[str] = Field(default_factory=list)
    description: str = ""


@dataclass(frozen=True)
class FieldPlan:
    """How to fill one target field from a row."""

    spec: FieldSpec
    column: str | None
    rule: ColumnRule


@dataclass(frozen=True)
class Plan:
    """The checked recipe for a file: each field's source, the extra attribute columns, the time zone."""

    kind: Kind
    fields: tuple[FieldPlan, ...]
    attributes: tuple[str, ...] = ()
    zone: ZoneInfo | None = None
    source_system: str | None = None
    columns_seen: tuple[str, ...] = field(default_factory=tuple)
    strict: bool = True  # without a mapping, a JSON key that is not a field is an error


def load_mapping(path: Path) -> Mapping:
    """A mapping file, or ImportFileError naming each problem's path (and line) in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportFileError(f"cannot read mapping file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"mapping file {path} is not UTF-8 text (byte offset {exc.start})") from None
    try:
        node, data = read_yaml(text)
    except Exception as exc:  # a YAML syntax error: say where, without a traceback
        raise ImportFileError(f"mapping file {path} is not valid YAML: {exc}") from exc
    try:
        mapping = Mapping.model_validate({} if data is None else data)
    except ValidationError as exc:
        problems = "; ".join(describe(exc.errors(), node, data))
        raise ImportFileError(f"mapping file {path} is not valid: {problems}") from None
    _check_values(mapping, path)
    return mapping


def _check_values(mapping: Mapping, path: Path) -> None:
    """Two `values` keys that match the same cells (`Lead` and `lead `) would be a silent choice: refused."""
    for name, rule in mapping.columns.items():
        if isinstance(rule, ColumnRule) and rule.values:
            seen: dict[str, Any] = {}
            for key in rule.values:
                if value_key(key) in seen:
                    raise ImportFileError(
                        f'mapping file {path}: columns.{name}.values: "{seen[value_key(key)]}" and "{key}" are the '
                        "same value (values are matched trimmed and in any case): keep one"
                    )
                seen[value_key(key)] = key
            if rule.derive is not None:
                raise ImportFileError(f"mapping file {path}: columns.{name}: give `derive` or `values`, not both")


def plan_for(kind: Kind, mapping: Mapping | None, header: Sequence[str] | None, file: str) -> Plan:
    """Check a mapping (or the canonical names) against a file's header; ImportFileError if they disagree."""
    specs = fields_of(kind)
    mapping = mapping or Mapping()
    if mapping.kind is not None and mapping.kind != kind:
        raise ImportFileError(f"the mapping is for {mapping.kind.value}, not {kind.value}")
    zone = _zone(mapping.timezone)
    if mapping.columns:
        rules = {name: _rule(value) for name, value in mapping.columns.items()}
        unknown = sorted(set(rules) - set(specs))
        if unknown:
            raise ImportFileError(
                f"the mapping names unknown {kind.value} field(s) {', '.join(unknown)} (fields: {', '.join(specs)})"
            )
        derived = sorted(n for n, r in rules.items() if r.derive == "seniority_from_title" and n != "seniority")
        if derived:
            raise ImportFileError(
                f"columns.{derived[0]}: derive: seniority_from_title fills the seniority field only"
            )
    else:
        rules = {name: ColumnRule(column=name) for name in specs if header is None or name in header}
        extra = sorted(set(header or ()) - set(specs) - set(mapping.attributes))
        if extra:
            raise ImportFileError(
                f"{file}: unknown column(s) {', '.join(extra)} for {kind.value} "
                f"(known: {', '.join(specs)}); use a mapping file to rename or ignore columns"
            )
    _check_columns(rules, mapping, header, file)
    missing = [n for n, s in specs.items() if s.required and n not in rules]
    if missing:
        raise ImportFileError(f"{file}: required {kind.value} field(s) {', '.join(missing)} have no column")
    plans = tuple(FieldPlan(specs[n], rules[n].column, rules[n]) for n in specs if n in rules)
    return Plan(
        kind,
        plans,
        tuple(mapping.attributes),
        zone,
        mapping.source_system,
        tuple(header or ()),
        strict=not mapping.columns,
    )


def _rule(value: str | ColumnRule) -> ColumnRule:
    return ColumnRule(column=value) if isinstance(value, str) else value


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportFileError(f'mapping timezone "{name}" is not an IANA time zone (e.g. America/Sao_Paulo)') from None


def _check_columns(rules: dict[str, ColumnRule], mapping: Mapping, header: Sequence[str] | None, file: str) -> None:
    if header is None:
        return
    named = [(n, r.column) for n, r in rules.items() if r.column is not None]
    named += [("attributes", column) for column in mapping.attributes]
    absent = [f"{column} (for {name})" for name, column in named if column not in header]
    if absent:
        raise ImportFileError(
            f"{file}: the mapping names column(s) the file does not have: {', '.join(absent)} "
            f"(the file has: {', '.join(header)})"
        )

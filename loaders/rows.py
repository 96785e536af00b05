"""Parse a table's rows into typed values, collecting every error with its place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gnlc.loaders.fields import KINDS, FieldSpec
from gnlc.loaders.mapping import Mapping, bind_columns
from gnlc.loaders.readers import Table


@dataclass(frozen=True)
class RowError:
    """What is wrong, and where: file, row, column, the value, what was expected."""

    file: str
    row: int
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" + (f", column {self.column!r}" if self.column else "")
        got = f": got {shown(self.value)}" if self.value is not None else ""
        return f"{where}{got}; expected {self.expected}"


MAX_SHOWN = 80


def shown(value: str) -> str:
    """A value as an error message quotes it: in full when short, else its start and its length."""
    if len(value) <= MAX_SHOWN:
        return repr(value)
    return f"{value[:MAX_SHOWN]!r}... ({len(value):,} characters)"


@dataclass(frozen=True)
class ParsedRow:
    file: str
    source: str  # the table's label (file name, with the sheet for a workbook)
    row: int
    values: dict[str, Any]
    columns: dict[str, str]  # field -> column, to name the column in later errors

    def error(self, field: str | None, expected: str, value: Any = None) -> RowError:
        column = self.columns.get(field, field) if field else None
        return RowError(self.source, self.row, column, None if value is None else str(value), expected)


_ABSENT = object()


@dataclass
class ParsedTable:
    """A table's typed values, by field (one list per field, ``None`` where absent), the
    rows that parsed cleanly and the errors of the others."""

    table: Table
    kind: str
    bound: dict[str, str]  # field -> column
    columns: dict[str, list[Any]]
    good: Sequence[int]  # positions (0-based) of the rows without errors (a range when all are)
    errors: list[RowError]

    @cached_property
    def rows(self) -> list[ParsedRow]:
        names = list(self.columns)
        cols = [self.columns[n] for n in names]
        out = []
        for i in self.good:
            values = {n: c[i] for n, c in zip(names, cols, strict=True) if c[i] is not None}
            out.append(ParsedRow(self.table.path.name, self.table.label, self.table.row_number(i), values, self.bound))
        return out


def parse_table(table: Table, mapping: Mapping) -> ParsedTable:
    """Parse every cell; each distinct value of a column is parsed once (the parsers are
    pure), so a column of 100,000 rows with 200 countries costs 200 parses."""
    kind, bound = bind_columns(list(table.frame.columns), mapping, table.label)
    specs = {s.name: s for s in KINDS[kind]}
    n = len(table.frame)
    columns: dict[str, list[Any]] = {}
    bad: dict[int, list[RowError]] = {}
    for name, column in bound.items():
        spec, memo = specs[name], dict[str, Any]()
        cells = table.frame[column].tolist() if column in table.frame.columns else [""] * n
        values: list[Any] = []
        for i, raw in enumerate(cells):
            cell = str(raw or "")
            got = memo.get(cell, _ABSENT)
            if got is _ABSENT:
                got = memo[cell] = _parse_cell(spec, name, cell)
            if isinstance(got, _Failure):
                bad.setdefault(i, []).append(RowError(table.label, table.row_number(i), column, cell, got.expected))
                values.append(None)
            else:
                values.append(got)
        columns[name] = values
    for name, default in mapping.defaults.items():
        if name in specs:
            col = columns.setdefault(name, [None] * n)
            columns[name] = [default if v is None else v for v in col]
    errors = [e for i in sorted(bad) for e in bad[i]]
    good = [i for i in range(n) if i not in bad] if bad else range(n)
    return ParsedTable(table, kind, bound, columns, good, errors)


@dataclass(frozen=True)
class _Failure:
    expected: str


def _parse_cell(spec: FieldSpec, name: str, cell: str) -> Any:
    if not cell.strip():
        return _Failure(f"a value for {name} (required)") if spec.required else None
    try:
        return spec.parse(cell)
    except ValueError as exc:
        return _Failure(str(exc))

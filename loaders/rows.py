"""Parse a table's rows into typed values, collecting every error with its place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gnlc.loaders.fields import KINDS
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
        got = f": got {self.value!r}" if self.value is not None else ""
        return f"{where}{got}; expected {self.expected}"


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


@dataclass
class ParsedTable:
    table: Table
    kind: str
    rows: list[ParsedRow]
    errors: list[RowError]


def parse_table(table: Table, mapping: Mapping) -> ParsedTable:
    kind, bound = bind_columns(list(table.frame.columns), mapping, table.label)
    specs = {s.name: s for s in KINDS[kind]}
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    records = table.frame.to_dict("records")
    for i, raw in enumerate(records):
        number = table.row_number(i)
        values: dict[str, Any] = {}
        row_errors = []
        for name, column in bound.items():
            cell = str(raw.get(column, "") or "")
            if not cell.strip():
                if specs[name].required:
                    row_errors.append(RowError(table.label, number, column, cell, f"a value for {name} (required)"))
                continue
            try:
                values[name] = specs[name].parse(cell)
            except ValueError as exc:
                row_errors.append(RowError(table.label, number, column, cell, str(exc)))
        for name, default in mapping.defaults.items():
            if name in specs:
                values.setdefault(name, default)
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append(ParsedRow(table.path.name, table.label, number, values, bound))
    return ParsedTable(table, kind, rows, errors)

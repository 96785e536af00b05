"""Parse a table's rows into typed values, collecting every error with its place."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from gnlc.errors import InputError
from gnlc.loaders.fields import KINDS, FieldSpec
from gnlc.loaders.mapping import Mapping, bind_columns
from gnlc.loaders.readers import NotStreamed, Table, read_chunks, read_tables


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
    parser = _Parser(table, mapping)
    parser.add(table)
    return parser.parsed(table)


def parse_file(path: Path, mapping: Mapping, on_rows: Callable[[int], None] | None = None) -> list[ParsedTable]:
    """The parsed tables of a file. A UTF-8 CSV or JSON Lines file is read and parsed in chunks
    (:func:`~gnlc.loaders.readers.read_chunks`): its table keeps its header, not its cells.
    ``on_rows`` hears of each chunk (or table) parsed."""
    tell = on_rows or (lambda n: None)
    chunks = read_chunks(path)
    if chunks is not None:
        try:
            return [_parse_chunks(chunks, mapping, tell)]
        except NotStreamed:
            pass  # read whole: the same table, or the error worded in full
    out = []
    for table in read_tables(path):
        out.append(parse_table(table, mapping))
        tell(table.row_count)
    return out


def _parse_chunks(chunks: Iterator[Table], mapping: Mapping, tell: Callable[[int], None]) -> ParsedTable:
    parser: _Parser | None = None
    header: Table | None = None
    for chunk in chunks:
        if parser is None or header is None:
            header = replace(chunk, frame=chunk.frame.iloc[:0].copy())  # (a copy: a view holds its chunk)
            try:
                parser = _Parser(chunk, mapping)
            except InputError:  # read whole: a table the reader refuses is told as such first
                raise NotStreamed("columns") from None
        parser.add(chunk)
        tell(len(chunk.frame))
    if parser is None or header is None or not parser.n:
        raise NotStreamed("no rows")  # read whole: "has a header but no data rows"
    return parser.parsed(replace(header, size=parser.n))


MEMO_LIMIT = 50_000  # distinct values of a column whose parse is remembered (a chunk's, at least)


class _Parser:
    """A table's cells parsed column by column, one table or chunk after another."""

    def __init__(self, first: Table, mapping: Mapping) -> None:
        self.kind, self.bound = bind_columns(list(first.frame.columns), mapping, first.label)
        self.mapping = mapping
        self.specs = {s.name: s for s in KINDS[self.kind]}
        self.columns: dict[str, list[Any]] = {name: [] for name in self.bound}
        self.memos: dict[str, dict[str, Any]] = {name: {} for name in self.bound}
        self.failing: dict[str, set[str]] = {name: set() for name in self.bound}  # cells that did not parse
        self.bad: dict[int, list[RowError]] = {}
        self.n = 0

    def add(self, table: Table) -> None:
        """A table's (or chunk's) cells, column by column: each distinct cell not parsed yet is
        parsed once, then the column's values are looked up; a cell that failed is an error."""
        n = len(table.frame)
        for name, column in self.bound.items():
            spec, memo, failing = self.specs[name], self.memos[name], self.failing[name]
            if len(memo) > MEMO_LIMIT:
                memo.clear()
            cells = table.frame[column].tolist() if column in table.frame.columns else [""] * n
            distinct = set(cells)
            if any(type(c) is not str for c in distinct):  # (not from a reader of strings)
                cells = [c if type(c) is str else str(c or "") for c in cells]
                distinct = set(cells)
            for cell in distinct.difference(memo):
                got = memo[cell] = _parse_cell(spec, name, cell)
                if isinstance(got, _Failure):
                    failing.add(cell)
            values = self.columns[name]
            values.extend(map(memo.__getitem__, cells))
            if failing and not failing.isdisjoint(distinct):
                self._errors(table, column, memo, cells, values)
        self.n += n

    def _errors(self, table: Table, column: str, memo: dict[str, Any], cells: list[str], values: list[Any]) -> None:
        """The errors of a column's cells that failed, their values None."""
        for i, cell in enumerate(cells):
            got = memo[cell]
            if isinstance(got, _Failure):
                error = RowError(table.label, table.row_number(i), column, cell, got.expected)
                self.bad.setdefault(self.n + i, []).append(error)
                values[self.n + i] = None

    def parsed(self, table: Table) -> ParsedTable:
        n, columns, bad = self.n, self.columns, self.bad
        for name, default in self.mapping.defaults.items():
            if name in self.specs:
                col = columns.setdefault(name, [None] * n)
                columns[name] = [default if v is None else v for v in col]
        errors = [e for i in sorted(bad) for e in bad[i]]
        good = [i for i in range(n) if i not in bad] if bad else range(n)
        return ParsedTable(table, self.kind, self.bound, columns, good, errors)


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

"""Read tabular files into pandas DataFrames of strings: CSV (any delimiter; UTF-8 with or
without BOM, UTF-16, Latin-1 fallback), XLSX (each sheet), JSON and JSON Lines.

Row numbers follow what the user sees: in CSV and XLSX the header is row 1, so the first
data row is row 2; in JSON and JSON Lines a row is the record's position (1-based).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gnlc.errors import InputError

MAX_LINE_BYTES = 1_000_000  # a "table" whose first line is longer than this is refused
EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}
FIRST_ROW = {"csv": 2, "xlsx": 2, "json": 1, "jsonl": 1}


@dataclass(frozen=True)
class Table:
    """One table of a file: a CSV file, one sheet of a workbook, a JSON array."""

    path: Path
    sheet: str | None
    frame: pd.DataFrame
    first_row: int  # the row number of frame.iloc[0]

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    def row_number(self, index: int) -> int:
        return self.first_row + index


def read_tables(path: Path) -> list[Table]:
    """All tables in a file. Raises InputError naming the file and what is wrong."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a CSV, XLSX, JSON or JSON Lines file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        tables = _read_xlsx(path)
    elif suffix in (".json", ".jsonl", ".ndjson"):
        tables = [_read_json(path, lines=suffix != ".json")]
    else:
        tables = [_read_csv(path)]
    for t in tables:
        if t.frame.empty:
            raise InputError(f"{t.label}: has a header but no data rows")
    return tables


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _read_csv(path: Path) -> Table:
    with path.open("rb") as fh:
        head = fh.read(MAX_LINE_BYTES + 1)
    if len(head) > MAX_LINE_BYTES and b"\n" not in head and b"\r" not in head:
        raise InputError(f"{path.name}: the first line is longer than {MAX_LINE_BYTES:,} bytes: not a table")
    text = _decode(path)
    if not text.strip():
        raise InputError(f"{path.name}: the file holds only blank space")
    sample = text[:65536]
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    options = {"sep": delimiter, "dtype": str, "keep_default_na": False, "skipinitialspace": True}
    try:
        frame = pd.read_csv(io.StringIO(text), engine="c", **options)
    except (pd.errors.ParserError, csv.Error, ValueError):
        try:  # the slower parser words its errors better (and reads a few files the C one does not)
            frame = pd.read_csv(io.StringIO(text), engine="python", **options)
        except (pd.errors.ParserError, csv.Error) as exc:
            raise InputError(f"{path.name}: not a readable CSV table ({exc})") from None
    return Table(path, None, _strip_columns(frame, path.name), FIRST_ROW["csv"])


def _read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise InputError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    tables = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows())
        if not rows or all(c.value is None for c in rows[0]):
            continue
        header = [str(c.value if c.value is not None else "") for c in rows[0]]
        label = f"{path.name}[{ws.title}]"
        data = []
        for number, row in enumerate(rows[1:], start=FIRST_ROW["xlsx"]):
            for col, cell in zip(header, row, strict=False):
                if cell.data_type == "e" or str(cell.value) in EXCEL_ERRORS:
                    raise InputError(f"{label}, row {number}, column {col!r}: the cell holds the spreadsheet error "
                                     f"{cell.value!r}; expected a value (fix the formula or paste values)")
            data.append(["" if c.value is None else _scalar(c.value) for c in row][: len(header)])
        while data and not any(v.strip() for v in data[-1]):
            data.pop()
        frame = pd.DataFrame(data, columns=header[: max((len(r) for r in data), default=len(header))] or header)
        tables.append(Table(path, ws.title, _strip_columns(frame, label), FIRST_ROW["xlsx"]))
    wb.close()
    if not tables:
        raise InputError(f"{path.name}: the workbook has no sheet with data")
    return tables


def _read_json(path: Path, *, lines: bool) -> Table:
    text = _decode(path)
    try:
        if lines:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
            records = data.get("data", data) if isinstance(data, dict) else data
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputError(f"{path.name}: expected a list of objects (or {{\"data\": [...]}})")
    if not records:
        raise InputError(f"{path.name}: holds no records")
    frame = pd.DataFrame.from_records(records).astype(object)
    frame = frame.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else _scalar(v))
    return Table(path, None, _strip_columns(frame, path.name), FIRST_ROW["json"])


def _scalar(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strip_columns(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    names = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(f"{label}: the header repeats column(s) {sorted(dupes)}")
    frame.columns = names
    return frame.reset_index(drop=True)

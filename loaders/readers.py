"""Read tabular files into pandas DataFrames of strings: CSV (any delimiter; UTF-8 with or
without BOM, UTF-16 with or without BOM, Windows-1252/Latin-1 when the text reads as such),
XLSX (each sheet), JSON and JSON Lines.

A file in another encoding (Shift-JIS, GB18030, a UTF-8 file with Latin-1 rows pasted in) is
refused with the line of the first byte that is not UTF-8: guessing would load mojibake.

Row numbers follow what the user sees: in CSV and XLSX the header is row 1, so the first
data row is row 2; in JSON and JSON Lines a row is the record's position (1-based).

A load reads a UTF-8 CSV or JSON Lines file in chunks (:func:`read_chunks`): what it keeps is
the parsed values, never the whole text or table (issue 18: a million rows under 1 GB). Any
other file, or one whose chunks a reader stumbles on, is read whole, which words the errors.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Literal

import pandas as pd

from gnlc.errors import InputError
from gnlc.loaders.text import fold

_LINE_END = re.compile(r"\r\n?|\n")
MAX_LINE_BYTES = 1_000_000  # a "table" whose first line is longer than this is refused
EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}
FIRST_ROW = {"csv": 2, "xlsx": 2, "json": 1, "jsonl": 1}
CHUNK_ROWS = 50_000  # rows of a file read at a time (read_chunks)


@dataclass(frozen=True)
class Table:
    """One table of a file: a CSV file, one sheet of a workbook, a JSON array."""

    path: Path
    sheet: str | None
    frame: pd.DataFrame
    first_row: int  # the row number of frame.iloc[0]
    size: int | None = None  # the table's rows when ``frame`` holds only its header (read in chunks)

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    @property
    def row_count(self) -> int:
        return len(self.frame) if self.size is None else self.size

    def row_number(self, index: int) -> int:
        return self.first_row + index


def read_tables(path: Path) -> list[Table]:
    """All tables in a file. Raises InputError naming the file and what is wrong."""
    path = _readable(Path(path))
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


def _readable(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a CSV, XLSX, JSON or JSON Lines file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    return path


class NotStreamed(Exception):
    """A file's chunks cannot be read as they come: read it whole (:func:`read_tables`)."""


def read_chunks(path: Path, rows: int | None = None) -> Iterator[Table] | None:
    """The one table of a UTF-8 CSV or JSON Lines file, ``rows`` (CHUNK_ROWS) rows at a time (each chunk's
    ``first_row`` follows on), or None for a file read whole. Iterating raises
    :class:`NotStreamed` where a chunk needs the whole file's reading (a byte that is not
    UTF-8, a row the fast reader refuses): the caller then reads it whole, which gives the
    same table or the detailed error; and InputError as :func:`read_tables` does."""
    path, rows = _readable(Path(path)), rows or CHUNK_ROWS
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".json"):
        return None
    with path.open("rb") as fh:
        head = fh.read(65536)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head):
        return None
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_chunks(path, rows)
    return _csv_chunks(path, head, rows)


def _csv_chunks(path: Path, head: bytes, rows: int) -> Iterator[Table] | None:
    bom = head.startswith(b"\xef\xbb\xbf")
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    if not ends:  # one long line (or a file without line ends): read whole
        return None
    try:
        first_line = head[3 if bom else 0 : min(ends)].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not first_line.strip():
        return None
    delimiter = _delimiter(first_line, path.name)
    return _csv_frames(path, delimiter, "utf-8-sig" if bom else "utf-8", rows)


def _csv_frames(path: Path, delimiter: str, encoding: str, rows: int) -> Iterator[Table]:
    offset = 0
    try:
        reader = pd.read_csv(
            path,
            engine="c",
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            index_col=False,
            encoding=encoding,
            chunksize=rows,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise NotStreamed(str(exc)) from None
    with reader:
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    frame = next(reader)
                except StopIteration:
                    break
                except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error, ValueError) as exc:
                    raise NotStreamed(str(exc)) from None
            yield Table(path, None, _strip_columns(frame, path.name), FIRST_ROW["csv"] + offset)
            offset += len(frame)


# What Windows-1252 text of names holds beyond ASCII: Latin letters and the usual punctuation.
_CP1252_TEXT = re.compile(
    r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    r"\u0192\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u20ac\u00ab\u00bb\u00b7\u00b0\u00ba"
    r"\u00aa\u00a1\u00bf\u00a0\u00b4]"
)
_MOJIBAKE = re.compile(
    r"[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    r"\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\u02c6\u02dc]"
)


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(raw, "utf-16", path)
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(raw[3:], "utf-8", path)
    utf16 = _utf16_without_bom(raw)
    if utf16:
        return _strict(raw, utf16, path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    beyond_ascii = {c for c in text if ord(c) > 127}
    if text and all(_CP1252_TEXT.match(c) for c in beyond_ascii) and not _MOJIBAKE.search(text):
        return text
    line = raw[: bad.start].count(b"\n") + 1
    raise InputError(
        f"{path.name}, line {line}: byte 0x{raw[bad.start]:02x} is not UTF-8, and the file does not "
        "read as Windows-1252 or Latin-1 text either; expected UTF-8 (or UTF-16): save it as UTF-8 "
        "(e.g. 'CSV UTF-8' in Excel) and load it again"
    )


def _strict(raw: bytes, encoding: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name}: not valid {encoding.upper()} at byte {exc.start}: {exc.reason}; "
            "save it as UTF-8 and load it again"
        ) from None


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like mostly-ASCII UTF-16 text."""
    head = raw[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 4:
        return None
    odd_zeros = head[1::2].count(0)
    even_zeros = head[0::2].count(0)
    if odd_zeros > 0.8 * (len(head) // 2) and even_zeros == 0:
        return "utf-16-le"
    if even_zeros > 0.8 * (len(head) // 2) and odd_zeros == 0:
        return "utf-16-be"
    return None


def _read_csv(path: Path) -> Table:
    with path.open("rb") as fh:
        head = fh.read(MAX_LINE_BYTES + 1)
    if len(head) > MAX_LINE_BYTES and b"\n" not in head and b"\r" not in head:
        raise InputError(f"{path.name}: the first line is longer than {MAX_LINE_BYTES:,} bytes: not a table")
    text = _decode(path)
    if not text.strip():
        raise InputError(f"{path.name}: the file holds only blank space")
    first_line = _LINE_END.split(text[:65536], maxsplit=1)[0]  # a line ends in LF, CRLF or a bare CR (old Mac)
    delimiter = _delimiter(first_line, path.name)
    try:
        frame = _read_csv_text(text, "c", delimiter)
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error, ValueError):
        rows = _csv_rows(text, delimiter, path.name)
        if rows:
            frame = pd.DataFrame(rows[1:], columns=rows[0])
        else:
            try:  # the slower parser words its errors better (and reads a few files the C one does not)
                frame = _read_csv_text(text, "python", delimiter)
            except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error) as exc:
                raise InputError(f"{path.name}: not a readable CSV table ({exc}; is a quote left open?)") from None
    return Table(path, None, _strip_columns(frame, path.name), FIRST_ROW["csv"])


def _read_csv_text(text: str, engine: Literal["c", "python"], delimiter: str) -> pd.DataFrame:
    """pandas' reader, but a row longer than the header is an error, never a silently cut or
    shifted row (pandas warns, or takes the extra fields as an index)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(
            io.StringIO(text),
            engine=engine,
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            index_col=False,
        )


def _csv_rows(text: str, delimiter: str, label: str) -> list[list[str]] | None:
    """The table read by the csv module, each row as wide as the header: empty fields at the end
    of a row are dropped, missing ones are empty. A row with more values than the header is an
    error naming it (rows count as a spreadsheet shows them). None if the csv module cannot read it."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=True))
    except csv.Error:
        return None
    rows = [r for r in rows if r]  # blank lines
    if not rows:
        return None
    while len(rows[0]) > 1 and not rows[0][-1].strip():  # empty trailing header cells, as spreadsheets write
        rows[0].pop()
    width = len(rows[0])
    for number, row in enumerate(rows, start=1):
        while len(row) > width and not row[-1].strip():
            row.pop()
        if len(row) > width:
            raise InputError(
                f"{label}, row {number}: has {len(row)} values; expected at most {width}, as many as "
                f"the header (a value holding the delimiter {delimiter!r} must be quoted)"
            )
        row.extend([""] * (width - len(row)))
    return rows


def _read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook

    try:  # twice: the values a spreadsheet program computed, and which cells are formulas
        wb = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise InputError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    tables = []
    for ws, ws_formulas in zip(wb.worksheets, formulas.worksheets, strict=True):
        rows = list(ws.iter_rows())
        if not rows or all(c.value is None for c in rows[0]):
            continue
        header = [str(c.value if c.value is not None else "") for c in rows[0]]
        label = f"{path.name}[{ws.title}]"
        data = []
        for number, (row, row_formulas) in enumerate(
            zip(rows[1:], islice(ws_formulas.iter_rows(), 1, None), strict=False), start=FIRST_ROW["xlsx"]
        ):
            for col, cell, formula in zip(header, row, row_formulas, strict=False):
                if cell.data_type == "e" or str(cell.value) in EXCEL_ERRORS:
                    raise InputError(
                        f"{label}, row {number}, column {col!r}: the cell holds the spreadsheet error "
                        f"{cell.value!r}; expected a value (fix the formula or paste values)"
                    )
                if cell.value is None and formula.data_type == "f":
                    raise InputError(
                        f"{label}, row {number}, column {col!r}: a formula without a computed value "
                        f"({_clip(str(formula.value))}; the program that wrote the file did not "
                        "compute it); expected a value: open and save the file in a spreadsheet "
                        "program, or paste values"
                    )
            data.append(["" if c.value is None else _scalar(c.value) for c in row][: len(header)])
        while data and not any(v.strip() for v in data[-1]):
            data.pop()
        frame = pd.DataFrame(data, columns=header[: max((len(r) for r in data), default=len(header))] or header)
        tables.append(Table(path, ws.title, _strip_columns(frame, label), FIRST_ROW["xlsx"]))
    wb.close()
    formulas.close()
    if not tables:
        raise InputError(f"{path.name}: the workbook has no sheet with data")
    return tables


def _read_json(path: Path, *, lines: bool) -> Table:
    text = _decode(path)
    number = 1
    try:
        if lines:
            found: list[object] = []
            # only LF ends a line (str.splitlines would also split at U+2028, U+2029, U+0085 inside strings)
            for number, line in enumerate(text.split("\n"), start=1):  # noqa: B007 - named in errors
                if line.strip():
                    found.append(_json(line))
            records: object = found
        else:
            data = _json(text)
            records = data.get("data", data) if isinstance(data, dict) else data
    except json.JSONDecodeError as exc:
        at = number if lines else exc.lineno
        raise InputError(f"{path.name}: invalid JSON at line {at}, column {exc.colno}: {exc.msg}") from None
    except _JsonRefused as exc:
        where = f"{path.name}, line {number}" if lines else path.name
        raise InputError(f"{where}: {exc}") from None
    except RecursionError:
        raise _too_deep(path) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _not_objects(path)
    if not records:
        raise InputError(f"{path.name}: holds no records")
    for position, record in enumerate(records, start=FIRST_ROW["json"]):
        refused = _refused_value(path, position, record)
        if refused:
            raise refused
    return Table(path, None, _json_frame(path, records), FIRST_ROW["json"])


def _json(doc: str) -> object:
    # whole numbers stay text: the field's own check then names row and column of a 5,000-digit
    # one (int() of it would raise past Python's 4,300-digit limit)
    return json.loads(doc, object_pairs_hook=_no_repeated_keys, parse_constant=_no_constant, parse_int=str)


def _too_deep(path: Path) -> InputError:
    return InputError(f"{path.name}: the JSON is nested too deeply; expected a list of flat objects")


def _not_objects(path: Path) -> InputError:
    return InputError(f'{path.name}: expected a list of objects (or {{"data": [...]}})')


def _refused_value(path: Path, position: int, record: dict[str, object]) -> InputError | None:
    """A half surrogate pair, or a nested object or list, in a record (else None)."""
    for key, value in record.items():
        half = next((m for t in (key, value) if isinstance(t, str) and (m := _SURROGATE.search(t))), None)
        if half is not None:
            return InputError(
                f"{path.name}, row {position}, column {key!r}: holds \\u{ord(half.group()):04x}, "
                "half of a UTF-16 surrogate pair without its other half, which is not a character; "
                "expected text (write the character itself, or both halves of its pair)"
            )
        if isinstance(value, dict | list):
            what = "an object" if isinstance(value, dict) else "a list"
            return InputError(
                f"{path.name}, row {position}, column {key!r}: got {what}; expected text, a number, true/false or null"
            )
    return None


def _json_frame(path: Path, records: list[dict[str, object]], columns: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=columns).astype(object)
    frame = frame.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else _scalar(v))
    return _strip_columns(frame, path.name)


def _jsonl_chunks(path: Path, rows: int) -> Iterator[Table]:
    """A JSON Lines file twice: every check :func:`_read_json` makes and the columns (in the
    order they first appear), then the records ``rows`` at a time."""
    columns = _jsonl_columns(path)
    batch: list[dict[str, object]] = []
    offset = 0
    for _, record in _jsonl_records(path):
        batch.append(record)  # type: ignore[arg-type]  # (each was checked to be an object)
        if len(batch) == rows:
            yield Table(path, None, _json_frame(path, batch, columns), FIRST_ROW["jsonl"] + offset)
            offset, batch = offset + len(batch), []
    if batch:
        yield Table(path, None, _json_frame(path, batch, columns), FIRST_ROW["jsonl"] + offset)


def _jsonl_columns(path: Path) -> list[str]:
    columns: dict[str, None] = {}
    count, objects, refused = 0, True, None
    for _, record in _jsonl_records(path):
        count += 1
        if not isinstance(record, dict):
            objects = False
            continue
        refused = refused or _refused_value(path, count, record)
        columns.update(dict.fromkeys(record))
    if not objects:
        raise _not_objects(path)
    if not count:
        raise InputError(f"{path.name}: holds no records")
    if refused:
        raise refused
    if not columns:
        raise NotStreamed("records without keys")
    return list(columns)


def _jsonl_records(path: Path) -> Iterator[tuple[int, object]]:
    """Each record of a JSON Lines file with its line number, decoded as UTF-8 (else NotStreamed)."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            raw = raw.removesuffix(b"\n")  # (as the whole file is split: errors name the same column)
            try:
                line = (raw[3:] if number == 1 and raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")
            except UnicodeDecodeError:
                raise NotStreamed(f"line {number} is not UTF-8") from None
            if not line.strip():
                continue
            try:
                yield number, _json(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path.name}: invalid JSON at line {number}, column {exc.colno}: {exc.msg}") from None
            except _JsonRefused as exc:
                raise InputError(f"{path.name}, line {number}: {exc}") from None
            except RecursionError:
                raise _too_deep(path) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


class _JsonRefused(ValueError):
    pass


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise _JsonRefused(f"an object repeats the key(s) {repeated}; expected each key once")
    return dict(pairs)


def _no_constant(name: str) -> object:
    raise _JsonRefused(f"{name} is not a JSON value; expected a number or null")


def _delimiter(first_line: str, name: str) -> str:
    """The delimiter the header line uses (a comma when it shows none), after checking that the
    header names no column twice."""
    try:
        delimiter = csv.Sniffer().sniff(first_line + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    _no_repeated_columns([h.strip().lstrip("\ufeff") for h in header], name)
    return delimiter


def _no_repeated_columns(names: list[str], label: str) -> None:
    """Two columns of one name are refused (which one would count?), also when they differ only
    in what the loader sets aside when it matches headers (case, accents, spaces, punctuation:
    'name' and 'Name'); blank names are not names."""
    dupes = {n for n in names if n and names.count(n) > 1}
    if dupes:
        raise InputError(f"{label}: the header repeats column(s) {sorted(dupes)}")
    seen: dict[str, str] = {}
    for name in names:
        key = fold(name).replace(" ", "_")  # the key columns are matched by (gnlc.loaders.mapping)
        if key and key in seen:
            raise InputError(
                f"{label}: columns {seen[key]!r} and {name!r} are one column to the loader, which "
                "reads headers without case, accents, spaces or punctuation; expected each column "
                "once: rename or remove one of them"
            )
        seen.setdefault(key, name)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    _no_repeated_columns(names, label)
    frame.columns = names
    return frame.reset_index(drop=True)

"""Bounds on a file uploaded through the API, checked before it is read.

The request body is small (5 MB), but what it expands to need not be: a 3.4 MB XLSX held
10 million rows and grew the server without end. ``check_upload`` counts without parsing
(the zip's own sizes, then row and cell tags as the sheets stream by; lines and fields of a
text file) and stops at the first bound passed, with :class:`UploadTooLarge` (HTTP 413).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gnlc.errors import UploadTooLarge

_TAG = re.compile(rb"<(?:\w+:)?(row|c)[\s>/]")  # a row or a cell of a worksheet's XML
_CHUNK = 1 << 20
_HOW = "split the file, or load it with `gnlc load` on the server"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int  # once unzipped
    max_rows: int  # all sheets together
    max_cells: int


def check_upload(path: Path, limits: UploadLimits) -> None:
    """Raise UploadTooLarge when the file holds more than the limits; a file that is not what
    its name says is left to the readers, which say what is wrong with it."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _check_workbook(path, limits)
    else:
        _check_text(path, limits)


def _check_workbook(path: Path, limits: UploadLimits) -> None:
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with book:
        unzipped = sum(info.file_size for info in book.infolist())  # reading never yields more than this
        if unzipped > limits.max_bytes:
            raise UploadTooLarge(
                f"{path.name}: unzips to {unzipped:,} bytes; an upload may unzip to at most "
                f"{limits.max_bytes:,} bytes (GNLC_UPLOAD_MAX_BYTES): {_HOW}"
            )
        rows = cells = 0
        for info in book.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with book.open(info) as sheet:
                tail = b""
                while chunk := sheet.read(_CHUNK):
                    data = tail + chunk
                    for match in _TAG.finditer(data):
                        if match.end() > len(tail):  # a tag ending in the tail was counted with the last chunk
                            rows += match.group(1) == b"row"
                            cells += match.group(1) == b"c"
                    _within(path, rows, cells, limits)
                    tail = data[-32:]


def _check_text(path: Path, limits: UploadLimits) -> None:
    data = path.read_bytes()
    rows = data.count(b"\n") + (not data.endswith(b"\n"))
    if path.suffix.lower() == ".json":  # one line may hold every record
        rows, cells = data.count(b"{"), data.count(b'":')  # an object; a key and its value
    else:
        first = data.split(b"\n", 1)[0]
        cells = rows * (max(first.count(d) for d in (b",", b";", b"\t", b"|")) + 1)
    _within(path, rows, cells, limits)


def _within(path: Path, rows: int, cells: int, limits: UploadLimits) -> None:
    if rows > limits.max_rows:
        raise UploadTooLarge(
            f"{path.name}: holds more than {limits.max_rows:,} rows, the most an upload may hold "
            f"(GNLC_UPLOAD_MAX_ROWS): {_HOW}"
        )
    if cells > limits.max_cells:
        raise UploadTooLarge(
            f"{path.name}: holds more than {limits.max_cells:,} cells (rows times columns), the most "
            f"an upload may hold (GNLC_UPLOAD_MAX_CELLS): {_HOW}"
        )

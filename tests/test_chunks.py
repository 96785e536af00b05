"""A load reads a UTF-8 CSV or JSON Lines file in chunks (loaders.readers.read_chunks,
loaders.rows.parse_file): the parsed table is the one the whole file gives, value for value,
row number for row number, and every bad file gets the error the whole reading words."""

from __future__ import annotations

from pathlib import Path

import pytest

from gnlc.errors import InputError
from gnlc.loaders import readers
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.rows import ParsedTable, parse_file, parse_table
from tests.conftest import DATA, REPO

CORPUS = REPO / "tests" / "corpus"
MADE = {  # chunk borders, a BOM, blank lines, late bytes that are not UTF-8, ragged rows, records unlike
    "bom.csv": b"\xef\xbb\xbfname,country\nParis,France\nLyon,France\n\nNice,France\nBrest,France\nX,Nowhere\n",
    "late_latin1.csv": b"name,country\nParis,France\nLyon,France\nNice,France\nBrest,France\nS\xe3o Paulo,Brazil\n",
    "late_ragged.csv": b"name,country\nParis,France\nLyon,France\nNice,France\nBrest,France,x\nA,France\n",
    "header_only.csv": b"name,country\n",
    "semicolons.csv": b'name;country\nParis;France\n"Ly;on";France\nNice;France\nBrest;France\n',
    "unlike.jsonl": (
        b'{"name":"Paris","country":"France"}\n{"name":"Lyon"}\n\n{"name":"Nice","country":"France",'
        b'"population":12}\n{"name":"Brest","country":"France","population":1.5}\n{"country":"FR","name":"A"}\n'
    ),
    "bad_line.jsonl": b'{"name":"Paris","country":"France"}\n{"name":"Lyon","country":"France"}\n{"name":"Nice"\n',
    "bom_crlf.jsonl": b'\xef\xbb\xbf{"name":"Paris","country":"France"}\r\n{"name":"Lyon","country":"FR"}\r\n',
    "late_not_object.jsonl": b'{"name":"Paris","country":"France"}\n{"name":"Lyon","country":"FR"}\n[1]\n',
}


def whole(path: Path) -> list[ParsedTable] | str:
    try:
        return [parse_table(t, Mapping()) for t in readers.read_tables(path)]
    except InputError as exc:
        return str(exc)


def chunked(path: Path) -> list[ParsedTable] | str:
    try:
        return parse_file(path, Mapping())
    except InputError as exc:
        return str(exc)


def same(a: ParsedTable, b: ParsedTable) -> bool:
    return (
        (a.kind, a.bound, a.columns, list(a.good), a.errors, a.rows)
        == (b.kind, b.bound, b.columns, list(b.good), b.errors, b.rows)
        and (a.table.label, a.table.first_row, a.table.row_count)
        == (b.table.label, b.table.first_row, b.table.row_count)
        and list(a.table.frame.columns) == list(b.table.frame.columns)
    )


FILES = sorted(
    p for p in [*CORPUS.iterdir(), *DATA.glob("*.csv")] if p.suffix in (".csv", ".tsv", ".jsonl", ".json", ".xlsx")
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_file_read_in_chunks_is_the_file_read_whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "CHUNK_ROWS", 3)
    a, b = whole(path), chunked(path)
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
    else:
        assert len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", sorted(MADE))
def test_chunk_borders_and_late_surprises(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)
    path = tmp_path / name
    path.write_bytes(MADE[name])
    a, b = whole(path), chunked(path)
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
    else:
        assert len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))


def test_a_file_read_in_chunks_keeps_only_its_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)
    path = tmp_path / "cities.csv"
    path.write_bytes(MADE["bom.csv"])
    (pt,) = parse_file(path, Mapping())
    assert pt.table.frame.empty and list(pt.table.frame.columns) == ["name", "country"]
    assert pt.table.row_count == 5 and pt.table.size == 5
    assert [(e.row, e.column, e.value) for e in pt.errors] == [(6, "country", "Nowhere")]  # (as read whole)

"""A reload's work column by column gives what the row-by-row code gave: the same predictions,
the same hashes (those stored in graphs loaded before), the same parsed values and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gnlc.loaders import fields
from gnlc.loaders.known import KnownCities
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.normalise import fold
from gnlc.loaders.readers import read_tables
from gnlc.loaders.resolver import KnownCity, city_id
from gnlc.loaders.rows import ParsedTable, parse_file, parse_table
from gnlc.loaders.text import clean_text
from gnlc.loaders.unchanged import Predictor, row_hash, table_row_hashes

DATA = Path(__file__).parents[1] / "data"
FILES = [
    *sorted((DATA / "gnlc").glob("*.csv")),
    DATA / "wikidata_twins" / "cities_members.csv",
    DATA / "wikidata_twins" / "links_members.csv",
]


def _tables() -> list[ParsedTable]:
    own = {"gnlc_organisations.csv": Mapping(kind="organisations")}
    return [pt for f in FILES for pt in parse_file(f, own.get(f.name, Mapping()))]


def _predictor(tables: list[ParsedTable]) -> Predictor:
    """Cities of the cities files known by their own names, every other one with its Wikidata
    item, every other organisation known; a Wikidata item held by some cities."""
    known, wikidata, organisations = [], {}, {}
    for pt in tables:
        for row in pt.rows:
            v = row.values
            if pt.kind == "cities":
                cid = city_id(v["name"], v["country"])
                known.append(KnownCity(cid, v["name"], v["country"], tuple(v.get("aliases", ()))))
                if v.get("wikidata") and len(known) % 2:
                    wikidata[v["wikidata"]] = cid
            elif pt.kind == "organisations" and len(organisations) % 3 != 1:
                organisations[(fold(v["name"]), v.get("country"))] = f"org-{len(organisations)}"
    resolver = KnownCities(known, use_gazetteer=False)
    return Predictor(resolver, organisations, wikidata, lambda cid: "Q1" if len(cid) % 3 == 0 else None)


def test_a_table_is_predicted_and_hashed_as_row_by_row() -> None:
    tables = _tables()
    assert {pt.kind for pt in tables} >= {"cities", "organisations", "partnerships", "links"}
    predicted = 0
    one, other = _predictor(tables), _predictor(tables)
    for pt in tables:
        row_by_row = [one.predict(pt.kind, row.values) for row in pt.rows]
        assert other.predict_table(pt) == row_by_row, pt.table.label
        ids = [guess[0] if guess else None for guess in row_by_row]
        hashes = [row_hash(pt.kind, r.source, r.row, r.values, i) for r, i in zip(pt.rows, ids, strict=True)]
        assert table_row_hashes(pt, pt.good, ids) == hashes, pt.table.label
        predicted += sum(guess is not None for guess in row_by_row)
    assert predicted > 1000


def test_hashes_of_every_kind_of_value_are_those_of_row_hash(tmp_path: Path) -> None:
    """Texts with quotes and other scripts, numbers, yes/no, lists, absent values; bad rows
    skipped (``positions``), no ids, one, two."""
    path = tmp_path / "cities.csv"
    path.write_text(
        "name,country,population,latitude,elected_council,aliases,note\n"
        'O\'Hare "x",US,12,41.5,yes,a;b,\\ back\n'
        "Bad,XX,,,,,\n"
        "Åre,SE,,,,,\n"
        "岡山市,JP,1_000,-3.25,no,,\n",
        encoding="utf-8",
    )
    pt = parse_table(read_tables(path)[0], Mapping())
    assert list(pt.good) == [0, 2, 3]
    ids: list[Any] = [None, ("x",), ("a", "b")]
    expected = [row_hash("cities", r.source, r.row, r.values, i) for r, i in zip(pt.rows, ids, strict=True)]
    assert table_row_hashes(pt, pt.good, ids) == expected


@pytest.mark.parametrize("rows", [2, 3, 1000])
def test_errors_are_those_of_each_cell_in_any_chunks(
    tmp_path: Path, rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad value repeated in several chunks is an error in each row; good values parse once."""
    from gnlc.loaders import readers

    monkeypatch.setattr(readers, "CHUNK_ROWS", rows)
    path = tmp_path / "cities.csv"
    body = ["Ann,FR,12", "Bob,ZZ,x", "Cy,FR,12", "Bob,ZZ,x", ",FR,", "Dee,FR,x"]
    path.write_text("name,country,population\n" + "\n".join(body) + "\n", encoding="utf-8")
    (pt,) = parse_file(path, Mapping())
    assert list(pt.good) == [0, 2]
    assert [(e.row, e.column, e.value) for e in pt.errors] == [
        (3, "country", "ZZ"),
        (3, "population", "x"),
        (5, "country", "ZZ"),
        (5, "population", "x"),
        (6, "name", ""),
        (7, "population", "x"),
    ]
    assert pt.columns["population"] == [12, None, 12, None, None, None]


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=12) | st.text(alphabet=" a\t\x1b[m\x7f", max_size=8)
)
def test_the_fields_clean_text_is_the_loaders(value: str) -> None:
    assert fields.clean_text(value) == clean_text(value)

"""Every bad input of the loaders' list gets a clear error naming where and what was
expected, and the graph is unchanged afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gnlc.errors import InputError
from gnlc.graph.store import GraphStore
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import load_files

HERE = Path(__file__).parent / "data"


@pytest.fixture
def loaded(store: GraphStore) -> Iterator[GraphStore]:
    """A graph that already holds cities, so 'unchanged' means something."""
    load_files(store, [HERE / "partner_cities.csv"])
    yield store


def _refused(store: GraphStore, path: Path, *match: str, mapping: Mapping | None = None) -> str:
    before = store.summary()
    with pytest.raises(InputError) as info:
        load_files(store, [path], mapping=mapping)
    msg = str(info.value)
    for m in match:
        assert m in msg, msg
    assert store.summary() == before
    return msg


def _file(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return p


CASES: dict[str, tuple[str, str | bytes, tuple[str, ...]]] = {
    "empty file": ("empty.csv", b"", ("empty.csv: the file is empty",)),
    "header only": ("header.csv", "name,country\n", ("header.csv: has a header but no data rows",)),
    "wrong delimiter": (
        "colon.csv",
        "name:country\nLyon:France\n",
        ("colon.csv: cannot tell what the file holds", "check the delimiter"),
    ),
    "missing required column": (
        "nocountry.csv",
        "name,population\nLyon,500000\n",
        ("nocountry.csv: missing required column 'country'",),
    ),
    "non-numeric population": (
        "pop.csv",
        "name,country,population\nLyon,France,many\n",
        ("pop.csv, row 2, column 'population': got 'many'; expected a whole number",),
    ),
    "year 3024": (
        "y1.csv",
        "name,country,year_joined\nLyon,France,3024\n",
        ("y1.csv, row 2, column 'year_joined': got '3024'; expected a year from 2013",),
    ),
    "year -5": (
        "y2.csv",
        "city_a,country_a,city_b,country_b,kind,since\nKiel,DE,Brest,FR,twinning,-5\n",
        ("y2.csv, row 2, column 'since': got '-5'; expected a year from 1800",),
    ),
    # a partner the graph lacks is brought in only in a country the row gives or the gazetteer is sure of
    "link to unknown city without a country": (
        "unknown.csv",
        "city_a,country_a,city_b,country_b,kind\nKiel,DE,Qqxville,,twinning\n",
        (
            "unknown.csv, row 2, column 'city_b': got 'Qqxville'; expected a country for a city not in the graph "
            "(no place of this name in the gazetteer",
        ),
    ),
    "same link twice with different years": (
        "twice.csv",
        "city_a,country_a,city_b,country_b,kind,since\nKiel,DE,Brest,FR,twinning,1964\n"
        "Brest,FR,Kiel,DE,jumelage,1965\n",
        ("twice.csv, row 3; expected the same link as row 2 to have the same values", "1964", "1965"),
    ),
    "whitespace-only city name": (
        "blank.csv",
        "name,country\n   ,France\n",
        ("blank.csv, row 2, column 'name'", "expected a value for name (required)"),
    ),
    "invalid json": ("bad.json", '[{"name": "Lyon", "country": "France"},', ("bad.json: invalid JSON at line 1",)),
    "json not a list of objects": ("scalar.json", "42", ("scalar.json: expected a list of objects",)),
    "unknown link kind": (
        "kind.csv",
        "city_a,country_a,city_b,country_b,kind\nKiel,DE,Brest,FR,alliance\n",
        ("kind.csv, row 2, column 'kind': got 'alliance'; expected one of: twinning",),
    ),
    "region contradicts country": (
        "region.csv",
        "name,country,unesco_region\nLyon,France,Africa\n",
        (
            "region.csv, row 2, column 'unesco_region': got 'Africa'; expected the UNESCO "
            "region of France: Europe and North America",
        ),
    ),
    "until before since": (
        "period.csv",
        "city_a,country_a,city_b,country_b,kind,since,until\nKiel,DE,Brest,FR,twinning,1990,1980\n",
        ("period.csv, row 2, column 'until': got '1980'; expected a year not before since",),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_is_refused_and_graph_unchanged(case: str, loaded: GraphStore, tmp_path: Path) -> None:
    name, content, expected = CASES[case]
    _refused(loaded, _file(tmp_path, name, content), *expected)


def test_missing_file(loaded: GraphStore, tmp_path: Path) -> None:
    _refused(loaded, tmp_path / "nowhere.csv", "nowhere.csv: no such file")


def test_unknown_column_in_strict_mapping(loaded: GraphStore, tmp_path: Path) -> None:
    path = _file(tmp_path, "strict.csv", "name,country,mayor_phone\nLyon,France,123\n")
    _refused(
        loaded,
        path,
        "strict.csv: unknown column(s) ['mayor_phone'] in a strict mapping",
        mapping=Mapping.parse(kind="cities", strict=True),
    )


def test_fifty_megabyte_single_line(loaded: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "oneline.csv"
    with path.open("wb") as fh:
        for _ in range(50):
            fh.write(b"x" * 1_000_000)
    _refused(loaded, path, "oneline.csv: the first line is longer than 1,000,000 bytes: not a table")


def test_xlsx_with_formula_error_cell(loaded: GraphStore, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "cities"
    ws.append(["name", "country", "population"])
    ws.append(["Lyon", "France", 513000])
    ws.append(["Nantes", "France", "#DIV/0!"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    _refused(loaded, path, "book.xlsx[cities], row 3, column 'population'", "spreadsheet error '#DIV/0!'")


def test_bad_rows_are_all_listed_and_nothing_written(loaded: GraphStore, tmp_path: Path) -> None:
    path = _file(tmp_path, "many.csv", "name,country,population\nA1,France,x\nGoodville,France,1000\nA3,Narnia,5\n")
    msg = _refused(loaded, path, "2 bad row(s); nothing was written", "row 2", "row 4", "Narnia")
    assert "Goodville" not in msg


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1"])
def test_encodings_are_read(store: GraphStore, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"enc-{encoding}.csv"
    path.write_bytes("name;country\nSão Filipe;Cabo Verde\nCórdoba;Argentina\n".encode(encoding))
    report = load_files(store, [path])
    assert report.files[0].loaded == 2
    names = {store.node("City", "cv-sao-filipe")["name"], store.node("City", "ar-cordoba")["name"]}
    assert names == {"São Filipe", "Córdoba"}


def test_json_lines_and_xlsx_sheets_are_read(store: GraphStore, tmp_path: Path) -> None:
    from openpyxl import Workbook

    jl = _file(tmp_path, "c.jsonl", '{"name": "Lyon", "country": "FR"}\n{"name": "Kiel", "country": "DE"}\n')
    wb = Workbook()
    wb.active.append(["name", "country"])
    wb.active.append(["Porto", "Portugal"])
    wb.create_sheet("more").append(["name", "country"])
    wb["more"].append(["Cork", "Ireland"])
    wb.save(tmp_path / "w.xlsx")
    load_files(store, [jl, tmp_path / "w.xlsx"])
    assert store.count("City") == 4


@pytest.mark.parametrize(
    "content",
    [
        "name,country,,\nLyon,France,,\n",
        "name,country,,\nLyon,France\n",
        "name,country\nLyon,France,,\n",
        "name,,country,\nLyon,x,France,\n",
    ],
)
def test_empty_trailing_columns_and_fields_are_read(store: GraphStore, tmp_path: Path, content: str) -> None:
    report = load_files(store, [_file(tmp_path, "trailing.csv", content)])
    assert report.files[0].loaded == 1 and store.node("City", "fr-lyon")["name"] == "Lyon"

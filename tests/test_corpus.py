"""The bad-input corpus (tests/corpus/, written by tests/corpus/make.py): every file gets a clear
error naming file, row and column (the graph then unchanged, to the last property), or is
loaded exactly as data, never executed; through the loader, the API and the CLI, 0 tracebacks."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnlc.errors import InputError
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.pipeline import load_files
from gnlc.settings import load_settings
from tests.conftest import REPO, SharedGraph, cli, dump, shared_graph

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import create_app

CORPUS = REPO / "tests" / "corpus"
BASE = REPO / "tests" / "data" / "partner_cities.csv"  # Kiel, Brest (FR and BY), Cologne... already in the graph

REFUSED: dict[str, tuple[str, ...]] = {
    "unclosed_quote.csv": ("unclosed_quote.csv: not a readable CSV table", "quote left open"),
    "ragged_rows.csv": ("ragged_rows.csv, row 3: has 4 values; expected at most 2",),
    "duplicate_header.csv": ("duplicate_header.csv: the header repeats column(s) ['name']",),
    "binary_png.csv": ("binary_png.csv, line 1: byte 0x89 is not UTF-8", "save it as UTF-8"),
    "only_bom.csv": ("only_bom.csv: the file holds only blank space",),
    "only_blank_lines.csv": ("only_blank_lines.csv: the file holds only blank space",),
    "header_is_data.csv": ("header_is_data.csv: cannot tell what the file holds from its columns ['Lyon', 'France']",),
    "decimal_comma_population.csv": (
        "decimal_comma_population.csv, row 2, column 'population': got '513.275'; expected a whole number",
        "decimal_comma_population.csv, row 3, column 'population': got '246,6'",
    ),
    "shift_jis.csv": ("shift_jis.csv, line 2: byte 0x89 is not UTF-8", "Windows-1252"),
    "mixed_encodings.csv": ("mixed_encodings.csv, line 3: byte 0xe1 is not UTF-8",),
    "huge_name.csv": ("huge_name.csv, row 2, column 'name'", "(100,003 characters); expected a text of at most"),
    "huge_population.csv": ("huge_population.csv, row 2, column 'population'", "(400 characters); expected a whole"),
    "homoglyph_name.csv": (
        "homoglyph_name.csv, row 2, column 'name': got 'Kiеl'",
        "'Kiel' (de-kiel), which makes the same id",
    ),
    "contradictory_rows.csv": (
        "contradictory_rows.csv, row 3; expected the same city as row 2 to have the same "
        "values; it differs: population 513275 vs 999",
    ),
    "contradictory_links.csv": ("contradictory_links.csv, row 3; expected the same link as row 2", "1964", "1965"),
    "link_to_itself.csv": (
        "link_to_itself.csv, row 2, column 'city_b': got 'Kiel'; expected a city other than the source city",
    ),
    "unknown_country.csv": ("unknown_country.csv, row 2, column 'country': got 'Narnia'; expected a country name",),
    "truncated.json": ("truncated.json: invalid JSON at line 1, column 50",),
    "nested_values.json": ("nested_values.json, row 1, column 'name': got an object; expected text",),
    "list_value.json": ("list_value.json, row 1, column 'population': got a list",),
    "nan_population.json": ("nan_population.json: NaN is not a JSON value; expected a number or null",),
    "deep_nesting.json": ("deep_nesting.json: the JSON is nested too deeply",),
    "duplicate_keys.json": ("duplicate_keys.json: an object repeats the key(s) ['name']",),
    "one_bad_line.jsonl": ("one_bad_line.jsonl: invalid JSON at line 2",),
    "jsonl_not_objects.jsonl": ("jsonl_not_objects.jsonl: expected a list of objects",),
    "csv_renamed.xlsx": ("csv_renamed.xlsx: not a readable XLSX workbook",),
    "truncated.xlsx": ("truncated.xlsx: not a readable XLSX workbook",),
    "zip_not_workbook.xlsx": ("zip_not_workbook.xlsx: not a readable XLSX workbook",),
    "empty_sheets.xlsx": ("empty_sheets.xlsx: the workbook has no sheet with data",),
    "error_cell.xlsx": (
        "error_cell.xlsx[cities], row 2, column 'population': the cell holds the spreadsheet error '#REF!'",
    ),
    "formula_strings.xlsx": (
        "formula_strings.xlsx[cities], row 2, column 'name': a formula without a computed value",
        "open and save the file in a spreadsheet program",
    ),
    "formula_without_value.xlsx": (
        "formula_without_value.xlsx[cities], row 2, column 'population': a formula "
        "without a computed value (=1000*513;",
        "open and save the file",
    ),
    "name_and_Name.csv": (
        "name_and_Name.csv: columns 'name' and 'Name' are one column to the loader",
        "expected each column once",
    ),
    "lone_surrogate.json": (
        "lone_surrogate.json, row 1, column 'name': holds \\ud800, half of a UTF-16 surrogate pair",
    ),
    "huge_integer.json": (
        "huge_integer.json, row 1, column 'population'",
        "(5,000 characters); expected a whole number",
    ),
    "numbers_as_names.xlsx": ("numbers_as_names.xlsx[cities], row 2, column 'population': got '5.5'",),
}

# file -> the cities it must hold afterwards, exactly as stored: (name, country code)
LOADED: dict[str, tuple[tuple[str, str], ...]] = {
    "blank_header_cell.csv": (("Lyon", "FR"),),
    "fullwidth_digits_year.csv": (("Lyon", "FR"),),
    "tsv_with_quotes.tsv": (('Lyon "la belle"', "FR"),),
    "windows_1252.csv": (("Düsseldorf", "DE"), ("“Málaga”", "ES")),
    "utf16_le_no_bom.csv": (("Lyon", "FR"),),
    "wide_5000_columns.csv": (("Lyon", "FR"),),
    "formula_injection.csv": (
        ('=HYPERLINK("http://evil.example","click")', "FR"),
        ("+cmd|' /C calc'!A0", "FR"),
        ("-2+3", "FR"),
        ("@SUM(A1:A9)", "FR"),
        ("=1+1", "FR"),
    ),
    "cypher_injection.csv": (
        ("'}) DETACH DELETE n //", "FR"),
        ("x` DETACH DELETE n //", "FR"),
        ("MATCH (n) DETACH DELETE n", "FR"),
        ("$name", "FR"),
        ("{id: 1}) RETURN 1 //", "FR"),
        ("\\u0027}) CALL db.clearQueryCaches() //", "FR"),
    ),
    "html_injection.csv": (
        ("<script>alert(1)</script>", "FR"),
        ("<img src=x onerror=alert(1)>", "FR"),
        ("</script><script>alert(2)</script>", "FR"),
        ("{{7*7}} ${7*7}", "FR"),
    ),
    "control_chars.csv": (("Lyon", "FR"), ("Kiel", "DE"), ("Porto", "PT")),
    "nul_bytes.csv": (("Lyon", "FR"), ("Kiel", "DE")),
    "bidi_override.csv": (("Cork", "IE"),),
    "mixed_scripts.csv": (("Москва", "RU"), ("Αθήνα", "GR"), ("القاهرة", "EG"), ("서울", "KR")),
    "na_like_names.csv": (("Nan", "TH"), ("None", "IE"), ("Null", "DE"), ("N/A", "FR")),
    "duplicate_rows.csv": (("Lyon", "FR"),),
    "bare_cr_line_ends.csv": (("Lyon", "FR"), ("Porto", "PT")),
    "line_separator_in_string.jsonl": (("Lyon", "FR"), ("Porto", "PT")),
    # a links row brings in a city the graph lacks (a partner), its name stored exactly as written
    "cypher_in_links.csv": (("Kiel'}) DETACH DELETE n //", "DE"),),
}


def test_the_corpus_is_complete_and_every_file_has_an_expectation() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.suffix != ".py" and p.is_file()}
    assert files == set(REFUSED) | set(LOADED)
    assert not set(REFUSED) & set(LOADED)
    assert len(files) >= 30


@pytest.fixture
def base(store: GraphStore) -> Iterator[GraphStore]:
    load_files(store, [BASE])
    yield store


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def unchanged_base(request: pytest.FixtureRequest, session_data_dir: Path) -> Iterator[SharedGraph]:
    """BASE loaded once per engine for the refused files, which must leave the graph as it was (each
    test asserts it, and one that changed it finds it loaded again for the next): a load per test
    was 37 loads per engine, seconds each on Neo4j."""
    with shared_graph(request, session_data_dir, lambda s: load_files(s, [BASE])) as graph:
        yield graph


def _cities(store: GraphStore) -> dict[tuple[str, str], dict[str, object]]:
    from gnlc.graph import cypher

    return {
        (r["props"]["name"], r["props"]["country_code"]): r["props"]
        for r in store.read(cypher.DUMP_NODES)
        if r["label"] == Label.CITY.value
    }


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_a_clear_error_and_the_graph_unchanged(unchanged_base: SharedGraph, name: str) -> None:
    base = unchanged_base.get()
    before = dump(base)
    with pytest.raises(InputError) as info:
        load_files(base, [CORPUS / name])
    message = str(info.value)
    for part in REFUSED[name]:
        assert part in message, message
    assert len(message) < 2000, "an error quotes values, not whole files"
    assert dump(base) == before


@pytest.mark.parametrize("name", sorted(LOADED))
def test_loaded_exactly_as_data(base: GraphStore, name: str) -> None:
    before = _cities(base)
    report = load_files(base, [CORPUS / name])
    after = _cities(base)
    for key in LOADED[name]:
        assert key in after, f"{key} not stored as written; have {sorted(set(after) - set(before))}"
    assert set(before) <= set(after), "a load as data removed or renamed a city"
    assert len(after) - len(before) == len([k for k in LOADED[name] if k not in before])
    again = load_files(base, [CORPUS / name])
    assert all(created == 0 and updated == 0 for _, _, created, updated, _ in again.write.table()), name
    if name == "duplicate_rows.csv":
        assert report.files[0].loaded == 1 and report.files[0].duplicates == 1


def test_formula_names_are_neutralised_in_csv_exports(base: GraphStore) -> None:
    from gnlc.explore import Explorer
    from gnlc.export import render
    from gnlc.subgraphs import subgraph

    load_files(base, [CORPUS / "formula_injection.csv"])
    data = render(subgraph(Explorer(base), "whole"), "csv")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        nodes = z.read("nodes.csv").decode("utf-8")
    import csv

    names = [row["name"] for row in csv.DictReader(io.StringIO(nodes))]
    for raw, _ in LOADED["formula_injection.csv"]:
        assert "'" + raw in names, raw
    assert not [n for n in names if n[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_html_names_never_become_markup_in_maps(base: GraphStore) -> None:
    from gnlc.explore import Explorer
    from gnlc.maps import render
    from gnlc.subgraphs import map_subgraph

    load_files(base, [CORPUS / "html_injection.csv"])
    page = render(map_subgraph(Explorer(base), "country", name="France"), size_by="degree", geo=False)
    for raw, _ in LOADED["html_injection.csv"][:3]:  # the markup ones ({{7*7}} is plain text to a browser)
        assert raw not in page
    assert "<img src=x" not in page and "alert(1)</script>" not in page


@pytest.fixture
def api(base: GraphStore, session_data_dir: Path) -> TestClient:
    return TestClient(create_app(load_settings(data_dir=session_data_dir, api_key="corpus-key"), store=base))


def test_every_corpus_file_through_the_api(api: TestClient, base: GraphStore) -> None:
    for name in sorted(REFUSED):
        before = dump(base)
        r = api.post(
            f"/load?filename={name}", content=(CORPUS / name).read_bytes(), headers={"X-API-Key": "corpus-key"}
        )
        assert r.status_code == 422, (name, r.status_code, r.text[:300])
        assert r.json()["message"] and set(r.json()) <= {"error", "message", "suggestions"}
        assert REFUSED[name][0].split(",")[0].split(":")[0] in r.json()["message"]
        assert dump(base) == before, name
    for name in sorted(LOADED):
        r = api.post(
            f"/load?filename={name}", content=(CORPUS / name).read_bytes(), headers={"X-API-Key": "corpus-key"}
        )
        assert r.status_code == 200, (name, r.text[:300])


@pytest.mark.parametrize(
    "name",
    [
        "ragged_rows.csv",
        "shift_jis.csv",
        "deep_nesting.json",
        "zip_not_workbook.xlsx",
        "homoglyph_name.csv",
        "huge_name.csv",
    ],
)
def test_the_cli_says_what_is_wrong_without_a_traceback(own_engine_dir: Path, name: str) -> None:
    env = {"GNLC_DATA_DIR": str(own_engine_dir)}
    assert cli("load", str(BASE), env=env).returncode == 0
    result = cli("load", str(CORPUS / name), env=env)
    assert result.returncode == 5, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    error = result.stderr[result.stderr.find("\nerror: ") + 1 :] if "\nerror: " in result.stderr else result.stderr
    assert error.startswith("error: "), result.stderr  # after the phase lines ("reading 1 file(s)" ...)
    assert REFUSED[name][0][:40] in " ".join(error.split())

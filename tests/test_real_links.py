"""A twinning list as analysts receive it (issue 14): members written in several scripts,
partners not yet in the graph, countries in German, Spanish, Japanese, Korean, Russian,
Greek and Arabic, historical states, provinces, a borough with its city in brackets.
Every row is a public fact; its source is in the file (tests/data/real_links_multilang.csv)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.normalise import country_code
from gnlc.loaders.pipeline import LoadReport, load_files
from gnlc.loaders.resolver import city_id
from tests.conftest import DATA

FILE = Path(__file__).parent / "data" / "real_links_multilang.csv"
MEMBER_FILES = [DATA / "gnlc_members.csv", DATA / "gnlc_members_added.csv"]
# each member as the file spells it -> the member's id
MEMBERS = {
    "수원시": "kr-suwon",
    "岡山市": "jp-okayama",
    "Torino": "it-turin",
    "Λάρισα": "gr-larissa",
    "تونس": "tn-tunis",
    "Киев": "ua-kyiv",
    "Hangzhou": "cn-hangzhou",
    "부안군": "kr-buan",
    "Hamburg": "de-hamburg",
    "富川市": "kr-bucheon",
    "항저우시": "cn-hangzhou",
    "Swansea": "gb-swansea",
    "Peking": "cn-beijing",
    "Curitiba": "br-curitiba",
    "Osan": "kr-osan",
}
# partners the graph did not hold -> the country they must get
PARTNERS = {
    "Cluj-Napoca": "RO",
    "Toluca": "MX",
    "Luoyang": "CN",
    "Nagoya": "JP",
    "Larnaka": "CY",
    "Rabat": "MA",
    "Ереван": "AM",
    "Sonoma": "US",
    "Berlin": "DE",
    "Mannheim": "DE",
}


@pytest.fixture
def members(store: GraphStore, tmp_path: Path) -> GraphStore:
    load_files(store, MEMBER_FILES, mapping=Mapping(defaults={"status": "member"}))
    shutil.copy(FILE, tmp_path / FILE.name)  # --keep-going writes the refused rows beside the file
    store.tmp_file = tmp_path / FILE.name  # type: ignore[attr-defined]
    return store


def _load(store: GraphStore, **options: bool) -> LoadReport:
    return load_files(
        store,
        [store.tmp_file],
        mapping=Mapping.parse(kind="links"),
        keep_going=True,  # type: ignore[attr-defined]
        **options,
    )


def _member_names(store: GraphStore) -> dict[str, str]:
    return {r["id"]: r["name"] for r in store.read(cypher.KNOWN_CITIES)}


def test_every_member_spelling_is_matched_and_no_member_is_renamed(members: GraphStore) -> None:
    before = _member_names(members)
    report = _load(members)
    pairs = {tuple(sorted((r["a"], r["b"]))) for r in members.read(cypher.LINK_PAIRS)}
    linked = {c for pair in pairs for c in pair}
    for spelling, cid in MEMBERS.items():
        assert cid in linked, f"{spelling} did not resolve to {cid}"
    after = _member_names(members)
    assert {cid: after[cid] for cid in before} == before  # names unchanged
    created = "\n".join(report.created)
    for spelling, cid in MEMBERS.items():
        assert f"({country_code(cid[:2])}, {cid})" not in created or spelling == "Berlin", spelling


def test_partners_are_created_as_non_members_in_the_right_country(members: GraphStore) -> None:
    report = _load(members)
    created = {line.rsplit(" (", 1)[0]: line for line in report.created}
    for name, code in PARTNERS.items():
        node = members.node(Label.CITY, city_id(name, code))
        assert node is not None, name
        assert node["country_code"] == code and node["status"] == "none", name
        assert name in created, name
    yerevan = members.node(Label.CITY, city_id("Ереван", "AM"))
    assert yerevan.get("latitude_source") == "geonames" and 40 < yerevan["latitude"] < 41  # found by its Russian name


def test_historical_countries_are_refused_naming_the_successor_states(members: GraphStore) -> None:
    report = _load(members)
    rejected = {e.row: str(e) for e in report.files[0].rejected}
    assert set(rejected) == {13, 14}  # the UdSSR and DDR rows, nothing else
    assert "Soviet Union" in rejected[13] and "Russian Federation" in rejected[13]
    assert "Germany" in rejected[14]
    assert members.node(Label.CITY, city_id("Leningrad", "RU")) is None  # nothing guessed


def test_provinces_are_not_merged_into_their_cities_but_named_as_candidates(members: GraphStore) -> None:
    report = _load(members)
    decisions = "\n".join(report.decisions)
    assert "Aswan Governorate" in decisions and "eg-aswan" in decisions
    assert "Chiang Rai Province" in decisions and "th-chiang-rai" in decisions
    assert members.node(Label.CITY, "eg-aswan")["name"] == "Aswan"
    pairs = {tuple(sorted((r["a"], r["b"]))) for r in members.read(cypher.LINK_PAIRS)}
    assert ("eg-aswan", "us-sonoma") not in pairs and ("kr-osan", "th-chiang-rai") not in pairs


def test_a_borough_is_never_merged_into_the_city_in_its_brackets(members: GraphStore) -> None:
    _load(members)
    borough = members.node(Label.CITY, city_id("Charlottenburg-Wilmersdorf (Berlin)", "DE"))
    assert borough is not None and borough["name"] == "Charlottenburg-Wilmersdorf (Berlin)"
    pairs = {tuple(sorted((r["a"], r["b"]))) for r in members.read(cypher.LINK_PAIRS)}
    assert ("de-berlin", "de-mannheim") not in pairs
    assert tuple(sorted((borough["id"], "de-mannheim"))) in pairs


def test_the_file_is_public_facts_with_a_source_on_every_row() -> None:
    with FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 18 and all(r["source_url"].startswith("http") for r in rows)


def test_no_new_cities_refuses_partners_and_writes_nothing(members: GraphStore) -> None:
    before = members.summary()
    report = _load(members, new_cities=False)
    assert report.created == []
    refused = [str(e) for e in report.files[0].rejected]
    assert any("Cluj-Napoca" in e and "--no-new-cities" in e for e in refused)
    assert members.count(Label.CITY) == before["nodes"]["City"]

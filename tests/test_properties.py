"""Property-based tests (hypothesis) of the normalisers and the city resolver: idempotent,
never crash on any Unicode text, never merge two cities of different countries."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.normalise import (
    city_kind,
    clean_text,
    country_code,
    country_name,
    fold,
    link_kind,
    org_kind,
    region_id,
    slug,
)
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.resolver import CityResolver, KnownCity, city_id, name_keys

# Any Unicode text, including surrogates' neighbours, controls, combining marks, RTL, emoji.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=("Cs",)), max_size=60)
# Names that look like place names in many scripts, with the punctuation real lists hold.
SCRIPTS = st.sampled_from(
    [
        string.ascii_letters,
        "ÀÉÎÕÜàéîõüçñßøåæœ",
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "αβγδεζηθικλμνξοπρστυφχψω",
        "岡山市東京大阪北京上海广州",
        "서울부산대구인천광주대전",
        "القاهرةالدارالبيضاءعمان",
        "कोलकातामुंबई",
        "-'’ ().",
    ]
)
NAME = st.lists(SCRIPTS.flatmap(lambda a: st.text(alphabet=a, min_size=1, max_size=8)), min_size=1, max_size=4).map(
    "".join
)
COUNTRIES = st.sampled_from(["FR", "DE", "BY", "JP", "KR", "CN", "EG", "MA", "BR", "US", "IE", "GR", "RU", "IN"])
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(ANY_TEXT)
@example("Saint-Étienne\u0301 ")
@example("ﬁ ﬂ ẞ İ ǅ")
@example("\u0000\u202e岡山市\u200b")
@example("Å\u030a")
@example("\x1b[31mKiel\x1b[0m")
def test_text_normalisers_are_idempotent_and_total(text: str) -> None:
    assert clean_text(clean_text(text)) == clean_text(text)
    assert fold(fold(text)) == fold(text)
    assert slug(slug(text)) == slug(text)
    assert slug(text) and set(slug(text)) <= set(string.ascii_lowercase + string.digits + "-")
    assert fold(clean_text(text)) == fold(text)
    for k in name_keys(text):
        assert k == fold(k)


@settings(max_examples=150, deadline=None)
@given(ANY_TEXT)
@example("République de Corée")
@example("Türkiye")
@example("xk")
@example("日本")
def test_country_code_is_total_and_a_fixed_point(text: str) -> None:
    code = country_code(text)
    if code is not None:
        assert len(code) == 2 and code.isupper()
        assert country_code(code) == code
        assert country_code(country_name(code)) == code


@FAST
@given(ANY_TEXT)
@example("Jumelage")
@example("sister_city")
@example("友好都市")
def test_kind_normalisers_are_total_and_idempotent(text: str) -> None:
    kind = link_kind(text)
    if kind is not None:
        assert link_kind(kind.value) == kind and link_kind(kind.value.replace("_", " ")) == kind
    ck = city_kind(text)
    if ck is not None:
        assert city_kind(ck.value) == ck
    ok = org_kind(text)
    if ok is not None:
        assert org_kind(ok.value) == ok
    rid = region_id(text)
    if rid is not None:
        assert region_id(rid) == rid


@FAST
@given(name=NAME, a=COUNTRIES, b=COUNTRIES)
def test_city_ids_are_stable_and_differ_across_countries(name: str, a: str, b: str) -> None:
    assert city_id(name, a) == city_id(clean_text(name), a)
    assert city_id(name, a).startswith(a.lower() + "-")
    if a != b:
        assert city_id(name, a) != city_id(name, b)


@settings(max_examples=300, deadline=None)
@given(
    known=st.lists(st.tuples(NAME, COUNTRIES), min_size=1, max_size=12),
    query=NAME,
    country=COUNTRIES,
    use_gazetteer=st.booleans(),
)
def test_resolver_never_answers_a_city_of_another_country(
    known: list[tuple[str, str]], query: str, country: str, use_gazetteer: bool
) -> None:
    cities = {city_id(n, c): KnownCity(city_id(n, c), clean_text(n), c) for n, c in known if clean_text(n)}
    r = CityResolver(list(cities.values()), use_gazetteer=use_gazetteer)
    for fuzzy in (True, False):
        res = r.resolve(query, country, fuzzy=fuzzy)
        if res.status == "matched":
            assert r.cities[str(res.city_id)].country == country, (query, country, res)
        assert res.status in ("matched", "new", "ambiguous")
    shortcut = r.exact(query, country)
    assert shortcut is None or r.cities[shortcut].country == country
    # every known city is found again by its own name and country, and only it
    for cid, city in cities.items():
        res = r.resolve(city.name, city.country)
        assert res.city_id in (cid, None) and (res.status != "matched" or res.city_id == cid)


@settings(max_examples=200, deadline=None)
@given(name=NAME, a=COUNTRIES, b=COUNTRIES)
def test_the_same_name_in_two_countries_stays_two_cities(name: str, a: str, b: str) -> None:
    if a == b or not clean_text(name):
        return
    r = CityResolver([KnownCity(city_id(name, a), clean_text(name), a)], use_gazetteer=False)
    res = r.resolve(name, b)
    assert res.status == "new" and res.city_id is None
    r.add(KnownCity(city_id(name, b), clean_text(name), b))
    assert r.resolve(name, a).city_id == city_id(name, a)
    assert r.resolve(name, b).city_id == city_id(name, b)
    assert r.resolve(name, None).status == "ambiguous"


# -- the same property through a real load into the embedded engine ------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(NAME, COUNTRIES), min_size=1, max_size=8))
def test_a_load_never_merges_cities_of_different_countries(
    embedded_store: GraphStore, rows: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import csv

    embedded = embedded_store
    embedded.clear()
    path: Path = tmp_path_factory.mktemp("prop") / "cities.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "country"])
        w.writerows([(n, c) for n, c in rows])
    try:
        load_files(embedded, [path])
    except Exception as exc:  # a refusal must be the project's own error, naming the row
        from gnlc.errors import InputError

        assert isinstance(exc, InputError), repr(exc)
        assert "cities.csv" in str(exc)
        assert embedded.count(Label.CITY) == 0
        return
    nodes = [r["props"] for r in embedded.read(cypher.DUMP_NODES) if r["label"] == Label.CITY.value]
    for c in {c for n, c in rows if clean_text(n)}:
        names = {fold(n) for n, cc in rows if cc == c and clean_text(n)}
        here = [n for n in nodes if n["country_code"] == c]
        assert 1 <= len(here) <= len(names), (c, names, here)
    assert {n["country_code"] for n in nodes} == {c for n, c in rows if clean_text(n)}

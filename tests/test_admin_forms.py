"""Administrative forms in city names (시, 市, 군, 구, 区, 省, City, District, Province, Governorate...):
the same place when the levels agree, another place when they do not; a district is never its city,
and the name in brackets never folds a borough into the city it lies in."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.admin_forms import (
    PREFIX_ATTACHED,
    PREFIX_WORDS,
    SUFFIX_ATTACHED,
    SUFFIX_WORDS,
    Level,
    forms,
    level_of,
    same_place,
)
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.resolver import ADMIN_FORM, CityResolver, KnownCity, city_id
from gnlc.loaders.text import clean_text, fold

KNOWN = [
    ("Hangzhou", "CN"),
    ("Shanghai", "CN"),
    ("Changsha", "CN"),
    ("Bucheon", "KR"),
    ("Buan", "KR"),
    ("Incheon", "KR"),
    ("Yeonsu-gu", "KR"),
    ("Seoul", "KR"),
    ("Dobong-gu", "KR"),
    ("Songpa-gu (Seoul)", "KR"),
    ("Aswan", "EG"),
    ("Chiang Rai", "TH"),
    ("Berlin", "DE"),
    ("Jubail Industrial City", "SA"),
    ("Cork", "IE"),
    ("Los Angeles", "US"),
    ("Carson", "US"),
]


ID = {n: city_id(n, c) for n, c in KNOWN}


@pytest.fixture(scope="module")
def resolver() -> CityResolver:
    return CityResolver([KnownCity(city_id(n, c), n, c) for n, c in KNOWN])


SAME_PLACE = [
    ("항저우시", "CN", ID["Hangzhou"]),
    ("항저우 시", "CN", ID["Hangzhou"]),
    ("富川市", "KR", ID["Bucheon"]),
    ("부안군", "KR", ID["Buan"]),
    ("Buan County", "KR", ID["Buan"]),
    ("Buan-gun", "KR", ID["Buan"]),
    ("Dobong District", "KR", ID["Dobong-gu"]),
    ("Songpa District", "KR", ID["Songpa-gu (Seoul)"]),
    ("City of Cork", "IE", ID["Cork"]),
    ("Incheon Metropolitan City", "KR", ID["Incheon"]),
    ("Seoul Special City", "KR", ID["Seoul"]),
    ("City of Los Angeles", "US", ID["Los Angeles"]),
    ("항저우시", None, ID["Hangzhou"]),
]


@pytest.mark.parametrize(("name", "country", "cid"), SAME_PLACE)
def test_a_municipal_form_or_the_same_level_is_the_same_place(
    resolver: CityResolver, name: str, country: str | None, cid: str
) -> None:
    res = resolver.resolve(name, country)
    assert (res.status, res.city_id) == ("matched", cid), res
    assert res.method in (ADMIN_FORM, "exact", "gazetteer", "alias")


def test_the_issue_examples_are_matched_by_administrative_form(resolver: CityResolver) -> None:
    for name, country, known in [("항저우시", "CN", "Hangzhou"), ("富川市", "KR", "Bucheon"), ("부안군", "KR", "Buan")]:
        cid = ID[known]
        res = resolver.resolve(name, country)
        assert res.describe() == f"matched {cid} by administrative form"  # reported: not an exact match


@pytest.mark.parametrize(
    ("name", "country", "candidate"),
    [
        ("Aswan Governorate", "EG", ID["Aswan"]),
        ("محافظة أسوان", "EG", ID["Aswan"]),
        ("Chiang Rai Province", "TH", ID["Chiang Rai"]),
        ("Los Angeles County", "US", ID["Los Angeles"]),
        ("长沙县", "CN", ID["Changsha"]),
        ("Changsha County", "CN", ID["Changsha"]),
        ("Aswan Governorate", None, ID["Aswan"]),
    ],
)
def test_another_level_is_a_candidate_never_merged(
    resolver: CityResolver, name: str, country: str | None, candidate: str
) -> None:
    for fuzzy in (True, False):
        res = resolver.resolve(name, country, fuzzy=fuzzy)
        assert res.status == "new" and res.city_id is None and res.method == ADMIN_FORM
        assert any(f", {candidate})" in c for c in res.candidates), res
        assert res.score >= 90  # loaders report a new name this close to a known city
        assert "not merged" in res.describe() and candidate in res.describe()


@pytest.mark.parametrize(
    ("name", "country", "not_this"),
    [
        ("Huangpu District", "CN", ID["Shanghai"]),
        ("黄浦区", "CN", ID["Shanghai"]),
        ("Seodaemun-gu", "KR", ID["Seoul"]),
        ("서대문구", "KR", ID["Seoul"]),
        ("Seodaemun-gu (Seoul)", "KR", ID["Seoul"]),
        ("Mapo District, Seoul", "KR", ID["Seoul"]),
        ("Charlottenburg-Wilmersdorf (Berlin)", "DE", ID["Berlin"]),
        ("Berlin-Mitte (Berlin)", "DE", ID["Berlin"]),
        ("Bezirk Mitte (Berlin)", "DE", ID["Berlin"]),
        ("Yeonsu-gu", "KR", ID["Incheon"]),
        ("연수구", "KR", ID["Incheon"]),
        ("Carson City", "US", ID["Carson"]),  # the gazetteer knows it as another place
    ],
)
def test_a_district_or_borough_is_never_its_city(
    resolver: CityResolver, name: str, country: str, not_this: str
) -> None:
    for fuzzy in (True, False):
        res = resolver.resolve(name, country, fuzzy=fuzzy)
        assert res.city_id != not_this, res
    if name.startswith(("Yeonsu", "연수")):  # a member district is found as itself
        assert resolver.resolve(name, country).city_id == ID["Yeonsu-gu"]


def test_the_name_in_brackets_is_used_when_it_restates_the_name(resolver: CityResolver) -> None:
    res = resolver.resolve("Jubail (Jubail Industrial City)", "SA")
    assert (res.status, res.city_id, res.method) == ("matched", ID["Jubail Industrial City"], "name in brackets")
    assert resolver.resolve("Charlottenburg-Wilmersdorf (Berlin)", "DE").status == "new"


def test_a_fuzzy_match_never_joins_names_of_two_levels() -> None:
    long_name = "Abcdefghijklmnopqrstuvw"
    r = CityResolver([KnownCity("fr-a", long_name, "FR")], use_gazetteer=False)
    for other in (f"{long_name}-gu", f"{long_name} Ward", f"{long_name} County", f"Bezirk {long_name}"):
        for fuzzy in (True, False):
            assert r.resolve(other, "FR", fuzzy=fuzzy).city_id != "fr-a", other
    assert r.resolve(f"{long_name}x", "FR").method == "fuzzy"  # a typo still matches


def test_forms_read_each_script() -> None:
    assert forms(fold("항저우시")) == (("항저우", Level.MUNICIPAL),)
    assert forms(fold("Aswan Governorate")) == (("aswan", Level.PROVINCE),)
    assert forms(fold("Ville d'Abidjan")) == (("abidjan", Level.MUNICIPAL),)
    assert forms(fold("จังหวัดเชียงราย"))[0][1] is Level.PROVINCE
    assert forms(fold("杭州")) == ()  # 州 ends many city names: a form leaves at least two characters
    assert level_of(fold("Yeonsu-gu")) is Level.DISTRICT and level_of(fold("Cork")) is None
    assert same_place(Level.MUNICIPAL, None) and same_place(Level.DISTRICT, Level.DISTRICT)
    assert not same_place(Level.DISTRICT, None) and not same_place(Level.PROVINCE, Level.MUNICIPAL)
    assert same_place(Level.COUNTY, None, "KR") and not same_place(Level.COUNTY, None, "US")


def test_a_load_reports_the_decision_and_keeps_both_places(store: GraphStore, tmp_path: Path) -> None:
    members, others = tmp_path / "members.csv", tmp_path / "more.csv"
    members.write_text("name,country\nHangzhou,China\nAswan,Egypt\nSeoul,Republic of Korea\n", encoding="utf-8")
    others.write_text(
        "name,country\n항저우시,中国\nAswan Governorate,مصر\nSeodaemun-gu (Seoul),韓国\n", encoding="utf-8"
    )
    load_files(store, [members])
    report = load_files(store, [others])
    decisions = "\n".join(report.decisions)
    assert "'항저우시' -> matched cn-hangzhou by administrative form" in decisions
    assert "'Aswan Governorate' -> new city: another level of government than Aswan (EG, eg-aswan)" in decisions
    assert store.node(Label.CITY, ID["Hangzhou"])["name"] == "Hangzhou"
    assert store.node(Label.CITY, city_id("Aswan Governorate", "EG")) is not None
    assert store.node(Label.CITY, city_id("Seodaemun-gu (Seoul)", "KR")) is not None
    assert store.count(Label.CITY) == 5


# -- the property -----------------------------------------------------------------------------------
NAME = st.lists(
    st.sampled_from(
        [
            string.ascii_letters,
            "ÀÉÎÕÜàéîõüçñßøåæœ",
            "абвгдежзийклмнопрстуфхцчшщъыьэюя",
            "岡山東京大阪北京上海广州",
            "서울부산대구인천광주대전",
            "القاهرةالدارالبيضاءعمان",
            "-' .",
        ]
    ).flatmap(lambda a: st.text(alphabet=a, min_size=1, max_size=8)),
    min_size=1,
    max_size=3,
).map("".join)
OTHER_LEVELS = (Level.DISTRICT, Level.COUNTY, Level.PROVINCE)
OTHER_FORMS = sorted(
    {(f, "suffix") for lv in OTHER_LEVELS for f in SUFFIX_WORDS[lv]}
    | {(f, "prefix") for lv in OTHER_LEVELS for f in PREFIX_WORDS[lv]}
    | {(f, "attached suffix") for lv in OTHER_LEVELS for f in SUFFIX_ATTACHED[lv]}
    | {(f, "attached prefix") for lv in OTHER_LEVELS for f in PREFIX_ATTACHED.get(lv, ())}
)


def _with_form(name: str, form: str, where: str, hyphen: bool) -> str:
    if where == "suffix":
        return f"{name}{'-' if hyphen else ' '}{form}"
    if where == "prefix":
        return f"{form} {name}"
    return name + form if where == "attached suffix" else form + name


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=NAME,
    form=st.sampled_from(OTHER_FORMS),
    hyphen=st.booleans(),
    country=st.sampled_from(["CN", "KR", "DE", "EG", "US", "FR", "TH"]),
)
@example(name="Seodaemun", form=("gu", "suffix"), hyphen=True, country="KR")
@example(name="Huangpu", form=("district", "suffix"), hyphen=False, country="CN")
@example(name="Abcdefghijklmnopqrstuvw", form=("gu", "suffix"), hyphen=True, country="FR")
@example(name="Aswan", form=("governorate", "suffix"), hyphen=False, country="EG")
@example(name="서울", form=("구", "attached suffix"), hyphen=False, country="KR")
def test_a_name_and_the_same_name_with_a_form_of_another_place_are_never_merged(
    name: str, form: tuple[str, str], hyphen: bool, country: str
) -> None:
    """A city X and 'X District' / 'X-gu' / 'X County' / 'Province of X' / 'X省': two places,
    whichever is known first, with or without fuzzy matching."""
    text, where = form
    assume(
        country != "KR"
        or text not in SUFFIX_WORDS[Level.COUNTY] + PREFIX_WORDS[Level.COUNTY] + SUFFIX_ATTACHED[Level.COUNTY]
    )  # a Korean county is of the city tier (the module's docstring)
    city, other = clean_text(name), clean_text(_with_form(name, text, where, hyphen))
    assume(fold(city) and fold(other) != fold(city) and city_id(city, country) != city_id(other, country))
    a, b = KnownCity(city_id(city, country), city, country), KnownCity(city_id(other, country), other, country)
    for known, query in ((a, other), (b, city)):
        r = CityResolver([known], use_gazetteer=False)
        for fuzzy in (True, False):
            res = r.resolve(query, country, fuzzy=fuzzy)
            assert res.city_id != known.id, (known.name, query, res)
    both = CityResolver([a, b], use_gazetteer=False)
    assert both.resolve(city, country).city_id == a.id
    assert both.resolve(other, country).city_id == b.id


def forms_read_every_way(key: str) -> tuple[tuple[str, Level], ...]:
    """forms() as first written: every number of words and characters tried (forms() now skips
    a name whose last or first word or character begins or ends no form)."""
    from gnlc.loaders import admin_forms as af

    out: list[tuple[str, Level]] = []
    words = key.split(" ")
    for n in range(1, min(af._MOST_WORDS, len(words) - 1) + 1):
        if (level := af._SUFFIX_WORDS.get(" ".join(words[-n:]))) is not None:
            out.append((" ".join(words[:-n]), level))
        if (level := af._PREFIX_WORDS.get(" ".join(words[:n]))) is not None:
            out.append((" ".join(words[n:]), level))
    for n in range(1, min(af._LONGEST, len(key) - af.MIN_REST) + 1):
        if (level := af._SUFFIX_ATTACHED.get(key[-n:])) is not None:
            out.append((key[:-n].rstrip(), level))
        if (level := af._PREFIX_ATTACHED.get(key[:n])) is not None:
            out.append((key[n:].lstrip(), level))
    return tuple(dict.fromkeys((rest, level) for rest, level in out if len(rest) >= af.MIN_REST))


def test_forms_finds_what_reading_every_way_finds() -> None:
    """On the 10,000 Wikidata names in many scripts and on every form around a few names."""
    names_file = Path(__file__).resolve().parents[1] / "data" / "wikidata_twins" / "names.tsv"
    names = [line.split("\t", 1)[1].strip() for line in names_file.read_text(encoding="utf-8").splitlines() if line]
    written = [
        w
        for table in (SUFFIX_WORDS, PREFIX_WORDS, SUFFIX_ATTACHED, PREFIX_ATTACHED)
        for ws in table.values()
        for w in ws
    ]
    for base in ("Bucheon", "岡山", "Nam gu", "ab", "x"):
        names += [f"{base} {w}" for w in written] + [f"{w} {base}" for w in written]
        names += [f"{base}{w}" for w in written] + [f"{w}{base}" for w in written]
    keys = {fold(clean_text(n)) for n in names} | {"", " ", "市", "gu"}
    found = 0
    for key in keys:
        assert forms(key) == forms_read_every_way(key), key
        found += bool(forms(key))
    assert len(keys) > 10_000 and found > 1_000

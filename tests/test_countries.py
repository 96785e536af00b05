"""Countries in any language, from CLDR (through Babel) and ISO 3166 (pycountry): exact names
only, never a guess by similarity; ambiguous and historical names refused with the reason."""

from __future__ import annotations

import doctest
import re
from functools import cache
from pathlib import Path

import pycountry
import pytest
from babel import localedata
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from gnlc.loaders import countries
from gnlc.loaders.countries import (
    COUNTRY_ALIASES,
    HISTORICAL_STATES,
    CountryError,
    cldr_index,
    country_code,
    country_name,
    resolve_country,
)
from gnlc.loaders.fields import country as parse_country
from gnlc.loaders.text import fold

READ = {
    "Polen": "PL",
    "Nederland": "NL",
    "Francia": "FR",
    "Italie": "IT",
    "韓国": "KR",
    "米国": "US",
    "Corea del Norte": "KP",
    "UAE": "AE",
    "Грузия": "GE",
    "Ελλάδα": "GR",
    "المغرب": "MA",
    "Deutschland": "DE",
    "Estland": "EE",
    "Cina": "CN",
    "KR": "KR",
    "kor": "KR",
    "Republic of Korea": "KR",
    "Korea, Rep.": "KR",
    "South Korea": "KR",
    "Türkiye": "TR",
    "Turkey": "TR",
    "Kosovo": "XK",
    "Viet Nam": "VN",
    "The Gambia": "GM",
    "Congo": "CG",
    "Kongo-Kinshasa": "CD",
    "Palestine": "PS",
    "日本": "JP",
    "Россия": "RU",
    "Frankreich": "FR",
}


@pytest.mark.parametrize(("name", "code"), READ.items())
def test_a_country_written_in_any_language_is_read(name: str, code: str) -> None:
    assert resolve_country(name) == code
    assert country_code(name) == code
    assert parse_country(name) == code


def test_cina_is_china_and_never_czechia() -> None:
    """The old fuzzy path read 'Cina' as CZ, 'Estland' as NO, 'Kongo' as CD."""
    assert country_code("Cina") == "CN"
    assert "CN" in cldr_index()[fold("Cina")]  # Italian CLDR has it
    assert country_code("Estland") == "EE"
    assert country_code("Kongo") is None


def test_a_name_of_two_countries_is_refused_naming_both() -> None:
    with pytest.raises(CountryError) as info:
        resolve_country("Kongo")
    assert info.value.reason == "ambiguous" and info.value.candidates == ("CD", "CG")
    with pytest.raises(ValueError) as parsed:
        parse_country("Kongo")
    msg = str(parsed.value)
    assert "Congo (CG)" in msg and "Democratic Republic of the Congo (CD)" in msg and "CD or CG" in msg


@pytest.mark.parametrize(
    ("name", "successors"),
    [
        ("Soviet Union", {"RU", "UA", "BY", "EE", "KZ"}),
        ("USSR", {"RU", "GE"}),
        ("Sowjetunion", {"RU"}),
        ("СССР", {"RU"}),
        ("GDR", {"DE"}),
        ("DDR", {"DE"}),
        ("East Germany", {"DE"}),
        ("Yugoslavia", {"RS", "HR", "SI"}),
        ("Jugoslawien", {"BA", "MK"}),
        ("Czechoslovakia", {"CZ", "SK"}),
        ("Tschechoslowakei", {"CZ", "SK"}),
        ("Serbia and Montenegro", {"RS", "ME"}),
    ],
)
def test_a_historical_state_is_refused_naming_its_successors(name: str, successors: set[str]) -> None:
    assert country_code(name) is None
    with pytest.raises(CountryError) as info:
        resolve_country(name)
    assert info.value.reason == "historical" and successors <= set(info.value.candidates)
    with pytest.raises(ValueError) as parsed:
        parse_country(name)
    msg = str(parsed.value)
    assert msg.startswith("a present-day country: ") and "no longer exists" in msg
    assert all(f"{country_name(c)} ({c})" in msg for c in successors)


def test_the_soviet_union_message_names_all_fifteen_successors() -> None:
    with pytest.raises(CountryError) as info:
        resolve_country("Soviet Union")
    assert len(info.value.candidates) == 15


@pytest.mark.parametrize(
    ("name", "near"),
    [("Narnia", None), ("Germny", "DE"), ("Frnace", "FR"), ("Republik Korea", "KR"), ("Xyzzyland", None)],
)
def test_an_unknown_country_is_refused_with_the_closest_names(name: str, near: str | None) -> None:
    assert country_code(name) is None
    with pytest.raises(CountryError) as info:
        resolve_country(name)
    assert info.value.reason == "unknown" and len(info.value.candidates) == 3
    if near:
        assert near in info.value.candidates
    with pytest.raises(ValueError) as parsed:
        parse_country(name)
    assert str(parsed.value).startswith("a country name or ISO 3166 code") and repr(name) in str(parsed.value)
    assert "closest: " in str(parsed.value)


def test_region_groupings_are_not_countries() -> None:
    for grouping in (
        "world",
        "Europe",
        "European Union",
        "United Nations",
        "Eurozone",
        "Outlying Oceania",
        "Latin America",
        "Sub-Saharan Africa",
    ):
        assert country_code(grouping) is None, grouping
    assert {len(c) for codes in cldr_index().values() for c in codes} == {2}


def test_no_alias_contradicts_the_maintained_sources() -> None:
    for alias, code in COUNTRY_ALIASES.items():
        assert cldr_index().get(fold(alias), {code}) == {code}, alias
        assert pycountry.countries.get(alpha_2=code) or code == "XK", alias


def test_the_common_path_does_not_build_the_cldr_index(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden() -> None:
        raise AssertionError("the CLDR index was built for a code or an English name")

    monkeypatch.setattr(countries, "cldr_index", forbidden)
    countries._read.cache_clear()
    try:
        for name in (
            "KR",
            "fra",
            "Germany",
            "Republic of Korea",
            "United States of America",
            "Viet Nam",
            "UK",
            "Russian Federation",
            "Côte d'Ivoire",
            "Bolivia",
            "Kosovo",
            "Soviet Union",
        ):
            countries._read(name)
    finally:
        countries._read.cache_clear()


def test_docstring_examples() -> None:
    assert doctest.testmod(countries).failed == 0


# -- properties --------------------------------------------------------------------------------------
@cache
def _exact_keys() -> frozenset[str]:
    """Every spelling the sources hold, folded as the module's docstring says (whole, without
    brackets, ISO's 'X, Y' in speaking order, '&' as 'and', no leading 'the'): written here
    again from the sources, not read from the module's indexes."""
    names = [
        n
        for loc in localedata.locale_identifiers()
        for n in localedata.load(loc, merge_inherited=False).get("territories", {}).values()
    ]
    names += [
        getattr(c, a)
        for c in pycountry.countries
        for a in ("name", "official_name", "common_name")
        if getattr(c, a, None)
    ]
    names += [*COUNTRY_ALIASES, *(f for forms, _ in HISTORICAL_STATES.values() for f in forms)]
    keys: set[str] = set()
    for n in names:
        forms = {n, re.sub(r"\s*\([^)]*\)\s*", " ", n)} | ({" ".join(reversed(n.split(", ")))} if ", " in n else set())
        for f in forms:
            k = fold(f).removeprefix("the ")
            keys |= {k, k.replace(" & ", " and ")}
    return frozenset(keys)


ENGLISH = sorted(
    {c.name for c in pycountry.countries} | {getattr(c, "common_name", c.name) for c in pycountry.countries}
)
LOCALE_NAMES = sorted(
    {
        n
        for loc in ("de", "fr", "es", "it", "ja", "ko", "ru", "el", "ar", "zh", "nl", "pl")
        for code, n in localedata.load(loc)["territories"].items()
        if code.isalpha()
    }
)
CODES = sorted({c.alpha_2 for c in pycountry.countries} | {"XK"})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CODES))
def test_country_code_is_idempotent_on_its_outputs(code: str) -> None:
    assert country_code(code) == code
    assert country_code(code.lower()) == code
    assert country_code(country_name(code)) == code
    assert country_code(country_code(country_name(code)) or "") == code


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(ENGLISH + LOCALE_NAMES),
    at=st.integers(0, 40),
    edit=st.sampled_from(["delete", "insert", "replace", "swap"]),
    letter=st.characters(codec="utf-8", categories=("L",)),
)
@example(name="China", at=1, edit="delete", letter="a")
@example(name="Estonia", at=3, edit="replace", letter="l")
@example(name="Italia", at=5, edit="replace", letter="e")
def test_no_near_spelling_of_a_country_is_read_as_one(name: str, at: int, edit: str, letter: str) -> None:
    """A string that is not exactly some country's name maps to nothing: similarity never decides."""
    i = at % len(name)
    edited = {
        "delete": name[:i] + name[i + 1 :],
        "insert": name[:i] + letter + name[i:],
        "replace": name[:i] + letter + name[i + 1 :],
        "swap": name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :],
    }[edit]
    key = fold(edited).removeprefix("the ")
    assume(key and key != fold(name))
    code = country_code(edited)
    if code is not None:
        assert key in _exact_keys() or re.fullmatch(r"[A-Za-z]{2,3}", edited.strip()), (name, edited, code)


def test_a_loader_names_file_row_and_column_around_the_reason(tmp_path: Path) -> None:
    from gnlc.loaders.mapping import Mapping
    from gnlc.loaders.readers import read_tables
    from gnlc.loaders.rows import parse_table

    src = tmp_path / "cities.csv"
    src.write_text(
        "name,country\nKiel,Deutschland\nLeipzig,DDR\nPointe-Noire,Kongo\nX,Narnia\nSeoul,韓国\n", encoding="utf-8"
    )
    table = read_tables(src)[0]
    parsed = parse_table(table, Mapping.parse(kind="cities", pairs=[]))
    errors = [str(e) for e in parsed.errors]
    assert len(errors) == 3 and len(parsed.good) == 2
    assert errors[0].startswith("cities.csv, row 3, column 'country': got 'DDR'; expected a present-day country")
    assert "Germany (DE)" in errors[0]
    assert "row 4" in errors[1] and "Congo (CG)" in errors[1]
    assert "row 5" in errors[2] and "closest: " in errors[2]

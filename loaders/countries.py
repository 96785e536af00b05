"""Countries written in any language, read to ISO 3166-1 alpha-2 codes from maintained sources.

Where the names come from, in the order they are trusted:

1. the code itself, alpha-2 or alpha-3 ('KR', 'kor');
2. the English names: pycountry's (ISO 3166) name, official and common names, CLDR's English
   territory names, and a short table of forms neither has (UAE, USA, 米国, 'Korea, Rep.');
3. CLDR's territory names in every locale Babel ships ('Polen', 'Nederland', '韓国', 'Грузия',
   'المغرب'): the index is built on first need, once per process (about 2 s, most of it Babel
   reading its locale files; the first two tiers answer codes and English names without it).

A name must equal one of these after ``fold`` (case, accents, punctuation): nothing is matched
by similarity, so 'Cina' is China (its Italian name) and never Czechia. Region groupings of
CLDR ('001' world, '150' Europe, 'EU', 'UN', 'EZ', 'QO'...) are not countries. A name the
first two tiers do not know and the third gives to two countries ('Kongo': Congo in some
languages, the Democratic Republic of the Congo in others) is refused, naming both. States
that no longer exist (the Soviet Union, the GDR and West Germany, Yugoslavia,
Czechoslovakia, Serbia and Montenegro) are refused with their successor states: which one a
city is in now is not ours to guess. An unknown name is refused with the closest names
(similarity only suggests).

>>> country_code("Estland"), country_code("Cina"), country_code("KOR")
('EE', 'CN', 'KR')
>>> try:
...     resolve_country("Kongo")
... except CountryError as exc:
...     print(exc.reason, exc.candidates)
ambiguous ('CD', 'CG')
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pycountry

from gnlc.loaders.text import clean_text, fold

Reason = Literal["unknown", "ambiguous", "historical"]
KOSOVO = "XK"  # user-assigned code, used by CLDR and the EU; UNESCO groups Kosovo with Europe
_BRACKETS = re.compile(r"\s*\([^)]*\)\s*")

# Forms that neither pycountry nor CLDR holds (checked by tests/test_countries.py: each is needed).
COUNTRY_ALIASES: dict[str, str] = {
    "Korea, Rep.": "KR",
    "Korea": "KR",
    "한국": "KR",
    "Republique de Coree": "KR",
    "Korea, Dem. People's Rep.": "KP",
    "Iran, Islamic Rep.": "IR",
    "Egypt, Arab Rep.": "EG",
    "China, People's Rep.": "CN",
    "PRC": "CN",
    "中華人民共和国": "CN",
    "中华人民共和国": "CN",
    "Palestine": "PS",
    "DPRK": "KP",
    "ROK": "KR",
    "DRC": "CD",
    "DR Congo": "CD",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "United States": "US",
    "United States of America": "US",
    "米国": "US",
    "UAE": "AE",
    "U.A.E.": "AE",
    "Emirates": "AE",
    "KSA": "SA",
    "السعودية": "SA",
    "Holland": "NL",
    "The Netherlands": "NL",
    "Czech Republic": "CZ",
    "Turkey": "TR",
    "Ivory Coast": "CI",
    "Cape Verde": "CV",
    "Swaziland": "SZ",
    "Burma": "MM",
    "East Timor": "TL",
    "Macedonia": "MK",
    "Republic of Macedonia": "MK",
    "Bundesrepublik Deutschland": "DE",
    "Kosovo": KOSOVO,
    "Kosova": KOSOVO,
}

# States that no longer exist: their forms, and their successor states.
HISTORICAL_STATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "the Soviet Union": (
        (
            "Soviet Union",
            "USSR",
            "U.S.S.R.",
            "SUN",
            "Union of Soviet Socialist Republics",
            "Sowjetunion",
            "UdSSR",
            "Union soviétique",
            "URSS",
            "Unión Soviética",
            "Unione Sovietica",
            "União Soviética",
            "Sovjetunie",
            "Sovjetunionen",
            "Związek Radziecki",
            "ZSRR",
            "СССР",
            "Советский Союз",
            "Радянський Союз",
            "СРСР",
            "Σοβιετική Ένωση",
            "ΕΣΣΔ",
            "Sovyetler Birliği",
            "소련",
            "소비에트 연방",
            "ソ連",
            "ソビエト連邦",
            "苏联",
            "蘇聯",
            "الاتحاد السوفيتي",
            "الاتحاد السوفييتي",
        ),
        ("AM", "AZ", "BY", "EE", "GE", "KZ", "KG", "LV", "LT", "MD", "RU", "TJ", "TM", "UA", "UZ"),
    ),
    "the German Democratic Republic (East Germany)": (
        (
            "GDR",
            "G.D.R.",
            "DDR",
            "D.D.R.",
            "East Germany",
            "German Democratic Republic",
            "Deutsche Demokratische Republik",
            "RDA",
            "République démocratique allemande",
            "Allemagne de l'Est",
            "República Democrática Alemana",
            "Alemania Oriental",
            "Repubblica Democratica Tedesca",
            "Germania Est",
            "NRD",
            "ГДР",
            "Германская Демократическая Республика",
            "동독",
            "東ドイツ",
            "东德",
            "東德",
            "ألمانيا الشرقية",
        ),
        ("DE",),
    ),
    "West Germany (before 1990)": (
        ("West Germany", "Allemagne de l'Ouest", "Alemania Occidental", "Germania Ovest", "서독", "西ドイツ", "西德"),
        ("DE",),
    ),
    "Yugoslavia": (
        (
            "Yugoslavia",
            "YUG",
            "SFRY",
            "SFRJ",
            "SFR Yugoslavia",
            "Socialist Federal Republic of Yugoslavia",
            "Federal Republic of Yugoslavia",
            "FR Yugoslavia",
            "Jugoslawien",
            "Yougoslavie",
            "Jugoslavija",
            "Jugosławia",
            "Iugoslavia",
            "Jugoslavia",
            "Југославија",
            "Югославия",
            "Γιουγκοσλαβία",
            "유고슬라비아",
            "ユーゴスラビア",
            "南斯拉夫",
            "يوغوسلافيا",
        ),
        ("BA", "HR", "XK", "ME", "MK", "RS", "SI"),
    ),
    "Czechoslovakia": (
        (
            "Czechoslovakia",
            "CSK",
            "ČSSR",
            "ČSFR",
            "Tschechoslowakei",
            "Tchécoslovaquie",
            "Checoslovaquia",
            "Cecoslovacchia",
            "Checoslováquia",
            "Tsjecho-Slowakije",
            "Czechosłowacja",
            "Československo",
            "Чехословакия",
            "Τσεχοσλοβακία",
            "체코슬로바키아",
            "チェコスロバキア",
            "捷克斯洛伐克",
            "تشيكوسلوفاكيا",
        ),
        ("CZ", "SK"),
    ),
    "Serbia and Montenegro": (
        (
            "Serbia and Montenegro",
            "SCG",
            "Srbija i Crna Gora",
            "Србија и Црна Гора",
            "Serbien und Montenegro",
            "Serbie-et-Monténégro",
            "Serbia y Montenegro",
            "Serbia e Montenegro",
        ),
        ("RS", "ME"),
    ),
}

_PREFERRED_NAMES = {
    "KR": "Republic of Korea",
    "KP": "Democratic People's Republic of Korea",
    "IR": "Iran",
    "RU": "Russian Federation",
    "TR": "Turkey",
    "VN": "Viet Nam",
    "GB": "United Kingdom",
    "US": "United States",
    "MD": "Republic of Moldova",
    "VE": "Venezuela",
    "BO": "Bolivia",
    "TZ": "United Republic of Tanzania",
    "SY": "Syria",
    "PS": "Palestine",
    "CD": "Democratic Republic of the Congo",
    "CG": "Congo",
    KOSOVO: "Kosovo",
}


@lru_cache(maxsize=1024)
def country_name(code: str) -> str:
    """Short English name of a country code ('KR' -> 'Republic of Korea')."""
    if code in _PREFERRED_NAMES:
        return _PREFERRED_NAMES[code]
    c = pycountry.countries.get(alpha_2=code)
    return (getattr(c, "common_name", None) or c.name) if c else code


def _label(code: str) -> str:
    return f"{country_name(code)} ({code})"


class CountryError(ValueError):
    """A country that cannot be told with certainty. ``reason`` is unknown, ambiguous or
    historical; ``candidates`` the codes it could be (or the successor states)."""

    def __init__(self, value: str, reason: Reason, candidates: tuple[str, ...] = (), state: str = "") -> None:
        self.value, self.reason, self.candidates, self.state = value, reason, candidates, state
        super().__init__(self._message())

    def _message(self) -> str:
        labels = [_label(c) for c in self.candidates]
        if self.reason == "historical":
            gone = f"{self.value!r} names {self.state}, which no longer exists"
            if len(labels) == 1:
                return f"{gone}; write the country the place is in now, {labels[0]}"
            return f"{gone}; write the one of its successor states the place is in now: {', '.join(labels)}"
        if self.reason == "ambiguous":
            return f"{self.value!r} names different countries in different languages: {', '.join(labels)}"
        closest = f" (closest: {', '.join(labels)})" if labels else ""
        return f"no country is written {self.value!r} in any language we know{closest}"

    @property
    def expected(self) -> str:
        """What a file should hold instead, as a loader's error message says it."""
        if self.reason == "historical":
            return f"a present-day country: {self}"
        if self.reason == "ambiguous":
            codes = " or ".join(self.candidates)
            return f"a name that tells one country: {self}; write its ISO code ({codes})"
        return f"a country name or ISO 3166 code (e.g. 'Republic of Korea', 'KR'): {self}"


@dataclass(frozen=True)
class _Reading:
    code: str | None
    reason: Reason = "unknown"
    candidates: tuple[str, ...] = ()
    state: str = ""


def _present_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | {KOSOVO}


def _name_keys(name: str) -> set[str]:
    """Keys a name is found under: the whole name, without its brackets ('Myanmar (Burma)'),
    in speaking order (ISO's 'Korea, Republic of' -> 'Republic of Korea'), with 'and' for '&'
    ('Bosnia & Herzegovina'), without a leading 'the'."""
    keys = {fold(name)}
    if "(" in name:
        keys.add(fold(_BRACKETS.sub(" ", name)))
    if name.count(", ") == 1:
        head, tail = name.split(", ")
        keys.add(fold(f"{tail} {head}"))
    keys = {k.removeprefix("the ") for k in keys if k}
    return keys | {k.replace(" & ", " and ") for k in keys} if "&" in name else keys


def _add(index: dict[str, set[str]], names: Iterable[tuple[str, str]]) -> None:
    for code, name in names:
        for key in _name_keys(name):
            index[key].add(code)


@lru_cache(maxsize=1)
def _historical() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        fold(form): (state, successors) for state, (forms, successors) in HISTORICAL_STATES.items() for form in forms
    }


@lru_cache(maxsize=1)
def _english_index() -> dict[str, frozenset[str]]:
    """Tier 2: ISO names (pycountry), CLDR's English names, the alias table."""
    from babel import localedata

    present = _present_codes()
    index: dict[str, set[str]] = defaultdict(set)
    _add(
        index,
        (
            (c.alpha_2, getattr(c, attr))
            for c in pycountry.countries
            for attr in ("name", "official_name", "common_name")
            if getattr(c, attr, None)
        ),
    )
    _add(index, ((code, name) for code, name in localedata.load("en")["territories"].items() if code in present))
    _add(index, ((code, alias) for alias, code in COUNTRY_ALIASES.items()))
    return {key: frozenset(codes) for key, codes in index.items()}


@lru_cache(maxsize=1)
def cldr_index() -> dict[str, frozenset[str]]:
    """Tier 3: CLDR's territory names in every locale Babel ships, folded -> codes. Each
    locale's own data only (``merge_inherited=False``): the union is the same, read faster."""
    from babel import localedata

    present = _present_codes()
    pairs: set[tuple[str, str]] = set()
    for locale in localedata.locale_identifiers():
        territories = localedata.load(locale, merge_inherited=False).get("territories", {})
        pairs.update((code, name) for code, name in territories.items() if code in present)
    index: dict[str, set[str]] = defaultdict(set)
    _add(index, pairs)
    return {key: frozenset(codes) for key, codes in index.items()}


def _by_code(raw: str) -> _Reading | None:
    if not (len(raw) in (2, 3) and raw.isascii() and raw.isalpha()):
        return None
    upper = raw.upper()
    if upper == KOSOVO or upper == "XKX":
        return _Reading(KOSOVO)
    found = pycountry.countries.get(alpha_2=upper) if len(raw) == 2 else pycountry.countries.get(alpha_3=upper)
    return _Reading(found.alpha_2) if found else None


@lru_cache(maxsize=8192)
def _read(name: str) -> _Reading:
    raw = clean_text(name)
    key = fold(raw).removeprefix("the ")  # 'The Gambia', 'the Netherlands'
    if not key:
        return _Reading(None)
    by_code = _by_code(raw)
    if by_code:
        return by_code
    if key in _historical():
        state, successors = _historical()[key]
        return _Reading(None, "historical", successors, state)
    codes = _english_index().get(key) or cldr_index().get(key, frozenset())
    if len(codes) == 1:
        return _Reading(next(iter(codes)))
    return _Reading(None, "ambiguous" if codes else "unknown", tuple(sorted(codes)))


@lru_cache(maxsize=1024)
def closest_countries(name: str, limit: int = 3) -> tuple[str, ...]:
    """Codes of the countries whose names are nearest this one (for a suggestion only)."""
    from rapidfuzz import fuzz, process

    key = fold(clean_text(name))
    choices = {**cldr_index(), **_english_index()} if not key.isascii() else _english_index()
    found: list[str] = []
    for choice in process.extract(key, list(choices), scorer=fuzz.WRatio, limit=limit * 8):
        for code in sorted(choices[choice[0]]):
            if code not in found:
                found.append(code)
    return tuple(found[:limit])


def resolve_country(name: str) -> str:
    """The ISO 3166-1 alpha-2 code of a country written in any language, or CountryError
    saying why not (unknown, with the closest names; ambiguous; a historical state)."""
    reading = _read(name)
    if reading.code:
        return reading.code
    value = clean_text(name)
    if reading.reason != "unknown":
        candidates = reading.candidates
    else:
        candidates = closest_countries(value) if fold(value) else ()
    raise CountryError(value, reading.reason, candidates, reading.state)


@lru_cache(maxsize=8192)
def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country written in any language, or None when it cannot
    be told with certainty (``resolve_country`` says why)."""
    return _read(name).code

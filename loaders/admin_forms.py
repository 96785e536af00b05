"""Administrative forms in place names: 'Bucheon-si', '항저우시', '富川市', 'City of Cork', 'Ville de
Lyon', 'Aswan Governorate', 'Chiang Rai Province', 'Huangpu District', '부안군', 'จังหวัดเชียงราย'.

A form says which level of government a name is for. Four levels:

- ``municipal``: the city itself (시, 市, 町, 村, City, Municipality, City of, Ville de, Stadt,
  Municipio, Città di, город...). 'X City' is the city X. So is a Korean 군 (gun, county):
  Korea's counties are local governments of the same tier as its cities, named after their
  seat, and none shares its name with a city (부안군 is Buan). Elsewhere a county is not.
- ``district``: a part of a city (구, 区, District, Borough, Bezirk, Arrondissement...).
  'X District' is never the city X, nor the city that contains it.
- ``county``: a county or regency (县, 郡, County, Landkreis, Kabupaten): 长沙县 is not 长沙市,
  Los Angeles County is not Los Angeles (in Korea, see above).
- ``province``: a province, state or region (省, 県, 州, 도, Province, Governorate, Oblast,
  Region, Prefecture, محافظة, จังหวัด...): Aswan Governorate is not the city of Aswan.

``forms(key)`` gives every reading of a folded name as (the name without one form, its level);
``same_place`` says whether two levels can name one place (the same level, or a municipal
form and a bare name). The resolver uses both; its docstring says how.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from gnlc.loaders.text import fold


class Level(StrEnum):
    MUNICIPAL = "municipal"
    DISTRICT = "district"
    COUNTY = "county"
    PROVINCE = "province"


M, D, C, P = Level.MUNICIPAL, Level.DISTRICT, Level.COUNTY, Level.PROVINCE

# Whole words after the name ('Bucheon-si', 'Aswan Governorate'; hyphens fold to spaces).
SUFFIX_WORDS: dict[Level, tuple[str, ...]] = {
    M: (
        "city",
        "city council",
        "city municipality",
        "municipality",
        "municipal council",
        "municipal corporation",
        "metropolitan city",
        "metropolitan municipality",
        "metropolitan government",
        "special city",
        "special self-governing city",
        "local municipality",
        "town",
        "town council",
        "si",
        "shi",
        "gun",
        "commune",
        "kommune",
        "kommun",
        "kunta",
        "belediyesi",
        "büyükşehir belediyesi",
    ),
    D: (
        "district",
        "borough",
        "ward",
        "gu",
        "ku",
        "arrondissement",
        "bezirk",
        "stadtbezirk",
        "distrito",
        "raion",
        "rayon",
        "district municipality",
        "metropolitan borough",
        "ilçesi",
        "район",
    ),
    C: ("county", "regency", "kreis", "landkreis", "hsien", "xian"),
    P: (
        "province",
        "governorate",
        "prefecture",
        "region",
        "oblast",
        "krai",
        "kray",
        "state",
        "department",
        "département",
        "departamento",
        "emirate",
        "voivodeship",
        "canton",
        "wilaya",
        "wilayah",
        "do",
        "ken",
        "provinz",
        "provincia",
        "regione",
        "autonomous region",
        "область",
        "край",
    ),
}
# Whole words before the name ('City of Cork', 'Ville de Lyon', 'محافظة أسوان').
PREFIX_WORDS: dict[Level, tuple[str, ...]] = {
    M: (
        "city of",
        "town of",
        "municipality of",
        "ville de",
        "ville d'",
        "commune de",
        "mairie de",
        "stadt",
        "hansestadt",
        "landeshauptstadt",
        "gemeinde",
        "ciudad de",
        "municipio de",
        "municipio",
        "municipalidad de",
        "ayuntamiento de",
        "alcaldía de",
        "comuna de",
        "cidade de",
        "município de",
        "prefeitura de",
        "prefeitura municipal de",
        "câmara municipal de",
        "città di",
        "comune di",
        "gemeente",
        "gmina",
        "miasto",
        "город",
        "г.",
        "kota",
        "مدينة",
        "بلدية",
    ),
    D: (
        "district of",
        "borough of",
        "london borough of",
        "royal borough of",
        "metropolitan borough of",
        "bezirk",
        "stadtbezirk",
        "distrito de",
        "arrondissement de",
    ),
    C: ("county of", "landkreis", "kreis", "kabupaten", "powiat", "condado de"),
    P: (
        "province of",
        "provincia de",
        "provincia di",
        "province de",
        "province du",
        "provinz",
        "governorate of",
        "prefecture of",
        "state of",
        "estado de",
        "région",
        "region",
        "departamento de",
        "département de",
        "département du",
        "województwo",
        "محافظة",
        "ولاية",
        "إمارة",
        "منطقة",
    ),
}
# Written onto the name, without a space (a space is allowed too: '항저우 시').
SUFFIX_ATTACHED: dict[Level, tuple[str, ...]] = {
    M: ("시", "특별시", "광역시", "특별자치시", "군", "市", "町", "村"),
    D: ("구", "区", "區"),
    C: ("县", "縣", "郡", "自治县", "自治縣"),
    P: ("도", "특별자치도", "省", "県", "府", "都", "州", "自治州", "自治区", "自治區", "地区", "地區"),
}
PREFIX_ATTACHED: dict[Level, tuple[str, ...]] = {
    M: ("เทศบาลนคร", "เทศบาลเมือง"),
    D: ("อำเภอ", "เขต"),
    P: ("จังหวัด",),
}
MIN_REST = 2  # characters a name keeps when a form is taken off (市 alone is no city)


def _index(table: dict[Level, tuple[str, ...]]) -> dict[str, Level]:
    return {fold(form): level for level, words in table.items() for form in words}


_SUFFIX_WORDS, _PREFIX_WORDS = _index(SUFFIX_WORDS), _index(PREFIX_WORDS)
_SUFFIX_ATTACHED, _PREFIX_ATTACHED = _index(SUFFIX_ATTACHED), _index(PREFIX_ATTACHED)
_LONGEST = max(len(f) for f in (*_SUFFIX_ATTACHED, *_PREFIX_ATTACHED))
_MOST_WORDS = max(len(f.split()) for f in (*_SUFFIX_WORDS, *_PREFIX_WORDS))
# A name can have a form only if it ends with a suffix's last word or character, or begins with a
# prefix's first (most names have none: forms() then looks no further)
_SUFFIX_LAST_WORDS = {f.split(" ")[-1] for f in _SUFFIX_WORDS}
_PREFIX_FIRST_WORDS = {f.split(" ")[0] for f in _PREFIX_WORDS}
_SUFFIX_LAST_CHARS = {f[-1] for f in _SUFFIX_ATTACHED}
_PREFIX_FIRST_CHARS = {f[0] for f in _PREFIX_ATTACHED}


@lru_cache(maxsize=1 << 16)
def forms(key: str) -> tuple[tuple[str, Level], ...]:
    """Each way to read a folded name as a name with one administrative form:
    (the name without it, the form's level). 'bucheon si' -> (('bucheon', municipal),)."""
    out: list[tuple[str, Level]] = []
    words = key.split(" ")
    if words[-1] in _SUFFIX_LAST_WORDS or words[0] in _PREFIX_FIRST_WORDS:
        for n in range(1, min(_MOST_WORDS, len(words) - 1) + 1):
            if (level := _SUFFIX_WORDS.get(" ".join(words[-n:]))) is not None:
                out.append((" ".join(words[:-n]), level))
            if (level := _PREFIX_WORDS.get(" ".join(words[:n]))) is not None:
                out.append((" ".join(words[n:]), level))
    if not key or (key[-1] not in _SUFFIX_LAST_CHARS and key[0] not in _PREFIX_FIRST_CHARS):
        return tuple(dict.fromkeys((rest, level) for rest, level in out if len(rest) >= MIN_REST))
    for n in range(1, min(_LONGEST, len(key) - MIN_REST) + 1):
        if (level := _SUFFIX_ATTACHED.get(key[-n:])) is not None:
            out.append((key[:-n].rstrip(), level))
        if (level := _PREFIX_ATTACHED.get(key[:n])) is not None:
            out.append((key[n:].lstrip(), level))
    return tuple(dict.fromkeys((rest, level) for rest, level in out if len(rest) >= MIN_REST))


def level_of(key: str) -> Level | None:
    """The level of a folded name's longest form, or None for a bare name."""
    found = forms(key)
    return min(found, key=lambda f: len(f[0]))[1] if found else None


def same_place(a: Level | None, b: Level | None, country: str | None = None) -> bool:
    """Whether names of these levels can be one place: the same level, or a municipal form
    beside a bare name ('Bucheon-si' and 'Bucheon'; never 'Huangpu District' and 'Huangpu').
    In Korea a county is of the municipal tier ('Buan County' is Buan)."""
    if country == "KR":
        a, b = (Level.MUNICIPAL if x is Level.COUNTY else x for x in (a, b))
    return a == b or {a, b} <= {None, Level.MUNICIPAL}


def other_place_levels(key: str, country: str | None = None) -> frozenset[Level]:
    """The levels a folded name has a form of that are not the city itself (for the fuzzy veto)."""
    return frozenset(level for _, level in forms(key) if not same_place(level, None, country))

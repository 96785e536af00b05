"""Normalisers: text, countries (to ISO 3166 codes with pycountry), UNESCO regions,
link kinds, city kinds. Each is pure and idempotent: f(f(x)) == f(x)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry
from anyascii import anyascii
from gnlc.graph.model import REGIONS, CityKind, LinkKind, OrgKind
from gnlc.loaders.regions import REGION_OF_COUNTRY

_SPACES = re.compile(r"\s+")
# C0 and C1 controls (not tab/newline, which count as spaces), and invisible characters
# that only disguise text: zero-width space, word joiner, BOM, bidirectional embeddings,
# overrides and isolates ("Trojan Source"). Zero-width (non-)joiners stay: scripts need them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")  # terminal colour and cursor sequences, whole


def clean_text(value: object) -> str:
    """NFC, control and disguising invisible characters removed, whitespace trimmed and collapsed."""
    text = unicodedata.normalize("NFC", str(value))
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


_PUNCT = re.compile(r"[\s\-‐‑–—_.,'’`´\"()/]+")


@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """A matching key: casefolded, accents removed (Latin), punctuation to spaces.
    Non-Latin scripts are kept as they are (岡山市 stays 岡山市)."""
    if text.isascii() and "\x1b" not in text:  # the same result without the Unicode normalisations (most names)
        return _PUNCT.sub(" ", _CONTROL.sub("", text).lower()).strip()
    return _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    # compatibility forms first ('𝓐' -> 'A'), then case, then again (casefolding can compose)
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", clean_text(text)).casefold())
    no_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", _PUNCT.sub(" ", no_marks)).strip()


def slug(text: str) -> str:
    """ASCII id part: 'Yeonsu-gu' -> 'yeonsu-gu', '岡山市' -> 'gang-shan-shi'."""
    ascii_text = anyascii(clean_text(text)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "x"


# Common forms pycountry does not know by itself (keys are fold()ed).
_COUNTRY_ALIASES = {
    "korea rep": "KR", "korea republic of": "KR", "south korea": "KR", "republic of korea": "KR",
    "korea": "KR", "대한민국": "KR", "한국": "KR", "korea dem people s rep": "KP", "north korea": "KP",
    "turkiye": "TR", "turkey": "TR", "viet nam": "VN", "vietnam": "VN", "việt nam": "VN",
    "iran": "IR", "iran islamic rep": "IR", "russia": "RU", "russian federation": "RU",
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "usa": "US", "united states": "US", "us": "US",
    "united states of america": "US", "moldova": "MD", "republic of moldova": "MD",
    "cabo verde": "CV", "cape verde": "CV", "cote d ivoire": "CI", "ivory coast": "CI",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "syria": "SY", "laos": "LA",
    "palestine": "PS", "state of palestine": "PS", "czech republic": "CZ", "czechia": "CZ",
    "egypt arab rep": "EG", "sint maarten": "SX", "holland": "NL", "the netherlands": "NL",
    "日本": "JP", "中国": "CN", "中華人民共和国": "CN", "中华人民共和国": "CN", "deutschland": "DE",
    "espana": "ES", "españa": "ES", "italia": "IT", "brasil": "BR", "mexique": "MX", "méxico": "MX",
    "mexico": "MX", "allemagne": "DE", "royaume uni": "GB", "etats unis": "US", "maroc": "MA",
    "المغرب": "MA", "مصر": "EG", "السعودية": "SA", "المملكة العربية السعودية": "SA",
    "россия": "RU", "україна": "UA", "ελλαδα": "GR", "ελλάδα": "GR", "türkiye": "TR",
    "republique de coree": "KR", "corea del sur": "KR", "china people s rep": "CN", "kosovo": "XK",
}


@lru_cache(maxsize=8192)
def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country written in any common form, or None.
    Kosovo has the user-assigned code XK (UNESCO groups it with Europe)."""
    key = fold(name)
    if key in ("xk", "kosovo"):
        return "XK"
    if not key:
        return None
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    raw = clean_text(name)
    if len(raw) in (2, 3) and raw.isalpha():
        found = pycountry.countries.get(alpha_2=raw.upper()) if len(raw) == 2 else pycountry.countries.get(alpha_3=raw.upper())
        if found:
            return found.alpha_2
    for attr in ("name", "official_name", "common_name"):
        for c in pycountry.countries:
            if fold(getattr(c, attr, "") or "") == key:
                return c.alpha_2
    try:
        return pycountry.countries.search_fuzzy(raw)[0].alpha_2 if len(key) > 3 else None
    except LookupError:
        return None


@lru_cache(maxsize=1024)
def country_name(code: str) -> str:
    """Short English name of a country code ('KR' -> 'Republic of Korea')."""
    preferred = {"KR": "Republic of Korea", "KP": "Democratic People's Republic of Korea", "IR": "Iran",
                 "RU": "Russian Federation", "TR": "Turkey", "VN": "Viet Nam", "GB": "United Kingdom",
                 "US": "United States", "MD": "Republic of Moldova", "VE": "Venezuela", "BO": "Bolivia",
                 "TZ": "United Republic of Tanzania", "SY": "Syria", "PS": "Palestine", "XK": "Kosovo"}
    if code in preferred:
        return preferred[code]
    c = pycountry.countries.get(alpha_2=code)
    return (getattr(c, "common_name", None) or c.name) if c else code


def region_of(code: str) -> str | None:
    """UNESCO region id of a country code, or None for a code outside UNESCO's grouping."""
    return REGION_OF_COUNTRY.get(code)


def region_id(name: str) -> str | None:
    """Region id from a region name in its usual forms ('Asia-Pacific', 'Arab States')."""
    key = fold(name).replace(" and ", " ").replace("&", " ")
    key = _SPACES.sub(" ", key).strip()
    for rid, rname in REGIONS.items():
        forms = {fold(rname).replace(" and ", " "), rid.replace("-", " ")}
        if key in forms:
            return rid
    return {"asia pacific": "asia-pacific", "europe": "europe-north-america", "latin america": "latin-america-caribbean",
            "arab region": "arab-states", "lac": "latin-america-caribbean", "sub saharan africa": "africa"}.get(key)


_LINK_WORDS: dict[LinkKind, tuple[str, ...]] = {
    LinkKind.TWINNING: ("twinning", "twin", "twin city", "twin town", "twinned", "jumelage", "ville jumelle",
                        "städtepartnerschaft", "stadtepartnerschaft", "partnerstadt", "gemellaggio", "hermanamiento",
                        "geminação", "geminacao", "jumelée", "побратимство", "побратим", "town twinning"),
    LinkKind.SISTER: ("sister", "sister city", "sister cities", "ciudad hermana", "cidade irmã", "cidade irma",
                      "姉妹都市", "姐妹城市", "자매도시", "자매결연", "città gemella"),
    LinkKind.FRIENDSHIP: ("friendship", "friendship city", "friendly city", "友好都市", "友好城市", "우호도시",
                          "우호협력", "ville amie", "amistad", "friendship agreement"),
    LinkKind.PARTNERSHIP_AGREEMENT: ("partnership agreement", "partnership", "mou", "memorandum of understanding",
                                     "cooperation agreement", "co-operation agreement", "accord de coopération",
                                     "accord de cooperation", "convenio", "convenio de cooperación",
                                     "kooperationsvereinbarung", "protocol of cooperation", "agreement"),
    LinkKind.PEER_EXCHANGE: ("peer exchange", "peer learning", "peer-learning exchange", "exchange",
                             "bilateral exchange", "échange", "echange", "intercambio"),
    LinkKind.STUDY_VISIT: ("study visit", "study tour", "visite d'étude", "visite d etude", "visita de estudio",
                           "delegation visit", "study trip"),
    LinkKind.JOINT_PROJECT: ("joint project", "project", "project partner", "common project", "proyecto conjunto",
                             "projet commun", "erasmus+ project", "joint programme"),
    LinkKind.CLUSTER_PEER: ("cluster peer", "cluster", "gnlc cluster", "cluster member", "thematic cluster"),
}
_LINK_INDEX = {fold(word): kind for kind, words in _LINK_WORDS.items() for word in (kind.value, *words)}


def link_kind(text: str) -> LinkKind | None:
    """The model's link kind for a wording ('jumelage' -> twinning, '자매도시' -> sister)."""
    return _LINK_INDEX.get(fold(text).replace("_", " "))


_CITY_KIND_WORDS = {
    "city": CityKind.MUNICIPALITY, "municipality": CityKind.MUNICIPALITY, "commune": CityKind.MUNICIPALITY,
    "learning city": CityKind.MUNICIPALITY, "learning municipality": CityKind.MUNICIPALITY,
    "metropolitan city": CityKind.MUNICIPALITY, "village": CityKind.VILLAGE, "learning village": CityKind.VILLAGE,
    "town": CityKind.TOWN, "learning town": CityKind.TOWN, "community": CityKind.COMMUNITY,
    "learning community": CityKind.COMMUNITY, "county": CityKind.COUNTY, "district": CityKind.DISTRICT,
    "gu": CityKind.DISTRICT, "borough": CityKind.DISTRICT, "consortium": CityKind.CONSORTIUM,
    "province": CityKind.PROVINCE, "region": CityKind.PROVINCE, "state": CityKind.PROVINCE,
}


def city_kind(text: str) -> CityKind | None:
    key = fold(text)
    try:
        return CityKind(key.replace(" ", "_"))
    except ValueError:
        return _CITY_KIND_WORDS.get(key)


def org_kind(text: str) -> OrgKind | None:
    key = fold(text).replace(" ", "_")
    aliases = {"national_commission_for_unesco": OrgKind.NATIONAL_COMMISSION, "natcom": OrgKind.NATIONAL_COMMISSION,
               "unesco_institute_for_lifelong_learning": OrgKind.UIL, "civil_society": OrgKind.NGO,
               "company": OrgKind.EMPLOYER, "business": OrgKind.EMPLOYER, "chamber_of_commerce": OrgKind.CHAMBER,
               "city_network": OrgKind.NETWORK, "college": OrgKind.UNIVERSITY, "school": OrgKind.OTHER}
    try:
        return OrgKind(key)
    except ValueError:
        return aliases.get(key)

"""Normalisers: text (loaders/text.py), countries (to ISO 3166 codes, loaders/countries.py),
UNESCO regions, link kinds, city kinds. Each is pure and idempotent: f(f(x)) == f(x)."""

from __future__ import annotations

import re

from gnlc.graph.model import REGIONS, CityKind, LinkKind, OrgKind
from gnlc.loaders.countries import CountryError, country_code, country_name, resolve_country
from gnlc.loaders.regions import REGION_OF_COUNTRY
from gnlc.loaders.text import _fold_unicode, clean_text, fold, slug

__all__ = [
    "CountryError",
    "_fold_unicode",
    "city_kind",
    "clean_text",
    "country_code",
    "country_name",
    "fold",
    "link_kind",
    "org_kind",
    "region_id",
    "region_of",
    "resolve_country",
    "slug",
]
_SPACES = re.compile(r"\s+")


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
    return {
        "asia pacific": "asia-pacific",
        "europe": "europe-north-america",
        "latin america": "latin-america-caribbean",
        "arab region": "arab-states",
        "lac": "latin-america-caribbean",
        "sub saharan africa": "africa",
    }.get(key)


_LINK_WORDS: dict[LinkKind, tuple[str, ...]] = {
    LinkKind.TWINNING: (
        "twinning",
        "twin",
        "twin city",
        "twin town",
        "twinned",
        "jumelage",
        "ville jumelle",
        "städtepartnerschaft",
        "stadtepartnerschaft",
        "partnerstadt",
        "gemellaggio",
        "hermanamiento",
        "geminação",
        "geminacao",
        "jumelée",
        "побратимство",
        "побратим",
        "town twinning",
    ),
    LinkKind.SISTER: (
        "sister",
        "sister city",
        "sister cities",
        "ciudad hermana",
        "cidade irmã",
        "cidade irma",
        "姉妹都市",
        "姐妹城市",
        "자매도시",
        "자매결연",
        "città gemella",
    ),
    LinkKind.FRIENDSHIP: (
        "friendship",
        "friendship city",
        "friendly city",
        "友好都市",
        "友好城市",
        "우호도시",
        "우호협력",
        "ville amie",
        "amistad",
        "friendship agreement",
    ),
    LinkKind.PARTNERSHIP_AGREEMENT: (
        "partnership agreement",
        "partnership",
        "mou",
        "memorandum of understanding",
        "cooperation agreement",
        "co-operation agreement",
        "accord de coopération",
        "accord de cooperation",
        "convenio",
        "convenio de cooperación",
        "kooperationsvereinbarung",
        "protocol of cooperation",
        "agreement",
    ),
    LinkKind.PEER_EXCHANGE: (
        "peer exchange",
        "peer learning",
        "peer-learning exchange",
        "exchange",
        "bilateral exchange",
        "échange",
        "echange",
        "intercambio",
    ),
    LinkKind.STUDY_VISIT: (
        "study visit",
        "study tour",
        "visite d'étude",
        "visite d etude",
        "visita de estudio",
        "delegation visit",
        "study trip",
    ),
    LinkKind.JOINT_PROJECT: (
        "joint project",
        "project",
        "project partner",
        "common project",
        "proyecto conjunto",
        "projet commun",
        "erasmus+ project",
        "joint programme",
    ),
    LinkKind.CLUSTER_PEER: ("cluster peer", "cluster", "gnlc cluster", "cluster member", "thematic cluster"),
}
_LINK_INDEX = {fold(word): kind for kind, words in _LINK_WORDS.items() for word in (kind.value, *words)}


def link_kind(text: str) -> LinkKind | None:
    """The model's link kind for a wording ('jumelage' -> twinning, '자매도시' -> sister)."""
    return _LINK_INDEX.get(fold(text).replace("_", " "))


_CITY_KIND_WORDS = {
    "city": CityKind.MUNICIPALITY,
    "municipality": CityKind.MUNICIPALITY,
    "commune": CityKind.MUNICIPALITY,
    "learning city": CityKind.MUNICIPALITY,
    "learning municipality": CityKind.MUNICIPALITY,
    "metropolitan city": CityKind.MUNICIPALITY,
    "village": CityKind.VILLAGE,
    "learning village": CityKind.VILLAGE,
    "town": CityKind.TOWN,
    "learning town": CityKind.TOWN,
    "community": CityKind.COMMUNITY,
    "learning community": CityKind.COMMUNITY,
    "county": CityKind.COUNTY,
    "district": CityKind.DISTRICT,
    "gu": CityKind.DISTRICT,
    "borough": CityKind.DISTRICT,
    "consortium": CityKind.CONSORTIUM,
    "province": CityKind.PROVINCE,
    "region": CityKind.PROVINCE,
    "state": CityKind.PROVINCE,
}


def city_kind(text: str) -> CityKind | None:
    key = fold(text)
    try:
        return CityKind(key.replace(" ", "_"))
    except ValueError:
        return _CITY_KIND_WORDS.get(key)


def org_kind(text: str) -> OrgKind | None:
    key = fold(text).replace(" ", "_")
    aliases = {
        "national_commission_for_unesco": OrgKind.NATIONAL_COMMISSION,
        "natcom": OrgKind.NATIONAL_COMMISSION,
        "unesco_institute_for_lifelong_learning": OrgKind.UIL,
        "civil_society": OrgKind.NGO,
        "company": OrgKind.EMPLOYER,
        "business": OrgKind.EMPLOYER,
        "chamber_of_commerce": OrgKind.CHAMBER,
        "city_network": OrgKind.NETWORK,
        "college": OrgKind.UNIVERSITY,
        "school": OrgKind.OTHER,
    }
    try:
        return OrgKind(key)
    except ValueError:
        return aliases.get(key)

"""What each kind of file holds: its fields, which are required, how each is parsed,
and the column names each field is found under by default (the project's own formats
first). A parser returns the typed value or raises ValueError saying what was expected."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from gnlc.graph.model import CityKind, LinkKind, MembershipStatus, OrgKind
from gnlc.loaders import normalise
from gnlc.loaders.normalise import CountryError, city_kind, link_kind, org_kind, region_id, resolve_country

MAX_TEXT = 500
THIS_YEAR = date.today().year


def clean_text(value: str) -> str:
    """:func:`~gnlc.loaders.normalise.clean_text`, at once for a cell it leaves as it is (printable
    ASCII, no space at either end nor two together: most cells)."""
    if value.isascii() and value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    return normalise.clean_text(value)


def text(value: str) -> str:
    out = clean_text(value)
    if not out:
        raise ValueError("a non-blank text")
    if len(out) > MAX_TEXT:
        raise ValueError(f"a text of at most {MAX_TEXT} characters")
    return out


def url(value: str) -> str:
    out = clean_text(value)
    if len(out) > 2000 or " " in out:
        raise ValueError("a URL or file reference without spaces, at most 2000 characters")
    return out


def _year_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        raw = clean_text(value).removesuffix(".0")
        # a short text before int(): int() of 4,300+ digits raises, with Python's words, not ours
        if len(raw) > 12 or not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
            raise ValueError(f"a year from {low} to {high}")
        return int(raw)

    return parse


link_year = _year_between(1800, THIS_YEAR + 1)
member_year = _year_between(2013, THIS_YEAR + 1)  # the network was founded in 2013
any_year = _year_between(1900, THIS_YEAR + 1)


_WHOLE = re.compile(r"\d+|\d{1,3}(?:([,_ \u00a0\u202f'])\d{3})(?:\1\d{3})*")  # 1234567, 1,234,567, 1 234 567


def population(value: str) -> int:
    """Inhabitants: digits, thousands grouped by one separator (',' '_' space or '), '.0' allowed;
    '246,6' or '513.275' (a decimal comma or point) are refused, never read as another number."""
    raw = clean_text(value).removesuffix(".0")
    digits = re.sub(r"\D", "", raw).lstrip("0")
    if not _WHOLE.fullmatch(raw) or len(digits) > 12 or int(digits or "0") > 50_000_000:
        raise ValueError("a whole number of inhabitants from 0 to 50,000,000")
    return int(re.sub(r"\D", "", raw))


def _number_between(low: float, high: float, what: str) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            out = float(clean_text(value))
        except ValueError:
            raise ValueError(f"a {what} from {low} to {high}") from None
        if not low <= out <= high:
            raise ValueError(f"a {what} from {low} to {high}")
        return out

    return parse


latitude = _number_between(-90, 90, "latitude")
longitude = _number_between(-180, 180, "longitude")


def boolean(value: str) -> bool:
    key = clean_text(value).casefold()
    if key in {"yes", "y", "true", "1", "oui", "sí", "si", "ja"}:
        return True
    if key in {"no", "n", "false", "0", "non", "nein"}:
        return False
    raise ValueError("yes or no")


def country(value: str) -> str:
    """A country in any language or code; unknown, ambiguous and historical names are refused
    with the reason (the closest names, both countries, the successor states)."""
    try:
        return resolve_country(value)
    except CountryError as exc:
        raise ValueError(exc.expected) from None


def region(value: str) -> str:
    rid = region_id(value)
    if rid is None:
        raise ValueError(
            "a UNESCO region (Africa; Arab States; Asia and the Pacific; Europe and North America; "
            "Latin America and the Caribbean)"
        )
    return rid


def _enum(normaliser: Callable[[str], Any], choices: type[Enum]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        out = normaliser(value)
        if out is None:
            raise ValueError("one of: " + ", ".join(c.value for c in choices))
        return str(out.value)

    return parse


def _status(value: str) -> str:
    try:
        return MembershipStatus(clean_text(value).casefold()).value
    except ValueError:
        raise ValueError("one of: " + ", ".join(s.value for s in MembershipStatus)) from None


_QID = re.compile(r"(?:(?:https?://)?(?:www\.)?wikidata\.org/(?:wiki|entity)/|wd:)?(Q[1-9][0-9]{0,11})", re.IGNORECASE)


def wikidata_id(value: str) -> str:
    """A Wikidata item: 'Q64', 'wd:Q64' or its URL -> 'Q64'."""
    m = _QID.fullmatch(clean_text(value))
    if not m:
        raise ValueError("a Wikidata item id such as Q64 (or its URL https://www.wikidata.org/wiki/Q64)")
    return m.group(1).upper()


def geonames_id(value: str) -> int:
    raw = clean_text(value).removesuffix(".0")
    if not raw.isdigit() or len(raw) > 10:
        raise ValueError("a GeoNames id (a whole number)")
    return int(raw)


def names(value: str) -> list[str]:
    return [clean_text(p) for p in value.replace("|", ";").split(";") if clean_text(p)]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    parse: Callable[[str], Any]
    required: bool = False
    columns: tuple[str, ...] = ()  # default column names, the field's own name first

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.name, *self.columns)


F = FieldSpec
SOURCE = (F("source_url", url, columns=("source", "url")), F("note", text, columns=("notes", "comment")))

KINDS: dict[str, tuple[FieldSpec, ...]] = {
    "cities": (
        F("name", text, True, ("city", "city_name")),
        F("country", country, True, ("country_name", "country_code")),
        F("region", region, columns=("unesco_region",)),
        F("kind", _enum(city_kind, CityKind), columns=("city_kind",)),
        F("population", population, columns=("inhabitants",)),
        F("latitude", latitude, columns=("lat",)),
        F("longitude", longitude, columns=("lon", "lng")),
        F("elected_council", boolean),
        F("mayor_endorsed", boolean, columns=("mayor_endorsement",)),
        F("status", _status, columns=("membership_status", "membership")),
        F("year_joined", member_year, columns=("joined", "member_since")),
        F("aliases", names),
        F("wikidata", wikidata_id, columns=("qid", "wikidata_id", "wikidata_qid")),
        F("geonames_id", geonames_id, columns=("geonameid", "geonames")),
        *SOURCE,
    ),
    "organisations": (
        F("name", text, True, ("organisation", "organization")),
        F("kind", _enum(org_kind, OrgKind), True, ("type",)),
        F("country", country),
        F("city", text),
        *SOURCE,
    ),
    "partnerships": (
        F("organisation", text, True, ("organization", "org")),
        F("city", text, True),
        F("country", country, columns=("city_country",)),
        F("role", text),
        F("since", link_year, columns=("start", "from_year", "since_year", "start_year", "year")),
        F("until", link_year, columns=("end", "to_year", "end_year", "until_year")),
        *SOURCE,
    ),
    "links": (
        F("source", text, True, ("city_a", "from", "city1", "city")),
        F("source_country", country, columns=("country_a", "country1", "city_country", "country")),
        F("target", text, True, ("city_b", "to", "city2", "partner", "partner_city")),
        F("target_country", country, columns=("country_b", "country2", "partner_country")),
        F(
            "kind",
            _enum(link_kind, LinkKind),
            True,
            ("link_kind", "link_type", "type", "relationship", "relationship_type", "relation"),
        ),
        F(
            "since",
            link_year,
            columns=("start", "year", "since_year", "start_year", "from_year", "year_from", "year_signed", "signed"),
        ),
        F("until", link_year, columns=("end", "end_year", "until_year", "to_year", "year_to", "ended")),
        F("source_wikidata", wikidata_id, columns=("wikidata_a", "qid_a", "source_qid")),
        F("target_wikidata", wikidata_id, columns=("wikidata_b", "qid_b", "target_qid")),
        *SOURCE,
    ),
    "clusters": (
        F("cluster", text, True, ("cluster_name", "theme")),
        F("city", text),
        F("country", country),
        F("role", text),
        *SOURCE,
    ),
    "awards": (
        F("city", text, True),
        F("country", country, True),
        F("award_year", any_year, True, ("year",)),
        F("award", text),
        *SOURCE,
    ),
    "conferences": (
        F("number", population, True, ("no", "edition")),
        F("title", text, True),
        F("city", text, True),
        F("country", country, True),
        F("year", any_year, True),
        F("outcome_document", text, columns=("outcome",)),
        *SOURCE,
    ),
}

# The column that tells a file's kind when none is given (checked in this order).
SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("awards", frozenset({"award_year"})),
    ("conferences", frozenset({"outcome_document"})),
    ("clusters", frozenset({"cluster"})),
    ("links", frozenset({"city_a"})),
    ("links", frozenset({"source", "target"})),
    ("links", frozenset({"city", "partner"})),
    ("links", frozenset({"city", "partner_city"})),
    ("organisations", frozenset({"organisation", "kind"})),
    ("partnerships", frozenset({"organisation", "city"})),
    ("organisations", frozenset({"organisation"})),
    ("cities", frozenset({"city"})),
    ("cities", frozenset({"name", "country"})),
    ("cities", frozenset({"name"})),
)

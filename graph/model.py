"""The graph model in one place: labels, relationship types, kinds, and typed records.

Labels and relationship types used in Cypher come only from :class:`Label` and
:class:`Rel`; nothing a user types becomes part of a statement.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Label(StrEnum):
    CITY = "City"
    COUNTRY = "Country"
    REGION = "Region"
    ORGANISATION = "Organisation"
    CLUSTER = "Cluster"
    AWARD = "Award"
    CONFERENCE = "Conference"
    NETWORK = "Network"


class Rel(StrEnum):
    IN_COUNTRY = "IN_COUNTRY"  # City|Organisation -> Country
    IN_REGION = "IN_REGION"  # Country -> Region
    MEMBER_OF = "MEMBER_OF"  # City -> Network {since, until, status}
    PARTNERS_WITH = "PARTNERS_WITH"  # Organisation -> City {role, since, until}
    LINKED_TO = "LINKED_TO"  # City -> City {kind, since, until}, stored in both directions
    IN_CLUSTER = "IN_CLUSTER"  # City -> Cluster {role}
    RECEIVED = "RECEIVED"  # City -> Award {year}
    HOSTED = "HOSTED"  # City -> Conference
    ATTENDED = "ATTENDED"  # City -> Conference (a delegation, e.g. an applicant)
    BASED_IN = "BASED_IN"  # Organisation -> City


# (start label, end label) of each relationship type; IN_COUNTRY has two start labels.
ENDPOINTS: dict[Rel, tuple[tuple[Label, ...], Label]] = {
    Rel.IN_COUNTRY: ((Label.CITY, Label.ORGANISATION), Label.COUNTRY),
    Rel.IN_REGION: ((Label.COUNTRY,), Label.REGION),
    Rel.MEMBER_OF: ((Label.CITY,), Label.NETWORK),
    Rel.PARTNERS_WITH: ((Label.ORGANISATION,), Label.CITY),
    Rel.LINKED_TO: ((Label.CITY,), Label.CITY),
    Rel.IN_CLUSTER: ((Label.CITY,), Label.CLUSTER),
    Rel.RECEIVED: ((Label.CITY,), Label.AWARD),
    Rel.HOSTED: ((Label.CITY,), Label.CONFERENCE),
    Rel.ATTENDED: ((Label.CITY,), Label.CONFERENCE),
    Rel.BASED_IN: ((Label.ORGANISATION,), Label.CITY),
}

# City-to-city links are symmetric and stored once in each direction, so that
# traversals follow one direction (see docs/architecture.md, engine notes: FalkorDB paths follow direction).
SYMMETRIC: frozenset[Rel] = frozenset({Rel.LINKED_TO})

NODE_KEY = "id"  # every label is unique on `id`
# External identifiers, unique where present: a place's Wikidata item (QID), so that a later
# load that carries QIDs matches the same city exactly.
EXTERNAL_KEYS: tuple[tuple[Label, str], ...] = ((Label.CITY, "wikidata"),)
FULLTEXT_LABELS: tuple[Label, ...] = (Label.CITY, Label.ORGANISATION)
FULLTEXT_PROPERTIES: tuple[str, ...] = ("name", "search_names")


class LinkKind(StrEnum):
    TWINNING = "twinning"
    SISTER = "sister"
    FRIENDSHIP = "friendship"
    PARTNERSHIP_AGREEMENT = "partnership_agreement"
    PEER_EXCHANGE = "peer_exchange"
    STUDY_VISIT = "study_visit"
    JOINT_PROJECT = "joint_project"
    CLUSTER_PEER = "cluster_peer"


class CityKind(StrEnum):
    MUNICIPALITY = "municipality"
    VILLAGE = "village"
    TOWN = "town"
    COMMUNITY = "community"
    COUNTY = "county"
    DISTRICT = "district"
    CONSORTIUM = "consortium"
    PROVINCE = "province"


class OrgKind(StrEnum):
    UIL = "uil"
    NATIONAL_COMMISSION = "national_commission"
    MINISTRY = "ministry"
    UNIVERSITY = "university"
    NGO = "ngo"
    LIBRARY = "library"
    MUSEUM = "museum"
    EMPLOYER = "employer"
    CHAMBER = "chamber"
    NETWORK = "network"
    GOVERNMENT = "government"
    OTHER = "other"


class MembershipStatus(StrEnum):
    MEMBER = "member"
    APPLICANT = "applicant"
    FORMER = "former"
    NONE = "none"


REGIONS: dict[str, str] = {  # id -> UNESCO region name
    "africa": "Africa",
    "arab-states": "Arab States",
    "asia-pacific": "Asia and the Pacific",
    "europe-north-america": "Europe and North America",
    "latin-america-caribbean": "Latin America and the Caribbean",
}

MIN_MEMBER_POPULATION = 10_000  # the network's own membership rule: at least this many inhabitants

GNLC_NETWORK_ID = "gnlc"
UIL_ORG_ID = "org-uil"
LEARNING_CITY_AWARD_ID = "unesco-learning-city-award"

Scalar = str | int | float | bool | None
PropValue = Scalar | list[str] | list[int] | list[float]


class Provenance(BaseModel):
    """Where a node or relationship came from: a file name or URL, a row, a load time; and
    the content hash of that row (see :data:`CONTENT_HASH`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=1)
    source_row: int | None = None
    source_url: str | None = None
    content_hash: str | None = None


class NodeRecord(BaseModel):
    """One node to write: its label, key and properties (no nested maps)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: Label
    id: str = Field(min_length=1, max_length=300)
    props: dict[str, PropValue] = Field(default_factory=dict)
    provenance: Provenance

    @field_validator("props")
    @classmethod
    def _no_reserved(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _check_props(v)


class RelRecord(BaseModel):
    """One relationship to write. ``key`` tells apart two relationships of the same type
    between the same nodes (a link kind, an award year, a partner role)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Rel
    start_label: Label
    start: str = Field(min_length=1)
    end: str = Field(min_length=1)
    key: str = ""
    props: dict[str, PropValue] = Field(default_factory=dict)
    provenance: Provenance

    @field_validator("props")
    @classmethod
    def _no_reserved(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _check_props(v)


# The content hash of the row that wrote a node or relationship (set with its source_row: by the
# file that created it, the last of its rows to write it), so that a load of the same file
# builds only the rows whose hash is not in the graph (gnlc.loaders.unchanged). Bookkeeping, not
# data: left out of exports and answers (HIDDEN_PROPERTIES).
CONTENT_HASH = "content_hash"
HIDDEN_PROPERTIES = frozenset({CONTENT_HASH, "search_names"})
RESERVED = frozenset({"id", "key", CONTENT_HASH, "loaded_at", "source", "source_row", "source_url"})


def _check_props(props: dict[str, Any]) -> dict[str, Any]:
    clash = RESERVED & props.keys()
    if clash:
        raise ValueError(f"reserved property names in props: {sorted(clash)}")
    return props


# --- provenance that accumulates ------------------------------------------------------
# A node or relationship keeps the source that created it (source, source_row, source_url,
# loaded_at) and a list `sources` with one entry per file or URL that mentioned it. A record
# from another source only fills properties that are empty and adds its entry; it never
# replaces a value, a name or the source of a fact it did not set. A record from the same
# source may change what that source set (a corrected file loaded again).

SOURCE_KEYS = frozenset({"source", "source_row", "source_url", "loaded_at", "sources", CONTENT_HASH})


def source_entry(props: dict[str, Any]) -> str:
    """'file.csv row 3 | https://... | 2026-12-01T10:00:00+00:00' (the parts that exist)."""
    return source_entry_of(props["source"], props.get("source_row"), props.get("source_url"), props.get("loaded_at"))


def source_entry_of(source: Any, row: int | None, url: Any, loaded_at: Any) -> str:
    """:func:`source_entry` from its parts."""
    entry = f"{source} row {row}" if row else str(source)
    for part in (url, loaded_at):
        if part:
            entry = entry + " | " + str(part) if entry else str(part)
    return entry


def _entries(props: dict[str, Any]) -> list[str]:
    return list(props.get("sources") or ([source_entry(props)] if props.get("source") else []))


def has_entry(entries: list[str], source: str) -> bool:
    """Whether ``entries`` has one from ``source`` (a file or URL)."""
    return any(e == source or e.startswith(source + " row ") or e.startswith(source + " | ") for e in entries)


def combine_sources(current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """The properties after ``incoming`` (a record's full properties, provenance included)
    meets ``current`` (what the graph or an earlier record of the same write holds)."""
    entries = _entries(current)
    if incoming.get("source") == current.get("source"):
        merged = {**current, **{k: v for k, v in incoming.items() if v is not None or k in SOURCE_KEYS}}
        if not has_entry(entries, str(incoming["source"])):
            entries.append(source_entry(incoming))
        return {**merged, "sources": entries}
    merged = {
        **current,
        **{k: v for k, v in incoming.items() if k not in SOURCE_KEYS and v is not None and current.get(k) is None},
    }
    if incoming.get("source") and not has_entry(entries, str(incoming["source"])):
        entries.append(source_entry(incoming))
    return {**merged, "sources": entries}

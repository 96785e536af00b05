"""The load rules, written once: what nodes and relationships a row of each kind gives,
and what it implies (a country's region, a member's network, its national commission and
UIL). Both builders use them: :mod:`gnlc.loaders.build` (row by row, against the graph)
and :mod:`gnlc.loaders.bulk` (a first load into an empty graph). They differ only in how a
city named in a row is found and in how a refusal is reported, never in what a row means.

A rule returns facts: plain :class:`NodeFact` and :class:`RelFact` values without
provenance; each builder adds the row's provenance in its own form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from gnlc.graph.model import GNLC_NETWORK_ID, REGIONS, UIL_ORG_ID, Label, MembershipStatus, Rel
from gnlc.loaders.normalise import country_name, fold, region_of, slug

MEMBER_STATES = (MembershipStatus.MEMBER.value, MembershipStatus.FORMER.value)
NATCOM_DERIVATION = "derived: GNLC admission is endorsed by the National Commission for UNESCO"
UIL_DERIVATION = "derived: UIL coordinates the GNLC"
DEFAULT_ROLE = "partner"


# Facts are not changed once made; not frozen only for speed: a first load of 100,000 cities makes about
# 2.5 million, and a frozen dataclass sets each field through object.__setattr__ (1.2 us a fact, not 0.3).
@dataclass(slots=True)
class NodeFact:
    label: Label
    id: str
    props: dict[str, Any] = field(default_factory=dict)  # None values mean "not known": dropped


@dataclass(slots=True)
class RelFact:
    type: Rel
    start_label: Label
    start: str
    end: str
    key: str = ""
    props: dict[str, Any] = field(default_factory=dict)


Fact = NodeFact | RelFact


def org_id(name: str, country: str | None) -> str:
    return f"org-{(country or 'int').lower()}-{slug(name)}"


def organisation_id(name: str, kind: str, country: str | None) -> str:
    """UIL and a country's National Commission for UNESCO are one organisation each, whatever
    a file calls them: the same node as the one derived from membership."""
    if kind == "uil":
        return UIL_ORG_ID
    if kind == "national_commission" and country:
        return natcom_id(country)
    return org_id(name, country)


@lru_cache(maxsize=1024)  # (one per country)
def natcom_id(country: str) -> str:
    return org_id("national-commission-for-unesco", country)


def place(code: str) -> list[Fact]:
    """A country, and its UNESCO region when it has one."""
    region = region_of(code)
    facts: list[Fact] = [NodeFact(Label.COUNTRY, code, {"name": country_name(code), "region": region})]
    if region:
        facts += [
            NodeFact(Label.REGION, region, {"name": REGIONS[region]}),
            RelFact(Rel.IN_REGION, Label.COUNTRY, code, region),
        ]
    return facts


def city(cid: str, code: str, props: dict[str, Any]) -> list[Fact]:
    """A city (its properties as :func:`gnlc.loaders.build.city_props` made them) in its country."""
    return [NodeFact(Label.CITY, cid, props), *place(code), city_in_country(cid, code)]


def city_in_country(cid: str, code: str) -> RelFact:
    return RelFact(Rel.IN_COUNTRY, Label.CITY, cid, code)


def membership(cid: str, code: str, year: int | None, status: str) -> list[Fact]:
    """A member city is in the network, endorsed by its National Commission for UNESCO (the
    admission procedure) and coordinated by UIL."""
    natcom = natcom_id(code)
    return [
        NodeFact(Label.NETWORK, GNLC_NETWORK_ID, {"name": "UNESCO Global Network of Learning Cities"}),
        member_of(cid, year, status),
        NodeFact(
            Label.ORGANISATION,
            natcom,
            {
                "name": f"National Commission for UNESCO ({country_name(code)})",
                "kind": "national_commission",
                "country_code": code,
                "search_names": fold(f"national commission for unesco {country_name(code)}"),
            },
        ),
        RelFact(Rel.IN_COUNTRY, Label.ORGANISATION, natcom, code),
        endorsement(cid, natcom, year),
        NodeFact(
            Label.ORGANISATION,
            UIL_ORG_ID,
            {
                "name": "UNESCO Institute for Lifelong Learning",
                "kind": "uil",
                "country_code": "DE",
                "search_names": "unesco institute for lifelong learning | uil",
            },
        ),
        *place("DE"),
        RelFact(Rel.IN_COUNTRY, Label.ORGANISATION, UIL_ORG_ID, "DE"),
        coordination(cid, year),
    ]


# The parts of a membership that are the member's own (the rest is shared by all members of a
# country); the bulk path makes them one at a time.
def member_of(cid: str, year: int | None, status: str) -> RelFact:
    return RelFact(Rel.MEMBER_OF, Label.CITY, cid, GNLC_NETWORK_ID, "", {"since": year, "status": status})


def endorsement(cid: str, natcom: str, year: int | None) -> RelFact:
    """The National Commission's partnership with a member (``natcom``: :func:`natcom_id`)."""
    return RelFact(
        Rel.PARTNERS_WITH,
        Label.ORGANISATION,
        natcom,
        cid,
        "endorsed membership",
        {"role": "endorsed membership", "since": year, "derivation": NATCOM_DERIVATION},
    )


def coordination(cid: str, year: int | None) -> RelFact:
    """UIL's partnership with a member."""
    return RelFact(
        Rel.PARTNERS_WITH,
        Label.ORGANISATION,
        UIL_ORG_ID,
        cid,
        "network coordinator",
        {"role": "network coordinator", "since": year, "derivation": UIL_DERIVATION},
    )


def derived_organisations(code: str) -> set[str]:
    """The organisations :func:`membership` derives for a member of this country."""
    return {natcom_id(code), UIL_ORG_ID}


def organisation(oid: str, v: dict[str, Any], based_in: str | None) -> list[Fact]:
    """An organisations row: the organisation, its country, the city it is based in."""
    country = v.get("country")
    facts: list[Fact] = [
        NodeFact(
            Label.ORGANISATION,
            oid,
            {
                "name": v["name"],
                "kind": v["kind"],
                "country_code": country,
                "note": v.get("note"),
                "search_names": fold(v["name"]),
            },
        )
    ]
    if country:
        facts += [*place(country), RelFact(Rel.IN_COUNTRY, Label.ORGANISATION, oid, country)]
    if based_in:
        facts.append(RelFact(Rel.BASED_IN, Label.ORGANISATION, oid, based_in))
    return facts


# What a partnership and a link hold of their row. The bulk path makes them for a block of rows
# at once (partnership_props, link_props: the same properties, tests/test_rules_columns.py).
PARTNERSHIP_FIELDS = ("role", "since", "until", "note")
LINK_FIELDS = ("kind", "since", "until", "note")


def partnership(oid: str, cid: str, v: dict[str, Any]) -> RelFact:
    role = v.get("role") or DEFAULT_ROLE
    props = {f: v.get(f) for f in PARTNERSHIP_FIELDS}
    props["role"] = role
    return RelFact(Rel.PARTNERS_WITH, Label.ORGANISATION, oid, cid, role, props)


def partnership_props(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """:func:`partnership`'s properties of rows given as columns (each field's values, None
    where a row has none), as columns. A partnership's key is its role."""
    props = {f: columns[f] for f in PARTNERSHIP_FIELDS}
    props["role"] = [role or DEFAULT_ROLE for role in props["role"]]
    return props


def link(a: str, b: str, v: dict[str, Any]) -> RelFact:
    return RelFact(Rel.LINKED_TO, Label.CITY, a, b, v["kind"], {f: v.get(f) for f in LINK_FIELDS})


def link_props(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """:func:`link`'s properties of rows given as columns, as columns. A link's key is its kind."""
    return {f: columns[f] for f in LINK_FIELDS}


def period_error(v: dict[str, Any]) -> str | None:
    """Why a row's period cannot be (``until`` before ``since``), or None."""
    if v.get("since") and v.get("until") and v["until"] < v["since"]:
        return f"a year not before since ({v['since']})"
    return None


def status_of(v: dict[str, Any]) -> str | None:
    """A cities row's membership status: as given, else member when it gives a join year."""
    return membership_status(v.get("status"), v.get("year_joined"))


def membership_status(status: str | None, year_joined: int | None) -> str | None:
    """:func:`status_of` from the two values."""
    return status or (MembershipStatus.MEMBER.value if year_joined else None)

"""Naming cities and organisations (any spelling, accents optional, homonyms told apart),
checking the values of a question, and turning rows into the answer models. Every question
module builds on these."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from gnlc.errors import GnlcError, InputError, NotFound
from gnlc.graph import cypher
from gnlc.graph.model import HIDDEN_PROPERTIES, REGIONS, Label, LinkKind
from gnlc.loaders.normalise import clean_text, country_code, fold, region_id, slug
from gnlc.loaders.resolver import CityResolver, KnownCity
from gnlc.schemas import (
    CitySummary,
    GEdge,
    GNode,
    Page,
)

if TYPE_CHECKING:
    from gnlc.explore import Explorer

MAX_LIMIT = 1000  # no request pages more rows than this
MAX_SUBGRAPH_NODES = 5000
HUB_DEGREE = 200  # organisations partnering more cities than this are shown but not walked through
KNOWN_TTL_S = 60.0


class Ambiguous(GnlcError):
    """A name that fits more than one city."""

    exit_code = 6
    http_status = 409

    def __init__(self, name: str, candidates: list[str]) -> None:
        self.name, self.suggestions = name, candidates
        super().__init__(f"{name!r} names more than one city: {', '.join(candidates)}; give the id or the country")


def bounded(value: int, name: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InputError(f"{name}: expected a whole number from {low} to {high}, got {value}")
    return value


def summary_of(props: dict[str, Any]) -> CitySummary:
    return CitySummary(
        id=props["id"],
        name=props.get("name") or props["id"],
        country=props.get("country_code"),
        region=props.get("region"),
        kind=props.get("kind"),
        status=props.get("status"),
        year_joined=props.get("year_joined"),
        population=props.get("population"),
        population_source=props.get("population_source"),
        latitude=props.get("latitude"),
        longitude=props.get("longitude"),
        source=props.get("source"),
        source_row=props.get("source_row"),
        source_url=props.get("source_url"),
        wikidata=props.get("wikidata"),
        wikidata_url=f"https://www.wikidata.org/wiki/{props['wikidata']}" if props.get("wikidata") else None,
        sources=list(props.get("sources") or []),
    )


def gnode(raw: dict[str, Any]) -> GNode:
    props = {k: v for k, v in (raw.get("props") or {}).items() if k not in HIDDEN_PROPERTIES}
    return GNode(
        id=raw["id"],
        label=raw["label"],
        name=props.get("name"),
        kind=props.get("kind"),
        country=props.get("country_code"),
        region=props.get("region"),
        props=props,
    )


def gedge(raw: dict[str, Any]) -> GEdge:
    return GEdge.model_validate({k: raw.get(k) for k in GEdge.model_fields})


@dataclass
class _Known:
    at: float
    cities: list[KnownCity]
    plain: CityResolver  # names and aliases only: quick to build
    names: dict[str, str]  # id -> "Name (CC)"
    _full: CityResolver | None = None

    def full(self) -> CityResolver:
        """With the gazetteer's other spellings (built on first need: a few seconds)."""
        if self._full is None:
            self._full = CityResolver(self.cities)
        return self._full


def known_cities(ex: Explorer, *, refresh: bool = False) -> _Known:
    if refresh or ex._known is None or time.monotonic() - ex._known.at > KNOWN_TTL_S:
        rows = ex.store.read(cypher.KNOWN_CITIES)
        cities = [
            KnownCity(
                r["id"], r["name"], r["country"], tuple(r["aliases"] or ()), r.get("geonames_id"), looked_up=True
            )  # the load asked the gazetteer: its place (or none) is on the node
            for r in rows
            if r["name"] and r["country"]
        ]
        names = {r["id"]: f"{r['name']} ({r['country']})" for r in rows}
        ex._known = _Known(time.monotonic(), cities, CityResolver(cities, use_gazetteer=False), names)
    return ex._known


def city_id(ex: Explorer, ref: str, country: str | None = None) -> str:
    """The id of a city given by id or by name in any spelling the resolver knows
    (accents optional). Unknown: NotFound with the closest names."""
    ref = clean_text(ref or "")
    if not ref:
        raise InputError("city: expected a city name or id, got an empty value")
    if len(ref) > 200:
        raise InputError("city: expected at most 200 characters")
    if ex.store.node(Label.CITY, ref) is not None:
        return ref
    code = check_country(country) if country else None
    for refresh in (False, True):
        if refresh and ex.store.count(Label.CITY) == len(ex._known.cities if ex._known else ()):
            break  # nothing was loaded since: the names known are the graph's
        known = known_cities(ex, refresh=refresh)
        res = known.plain.resolve(ref, code, fuzzy=False)
        if res.status != "matched":
            res = known.full().resolve(ref, code)
        if res.status == "matched" and res.city_id:
            return res.city_id
        if res.status == "ambiguous":
            raise Ambiguous(ref, res.candidates)
    raise NotFound("city", ref, suggest(ref, known.names))


def suggest(ref: str, names: dict[str, str]) -> list[str]:
    choices = {cid: fold(n.rsplit(" (", 1)[0]) for cid, n in names.items()}
    ranked = process.extract(fold(ref), choices, scorer=fuzz.WRatio, limit=5, score_cutoff=60)
    return [f"{names[cid]} [{cid}]" for _, _, cid in ranked]


def city_summary(ex: Explorer, cid: str) -> CitySummary:
    props = ex.store.node(Label.CITY, cid)
    if props is None:
        raise NotFound("city", cid)
    return summary_of(props)


def search_ids(ex: Explorer, q: str, label: Label) -> list[str]:
    ids: list[str] = []
    if label is Label.CITY:
        res = known_cities(ex).full().resolve(q, None, fuzzy=False)
        if res.status == "matched" and res.city_id:
            ids.append(res.city_id)
        elif res.status == "ambiguous":
            ids.extend(c.rsplit(", ", 1)[-1].rstrip(")") for c in res.candidates)
        hits = ex.store.search_cities(fold(q), limit=100)
    else:
        hits = ex.store.search_organisations(fold(q), limit=100)
    ids.extend(h["id"] for h in hits)
    return list(dict.fromkeys(ids))


def organisation_id(ex: Explorer, ref: str) -> str:
    ref = clean_text(ref or "")
    if not ref:
        raise InputError("organisation: expected an organisation name or id, got an empty value")
    if ex.store.node(Label.ORGANISATION, ref) is not None:
        return ref
    hits = ex.store.search_organisations(fold(ref), limit=5)
    exact = [h["id"] for h in hits if fold(h["name"] or "") == fold(ref)]
    if len(exact) == 1:
        return exact[0]
    raise NotFound("organisation", ref, [f"{h['name']} [{h['id']}]" for h in hits])


def page(data: list[Any], count: int, limit: int, offset: int) -> Page[Any]:
    nxt = offset + limit if offset + limit < count else None
    return Page(data=data, count=count, limit=limit, offset=offset, next_offset=nxt)


def check_country(value: str) -> str:
    code = country_code(value)
    if not code:
        raise InputError(f"country: expected a country name or ISO code, got {value!r}")
    return code


def check_region(value: str) -> str:
    rid = value if value in REGIONS else region_id(value)
    if not rid:
        raise InputError(f"region: expected one of {', '.join(REGIONS)} (or their names), got {value!r}")
    return rid


def check_cluster(value: str) -> str:
    return value if value.startswith("cluster-") else f"cluster-{slug(value)}"


def check_kinds(kinds: Iterable[str] | None) -> list[str] | None:
    if kinds is None:
        return None
    out = []
    valid = {k.value for k in LinkKind}
    for k in kinds:
        for part in str(k).split(","):
            part = part.strip()
            if part and part not in valid:
                raise InputError(f"kind: expected one of {', '.join(sorted(valid))}, got {part!r}")
            if part:
                out.append(part)
    return out or None


def check_year(year: int | None) -> int | None:
    return None if year is None else bounded(year, "year", 1900, 2100)

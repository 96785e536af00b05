"""Hubs: organisations that are context, not introducers.

An organisation is a *hub* when

- it is the network's coordinator (UIL, kind ``uil``) or a National Commission for UNESCO
  (kind ``national_commission``): both are derived for every member, so they join
  everyone and tell no one apart; or
- it partners with most of the member cities of a country or of a UNESCO region: more
  than ``HUB_SHARE`` of them, and at least ``HUB_MIN_CITIES`` cities (a ministry that
  partners 30 of a country's 35 members is a hub; a university with 2 of 3 is not); or
- it partners more than ``HUB_DEGREE`` cities in all (any very large organisation).

Hubs are shown in profiles, neighbourhoods and maps, but by default they are not steps
of paths, not brokers and not reasons of recommendations; every question that leaves
them out takes ``include_hubs=True`` to keep them. This module is the only place that
says what a hub is.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gnlc.graph import cypher
from gnlc.graph.model import REGIONS, OrgKind
from gnlc.graph.store import GraphStore
from gnlc.loaders.normalise import country_name
from gnlc.projection import PARTNER

if TYPE_CHECKING:
    from gnlc.facts import CityTable
    from gnlc.projection import Projection

HUB_KINDS = (OrgKind.UIL.value, OrgKind.NATIONAL_COMMISSION.value)
HUB_SHARE = 0.5  # partners more than half of a country's or a region's members
HUB_MIN_CITIES = 5  # ... and at least this many cities
HUB_DEGREE = 200  # or more than this many partner cities in all
HUBS_TTL_S = 60.0


@dataclass(frozen=True)
class Hubs:
    """The hub organisations of one graph: id -> why it is a hub."""

    why: dict[str, str]
    at: float = 0.0

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.why

    def ids(self) -> set[str]:
        return set(self.why)

    def note(self, left_out: set[str] | None = None) -> str:
        """One sentence naming what was left out, for answers that leave hubs out."""
        ids = sorted(left_out if left_out is not None else self.why)
        if not ids:
            return ""
        return (
            f"hubs left out ({len(ids)}: {'; '.join(self.why[i] for i in ids[:3])}"
            + (", ..." if len(ids) > 3 else "")
            + "); include_hubs / --include-hubs keeps them"
        )


def find_hubs(store: GraphStore) -> Hubs:
    """Apply the rule to the graph in ``store``."""
    members_by_country = {r["country"]: r["cities"] for r in store.read(cypher.MEMBERS_BY_COUNTRY)}
    members_by_region = {r["region"]: r["cities"] for r in store.read(cypher.MEMBERS_BY_REGION)}
    names: dict[str, str] = {}
    kinds: dict[str, str | None] = {}
    total: dict[str, int] = defaultdict(int)
    by_country: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_region: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in store.read(cypher.ORG_REACH):
        oid = r["id"]
        names[oid], kinds[oid] = r["name"] or oid, r["kind"]
        total[oid] += r["cities"]
        if r["member"]:
            by_country[oid][r["country"]] += r["cities"]
            by_region[oid][r["region"]] += r["cities"]
    why: dict[str, str] = {}
    for oid, name in names.items():
        reason = _hub_reason(
            kinds[oid], total[oid], by_country[oid], by_region[oid], members_by_country, members_by_region
        )
        if reason:
            why[oid] = f"{name} ({reason})"
    return Hubs(why=why, at=time.monotonic())


def hubs_on_projection(store: GraphStore, proj: Projection, table: CityTable) -> Hubs:
    """The same rule on the projection's partnerships and the cities' facts (at 100k cities
    ``cypher.ORG_REACH`` took 18 s under load); the members per country and region and the
    organisations' kinds are read (three short statements)."""
    members_by_country = {r["country"]: r["cities"] for r in store.read(cypher.MEMBERS_BY_COUNTRY)}
    members_by_region = {r["region"]: r["cities"] for r in store.read(cypher.MEMBERS_BY_REGION)}
    orgs = {oid: (name, kind) for oid, name, kind in store.read_lists(cypher.ORG_KINDS)}
    part = proj.etype == PARTNER
    pairs = np.unique(np.stack([proj.src[part], proj.dst[part]], axis=1), axis=0)  # (organisation, city) once
    total = np.bincount(pairs[:, 0], minlength=proj.nodes)
    by_country: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_region: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for o, c in pairs.tolist():
        facts = table.cities.get(proj.ids[c])
        if facts is not None and facts[4] == "member":  # (name, country, region, population, status, ...)
            by_country[o][facts[1]] += 1
            by_region[o][facts[2]] += 1
    why: dict[str, str] = {}
    for o in np.unique(pairs[:, 0]).tolist():
        oid = proj.ids[o]
        name, kind = orgs.get(oid, (None, None))
        reason = _hub_reason(kind, int(total[o]), by_country[o], by_region[o], members_by_country, members_by_region)
        if reason:
            why[oid] = f"{name or oid} ({reason})"
    return Hubs(why=why, at=time.monotonic())


def hub_mask(proj: Projection, hubs: Hubs) -> np.ndarray:
    """Which projection nodes are hubs (a boolean per node), made once per graph version."""

    def make() -> np.ndarray:
        mask = np.zeros(proj.nodes, dtype=bool)
        mask[[proj.index[h] for h in hubs.why if h in proj.index]] = True
        return mask

    return proj.memo("hub_mask", make)


def _hub_reason(
    kind: str | None,
    total: int,
    by_country: dict[str, int],
    by_region: dict[str, int],
    members_by_country: dict[str, int],
    members_by_region: dict[str, int],
) -> str | None:
    if kind == OrgKind.UIL.value:
        return "the network's coordinator"
    if kind == OrgKind.NATIONAL_COMMISSION.value:
        return "a National Commission for UNESCO"
    if total > HUB_DEGREE:
        return f"partners {total} cities"
    for counts, members, label in (
        (by_country, members_by_country, country_name),
        (by_region, members_by_region, lambda r: REGIONS.get(r, r)),
    ):
        for key, n in counts.items():
            of = members.get(key) or 0
            if key and n >= HUB_MIN_CITIES and of and n / of > HUB_SHARE:
                return f"partners {n} of the {of} members in {label(key)}"
    return None

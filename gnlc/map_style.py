"""How the maps look: colours, shapes and line styles (the legend is built from these)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from gnlc.graph.model import REGIONS, Label
from gnlc.hubs import HUB_KINDS as _HUB_KINDS
from gnlc.loaders.normalise import country_name as _country_name
from gnlc.loaders.normalise import region_of as _region_of
from gnlc.schemas import GEdge, GNode

# Okabe & Ito (2008), a palette told apart with every common colour-vision deficiency
REGION_COLOURS = {
    "africa": "#E69F00",
    "arab-states": "#56B4E9",
    "asia-pacific": "#009E73",
    "europe-north-america": "#0072B2",
    "latin-america-caribbean": "#D55E00",
}
NO_REGION = ("#999999", "no UNESCO region")
HUB_KINDS = frozenset(_HUB_KINDS)  # partner with every member (of a country); the full rule is in gnlc.hubs
ORG_SHAPES = {
    "uil": "star",
    "national_commission": "diamond",
    "university": "triangle",
    "ngo": "square",
    "ministry": "triangleDown",
    "government": "triangleDown",
}
SHAPE_NAMES = {
    "dot": "city",
    "star": "UIL",
    "diamond": "national commission",
    "triangle": "university",
    "square": "NGO",
    "triangleDown": "ministry / government",
    "pentagon": "other organisation (library, museum, network...)",
    "hexagon": "cluster",
}


def _style(name: str, color: str, width: float, dashes: list[int] | None = None, alpha: float = 0.7) -> dict[str, Any]:
    return {"name": name, "color": color, "width": width, "dashes": dashes or [], "alpha": alpha}


EDGE_STYLES: dict[str, dict[str, Any]] = {  # link kind or relationship type -> line style; each one different
    "twinning": _style("twinning", "#1F3A5F", 1.6),
    "sister": _style("sister city", "#7B3294", 1.6, [7, 3]),
    "friendship": _style("friendship", "#1F3A5F", 1.5, [2, 3]),
    "partnership_agreement": _style("partnership agreement", "#2E7D32", 1.6),
    "peer_exchange": _style("peer exchange", "#8C510A", 1.6, [8, 4]),
    "study_visit": _style("study visit", "#8C510A", 1.6, [2, 2]),
    "joint_project": _style("joint project", "#01665E", 1.6, [12, 3, 2, 3]),
    "cluster_peer": _style("cluster peers", "#666666", 1.2, [4, 4]),
    "PARTNERS_WITH": _style("partner organisation", "#333333", 1.4, None, 0.85),
    "HUB_PARTNER": _style("hub partner (UIL, national commission, ...)", "#8A8A8A", 1.0, [1, 3], 0.45),
    "IN_CLUSTER": _style("cluster member", "#CC79A7", 1.3, [3, 3], 0.6),
    "RECOMMENDED": _style("recommended partner", "#CC79A7", 2.6, [10, 5], 1.0),
    "BROKER": _style("could introduce (broker)", "#5E3C99", 2.2, [2, 3], 1.0),
    "OTHER": _style("other relationship", "#999999", 1.0, None, 0.6),
    "GROUPED": _style("links between groups (width: number)", "#555555", 1.0, None, 0.5),
}
HUB_LINKS = frozenset({"HUB_PARTNER", "IN_CLUSTER"})


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    return _country_name(code)


@lru_cache(maxsize=512)
def region_of(code: str) -> str | None:
    return _region_of(code)


def edge_key(e: GEdge, hub_end: bool) -> str:
    if e.type == "LINKED_TO":
        return e.kind if e.kind in EDGE_STYLES else "OTHER"
    if e.type == "PARTNERS_WITH" and hub_end:
        return "HUB_PARTNER"
    return e.type if e.type in EDGE_STYLES else "OTHER"


def shape_of(n: GNode) -> str:
    if n.label == Label.ORGANISATION:
        return ORG_SHAPES.get(n.kind or "", "pentagon")
    return "hexagon" if n.label == Label.CLUSTER else "dot"


def profile_rows(n: GNode) -> list[list[Any]]:
    """What a node's profile and tooltip show, as (label, value) rows."""
    p = n.props
    status = p.get("status")
    what = str(n.label).lower() + (f" ({n.kind})" if n.kind else "")
    if n.label == Label.CITY:
        what = "city, " + {"none": "partner city (not a GNLC member)", None: "city"}.get(status, f"GNLC {status}")
    rows: list[list[Any]] = [["kind", what]]
    if n.country:
        region = n.region or region_of(n.country)
        rows.append(["country", country_name(n.country) + (f", {REGIONS[region]}" if region in REGIONS else "")])
    if n.label == Label.CITY and status in ("member", "former"):
        rows.append(["joined GNLC", p.get("year_joined") or "year unknown"])
    for key, label in (("population", "population"), ("score", "score"), ("cities", "cities")):
        if p.get(key) is not None:
            rows.append([label, f"{p[key]:,}" if isinstance(p[key], int) else p[key]])
    rows += [["reason", r] for r in p.get("reasons") or []]
    return rows

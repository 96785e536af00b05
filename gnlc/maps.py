"""Interactive maps: one self-contained HTML page per map, drawn by our own canvas code.

The page (``templates/map.html``) carries the nodes, links and positions as JSON and draws
them on a canvas: no library and no request leaves the page, so a map works offline and can
be mailed. Positions are computed here, seeded, so the same data gives the same picture
(``map_layout``); the geographic view projects the cities with Equal Earth over Natural
Earth outlines (``map_geo``). Colour = UNESCO region (Okabe-Ito, colour-blind safe),
shape = kind, size = a metric of the drawn graph, line style = link kind; the legend lists
what is drawn. Every year is in the page (a slider), on one layout.
"""

from __future__ import annotations

import json
import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from gnlc import centrality, map_geo, map_layout
from gnlc.errors import InputError
from gnlc.files import write_text
from gnlc.graph.model import REGIONS, Label
from gnlc.map_style import (
    EDGE_STYLES,
    HUB_KINDS,
    HUB_LINKS,
    NO_REGION,
    REGION_COLOURS,
    SHAPE_NAMES,
    country_name,
    edge_key,
    profile_rows,
    region_of,
    shape_of,
)
from gnlc.schemas import GNode, Subgraph

SizeBy = Literal["degree", "betweenness", "pagerank"]
Layout = Literal["auto", "force", "grouped"]
TEMPLATES = Path(__file__).with_name("templates")
GROUP_ABOVE = 4000  # above this many nodes, nodes start grouped by country (a click expands a country)
FORCE_KINDS = ("neighbourhood", "paths", "recommendations")  # maps around a city: a force layout


@dataclass
class MapPage:
    """A rendered map and what it draws (with every year and filter on)."""

    html: str
    nodes: int
    links: int
    hidden_links: int = 0
    estimated: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = f"{self.nodes} nodes, {self.links} links drawn"
        if self.hidden_links:
            s += f" ({self.hidden_links} hub links hidden until a hub is selected or they are ticked)"
        if self.estimated:
            s += f"; {len(self.estimated)} placed at their country's centre (estimated)"
        if self.unplaced:
            s += f"; {len(self.unplaced)} not placed: {', '.join(self.unplaced[:10])}" + (
                "..." if len(self.unplaced) > 10 else ""
            )
        return s


def _region(n: GNode) -> str | None:
    return n.region or (region_of(n.country) if n.country else None)


_HUBS: ContextVar[frozenset[str] | None] = ContextVar("map_hubs", default=None)


def _is_hub(n: GNode) -> bool:
    """Context, not centre: clusters and the hubs of :mod:`gnlc.hubs` (given to :func:`build`), or by kind."""
    known = _HUBS.get()
    if n.label == Label.CLUSTER or (n.label == Label.ORGANISATION and n.kind in HUB_KINDS):
        return True
    return known is not None and n.id in known


def _metric(nodes: list[GNode], pairs: list[tuple[str, str]], size_by: str) -> dict[str, float]:
    if size_by == "degree":
        deg: dict[str, float] = dict.fromkeys((n.id for n in nodes), 0.0)
        for a, b in pairs:
            deg[a] += 1
            deg[b] += 1
        return deg
    if size_by not in ("betweenness", "pagerank"):
        raise InputError(f"size_by: expected degree, betweenness or pagerank, got {size_by!r}")
    import igraph as ig

    ids = list(dict.fromkeys(n.id for n in nodes))
    index = {v: i for i, v in enumerate(ids)}
    simple = {(min(index[a], index[b]), max(index[a], index[b])) for a, b in pairs if a != b}
    g = ig.Graph(n=len(ids), edges=sorted(simple))
    if size_by == "betweenness":
        return dict(zip(ids, centrality.betweenness(g), strict=True))
    return dict(zip(ids, centrality.pagerank(g) if simple else [1.0] * len(ids), strict=True))


def _geo_positions(
    nodes: list[GNode],
) -> tuple[dict[str, tuple[float, float]], dict[str, int], list[str], dict[str, tuple[float, float]]]:
    """Projected positions; how each was found (0 data, 1 gazetteer, 2 country centre); the
    unplaced; longitude and latitude (the page draws links as great circles from them)."""
    by_country: dict[str, list[tuple[float, float]]] = {}
    for n in nodes:
        p = n.props
        if p.get("latitude") is not None and p.get("longitude") is not None and n.country:
            by_country.setdefault(n.country, []).append((float(p["longitude"]), float(p["latitude"])))
    pos, how, unplaced, lonlat = {}, {}, [], {}
    waiting: dict[str, list[GNode]] = {}
    for n in nodes:
        p = n.props
        if p.get("latitude") is not None and p.get("longitude") is not None:
            lonlat[n.id] = (float(p["longitude"]), float(p["latitude"]))
            how[n.id] = 1 if p.get("latitude_source") == "geonames" else 0
        elif n.country and (n.country in by_country or map_geo.country_centre(n.country)):
            waiting.setdefault(n.country, []).append(n)
        else:
            unplaced.append(f"{n.name or n.id}" + (f" ({n.country})" if n.country else ""))
    for code, group in sorted(waiting.items()):
        centre = map_geo.country_centre(code)
        if centre is None:  # a country the atlas does not draw: the middle of its placed cities
            pts = by_country[code]
            centre = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        cx, cy = centre
        for n, (dx, dy) in zip(sorted(group, key=lambda n: n.id), map_layout.sunflower(len(group), 0.9), strict=True):
            lonlat[n.id] = (cx + dx, max(-85.0, min(85.0, cy + dy)))
            how[n.id] = 2
    for nid, (lon, lat) in lonlat.items():
        pos[nid] = map_geo.project(lon, lat)
    return pos, how, sorted(unplaced), {k: (round(a, 4), round(b, 4)) for k, (a, b) in lonlat.items()}


def _graph_positions(
    nodes: list[GNode], pairs: list[tuple[str, str]], layout: str, metric: dict[str, float]
) -> tuple[dict[str, tuple[float, float]], dict[str, str]]:
    """Positions and, for grouped layouts, each node's group (country code)."""
    hubs = [n.id for n in nodes if _is_hub(n)]
    hubset = set(hubs)
    partners: dict[str, list[str]] = {}
    for a, b in pairs:
        if a in hubset:
            partners.setdefault(a, []).append(b)
        if b in hubset:
            partners.setdefault(b, []).append(a)
    rest = [n for n in nodes if n.id not in hubset]
    inner = [(a, b) for a, b in pairs if a not in hubset and b not in hubset]
    group_of: dict[str, str] = {}
    if layout == "force":
        ids = [n.id for n in nodes]
        pos = map_layout.scaled(map_layout.force(ids, pairs), pairs)
        return pos, group_of
    groups: dict[str, list[str]] = {}
    region_of_group: dict[str, str | None] = {}
    for n in sorted(rest, key=lambda n: (-metric.get(n.id, 0.0), n.label != Label.CITY, n.name or "", n.id)):
        key = n.country or "--"
        group_of[n.id] = key
        groups.setdefault(key, []).append(n.id)
        region_of_group.setdefault(key, _region(n))
    pos, _discs = map_layout.grouped(groups, region_of_group, map_layout.group_links(group_of, inner))
    pos.update(map_layout.ring(hubs, partners, pos))
    return pos, group_of


def _profile_node(n: GNode, how: int | None) -> dict[str, Any]:
    rows = profile_rows(n)
    if how is not None:
        rows.append(["position", ("from the data", "gazetteer (GeoNames)", "estimated: country centre")[how]])
    return {"p": rows, "u": n.props.get("source_url") if isinstance(n.props.get("source_url"), str) else None}


def build(
    sub: Subgraph,
    *,
    size_by: SizeBy = "degree",
    geo: bool = False,
    title: str | None = None,
    layout: Layout = "auto",
    year: int | None = None,
    kind: str | None = None,
    hubs: set[str] | None = None,
) -> MapPage:
    """The subgraph as one self-contained HTML page, with what it draws. ``hubs``: ids of the
    graph's hub organisations (``Explorer.hubs().ids()``), drawn as context."""
    token = _HUBS.set(frozenset(hubs) if hubs is not None else None)
    try:
        return _build(sub, size_by=size_by, geo=geo, title=title, layout=layout, year=year, kind=kind)
    finally:
        _HUBS.reset(token)


def _build(
    sub: Subgraph, *, size_by: SizeBy, geo: bool, title: str | None, layout: Layout, year: int | None, kind: str | None
) -> MapPage:
    nodes = list({n.id: n for n in sub.nodes}.values())
    ids = {n.id for n in nodes}
    edges = [e for e in sub.edges if e.source_id in ids and e.target_id in ids and e.source_id != e.target_id]
    if layout == "auto":
        layout = "force" if kind in FORCE_KINDS or (kind is None and len(nodes) <= 120) else "grouped"
    pairs = [(e.source_id, e.target_id) for e in edges]
    hub_ids = {n.id for n in nodes if _is_hub(n)}
    sized = (
        pairs if layout == "force" and not geo else [(a, b) for a, b in pairs if a not in hub_ids and b not in hub_ids]
    )  # every member has its hubs
    metric = _metric(nodes, sized, size_by)
    how: dict[str, int] = {}
    unplaced: list[str] = []
    group_of: dict[str, str] = {}
    lonlat: dict[str, tuple[float, float]] = {}
    if geo:
        pos, how, unplaced, lonlat = _geo_positions(nodes)
    else:
        pos, group_of = _graph_positions(nodes, pairs, layout, metric)
    byid = {n.id: n for n in nodes}
    drawn = [n for n in nodes if n.id in pos]
    index = {n.id: i for i, n in enumerate(drawn)}
    hubs = {n.id for n in drawn if _is_hub(n)} if layout != "force" or geo else set()  # context, drawn faint
    top = max((v for k, v in metric.items() if k not in hubs), default=0.0)
    grouping = len(drawn) > GROUP_ABOVE
    groups, group_index = _groups(drawn, pos, group_of, grouping, geo)
    out_nodes = [
        _node(
            n,
            pos[n.id],
            metric.get(n.id, 0.0),
            top,
            n.id in hubs,
            group_index.get(n.id, -1),
            how.get(n.id) if geo else None,
        )
        for n in drawn
    ]
    for out in out_nodes if geo else []:
        out["ll"] = lonlat[out["id"]]
    kinds: dict[str, int] = {}
    out_edges = []
    for e in edges:
        if e.source_id not in index or e.target_id not in index:
            continue
        hub_end = e.source_id in hubs or e.target_id in hubs
        key = edge_key(e, hub_end)
        kinds[key] = kinds.get(key, 0) + 1
        out_edges.append(
            {
                k: v
                for k, v in {
                    "a": index[e.source_id],
                    "b": index[e.target_id],
                    "k": key,
                    "f": e.since,
                    "t": e.until,
                    "r": e.role,
                    "d": e.derivation,
                    "u": e.source_url,
                }.items()
                if v is not None
            }
        )
    hide_hub_links = layout != "force" or geo
    years = _years(drawn, edges)
    regions = sorted({r for n in drawn if n.id not in hubs and (r := _region(n))})
    meta = {
        "title": title or sub.title or "GNLC map",
        "mode": "geo" if geo else layout,
        "earth": map_geo.EARTH_R,
        "spacing": map_layout.SPACING,
        "size_by": size_by,
        "notes": list(sub.notes) + ([f"{len(unplaced)} not placed (listed under the map)"] if unplaced else []),
        "regions": [{"id": r, "name": REGIONS[r], "color": REGION_COLOURS[r]} for r in regions],
        "kinds": [
            {"key": k, "count": kinds[k], "on": not (k in HUB_LINKS and hide_hub_links)}
            for k in EDGE_STYLES
            if k in kinds
        ],
        "shapes": [{"shape": s, "name": name} for s, name in SHAPE_NAMES.items()],
        "years": years,
        "year": year if years and year is not None else None,
        "sizeKey": _size_key(metric, top, hubs, size_by),
        "hubNote": "Faint, on the outer ring: hubs (UIL, national commissions, clusters) that partner with every "
        "member; select one to see its links."
        if not geo and layout != "force"
        else "Faint: hubs (UIL, national commissions, clusters) that partner with every member.",
        "caption": _caption(nodes, edges, geo),
        "unplaced": unplaced,
    }
    styles = {k: EDGE_STYLES[k] for k in [*kinds, "GROUPED"]}
    payload = {"meta": meta, "nodes": out_nodes, "edges": out_edges, "groups": groups, "styles": styles}
    html = _template().render(title=meta["title"], payload=_js(payload), atlas=map_geo.atlas_text() if geo else None)
    hidden = sum(kinds.get(k, 0) for k in HUB_LINKS) if hide_hub_links else 0
    return MapPage(
        html=html,
        nodes=len(drawn),
        links=len(out_edges) - hidden,
        hidden_links=hidden,
        estimated=sorted(byid[i].name or i for i, h in how.items() if h == 2),
        unplaced=unplaced,
    )


def _node(
    n: GNode, xy: tuple[float, float], value: float, top: float, hub: bool, group: int, how: int | None
) -> dict[str, Any]:
    region = _region(n)
    is_city = n.label == Label.CITY
    status = n.props.get("status")
    out: dict[str, Any] = {
        "id": n.id,
        "n": n.name or n.id,
        "x": xy[0],
        "y": xy[1],
        "r": 6.0 if hub else _radius(value, top),
        "c": "#9a9a9a" if hub else REGION_COLOURS.get(region or "", NO_REGION[0]),
        "s": shape_of(n),
        "m": 0 if not is_city or status in ("none", "applicant") else 1,
        "g": group,
        "cn": country_name(n.country) if n.country else None,
        **_profile_node(n, how),
    }
    if n.kind == "national_commission" and n.country:  # short labels; the profile gives the whole name
        out["l"] = f"{country_name(n.country)} NatCom"
    elif n.kind == "uil":
        out["l"] = "UIL"
    if region:
        out["re"] = region
    if hub:
        out["h"] = 1
    if is_city and n.props.get("year_joined") is not None:
        out["y0"] = int(n.props["year_joined"])
    elif is_city and status in ("member", "former"):
        out["uy"] = 1  # a member whose join year is unknown: shown in every year, marked
    if how is not None:
        out["est"] = how
    return out


def _radius(value: float, top: float) -> float:
    return round(3.5 + 11 * math.sqrt(max(value, 0.0) / top), 2) if top > 0 else 3.5


def _groups(
    drawn: list[GNode], pos: dict[str, tuple[float, float]], group_of: dict[str, str], grouping: bool, geo: bool
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    if not grouping:
        return [], {}
    members: dict[str, list[GNode]] = {}
    for n in drawn:
        if not _is_hub(n):
            members.setdefault(group_of.get(n.id) or n.country or "--", []).append(n)
    groups, index = [], {}
    for i, (code, ns) in enumerate(sorted(members.items())):
        region = next((_region(n) for n in ns if _region(n)), None)
        groups.append(
            {
                "id": f"group:{code}",
                "n": country_name(code) if code != "--" else "no country",
                "x": round(sum(pos[n.id][0] for n in ns) / len(ns), 2),
                "y": round(sum(pos[n.id][1] for n in ns) / len(ns), 2),
                "c": REGION_COLOURS.get(region or "", NO_REGION[0]),
                "re": region,
                "count": len(ns),
            }
        )
        for n in ns:
            index[n.id] = i
    return groups, index


def _years(nodes: list[GNode], edges: list[Any]) -> list[int] | None:
    ys = [int(n.props["year_joined"]) for n in nodes if n.props.get("year_joined") is not None]
    ys += [y for e in edges for y in (e.since, e.until) if y is not None]
    return [min(ys), max(ys)] if ys else None


def _size_key(metric: dict[str, float], top: float, hubs: set[str], size_by: str) -> list[dict[str, Any]]:
    values = sorted({v for k, v in metric.items() if k not in hubs and v > 0})
    if not values:
        return [{"r": _radius(0.0, 0.0), "label": "0 (no links drawn)"}]
    picks = sorted({values[0], values[len(values) // 2], values[-1]})
    fmt = (lambda v: f"{v:g}") if size_by == "degree" else (lambda v: f"{v:.3f}")
    return [{"r": _radius(v, top), "label": fmt(v)} for v in picks]


def _caption(nodes: list[GNode], edges: list[Any], geo: bool) -> str:
    loaded = sorted({str(n.props.get("loaded_at"))[:10] for n in nodes if n.props.get("loaded_at")})
    files = sorted(
        {str(x.source) for x in edges if x.source} | {str(n.props["source"]) for n in nodes if n.props.get("source")}
    )
    pages = {n.props.get("source_url") for n in nodes if n.props.get("source_url")} | {
        e.source_url for e in edges if e.source_url
    }
    text = "Data: " + (", ".join(files[:6]) + ("..." if len(files) > 6 else "") if files else "the loaded graph")
    text += f"; {len(pages)} cited source pages (each node's profile links its own)" if pages else ""
    text += f"; loaded {loaded[-1]}" if loaded else ""
    text += (
        ". Positions: seeded layout (the same data gives the same map)"
        if not geo
        else (". Base map: Natural Earth 1:110m (public domain) via world-atlas; Equal Earth projection")
    )
    return text + "."


def _js(payload: dict[str, Any]) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' appear as such."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@lru_cache(maxsize=1)
def _template() -> Any:
    from jinja2 import Environment, FileSystemLoader

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False)  # noqa: S701 - data goes in as _js()
    return env.get_template("map.html")


def render(sub: Subgraph, **options: Any) -> str:
    """The subgraph as one self-contained HTML page (see :func:`build` for the options)."""
    return build(sub, **options).html


def write(sub: Subgraph, path: Path, **options: Any) -> MapPage:
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{path}: expected an .html file")
    page = build(sub, **options)
    write_text(path, page.html)
    return page


def inline(html: str, height: int = 650) -> Any:
    """A map shown inside a notebook (JupyterLab, VS Code): an iframe holding the page."""
    from html import escape

    from IPython.display import HTML

    return HTML(
        f'<iframe srcdoc="{escape(html, quote=True)}" style="width:100%;height:{height}px;border:0" '
        'sandbox="allow-scripts allow-downloads"></iframe>'
    )

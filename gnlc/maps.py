"""Interactive network maps with pyvis: one self-contained HTML file per map.

vis-network (from the pyvis package) is inlined, so a map needs no other host and can be
mailed as one file. Colour = UNESCO region (Okabe-Ito, colour-blind safe), shape = kind,
size = a metric (degree, betweenness or PageRank in the drawn graph), line style = link
kind; the legend lists what is drawn. Tooltips are plain text. Maps of more than
``LAYOUT_IN_PYTHON`` nodes get their positions from igraph before rendering and open still;
smaller ones settle with physics, which then stops (a button turns it back on).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import networkx as nx
from pyvis.network import Network

from gnlc.errors import InputError
from gnlc.files import write_text
from gnlc.graph.model import REGIONS, Label
from gnlc.loaders.normalise import region_of
from gnlc.schemas import GEdge, GNode, Subgraph

SizeBy = Literal["degree", "betweenness", "pagerank"]
TEMPLATES = Path(__file__).with_name("templates")
VIS = Path(__import__("pyvis").__file__).parent / "lib" / "vis-9.1.2"
LAYOUT_IN_PYTHON = 300  # above this many nodes, positions are computed before rendering
GEO_SCALE = 6.0  # canvas units per degree in the geographic view

# Okabe & Ito (2008), a palette told apart with every common colour-vision deficiency
REGION_COLOURS = {
    "africa": "#E69F00",
    "arab-states": "#56B4E9",
    "asia-pacific": "#009E73",
    "europe-north-america": "#0072B2",
    "latin-america-caribbean": "#D55E00",
}
NO_REGION = ("#999999", "no UNESCO region")
ORG_SHAPES = {"uil": "star", "national_commission": "diamond", "university": "triangle", "ngo": "square",
              "ministry": "triangleDown", "government": "triangleDown"}
SHAPE_NAMES = {"dot": "city", "star": "UIL", "diamond": "national commission", "triangle": "university",
               "square": "NGO", "triangleDown": "ministry / government", "hexagon": "cluster",
               "box": "other organisation"}
EDGE_STYLES: dict[str, dict[str, Any]] = {  # link kind or relationship type -> vis-network edge style
    "twinning": {"color": "#333333", "width": 3, "dashes": False},
    "sister": {"color": "#333333", "width": 3, "dashes": False},
    "friendship": {"color": "#333333", "width": 2, "dashes": [2, 4]},
    "partnership_agreement": {"color": "#333333", "width": 2, "dashes": False},
    "peer_exchange": {"color": "#555555", "width": 2, "dashes": [8, 4]},
    "study_visit": {"color": "#555555", "width": 2, "dashes": [2, 2]},
    "joint_project": {"color": "#555555", "width": 2, "dashes": [12, 3, 2, 3]},
    "cluster_peer": {"color": "#777777", "width": 1, "dashes": [4, 4]},
    "PARTNERS_WITH": {"color": "#BBBBBB", "width": 1, "dashes": False},
    "IN_CLUSTER": {"color": "#CC79A7", "width": 1, "dashes": [3, 3]},
    "RECOMMENDED": {"color": "#CC79A7", "width": 2, "dashes": [10, 6]},
    "BROKER": {"color": "#F0E442", "width": 2, "dashes": [1, 3]},
}
EDGE_NAMES = {"PARTNERS_WITH": "partner organisation", "IN_CLUSTER": "cluster member",
              "RECOMMENDED": "recommended partner (score)", "BROKER": "could introduce"}


def _region(n: GNode) -> str | None:
    return n.region or (region_of(n.country) if n.country else None)


def _shape(n: GNode) -> str:
    if n.label == Label.ORGANISATION:
        return ORG_SHAPES.get(n.kind or "", "box")
    return "hexagon" if n.label == Label.CLUSTER else "dot"


def _edge_key(e: GEdge) -> str:
    return e.kind if e.type == "LINKED_TO" and e.kind in EDGE_STYLES else e.type


def _tooltip(n: GNode) -> str:
    lines = [n.name or n.id, f"{n.label}" + (f" ({n.kind})" if n.kind else "")]
    if n.country:
        lines.append(f"country: {n.country}" + (f", {REGIONS.get(_region(n) or '', '')}" if _region(n) else ""))
    p = n.props
    for key, label in (("year_joined", "joined GNLC"), ("population", "population"), ("status", "status"),
                       ("score", "score")):
        if p.get(key) is not None:
            lines.append(f"{label}: {p[key]}")
    lines += [f"- {r}" for r in p.get("reasons") or []]
    if p.get("source_url") or p.get("source"):
        lines.append(f"source: {p.get('source_url') or p.get('source')}")
    return "\n".join(lines)


def _edge_tooltip(e: GEdge, names: dict[str, str]) -> str:
    what = e.kind or e.role or e.type
    years = f" {e.since or '?'}-{e.until or ''}" if e.since or e.until else ""
    lines = [f"{names.get(e.source_id, e.source_id)} - {names.get(e.target_id, e.target_id)}", f"{what}{years}"]
    if e.derivation:
        lines.append(e.derivation)
    if e.source_url or e.source:
        lines.append(f"source: {e.source_url or e.source}")
    return "\n".join(lines)


def _metric(sub: Subgraph, size_by: str) -> dict[str, float]:
    g = nx.Graph()
    g.add_nodes_from(n.id for n in sub.nodes)
    g.add_edges_from((e.source_id, e.target_id) for e in sub.edges)
    if size_by == "degree":
        return {k: float(v) for k, v in g.degree()}
    if size_by == "betweenness":
        k = None if g.number_of_nodes() <= 2000 else 300
        return nx.betweenness_centrality(g, k=k, seed=42)
    if size_by == "pagerank":
        return nx.pagerank(g) if g.number_of_edges() else dict.fromkeys(g, 1.0)
    raise InputError(f"size_by: expected degree, betweenness or pagerank, got {size_by!r}")


def _layout(sub: Subgraph) -> dict[str, tuple[float, float]]:
    """Positions for a large map (igraph's Fruchterman-Reingold in C), scaled to the canvas."""
    import igraph as ig

    index = {n.id: i for i, n in enumerate(sub.nodes)}
    pairs = {(index[e.source_id], index[e.target_id]) for e in sub.edges
             if e.source_id in index and e.target_id in index and e.source_id != e.target_id}
    g = ig.Graph(n=len(index), edges=sorted(pairs))
    # Fruchterman-Reingold on a grid (O(n) per iteration); fewer iterations for very large maps
    coords = g.layout_fruchterman_reingold(niter=300 if len(index) <= 5000 else 120, grid=True)
    scale = 40.0 * math.sqrt(len(index))
    xs = [c[0] for c in coords] or [0.0]
    ys = [c[1] for c in coords] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    return {nid: ((coords[i][0] - min(xs)) / span * scale, (coords[i][1] - min(ys)) / span * scale)
            for nid, i in index.items()}


def render(sub: Subgraph, *, size_by: SizeBy = "degree", geo: bool = False, title: str | None = None,
           height: str = "calc(100vh - 48px)") -> str:
    """The subgraph as one self-contained HTML page."""
    nodes_in = sub.nodes
    notes = list(sub.notes)
    if geo:
        placed = [n for n in nodes_in if n.props.get("latitude") is not None and n.props.get("longitude") is not None]
        if len(placed) < len(nodes_in):
            notes.append(f"{len(nodes_in) - len(placed)} node(s) without coordinates are not drawn")
        nodes_in = placed
        keep = {n.id for n in nodes_in}
        edges_in = [e for e in sub.edges if e.source_id in keep and e.target_id in keep]
    else:
        edges_in = sub.edges
    drawn = Subgraph(title=sub.title, nodes=nodes_in, edges=edges_in)
    values = _metric(drawn, size_by)
    top = max(values.values(), default=0.0) or 1.0
    positions = _layout(drawn) if len(nodes_in) > LAYOUT_IN_PYTHON and not geo else {}
    names = {n.id: n.name or n.id for n in nodes_in}

    colours: dict[str, str] = {}
    shapes: dict[str, None] = {}
    vis_nodes = []
    for n in nodes_in:
        region = _region(n)
        colour = REGION_COLOURS.get(region or "", NO_REGION[0])
        colours[REGIONS.get(region or "", NO_REGION[1])] = colour
        shape = _shape(n)
        shapes[shape] = None
        node: dict[str, Any] = {"id": n.id, "label": n.name or n.id, "title": _tooltip(n), "shape": shape,
                                "color": colour, "size": 8 + 22 * math.sqrt(values.get(n.id, 0.0) / top),
                                "font": {"size": 12}}
        if geo:
            node.update(x=float(n.props["longitude"]) * GEO_SCALE, y=-float(n.props["latitude"]) * GEO_SCALE,
                        fixed=True)
        elif n.id in positions:
            node.update(x=positions[n.id][0], y=positions[n.id][1])
        vis_nodes.append(node)
    edge_kinds: dict[str, None] = {}
    vis_edges = []
    for e in edges_in:
        key = _edge_key(e)
        edge_kinds[key] = None
        style = EDGE_STYLES.get(key, {"color": "#999999", "width": 1, "dashes": False})
        vis_edges.append({"from": e.source_id, "to": e.target_id, "title": _edge_tooltip(e, names), **style})

    physics = not geo and len(nodes_in) <= LAYOUT_IN_PYTHON
    options = {
        "physics": {"enabled": physics, "solver": "barnesHut",
                    "barnesHut": {"gravitationalConstant": -4000, "springLength": 120, "avoidOverlap": 0.2},
                    "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": len(vis_edges) > 2000,
                        "navigationButtons": False},
        "edges": {"smooth": False},
        "nodes": {"borderWidth": 1},
        "layout": {"randomSeed": 42, "improvedLayout": len(nodes_in) <= 150},
    }
    legend = {
        "colours": [{"name": name, "color": c} for name, c in sorted(colours.items())],
        "shapes": [{"shape": s, "name": SHAPE_NAMES.get(s, s)} for s in shapes],
        "edges": [{"name": EDGE_NAMES.get(k, k.replace("_", " ")), **EDGE_STYLES.get(
            k, {"color": "#999999", "width": 1, "dashes": False})} for k in edge_kinds],
    }
    meta = {"title": title or sub.title or "GNLC map", "nodes": len(vis_nodes), "edges": len(vis_edges),
            "legend": legend, "size_by": size_by, "notes": notes, "geo": GEO_SCALE if geo else 0}

    net = Network(height=height, width="100%", directed=False, cdn_resources="in_line")
    net.nodes, net.edges = vis_nodes, vis_edges  # in bulk: add_edge checks every node each time
    net.node_ids = [n["id"] for n in vis_nodes]
    net.options = options
    net.set_template_dir(str(TEMPLATES) + "/", "map.html")
    net.templateEnv.globals.update(meta=meta, vis_js=(VIS / "vis-network.min.js").read_text(encoding="utf-8"),
                                   vis_css=(VIS / "vis-network.css").read_text(encoding="utf-8"))
    return net.generate_html()


def write(sub: Subgraph, path: Path, **options: Any) -> Path:
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{path}: expected an .html file")
    return write_text(path, render(sub, **options))


def inline(html: str, height: int = 650) -> Any:
    """A map shown inside a notebook (JupyterLab, VS Code): an iframe holding the page."""
    from html import escape

    from IPython.display import HTML

    return HTML(f'<iframe srcdoc="{escape(html, quote=True)}" style="width:100%;height:{height}px;border:0" '
                'sandbox="allow-scripts"></iframe>')

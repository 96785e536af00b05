"""Export a subgraph (or the whole graph) as GraphML, GEXF (Gephi, networkx), CSV (a zip
of nodes.csv and edges.csv) or JSON.

GraphML and GEXF hold scalar attributes only: lists are joined with "; ", missing values
are left out. In GEXF a node's label is its name (the node's kind of thing is the
``node_type`` attribute) and an edge's ``type`` is what GEXF means by it: a subgraph holding
a symmetric city-to-city link is written undirected (every edge ``type="undirected"``; an
organisation's partnership keeps its source -> target order), one of one-way relationships
only is written directed; the relationship's own type is the ``relationship`` attribute.
CSV cells that a spreadsheet would run as a formula (starting with = + - @ or a
tab/carriage return) are prefixed with a single quote.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gnlc.errors import InputError
from gnlc.files import write_bytes
from gnlc.graph.model import SYMMETRIC
from gnlc.schemas import Subgraph

if TYPE_CHECKING:  # networkx (22 MiB) is imported when a GraphML or GEXF file is written, not by every API process
    import networkx as nx

Format = Literal["graphml", "gexf", "csv", "json"]
FORMATS: dict[str, tuple[str, str]] = {  # format -> (file suffix, media type)
    "graphml": (".graphml", "application/graphml+xml"),
    "gexf": (".gexf", "application/gexf+xml"),
    "csv": (".zip", "application/zip"),
    "json": (".json", "application/json"),
}
NODE_COLUMNS = ("id", "label", "name", "kind", "country", "region")
EDGE_COLUMNS = (
    "source_id",
    "target_id",
    "type",
    "kind",
    "role",
    "since",
    "until",
    "derivation",
    "source",
    "source_row",
    "source_url",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool | int | float | str):
        return value
    return None if value is None else str(value)


def to_networkx(sub: Subgraph) -> nx.MultiDiGraph:
    import networkx as nx

    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(name=sub.title)
    for n in sub.nodes:
        attrs = {k: _scalar(v) for k, v in n.props.items() if k != "id"}
        attrs.update({k: getattr(n, k) for k in NODE_COLUMNS[1:] if getattr(n, k) is not None})
        g.add_node(n.id, **{k: v for k, v in attrs.items() if v is not None})
    for i, e in enumerate(sub.edges):
        attrs = {k: _scalar(getattr(e, k)) for k in EDGE_COLUMNS[2:]}
        g.add_edge(e.source_id, e.target_id, key=i, **{k: v for k, v in attrs.items() if v is not None})
    return g


def to_gexf_graph(sub: Subgraph) -> nx.MultiGraph | nx.MultiDiGraph:
    """The subgraph as GEXF means it: names as labels, edge direction as ``type``."""
    import networkx as nx

    undirected = any(e.type in SYMMETRIC for e in sub.edges)
    g: nx.MultiGraph | nx.MultiDiGraph = (
        nx.MultiGraph(name=sub.title) if undirected else nx.MultiDiGraph(name=sub.title)
    )
    for n in sub.nodes:
        attrs = {k: _scalar(v) for k, v in n.props.items() if k not in ("id", "label", "type")}
        attrs.update({k: getattr(n, k) for k in NODE_COLUMNS[2:] if getattr(n, k) is not None})
        attrs.update(label=n.name or n.id, node_type=n.label)
        g.add_node(n.id, **{k: v for k, v in attrs.items() if v is not None})
    for i, e in enumerate(sub.edges):
        attrs = {k: _scalar(getattr(e, k)) for k in EDGE_COLUMNS[3:]}
        attrs.update(relationship=e.type, type="undirected" if undirected else "directed")
        g.add_edge(e.source_id, e.target_id, key=i, **{k: v for k, v in attrs.items() if v is not None})
    return g


def render(sub: Subgraph, fmt: str) -> bytes:
    """The subgraph in one of FORMATS, as bytes."""
    if fmt not in FORMATS:
        raise InputError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "json":
        return json.dumps(sub.model_dump(mode="json"), ensure_ascii=False, indent=1).encode("utf-8")
    if fmt == "csv":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(
                "nodes.csv", _csv([[safe_cell(getattr(n, c)) for c in NODE_COLUMNS] for n in sub.nodes], NODE_COLUMNS)
            )
            zf.writestr(
                "edges.csv", _csv([[safe_cell(getattr(e, c)) for c in EDGE_COLUMNS] for e in sub.edges], EDGE_COLUMNS)
            )
        return buf.getvalue()
    import networkx as nx

    out = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(to_networkx(sub), out, encoding="utf-8")
    else:
        nx.write_gexf(to_gexf_graph(sub), out, encoding="utf-8")
    return out.getvalue()


def _csv(rows: list[list[Any]], header: tuple[str, ...]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write(sub: Subgraph, path: Path, fmt: str | None = None) -> Path:
    """Write the subgraph to ``path``; the format comes from ``fmt`` or the suffix."""
    if fmt is None:
        by_suffix = {suffix: name for name, (suffix, _) in FORMATS.items()}
        fmt = by_suffix.get(path.suffix.lower())
        if fmt is None:
            raise InputError(f"{path}: expected a suffix of {', '.join(by_suffix)} or an explicit format")
    return write_bytes(path, render(sub, fmt))

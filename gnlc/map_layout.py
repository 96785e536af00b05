"""Seeded, deterministic positions for the maps: the same data gives the same picture.

Two layouts. Small maps around a city (neighbourhood, paths, recommendations) use
Fruchterman-Reingold (numpy), started from positions derived from the node ids: no random
numbers. Area and network maps group the nodes by country: each
country is a disc (its nodes on a sunflower spiral, most connected in the middle), the
discs are placed by a force layout of the countries (pulled by their links and by their
UNESCO region), then pushed apart until none overlap. Hubs (UIL, national commissions,
clusters), which partner with every member, are left out of the layout and put on a ring
around it, each at the bearing of its partners.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from gnlc.graph.model import REGIONS

Point = tuple[float, float]
SPACING = 22.0  # canvas units between neighbouring nodes of a country disc
GOLDEN = math.pi * (3 - math.sqrt(5))


def _jitter(key: str) -> Point:
    """A fixed pseudo-random point in [-1, 1]^2 from a node id (no global random state)."""
    h = zlib.crc32(key.encode("utf-8"))
    return ((h & 0xFFFF) / 32767.5 - 1.0, ((h >> 16) & 0xFFFF) / 32767.5 - 1.0)


def force(
    ids: Sequence[str],
    pairs: Iterable[tuple[str, str]],
    *,
    weights: Sequence[float] | None = None,
    start: dict[str, Point] | None = None,
    iterations: int = 300,
) -> dict[str, Point]:
    """Fruchterman-Reingold positions (unit-free), with a weak pull to the centre so that parts
    without links stay near. No random numbers: the start comes from the node ids, so the
    same input always gives the same positions."""
    n = len(ids)
    if n == 0:
        return {}
    index = {nid: i for i, nid in enumerate(ids)}
    pl = [
        (index[a], index[b], w)
        for (a, b), w in zip(pairs, weights or _ones(), strict=False)
        if a in index and b in index and a != b
    ]
    src = np.array([p[0] for p in pl], dtype=np.intp)
    dst = np.array([p[1] for p in pl], dtype=np.intp)
    wt = np.array([p[2] for p in pl], dtype=float)
    start_xy = np.array([(start or {}).get(nid) or _jitter(nid) for nid in ids], dtype=float) * math.sqrt(n)
    x, y = start_xy[:, 0].copy(), start_xy[:, 1].copy()
    temp = math.sqrt(n) / 2
    for step in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        d2 = dx * dx + dy * dy + 1e-9
        np.fill_diagonal(d2, np.inf)
        inv = 1.0 / d2  # repulsion k^2/d along the unit vector, k = 1
        fx = (dx * inv).sum(1) - x * 0.05  # and a weak gravity
        fy = (dy * inv).sum(1) - y * 0.05
        if len(pl):
            ex, ey = x[src] - x[dst], y[src] - y[dst]
            pull = np.sqrt(ex * ex + ey * ey) * wt  # attraction d^2/k
            fx -= np.bincount(src, ex * pull, n) - np.bincount(dst, ex * pull, n)
            fy -= np.bincount(src, ey * pull, n) - np.bincount(dst, ey * pull, n)
        size = np.sqrt(fx * fx + fy * fy) + 1e-9
        move = np.minimum(size, temp) / size
        x += fx * move
        y += fy * move
        temp = max(0.02, math.sqrt(n) / 2 * (1 - step / iterations))
    return {nid: (float(x[i]), float(y[i])) for nid, i in index.items()}


def _ones() -> Iterable[float]:
    while True:
        yield 1.0


def scaled(pos: dict[str, Point], pairs: Iterable[tuple[str, str]], *, length: float = 90.0) -> dict[str, Point]:
    """Positions scaled so that the median link is ``length`` canvas units long."""
    d = sorted(math.dist(pos[a], pos[b]) for a, b in pairs if a in pos and b in pos and a != b)
    med = d[len(d) // 2] if d else 1.0
    k = length / (med or 1.0)
    return {nid: (round(x * k, 2), round(y * k, 2)) for nid, (x, y) in pos.items()}


def sunflower(n: int, spacing: float = SPACING) -> list[Point]:
    """``n`` points on a Vogel spiral: even spacing in a disc of radius ~ spacing*sqrt(n)."""
    return [
        (spacing * math.sqrt(i + 0.5) * math.cos(i * GOLDEN), spacing * math.sqrt(i + 0.5) * math.sin(i * GOLDEN))
        for i in range(n)
    ]


def _separate(centres: np.ndarray, radii: np.ndarray, rounds: int = 120) -> np.ndarray:
    """Push discs apart until none overlap (a gap of SPACING between them)."""
    x, y = centres[:, 0].copy(), centres[:, 1].copy()
    need = radii[:, None] + radii[None, :] + SPACING
    np.fill_diagonal(need, 0)
    for _ in range(rounds):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        dist = np.sqrt(dx * dx + dy * dy) + 1e-9
        over = np.clip(need - dist, 0, None)
        if over.max(initial=0) < 0.5:
            break
        push = over / dist * 0.3
        x += (dx * push).sum(1)
        y += (dy * push).sum(1)
    return np.stack([x, y], 1)


def grouped(
    groups: dict[str, list[str]], group_region: dict[str, str | None], group_links: dict[tuple[str, str], int]
) -> tuple[dict[str, Point], dict[str, tuple[Point, float]]]:
    """Node positions in country discs placed by a force layout of the countries.

    ``groups``: group id -> its node ids, most important first. Returns the node positions and,
    per group, its centre and radius."""
    keys = sorted(groups)
    regions = [f"region:{r}" for r in REGIONS] + ["region:none"]
    ids = regions + keys
    start = {
        r: (3 * math.cos(2 * math.pi * i / len(regions)), 3 * math.sin(2 * math.pi * i / len(regions)))
        for i, r in enumerate(regions)
    }
    pairs, weights = [], []
    for i, r in enumerate(regions):  # the regions on a loose ring
        pairs.append((r, regions[(i + 1) % len(regions)]))
        weights.append(0.5)
    for k in keys:
        region = f"region:{group_region.get(k) or 'none'}"
        sx, sy = start[region]
        jx, jy = _jitter(k)
        start[k] = (sx + jx, sy + jy)
        pairs.append((region, k))
        weights.append(2.0)
    for (a, b), n in sorted(group_links.items()):
        pairs.append((a, b))
        weights.append(min(4.0, 0.5 + math.log1p(n)))
    pos = force(ids, pairs, weights=weights, start=start, iterations=200)
    radii = np.array([SPACING * (math.sqrt(len(groups[k])) + 0.6) for k in keys])
    centres = np.array([pos[k] for k in keys], dtype=float)
    if len(keys) > 1:  # spread so that the discs take about a third of the area, then remove overlaps
        area = float((radii**2).sum()) * 3
        span = float(np.sqrt(((centres - centres.mean(0)) ** 2).sum(1)).max()) or 1.0
        centres = (centres - centres.mean(0)) * (math.sqrt(area) / span)
        centres = _separate(centres, radii)
    out: dict[str, Point] = {}
    discs: dict[str, tuple[Point, float]] = {}
    for k, (cx, cy), r in zip(keys, centres, radii, strict=True):
        discs[k] = ((round(float(cx), 2), round(float(cy), 2)), float(r))
        for nid, (x, y) in zip(groups[k], sunflower(len(groups[k])), strict=True):
            out[nid] = (round(float(cx) + x, 2), round(float(cy) + y, 2))
    return out, discs


def ring(hubs: Sequence[str], partners: dict[str, list[str]], pos: dict[str, Point]) -> dict[str, Point]:
    """Hubs on a ring around the laid-out nodes, each at the bearing of its partners' centre."""
    if not hubs:
        return {}
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    radius = max((math.dist((cx, cy), p) for p in pos.values()), default=100.0) + 3 * SPACING
    bearing = {}
    for h in hubs:
        pts = [pos[p] for p in partners.get(h, []) if p in pos]
        mx = sum(p[0] for p in pts) / len(pts) if pts else cx
        my = sum(p[1] for p in pts) / len(pts) if pts else cy
        far = math.dist((mx, my), (cx, cy)) > radius * 0.15
        bearing[h] = math.atan2(my - cy, mx - cx) if far else -math.pi / 2
    order = sorted(hubs, key=lambda h: (bearing[h], h))
    gap = min(2 * math.pi / len(order), 2.2 * SPACING / radius)
    angles: list[float] = []
    for h in order:
        a = bearing[h]
        angles.append(max(a, angles[-1] + gap) if angles else a)
    return {
        h: (round(cx + radius * math.cos(a), 2), round(cy + radius * math.sin(a), 2))
        for h, a in zip(order, angles, strict=True)
    }


def group_links(group_of: dict[str, str], pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for a, b in pairs:
        ga, gb = group_of.get(a), group_of.get(b)
        if ga and gb and ga != gb:
            out[(min(ga, gb), max(ga, gb))] += 1
    return dict(out)

"""A synthetic network for scale tests, deterministic from a seed, written in the
project's own file formats (cities.csv, organisations.csv, partnerships.csv, links.csv).

City-to-city links follow preferential attachment (a few hubs, many cities with few
links, as real twinning networks do); organisations partner with about 3 cities each.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from gnlc.errors import InputError
from gnlc.files import output
from gnlc.graph.model import LinkKind, OrgKind
from gnlc.loaders.regions import REGION_OF_COUNTRY

COUNTRIES = sorted(REGION_OF_COUNTRY)
LINK_KINDS = [k.value for k in LinkKind]
ORG_KINDS = [k.value for k in OrgKind if k not in (OrgKind.UIL, OrgKind.NATIONAL_COMMISSION)]


def generate(
    out_dir: Path, *, cities: int, seed: int = 42, links_per_city: float = 5.0, partners_per_org: int = 3
) -> dict[str, int]:
    """Write the four files; return the number of rows of each."""
    rng = random.Random(seed)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from None
    city_rows = [(f"Synthcity {i:06d}", rng.choice(COUNTRIES)) for i in range(cities)]
    links = _links(rng, cities, links_per_city)
    orgs = [(f"Synthorg {j:06d}", rng.choice(ORG_KINDS), rng.choice(COUNTRIES)) for j in range(cities // 2)]
    partners = {(j, c) for j in range(len(orgs)) for c in rng.sample(range(cities), min(partners_per_org, cities))}
    _write(
        out_dir / "cities.csv",
        ["name", "country", "population", "year_joined", "source_url"],
        [
            (n, c, rng.randint(10_000, 5_000_000), rng.choice([*range(2015, 2026), ""]), "synthetic")
            for n, c in city_rows
        ],
    )
    _write(
        out_dir / "organisations.csv",
        ["organisation", "kind", "country", "source_url"],
        [(*o, "synthetic") for o in orgs],
    )
    _write(
        out_dir / "partnerships.csv",
        ["organisation", "city", "country", "role", "since", "source_url"],
        [(orgs[j][0], *city_rows[c], "partner", rng.randint(2000, 2025), "synthetic") for j, c in sorted(partners)],
    )
    _write(
        out_dir / "links.csv",
        ["city_a", "country_a", "city_b", "country_b", "kind", "since", "source_url"],
        [(*city_rows[a], *city_rows[b], k, rng.randint(1950, 2025), "synthetic") for a, b, k in links],
    )
    return {"cities": cities, "organisations": len(orgs), "partnerships": len(partners), "links": len(links)}


def _links(rng: random.Random, n: int, per_city: float) -> list[tuple[int, int, str]]:
    """Preferential attachment: each new city links to m earlier ones, chosen in
    proportion to their degree; m is per_city / 2 on average (2 or 3 for 5), so the mean
    number of links per city is about per_city."""
    half = per_city / 2
    pool: list[int] = []
    seen: set[tuple[int, int]] = set()
    out = []
    for new in range(1, n):
        m = int(half) + (1 if rng.random() < half - int(half) else 0)
        chosen: set[int] = set()
        while len(chosen) < min(max(m, 1), new):
            chosen.add(rng.choice(pool) if pool and rng.random() < 0.9 else rng.randrange(new))
        for old in chosen:
            pair = (min(old, new), max(old, new))
            if pair not in seen:
                seen.add(pair)
                out.append((old, new, rng.choice(LINK_KINDS)))
        pool.extend(chosen)
        pool.extend([new] * len(chosen))
    return out


def _write(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    with output(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)

"""The vectorised recommender (gnlc.recommend with gnlc.candidates) ranks, scores and explains
exactly as the per-candidate computation it replaced (tests/recommend_scalar.py, which computes
each candidate's features one by one with gnlc.peers.feature_values and reads its pools from the
engine): on the bundled data (each engine) and on a generated network of 2,000 cities."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gnlc.candidates import round4
from gnlc.explore import Explorer
from gnlc.graph import cypher
from gnlc.graph.store import GraphStore
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate
from gnlc.peers import NetworkContext, haversine_km
from gnlc.recommend import recommend
from gnlc.schemas import Weights
from gnlc.settings import load_settings
from tests import recommend_scalar
from tests.conftest import engine_store

EVERY_FEATURE = Weights(
    common_neighbours=1,
    country_affinity=2,
    active_partner=0.5,
    shared_clusters=4,
    similar_size=0.7,
    same_region=0.3,
    other_region=0.2,
    mentor=1.5,
    three_steps=1,
    nearby=0.3,
    near_partners=0.6,
)


def same_answers(ex: Explorer, cities: list[str], **options: object) -> int:
    """Compare the two recommenders on each city; the number of candidates compared."""
    shown = 0
    for city in cities:
        new = recommend(ex, city, **options).model_dump()  # type: ignore[arg-type]
        old = recommend_scalar.recommend(ex, city, **options).model_dump()  # type: ignore[arg-type]
        assert new == old, city
        shown += len(new["candidates"])
    return shown


@pytest.fixture(scope="module")
def ex(loaded: GraphStore) -> Explorer:
    return Explorer(loaded)


def test_the_same_as_per_candidate_on_the_bundled_data(ex: Explorer) -> None:
    cities = sorted(r["id"] for r in ex.store.read(cypher.KNOWN_CITIES))
    sample = random.Random(20).sample(cities, 12)
    assert same_answers(ex, sample, limit=100, brokers=0) > 300
    assert same_answers(ex, sample[:6], limit=100, brokers=0, weights=EVERY_FEATURE) > 200
    assert same_answers(ex, sample[:5], limit=100, brokers=0, members_only=False, include_hubs=True) > 150
    assert same_answers(ex, ["ie-cork", "kr-suwon", "th-bangkok"], limit=10)  # with brokers


@pytest.fixture(scope="module")
def generated(session_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Explorer]:
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, cities=2000, seed=42)
    settings = load_settings(data_dir=session_data_dir, graph_name="r_" + uuid.uuid4().hex[:12])
    with engine_store("embedded", settings) as store:
        load_files(store, sorted(folder.glob("*.csv")))
        yield Explorer(store)


def test_the_same_as_per_candidate_on_a_generated_network(generated: Explorer) -> None:
    cities = sorted(r["id"] for r in generated.store.read(cypher.KNOWN_CITIES))
    sample = random.Random(42).sample(cities, 25)
    assert same_answers(generated, sample, limit=100, brokers=0) > 1500
    assert same_answers(generated, sample[:8], limit=100, brokers=0, weights=EVERY_FEATURE) > 400
    assert same_answers(generated, sample[:5], limit=50, brokers=0, members_only=False, include_hubs=True) > 150


def test_rounding_is_pythons() -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [rng.uniform(0, 50, 100_000), (np.arange(20_000) + 0.5) / 10_000, np.round(rng.uniform(0, 9, 1000), 5)]
    )
    assert round4(values).tolist() == [round(v, 4) for v in values.tolist()]


def test_nearest_places_are_those_of_a_full_scan_ties_by_id() -> None:
    rng = random.Random(5)
    coords = {f"c{i:04d}": (rng.uniform(-60, 70), rng.uniform(-180, 180)) for i in range(3000)}
    for i in range(40):  # a crowd at one place
        coords[f"d{i:04d}"] = (48.85, 2.35)
    ctx = NetworkContext(degree={}, country={}, status={}, pairs={}, coords=coords)
    for place in [(48.85, 2.35), *((rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(50))]:
        for k in (1, 10, 30):
            full = sorted(coords, key=lambda c: (haversine_km(place, coords[c]), c))[:k]
            assert ctx.near(place, k) == full

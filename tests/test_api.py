"""The HTTP API: every endpoint's happy path and errors, the OpenAPI schema, the rules
(API key for writes, CORS closed by default, bounded requests, 503 and recovery)."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from gnlc.graph.embedded import EmbeddedEngine
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore, open_store
from gnlc.settings import load_settings
from tests.conftest import REPO, drop_graph

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import create_app


@pytest.fixture(scope="module")
def client(loaded: GraphStore, session_data_dir: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(data_dir=session_data_dir), store=loaded)
    with TestClient(app) as c:
        yield c


def get(client: TestClient, url: str, status: int = 200) -> object:
    r = client.get(url)
    assert r.status_code == status, r.text
    return r.json()


# -- health ---------------------------------------------------------------------------------------
def test_health_and_ready(client: TestClient) -> None:
    assert get(client, "/health")["status"] == "ok"
    ready = get(client, "/ready")
    assert ready["status"] == "ready" and ready["cities"] > N_MEMBERS


# -- cities and organisations ------------------------------------------------------------------------
def test_cities_search_filter_and_pages(client: TestClient) -> None:
    page = get(client, "/cities?region=Africa&status=member&limit=5")
    assert page["count"] == N_AFRICA and len(page["data"]) == 5 and page["next_offset"] == 5
    assert get(client, "/cities?q=Medellin")["data"][0]["id"] == "co-medellin"
    assert get(client, "/cities?award_year=2015&limit=100")["count"] == 12
    assert get(client, "/cities?status=member&limit=1")["count"] == N_MEMBERS


@pytest.mark.parametrize(
    "url, field",
    [
        ("/cities?limit=5000", "limit"),
        ("/cities?offset=-1", "offset"),
        ("/cities?year_from=abc", "year_from"),
        ("/cities?status=king", "status"),
        ("/cities?region=Atlantis", "region"),
        ("/cities?country=Narnia", "country"),
        ("/paths?source=Cork", "target"),
        ("/paths?source=Cork&target=Okayama&max_hops=99", "max_hops"),
        ("/paths?source=Cork&target=Okayama&via=air", "via"),
        ("/cities/Cork/links?kind=friends", "kind"),
        ("/cities/Cork/neighbourhood?depth=3", "depth"),
        ("/cities/Cork/recommendations?mentor=-1", "mentor"),
        ("/cities/Cork/recommendations?limit=1000", "limit"),
        ("/stats/centrality?metric=fame", "metric"),
        ("/stats/members?by=planet", "by"),
        ("/export?format=pdf", "format"),
        ("/export?scope=neighbourhood", "city"),
        ("/cities/Cork/links?year=1066", "year"),
        ("/brokers?source=Cork&target=Cork", "target"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(client: TestClient, url: str, field: str) -> None:
    body = get(client, url, 422)
    text = json.dumps(body)
    assert field in text


def test_unknown_city_is_404_with_suggestions(client: TestClient) -> None:
    body = get(client, "/cities/Okayamaa-shi-x", 404)
    assert body["error"] == "NotFound" and any("jp-okayama" in s for s in body["suggestions"])
    for url in (
        "/cities/Nowhereville/links",
        "/paths?source=Nowhereville&target=Cork",
        "/brokers?source=Cork&target=Nowhereville",
        "/cities/Nowhereville/recommendations",
        "/cities/Nowhereville/eligibility",
        "/cities/Nowhereville/neighbourhood",
    ):
        assert get(client, url, 404)["error"] == "NotFound"
    assert get(client, "/organisations/shared?a=org-uil&b=Nothing%20Org", 404)["error"] == "NotFound"


def test_ambiguous_city_is_409_with_candidates(client: TestClient) -> None:
    body = get(client, "/cities/Brest", 409)
    assert len(body["suggestions"]) == 2
    assert get(client, "/cities/Brest?country=France")["city"]["id"] == "fr-brest"


def test_city_profile(client: TestClient) -> None:
    p = get(client, "/cities/Okayama")
    assert p["city"]["id"] == "jp-okayama" and p["awards"][0]["year"] == 2017
    assert p["degree"]["total"] == p["degree"]["links"] + p["degree"]["partners"]
    assert p["degree"]["links"] == sum(len(xs) for xs in p["links"].values())
    assert {"study_visit", "twinning"} <= set(p["links"])
    assert all(s.startswith("http") for s in p["sources"])


def test_organisations_bridges_and_shared(client: TestClient) -> None:
    orgs = get(client, "/organisations?kind=national_commission&limit=1000")
    assert orgs["count"] >= len({row["country"] for row in _members()})  # one derived per country, some sourced
    bridges = get(client, "/organisations/bridges?limit=3")
    assert bridges["data"][0]["organisation"]["id"] == "org-uil" and bridges["data"][0]["cities"] == N_MEMBERS
    shared = get(client, "/organisations/shared?a=org-uil&b=org-jp-national-commission-for-unesco")
    japan = get(client, "/cities?country=JP&status=member&limit=100")["data"]
    assert {s["city"]["id"] for s in shared} == {c["id"] for c in japan} and {"jp-okayama", "jp-taku"} <= {
        s["city"]["id"] for s in shared
    }


# -- links, paths, brokers, recommendations ---------------------------------------------------------------
def test_links_as_of_and_by_kind(client: TestClient) -> None:
    limerick = {r["city"]["id"] for r in get(client, "/cities/Limerick/links?year=2021")}
    assert "ie-cork" in limerick and "fi-espoo" not in limerick  # Limerick-Espoo ended in 2020
    twins = get(client, "/cities/Cork/links?kind=twinning")
    assert "fi-espoo" in {r["city"]["id"] for r in twins} and {r["link"]["kind"] for r in twins} == {"twinning"}
    both = get(client, "/cities/Cork/links?kind=twinning,peer_exchange")
    assert {r["link"]["kind"] for r in both} == {"twinning", "peer_exchange"}


def test_neighbourhood(client: TestClient) -> None:
    sub = get(client, "/cities/Cork/neighbourhood?depth=2&organisations=false")
    assert {"ie-cork", "ie-limerick", "fi-espoo", "jp-okayama"} <= {n["id"] for n in sub["nodes"]}
    assert all(n["label"] == "City" for n in sub["nodes"])


def test_paths_and_brokers(client: TestClient) -> None:
    res = get(client, "/paths?source=Okayama&target=Taku")
    assert not {n["id"] for p in res["paths"] for n in p["nodes"]} & {
        "org-jp-national-commission-for-unesco",
        "org-uil",
    }
    hubs = get(client, "/paths?source=Okayama&target=Taku&include_hubs=true")
    assert {p["nodes"][1]["id"] for p in hubs["paths"]} >= {"org-jp-national-commission-for-unesco", "org-uil"}
    none = get(client, "/paths?source=Cork&target=Taku&via=cities&max_hops=1")
    assert none["paths"] == [] and "no path" in none["note"]
    twins = get(client, "/paths?source=Cork&target=Okayama&kind=twinning")
    assert all(e["kind"] == "twinning" for p in twins["paths"] for e in p["edges"])
    b = get(client, "/brokers?source=Cork&target=Okayama")
    assert "fi-espoo" in {x["node"]["id"] for x in b["brokers"]} and not b["linked"]
    assert "org-uil" not in {x["node"]["id"] for x in b["brokers"]}


def test_recommendations_with_weights(client: TestClient) -> None:
    rec = get(client, "/cities/Cork/recommendations?limit=5")
    assert len(rec["candidates"]) == 5
    assert all(c["reasons"] for c in rec["candidates"])
    weighted = get(client, "/cities/Cork/recommendations?limit=5&mentor=10&brokers=0")
    assert weighted["weights"]["mentor"] == 10
    assert all(any(r["feature"] == "mentor" for r in c["reasons"]) for c in weighted["candidates"])
    assert all(c["brokers"] == [] for c in weighted["candidates"])


# -- analytics, eligibility, export ------------------------------------------------------------------------
def test_stats(client: TestClient) -> None:
    regions = {r["key"]: r["count"] for r in get(client, "/stats/members?by=region")}
    assert sum(regions.values()) == N_MEMBERS and regions["africa"] == N_AFRICA
    growth = get(client, "/stats/members?by=year")
    assert growth[-1]["total"] == N_MEMBERS
    assert get(client, "/stats/members?by=country")[0]["count"] >= 1
    assert len(get(client, "/stats/awards?year=2015")) == 12
    assert get(client, "/stats/centrality?metric=betweenness&limit=1")[0]["id"] == "org-uil"
    assert get(client, "/stats/network?scope=cities")["edges"] > 1000  # linked city pairs, each once
    com = get(client, "/stats/communities?limit=3")
    assert len(com) == 3 and com[0]["size"] >= com[1]["size"]


def test_eligibility(client: TestClient) -> None:
    assert get(client, "/cities/Okayama/eligibility")["verdict"] == "eligible"
    r = client.post(
        "/eligibility",
        json={"name": "Tiny", "population": 800, "elected_council": True, "mayor_endorsed": True, "kind": "village"},
    )
    assert r.status_code == 200 and r.json()["verdict"] == "not eligible"
    bad = client.post("/eligibility", json={"name": "X", "population": -5})
    assert bad.status_code == 422 and "population" in bad.text
    assert client.post("/eligibility", json={"population": 5}).status_code == 422


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_reads_back_in_networkx(client: TestClient, tmp_path: Path, fmt: str) -> None:
    r = client.get(f"/export?format={fmt}&scope=neighbourhood&city=Cork&depth=2")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / f"g.{fmt}"
    path.write_bytes(r.content)
    g = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    sub = get(client, "/cities/Cork/neighbourhood?depth=2")
    assert g.number_of_nodes() == len(sub["nodes"]) and g.number_of_edges() == len(sub["edges"])
    assert g.nodes["jp-okayama"]["name"] == "Okayama"


def test_export_whole_graph_as_csv_and_json(client: TestClient, loaded: GraphStore) -> None:
    r = client.get("/export?format=csv")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        nodes = zf.read("nodes.csv").decode().splitlines()
        edges = zf.read("edges.csv").decode().splitlines()
    counts = loaded.summary()
    assert len(nodes) - 1 == sum(counts["nodes"].values())
    assert len(edges) - 1 == sum(counts["relationships"].values())  # each symmetric link once
    data = client.get("/export?format=json&scope=paths&city=Cork&target=Okayama").json()
    assert {n["id"] for n in data["nodes"]} >= {"ie-cork", "jp-okayama"}


# -- the rules: OpenAPI, CORS, size bounds, injection, writes ----------------------------------------------
def test_openapi_schema_is_valid_and_every_endpoint_has_an_example(client: TestClient) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").json()
    validate(spec)
    missing = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            text = json.dumps({k: op.get(k) for k in ("parameters", "requestBody", "responses")})
            if '"example' not in text:
                missing.append(f"{method.upper()} {path}")
    assert missing == []
    assert len(spec["paths"]) >= 20


def test_cors_is_closed_by_default_and_configurable(loaded: GraphStore, session_data_dir: Path) -> None:
    closed = TestClient(create_app(load_settings(data_dir=session_data_dir), store=loaded))
    r = closed.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    open_ = TestClient(
        create_app(load_settings(data_dir=session_data_dir, cors_origins=["https://analyst.example"]), store=loaded)
    )
    r = open_.get("/health", headers={"Origin": "https://analyst.example"})
    assert r.headers["access-control-allow-origin"] == "https://analyst.example"
    r = open_.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_oversized_body_is_refused(client: TestClient) -> None:
    r = client.post("/eligibility", content=b"x" * (6 * 1024 * 1024), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "at most" in r.json()["message"]


def test_injection_strings_are_data(client: TestClient, loaded: GraphStore) -> None:
    before = loaded.summary()
    for s in ("'}) DETACH DELETE n //", "x` DETACH DELETE n", '" OR 1=1 --', "<img src=x onerror=alert(1)>"):
        assert client.get("/cities", params={"q": s}).status_code == 200
        assert client.get(f"/cities/{s}").status_code in (404, 422)
        assert client.get("/cities", params={"cluster": s}).json()["count"] == 0
    assert loaded.summary() == before


def test_writes_are_off_without_a_key(client: TestClient) -> None:
    r = client.post("/load?kind=links", content=b"city_a,city_b\n")
    assert r.status_code == 403 and "GNLC_API_KEY" in r.json()["message"]


def test_load_through_the_api_needs_the_key(store: GraphStore, session_data_dir: Path) -> None:
    settings = load_settings(data_dir=session_data_dir, api_key="s3cret-key")
    c = TestClient(create_app(settings, store=store))
    body = (REPO / "tests" / "data" / "partner_cities.csv").read_bytes()
    assert c.post("/load?filename=cities.csv", content=body).status_code == 401
    assert c.post("/load?filename=cities.csv", content=body, headers={"X-API-Key": "wrong"}).status_code == 401
    dry = c.post("/load?filename=cities.csv&dry_run=true", content=body, headers={"X-API-Key": "s3cret-key"})
    assert dry.status_code == 200 and dry.json()["dry_run"] and store.count(Label.CITY) == 0
    ok = c.post("/load?filename=cities.csv", content=body, headers={"X-API-Key": "s3cret-key"})
    assert ok.status_code == 200 and store.count(Label.CITY) == 9
    again = c.post("/load?filename=cities.csv", content=body, headers={"X-API-Key": "s3cret-key"})
    assert all(ch["created"] == 0 and ch["updated"] == 0 for ch in again.json()["changes"])
    bad = c.post(
        "/load?filename=links.csv&kind=links",
        content=b"city_a,country_a,city_b,country_b,kind\nAtlantis,Greece,Cork,Ireland,spaceship\n",
        headers={"X-API-Key": "s3cret-key"},
    )
    assert bad.status_code == 422 and "row 2" in bad.json()["message"]
    assert store.count(Label.CITY) == 9
    assert (
        c.post("/load?filename=../../etc/passwd", content=body, headers={"X-API-Key": "s3cret-key"}).status_code == 422
    )


def test_engine_down_is_503_and_the_api_recovers(own_engine_dir: Path) -> None:
    settings = load_settings(data_dir=own_engine_dir, graph_name="recover")
    engine = EmbeddedEngine(settings.engine_dir)
    c = TestClient(create_app(settings))
    down = c.get("/ready")
    assert down.status_code == 503 and "not running" in down.json()["message"]
    assert c.get("/cities").status_code == 503
    engine.ensure_running()
    assert c.get("/ready").status_code == 200
    engine.stop()
    r = c.get("/cities")
    assert r.status_code == 503 and "does not answer" in r.json()["message"]
    engine.ensure_running()
    assert c.get("/cities").status_code == 200
    s = open_store(settings)
    drop_graph(s)
    s.close()


def _members() -> list[dict[str, str]]:
    import csv

    rows: list[dict[str, str]] = []
    for name in ("gnlc_members.csv", "gnlc_members_added.csv"):
        with (REPO / "data" / "gnlc" / name).open(encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    return rows


N_MEMBERS = len(_members())
N_AFRICA = sum(1 for r in _members() if r["unesco_region"] == "Africa")

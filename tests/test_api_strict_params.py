"""A query parameter that an endpoint does not take (a misspelling, a guess) is a 422 naming it,
not silently ignored; every parameter the OpenAPI schema lists is still taken. /docs works
offline: its page loads Swagger UI from the package, never from a CDN."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gnlc.graph.store import GraphStore
from gnlc.settings import load_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import create_app

FILLERS = {"city": "Okayama", "kind": "city", "name": "Okayama"}


@pytest.fixture
def client(embedded_store: GraphStore, session_data_dir: Path) -> Iterator[TestClient]:
    settings = load_settings(data_dir=session_data_dir)
    with TestClient(create_app(settings, store=embedded_store), raise_server_exceptions=False) as c:
        yield c


def _get_operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(URL with example path values, example values of the required query parameters, every query name)."""
    out = []
    for path, ops in spec["paths"].items():
        if "get" not in ops:
            continue
        params = ops["get"].get("parameters", [])
        example = {p["name"]: (p["schema"].get("examples") or [FILLERS.get(p["name"], "x")])[0] for p in params}
        url = path.format(
            **{p["name"]: FILLERS.get(p["name"], example[p["name"]]) for p in params if p["in"] == "path"}
        )
        required = {p["name"]: example[p["name"]] for p in params if p["in"] == "query" and p["required"]}
        out.append((url, required, [p["name"] for p in params if p["in"] == "query"]))
    return out


@pytest.mark.parametrize(
    "url, params, unknown",
    [
        ("/cities", {"q": "Koeln", "limt": "5"}, "limt"),
        ("/cities/Okayama/links", {"yaer": "2019"}, "yaer"),
        ("/health", {"verbose": "1"}, "verbose"),
        ("/maps/network", {"colour": "red"}, "colour"),
    ],
)
def test_unknown_query_parameter_is_422_naming_it(client: TestClient, url: str, params: dict, unknown: str) -> None:
    r = client.get(url, params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "InvalidRequest"
    assert body["message"].startswith(f"query parameter {unknown!r}: not a parameter of GET "), body


def test_the_message_lists_what_the_endpoint_takes_and_every_unknown_name(client: TestClient) -> None:
    message = client.get("/cities", params={"colour": "red", "limt": "5", "limit": "5"}).json()["message"]
    assert "'colour'" in message and "'limt'" in message and "'limit'" not in message
    assert message.endswith(
        "(it takes: award_year, awarded, cluster, country, kind, limit, offset, q, region, status, year_from, year_to)"
    ), message
    assert client.get("/health", params={"x": "1"}).json()["message"].endswith("(it takes: no query parameters)")


def test_every_get_endpoint_refuses_an_unknown_parameter_and_takes_its_documented_ones(client: TestClient) -> None:
    operations = _get_operations(client.get("/openapi.json").json())
    assert len(operations) >= 20
    failures = []
    for url, required, names in operations:
        r = client.get(url, params={**required, "no_such_parameter": "1"})
        if r.status_code != 422 or "'no_such_parameter'" not in r.json().get("message", ""):
            failures.append(f"GET {url} with an unknown parameter: {r.status_code} {r.text[:160]}")
        for name in names:  # each documented parameter alone (with the required ones) passes this check
            r = client.get(url, params={**required, name: required.get(name, "1")})
            if r.status_code == 422 and "not a parameter of" in r.text:
                failures.append(f"GET {url} refuses its documented parameter {name!r}: {r.text[:160]}")
    assert failures == []


def test_docs_page_loads_only_local_assets_and_they_are_served(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "//" not in re.sub(r"<!--.*?-->", "", page.text), "an absolute URL (a CDN) in /docs"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert {a.rsplit("/", 1)[-1] for a in assets} == {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "favicon-32x32.png",
        "openapi.json",
    }
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200 and r.content, asset
    bundle = client.get(next(a for a in assets if a.endswith(".js"))).text
    assert "SwaggerUIBundle" in bundle


def test_docs_assets_ship_with_their_licence() -> None:
    import gnlc

    folder = Path(gnlc.__file__).parent / "static" / "swagger-ui"
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert (folder / "NOTICE").exists() and (folder / "swagger-ui-bundle.js.LICENSE.txt").exists()


def test_no_page_loads_from_a_cdn(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404  # FastAPI's ReDoc page would load its script from a CDN

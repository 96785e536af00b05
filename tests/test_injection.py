"""Every text parameter of every endpoint (from the OpenAPI schema, so a new endpoint is
covered without touching this file), with Cypher and HTML injection strings: no server
error, no change to the graph, no markup from the request in any HTML answer."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gnlc.graph.store import GraphStore
from gnlc.settings import load_settings
from tests.conftest import dump

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import create_app

CYPHER = [
    "'}) DETACH DELETE n //",
    '"}) DETACH DELETE n //',
    "x` DETACH DELETE n //",
    "Okayama' OR '1'='1",
    "') MATCH (n) DETACH DELETE n RETURN 1 //",
    "$name",
    "\\'}) RETURN 1 //",
    "*",
    ".*",
    "%00",
]
HTML = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(2)</script>",
    "javascript:alert(3)",
]
PAYLOADS = CYPHER + HTML
# Parameters that are read only with others: the export's `city` and `target` are ignored by its
# default scope (the whole graph, seconds to write each time); sent with a scope that reads them.
READS_IT = {
    ("/export", "query:city"): {("query", "scope"): "neighbourhood"},
    ("/export", "query:target"): {("query", "scope"): "paths", ("query", "city"): "Okayama"},
}
FILLERS = {
    "city": "Okayama",
    "source": "Okayama",
    "target": "Taku",
    "a": "org-uil",
    "b": "org-jp-national-commission-for-unesco",
    "name": "Japan",
    "kind": "country",
}


@pytest.fixture(scope="module")
def client(loaded: GraphStore, session_data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load_settings(data_dir=session_data_dir), store=loaded)) as c:
        yield c


def _is_text(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(
        o.get("type") == "string" or (o.get("type") == "array" and o.get("items", {}).get("type") == "string")
        for o in options
    )


def _targets(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, parameter, the other parameters' values) for every text parameter."""
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            valid = {}
            for p in params:
                if p["required"] or p["in"] == "path":
                    ex = p["schema"].get("examples") or [FILLERS.get(p["name"], "x")]
                    valid[(p["in"], p["name"])] = (
                        ex[0] if p["in"] != "path" or path != "/maps/{kind}/{name}" else FILLERS[p["name"]]
                    )
            for p in params:
                if _is_text(p["schema"]) and p["in"] in ("query", "path"):
                    target = f"{p['in']}:{p['name']}"
                    out.append((method, path, target, {**valid, **READS_IT.get((path, target), {})}))
            if method == "post" and path == "/eligibility":
                for field in ("name", "country", "kind"):
                    out.append((method, path, f"body:{field}", valid))
    return out


def _send(
    client: TestClient, method: str, path: str, target: str, valid: dict[tuple[str, str], Any], payload: str
) -> Any:
    where, name = target.split(":", 1)
    query = {n: v for (w, n), v in valid.items() if w == "query"}
    segments = {n: v for (w, n), v in valid.items() if w == "path"}
    if where == "query":
        query[name] = payload
    elif where == "path":
        segments[name] = payload
    url = path.format(**{k: _quote(str(v)) for k, v in segments.items()})
    if method == "post" and path == "/eligibility":
        body = {"name": "Chiang Mai", "country": "Thailand", "population": 127240}
        body[name] = payload
        return client.post(url, json=body)
    if method == "post":
        return client.post(url, params=query, content=b"name,country\n" + payload.encode() + b",France\n")
    return client.get(url, params=query)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_every_text_parameter_with_injection_strings(client: TestClient, loaded: GraphStore) -> None:
    spec = client.get("/openapi.json").json()
    targets = _targets(spec)
    assert len(targets) >= 40 and {t[1] for t in targets} >= {"/cities", "/paths", "/maps/paths", "/export", "/load"}
    before = dump(loaded)
    failures = []
    sent = 0
    for method, path, target, valid in targets:
        for payload in PAYLOADS:
            r = _send(client, method, path, target, valid, payload)
            sent += 1
            kind = r.headers.get("content-type", "")
            if r.status_code >= 500:
                failures.append(f"{method.upper()} {path} {target}={payload!r}: {r.status_code} {r.text[:200]}")
            elif "text/html" in kind and any(p in r.text for p in HTML):
                failures.append(f"{method.upper()} {path} {target}={payload!r}: markup from the request in the page")
            elif r.status_code >= 400 and "application/json" not in kind:
                failures.append(f"{method.upper()} {path} {target}={payload!r}: an error as {kind}")
    assert failures == []
    assert sent >= 400
    assert dump(loaded) == before


def test_injection_strings_find_nothing_and_match_nothing(client: TestClient) -> None:
    for payload in PAYLOADS:
        page = client.get("/cities", params={"q": payload, "limit": 200}).json()
        assert all(payload.lower() not in c["name"].lower() for c in page["data"])
        assert client.get("/organisations", params={"q": payload}).status_code == 200
    assert client.get("/cities", params={"q": "*"}).json()["count"] == 0  # a search word, not a wildcard

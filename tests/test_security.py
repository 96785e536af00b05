"""Security defaults: every request parameter and every answer bounded, bodies bounded
(also without a Content-Length), secrets in no message, repr or log."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnlc.graph.store import GraphStore
from gnlc.settings import load_settings
from tests.conftest import run_cli

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import MAX_BODY_BYTES, create_app

KEY = "k3y-that-must-never-be-seen-7f1c"
PASSWORD = "pa55word-that-must-never-be-seen-93d"


@pytest.fixture(scope="module")
def client(loaded: GraphStore, session_data_dir: Path) -> Iterator[TestClient]:
    settings = load_settings(data_dir=session_data_dir, api_key=KEY)
    with TestClient(create_app(settings, store=loaded)) as c:
        yield c


def test_every_parameter_is_bounded_in_the_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    unbounded = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                schema = p["schema"]
                for s in schema.get("anyOf", [schema]):
                    kind = s.get("type")
                    if kind == "string" and "enum" not in s and "maxLength" not in s:
                        unbounded.append(f"{method} {path} {p['name']}: string without maxLength")
                    if kind == "integer" and "maximum" not in s:
                        unbounded.append(f"{method} {path} {p['name']}: integer without maximum")
                    if kind == "number" and "maximum" not in s:
                        unbounded.append(f"{method} {path} {p['name']}: number without maximum")
                    if kind == "array" and "maxItems" not in s:
                        unbounded.append(f"{method} {path} {p['name']}: list without maxItems")
    assert unbounded == []


def test_every_list_answer_is_capped(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"] in ("limit", "max_nodes"):
                    assert p["schema"]["maximum"] <= {"limit": 1000, "max_nodes": 5000}[p["name"]], (path, p)
    assert client.get("/cities", params={"limit": 1001}).status_code == 422
    assert len(client.get("/cities", params={"limit": 1000}).json()["data"]) <= 1000


def test_bodies_are_bounded_with_or_without_a_length(client: TestClient) -> None:
    big = client.post("/load", content=b"x" * (MAX_BODY_BYTES + 1), headers={"X-API-Key": KEY})
    assert big.status_code == 413 and big.json()["error"] == "PayloadTooLarge"

    def chunks() -> Iterator[bytes]:
        yield b"name,country\n"
        yield b"Lyon,France\n"

    chunked = client.post("/load", content=chunks(), headers={"X-API-Key": KEY})
    assert chunked.status_code == 411 and "Content-Length" in chunked.json()["message"]
    long_query = client.get("/cities", params={"q": "x" * 201})
    assert long_query.status_code == 422 and "'q'" in long_query.json()["message"]


def test_the_key_is_in_no_answer_and_no_log(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [
        client.post(
            "/load?dry_run=true&filename=c.csv", content=b"name,country\nLyon,France\n", headers={"X-API-Key": key}
        )
        for key in (KEY, KEY + "x", "")
    ]
    assert [a.status_code for a in answers] == [200, 401, 401]
    for a in answers:
        assert KEY not in a.text
    assert KEY not in caplog.text
    settings = load_settings(api_key=KEY, engine="neo4j", neo4j_uri="neo4j://127.0.0.1:1", neo4j_password=PASSWORD)
    assert KEY not in repr(settings) and PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())


def test_the_password_is_in_no_cli_message() -> None:
    result = run_cli(
        "summary",
        env={
            "GNLC_ENGINE": "neo4j",
            "NEO4J_URI": "neo4j://127.0.0.1:1",
            "NEO4J_PASSWORD": PASSWORD,
            "GNLC_API_KEY": KEY,
        },
        timeout=120,
    )
    assert result.returncode == 3
    assert PASSWORD not in result.stdout + result.stderr and KEY not in result.stdout + result.stderr

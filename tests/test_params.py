"""A control character in any query or path parameter (every one in the OpenAPI schema, so a
new endpoint is covered without touching this file) is a 422 naming the parameter, never a
500 with the engine's parser error; text outside the control range is still read as text."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnlc.graph.store import GraphStore
from gnlc.settings import load_settings
from tests.test_injection import _send, _targets

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import create_app

CONTROLS = ["\x00", "Oka\x00yama", "a\x1bb", "tab\there", "line\nbreak", "\x7f", "\x85"]


@pytest.fixture
def client(embedded_store: GraphStore, session_data_dir: Path) -> Iterator[TestClient]:
    settings = load_settings(data_dir=session_data_dir, api_key="params-key")
    with TestClient(create_app(settings, store=embedded_store), raise_server_exceptions=False) as c:
        yield c


def test_every_parameter_with_a_control_character_is_422_naming_it(client: TestClient) -> None:
    targets = [t for t in _targets(client.get("/openapi.json").json()) if not t[2].startswith("body:")]
    assert len(targets) >= 40
    failures = []
    for method, path, target, valid in targets:
        where, name = target.split(":", 1)
        for value in CONTROLS:
            r = _send(client, method, path, target, valid, value)
            body = r.json() if "application/json" in r.headers.get("content-type", "") else {}
            expected = f"{where} parameter {name!r}: expected text without control characters"
            if r.status_code != 422 or expected not in body.get("message", "") or body.get("error") != "InvalidRequest":
                failures.append(f"{method.upper()} {path} {target}={value!r}: {r.status_code} {r.text[:160]}")
    assert failures == []


@pytest.mark.parametrize(
    "url, name", [("/cities", "kind"), ("/organisations", "kind"), ("/organisations/bridges", "kind")]
)
def test_nul_in_kind_names_the_parameter_and_the_position(client: TestClient, url: str, name: str) -> None:
    r = client.get(url, params={name: "muni\x00cipality"})
    assert r.status_code == 422
    assert r.json() == {
        "error": "InvalidRequest",
        "message": f"query parameter {name!r}: expected text without control characters; found U+0000 at position 5",
    }


def test_a_control_character_in_a_parameter_name_is_422(client: TestClient) -> None:
    r = client.get("/cities?k%00ind=x")
    assert r.status_code == 422 and "query parameter 'k\\x00ind'" in r.json()["message"]


@pytest.mark.parametrize("value", ["Köln", "岡山市", "Saint-Étienne", "x\u200dy", "'}) RETURN 1 //"])
def test_text_without_control_characters_is_not_refused(client: TestClient, value: str) -> None:
    assert client.get("/cities", params={"q": value}).status_code == 200

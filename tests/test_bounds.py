"""Bounded answers: a whole-graph export or a map over the settings' size is refused (422)
with how to ask for less; an upload is bounded by what it expands to (413, nothing written);
`gnlc serve` stops on SIGTERM within seconds even with a request in flight."""

from __future__ import annotations

import io
import json
import signal
import socket
import time
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnlc.graph.store import GraphStore
from gnlc.loaders.pipeline import load_files
from gnlc.settings import Settings, load_settings
from tests.conftest import DATA_ROOT, REPO, asgi_post, dump, live_api

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from gnlc.api.app import create_app

PEER_LINKS = REPO / "tests" / "data" / "peer_links.csv"
KEY = "bounds-key"


@pytest.fixture
def graph(embedded_store: GraphStore) -> Iterator[GraphStore]:
    load_files(embedded_store, [PEER_LINKS])
    yield embedded_store


def _client(store: GraphStore, data_dir: Path, **settings: object) -> TestClient:
    return TestClient(create_app(load_settings(data_dir=data_dir, api_key=KEY, **settings), store=store))


def test_the_whole_graph_export_over_the_limit_says_how_to_ask_for_less(
    graph: GraphStore, session_data_dir: Path
) -> None:
    small = _client(graph, session_data_dir, export_max_elements=20)
    r = small.get("/export", params={"format": "json"})
    assert r.status_code == 422 and r.json()["error"] == "AnswerTooLarge"
    message = r.json()["message"]
    assert message.startswith("the whole graph holds ") and "GNLC_EXPORT_MAX_ELEMENTS" in message
    assert "scope=neighbourhood" in message and "gnlc export" in message
    assert _client(graph, session_data_dir).get("/export", params={"format": "json"}).status_code == 200
    # a part under the limit is answered; a part over it is refused the same way
    part = _client(graph, session_data_dir, export_max_elements=10_000).get(
        "/export", params={"format": "json", "scope": "neighbourhood", "city": "Cork"}
    )
    assert part.status_code == 200, part.text


def test_a_map_over_the_limit_says_how_to_draw_less(graph: GraphStore, session_data_dir: Path) -> None:
    small = _client(graph, session_data_dir, map_max_elements=2)
    r = small.get("/maps/network")
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/json")
    assert "GNLC_MAP_MAX_ELEMENTS" in r.json()["message"] and "/maps/region/{name}" in r.json()["message"]
    country = small.get("/maps/country/Ireland")
    assert country.status_code == 422 and "the country map holds" in country.json()["message"]
    assert _client(graph, session_data_dir).get("/maps/network").status_code == 200


def test_the_default_limits_admit_the_bundled_world_twinning_network() -> None:
    """The network map draws every city and link (plus partner organisations); the export holds
    about two relationships per link and one per city besides. Counted from the data files."""
    twins = DATA_ROOT / "wikidata_twins"
    cities = sum(1 for _ in (twins / "cities_world.csv").open(encoding="utf-8")) - 1
    links = sum(1 for _ in (twins / "links_world.csv").open(encoding="utf-8")) - 1
    defaults = Settings()
    assert cities > 7_000 and links > 12_000
    assert cities + links + 1_000 <= defaults.map_max_elements  # 1,000: organisations and their partnerships
    assert 2 * cities + 2 * links <= defaults.export_max_elements


def _bomb(rows: int) -> bytes:
    """An XLSX whose sheet holds a header and ``rows`` empty rows: a few hundred kB zipped."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.worksheets[0]
    sheet.title = "cities"
    sheet.append(["name", "country"])
    plain = io.BytesIO()
    wb.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, data)
                continue
            head, _, tail = data.partition(b"</sheetData>")
            with dst.open("xl/worksheets/sheet1.xml", "w") as xml:
                xml.write(head)
                for _ in range(rows // 100_000):
                    xml.write(b"<row/>" * 100_000)
                xml.write(b"</sheetData>" + tail)
    return out.getvalue()


def test_an_xlsx_that_unzips_to_ten_million_rows_is_refused_before_it_is_read(
    graph: GraphStore, session_data_dir: Path
) -> None:
    body = _bomb(10_000_000)
    assert len(body) < 5 * 1024 * 1024  # under the body limit: only what it expands to is over
    before = dump(graph)
    r = _client(graph, session_data_dir).post("/load?filename=bomb.xlsx", content=body, headers={"X-API-Key": KEY})
    assert r.status_code == 413, r.text[:300]
    assert r.json()["message"].startswith("bomb.xlsx: unzips to ") and "GNLC_UPLOAD_MAX_BYTES" in r.json()["message"]
    # with the bytes bound out of the way, the rows bound stops it while the sheet streams by
    r = _client(graph, session_data_dir, upload_max_bytes=10**9).post(
        "/load?filename=bomb.xlsx", content=body, headers={"X-API-Key": KEY}
    )
    assert r.status_code == 413 and "more than 200,000 rows" in r.json()["message"], r.text[:300]
    assert dump(graph) == before


@pytest.mark.parametrize(
    "limit, content, expected",
    [
        ({"upload_max_rows": 3}, "name,country\nLyon,France\nKiel,Germany\nPorto,Portugal\n", "more than 3 rows"),
        ({"upload_max_cells": 5}, "name,country,population\nLyon,France,1\nKiel,Germany,2\n", "more than 5 cells"),
    ],
)
def test_text_uploads_are_bounded_in_rows_and_cells(
    graph: GraphStore, session_data_dir: Path, limit: dict[str, int], content: str, expected: str
) -> None:
    before = dump(graph)
    r = _client(graph, session_data_dir, **limit).post(
        "/load?filename=c.csv", content=content.encode(), headers={"X-API-Key": KEY}
    )
    assert r.status_code == 413 and expected in r.json()["message"] and "c.csv" in r.json()["message"]
    assert dump(graph) == before
    ok = _client(graph, session_data_dir).post(
        "/load?filename=c.csv", content=content.encode(), headers={"X-API-Key": KEY}
    )
    assert ok.status_code == 200, ok.text[:300]


def test_serve_stops_on_sigterm_within_seconds_with_a_request_in_flight() -> None:
    with live_api() as api:
        host, port = api.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as slow:
            # a request whose body never comes: the handler waits for it as long as the client likes
            slow.sendall(
                b"POST /load?filename=x.csv HTTP/1.1\r\nHost: t\r\nX-API-Key: "
                + api.api_key.encode()
                + b"\r\nContent-Length: 1000\r\n\r\nname,country\n"
            )
            time.sleep(1)
            assert api.proc.poll() is None
            api.proc.send_signal(signal.SIGTERM)
            api.proc.wait(timeout=30)  # a liveness bound: uvicorn's grace is 5 s


def test_a_request_past_its_time_budget_is_503_and_says_so(graph: GraphStore, session_data_dir: Path) -> None:
    """A load whose body never comes: only the budget (0.2 s here) can end the request."""
    import asyncio

    app = create_app(load_settings(data_dir=session_data_dir, api_key=KEY, request_budget_ms=200), store=graph)
    sent: list[dict[str, object]] = []

    async def never() -> dict[str, object]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = asgi_post("/load", "filename=x.csv", KEY, 100)
    asyncio.run(asyncio.wait_for(app(scope, never, send), timeout=60))  # a liveness bound
    assert sent[0]["status"] == 503
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))  # type: ignore[misc]
    assert body["error"] == "Timeout" and "GNLC_REQUEST_BUDGET_MS" in body["message"]
    assert _client(graph, session_data_dir).get("/health").status_code == 200

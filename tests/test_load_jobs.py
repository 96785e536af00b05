"""Loads through the API as jobs (POST /loads, GET and DELETE /loads/{id}): a finished job
reports its counts; a cancelled one leaves the graph exactly as it was (its export before and
after are equal), row by row and in bulk; a client that leaves POST /load cancels its load;
the API key rules of POST /load apply. On the real embedded engine; every wait has a deadline."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gnlc.api.app import create_app
from gnlc.api.jobs import LoadJobs
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate
from gnlc.settings import load_settings
from tests.conftest import REPO, asgi_post, dump

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

KEY = "jobs-key"
AUTH = {"X-API-Key": KEY}
CITIES = REPO / "tests" / "data" / "partner_cities.csv"
DEADLINE_S = 300  # a liveness bound on a busy machine, never a pause


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 cities and their ~7,500 links: seconds of validating, checks 1,000 rows apart."""
    out = tmp_path_factory.mktemp("net")
    generate(out, cities=3_000, seed=7)
    return out


@pytest.fixture
def api(embedded_store: GraphStore, session_data_dir: Path) -> Iterator[TestClient]:
    app = create_app(load_settings(data_dir=session_data_dir, api_key=KEY), store=embedded_store)
    with TestClient(app) as client:
        yield client


def wait_for(what: str, condition: Callable[[], Any]) -> Any:
    """The condition's first true value; fails after DEADLINE_S."""
    deadline = time.monotonic() + DEADLINE_S
    while not (value := condition()):
        assert time.monotonic() < deadline, f"waited {DEADLINE_S} s for {what}"
        time.sleep(0.01)
    return value


def job(api: TestClient, job_id: str) -> dict[str, Any]:
    r = api.get(f"/loads/{job_id}", headers=AUTH)
    assert r.status_code == 200, r.text
    return r.json()


def ended(api: TestClient, job_id: str) -> dict[str, Any]:
    return wait_for(
        "the job to end", lambda: (j := job(api, job_id))["state"] in ("finished", "failed", "cancelled") and j
    )


def export(api: TestClient) -> Any:
    r = api.get("/export?format=json")
    assert r.status_code == 200, r.text[:300]
    return r.json()


def test_a_finished_job_reports_its_counts(api: TestClient, embedded_store: GraphStore) -> None:
    r = api.post("/loads?filename=cities.csv", content=CITIES.read_bytes(), headers=AUTH)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/loads/{r.json()['id']}" and r.json()["state"] in (
        "queued",
        "running",
        "finished",
    )
    done = ended(api, r.json()["id"])
    assert done["state"] == "finished" and done["error"] is None and not done["cancellable"], done
    assert done["result"]["files"][0]["rows"] == 9 and done["result"]["files"][0]["loaded"] == 9
    assert {(c["name"], c["created"]) for c in done["result"]["changes"]} >= {("City", 9)}
    assert done["progress"]["rows_read"] == 9 and done["progress"]["phase"] == "done"
    assert embedded_store.count(Label.CITY) == 9
    assert [j["id"] for j in api.get("/loads", headers=AUTH).json()] == [done["id"]]
    late = api.delete(f"/loads/{done['id']}", headers=AUTH)
    assert late.status_code == 409 and "ended" in late.json()["message"]


def test_a_failed_job_says_why(api: TestClient) -> None:
    bad = b"city_a,country_a,city_b,country_b,kind\nAtlantis,Greece,Cork,Ireland,spaceship\n"
    r = api.post("/loads?filename=links.csv&kind=links", content=bad, headers=AUTH)
    done = ended(api, r.json()["id"])
    assert done["state"] == "failed" and done["error"]["status"] == 422 and "row 2" in done["error"]["message"]


def test_unknown_id_is_404(api: TestClient) -> None:
    for r in (api.get("/loads/0123456789abcdef", headers=AUTH), api.delete("/loads/nope", headers=AUTH)):
        assert r.status_code == 404 and r.json()["error"] == "UnknownLoad", r.text


def test_the_api_key_rules_of_post_load_apply(
    api: TestClient, embedded_store: GraphStore, session_data_dir: Path
) -> None:
    r = api.post("/loads?filename=cities.csv", content=CITIES.read_bytes(), headers=AUTH)
    job_id = r.json()["id"]
    for headers in ({}, {"X-API-Key": "wrong"}):
        assert api.post("/loads?filename=cities.csv", content=CITIES.read_bytes(), headers=headers).status_code == 401
        assert api.delete(f"/loads/{job_id}", headers=headers).status_code == 401
        assert api.get(f"/loads/{job_id}", headers=headers).status_code == 401
        assert api.get("/loads", headers=headers).status_code == 401
    assert ended(api, job_id)["state"] == "finished"  # the refused cancels did nothing
    off = TestClient(create_app(load_settings(data_dir=session_data_dir, api_key=None), store=embedded_store))
    assert off.delete(f"/loads/{job_id}", headers=AUTH).status_code == 403
    assert off.post("/loads", content=b"name,country\n", headers=AUTH).status_code == 403


def test_cancel_a_running_load_row_by_row(api: TestClient, embedded_store: GraphStore, network: Path) -> None:
    load_files(embedded_store, [network / "cities.csv"])
    before, dumped = export(api), dump(embedded_store)
    r = api.post("/loads?filename=links.csv", content=(network / "links.csv").read_bytes(), headers=AUTH)
    job_id = r.json()["id"]
    running = wait_for("rows validated", lambda: (j := job(api, job_id))["progress"]["rows_validated"] > 0 and j)
    assert running["state"] == "running" and running["cancellable"]
    cancel = api.delete(f"/loads/{job_id}", headers=AUTH)
    assert cancel.status_code == 202 and cancel.json()["state"] in ("cancelling", "cancelled"), cancel.text
    done = ended(api, job_id)
    assert done["state"] == "cancelled" and done["error"]["error"] == "LoadCancelled", done
    assert done["progress"]["rows_written"] == 0 and done["result"] is None
    assert export(api) == before and dump(embedded_store) == dumped


def test_cancel_a_first_load_in_bulk_undoes_it(api: TestClient, embedded_store: GraphStore, network: Path) -> None:
    before = export(api)
    r = api.post("/loads?filename=cities.csv", content=(network / "cities.csv").read_bytes(), headers=AUTH)
    job_id = r.json()["id"]
    wait_for("the file read", lambda: job(api, job_id)["progress"]["rows_read"] > 0)
    assert api.delete(f"/loads/{job_id}", headers=AUTH).status_code == 202
    assert ended(api, job_id)["state"] == "cancelled"
    assert export(api) == before and embedded_store.is_empty()


def test_a_queued_job_is_cancelled_at_once(embedded_store: GraphStore, network: Path) -> None:
    """Jobs run one after another: the second waits, and its cancel needs no check to reach it."""
    from gnlc.api.jobs import Upload

    started = []
    jobs = LoadJobs(lambda upload, control: started.append(upload.filename) or {})
    first = jobs.submit(Upload(b"x", "a.csv", None, False))
    second = jobs.submit(Upload(b"x", "b.csv", None, False))
    second.cancel()
    wait_for("the first job", lambda: first.ended)
    assert second.state == "cancelled" and "b.csv" not in started


def test_a_client_that_leaves_post_load_cancels_its_load(
    embedded_store: GraphStore, session_data_dir: Path, network: Path
) -> None:
    load_files(embedded_store, [network / "cities.csv"])
    dumped = dump(embedded_store)
    app = create_app(load_settings(data_dir=session_data_dir, api_key=KEY), store=embedded_store)
    body = (network / "links.csv").read_bytes()
    messages = iter([{"type": "http.request", "body": body, "more_body": False}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if (first := next(messages, None)) is not None:
            return first
        deadline = time.monotonic() + DEADLINE_S
        while not any(j.control.rows_validated for j in app.state.services.load_jobs().all()):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        return {"type": "http.disconnect"}  # the client leaves while its load is validating

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = asgi_post("/load", "filename=links.csv", KEY, len(body))
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=DEADLINE_S))
    (only,) = app.state.services.load_jobs().all()
    assert only.state == "cancelled" and sent[0]["status"] == 409
    assert dump(embedded_store) == dumped


def test_the_python_api_takes_a_control(embedded_store: GraphStore) -> None:
    from gnlc.client import Gnlc
    from gnlc.errors import LoadCancelled
    from gnlc.loaders.control import LoadControl

    g = Gnlc(store=embedded_store)
    control = LoadControl()
    assert control.cancel()
    with pytest.raises(LoadCancelled, match="the graph is as it was"):
        g.load([CITIES], control=control)
    assert embedded_store.is_empty()
    control = LoadControl()
    g.load([CITIES], control=control)
    assert embedded_store.count(Label.CITY) == 9 and control.rows_read == 9 and not control.cancel()  # past it


def test_a_file_that_cannot_be_read_is_refused_before_it_is_queued(api: TestClient) -> None:
    r = api.post("/loads?filename=links.csv", content=b'[{"a": 1}, {}]', headers=AUTH)
    assert r.status_code == 422 and "links.csv" in r.json()["message"], r.text
    assert api.get("/loads", headers=AUTH).json() == []


def test_a_wrong_method_names_every_method_of_the_path(api: TestClient) -> None:
    for path, methods in (("/loads", {"GET", "POST"}), ("/loads/0123", {"GET", "DELETE"})):
        r = api.request("PUT", path, headers=AUTH)
        assert r.status_code == 405 and methods <= set(r.headers["allow"].split(", ")), r.headers


def test_the_list_keeps_the_last_finished_and_bounds_the_unfinished() -> None:
    from gnlc.api.jobs import KEEP_FINISHED, MAX_UNFINISHED, TooManyLoads, Upload

    jobs = LoadJobs(lambda upload, control: {})
    for i in range(KEEP_FINISHED + 5):
        job = jobs.submit(Upload(b"x", f"{i}.csv", None, False))
        wait_for("the job to end", lambda job=job: job.ended)
    wait_for("the oldest forgotten", lambda: len(jobs.all()) == KEEP_FINISHED)
    assert [j.filename for j in jobs.all()][-1] == "5.csv"  # newest first: the first five are gone

    release = threading.Event()
    held = LoadJobs(lambda upload, control: release.wait(DEADLINE_S) and {})
    for i in range(MAX_UNFINISHED):
        held.submit(Upload(b"x", f"{i}.csv", None, False))
    with pytest.raises(TooManyLoads):
        held.submit(Upload(b"x", "one-more.csv", None, False))
    release.set()


def test_post_load_past_its_time_budget_is_cancelled(
    embedded_store: GraphStore, session_data_dir: Path, network: Path
) -> None:
    """The budget (10 ms, the least allowed) is far below the work (validating 7,500 links rows takes
    seconds), so the load is cancelled, never left writing in the background behind the 503. What the
    clock decides is only when the 503 is ready: before the handler has read the body, a real client's
    server would end the request with no load at all. The client's side of the connection here takes
    the 503 once the handler's own budget has cancelled its load, so every run checks that cancel."""
    load_files(embedded_store, [network / "cities.csv"])
    dumped = dump(embedded_store)
    budget_ms = 10
    app = create_app(
        load_settings(data_dir=session_data_dir, api_key=KEY, request_budget_ms=budget_ms), store=embedded_store
    )
    jobs = app.state.services.load_jobs()
    body = (network / "links.csv").read_bytes()
    sent: list[dict[str, Any]] = []

    messages = iter([{"type": "http.request", "body": body, "more_body": False}])

    async def receive() -> dict[str, Any]:
        if (first := next(messages, None)) is not None:
            return first
        await asyncio.Event().wait()  # the client stays: only the budget stops the load
        raise AssertionError("never set")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            deadline = time.monotonic() + DEADLINE_S
            while not any(j.control.cancel_requested or j.ended for j in jobs.all()):
                assert time.monotonic() < deadline, "no load was cancelled"
                await asyncio.sleep(0.01)
        sent.append(message)

    async def request_then_wait_for_the_load() -> None:
        scope = asgi_post("/load", "filename=links.csv", KEY, len(body))
        scope["asgi"]["spec_version"] = "2.4"  # no response that reads the request to hear the client leave
        await app(scope, receive, send)
        deadline = time.monotonic() + DEADLINE_S
        while not all(j.ended for j in jobs.all()):  # the handler, past its 503, sees its load end
            assert time.monotonic() < deadline, "the load did not stop"
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(request_then_wait_for_the_load(), timeout=DEADLINE_S))
    assert sent[0]["status"] == 503, sent
    answer = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert answer["error"] == "Timeout" and "GNLC_REQUEST_BUDGET_MS" in answer["message"], answer
    (only,) = jobs.all()
    public = only.public()
    assert public.state == "cancelled" and public.error is not None, public
    assert public.error.error == "LoadCancelled" and public.progress.rows_written == 0, public
    message = public.error.message
    assert f"POST /load's time budget of {budget_ms} ms (GNLC_REQUEST_BUDGET_MS) was spent" in message, message
    assert message.endswith("the graph is as it was"), message
    assert dump(embedded_store) == dumped

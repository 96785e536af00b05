"""Concurrent loads and reads do not corrupt the graph: two loads at once (different files,
and the same file twice) while readers ask questions end in exactly the graph of the same
loads one after the other, and every read meanwhile answers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gnlc.explore import Explorer
from gnlc.graph.store import GraphStore, open_store
from gnlc.settings import load_settings
from tests.conftest import cli, dump

pytestmark = pytest.mark.slow


def _load(data_dir: Path, graph: str, *files: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GNLC_", "NEO4J_"))}
    env.update({"GNLC_DATA_DIR": str(data_dir), "GNLC_GRAPH": graph})
    return subprocess.Popen(
        [sys.executable, "-c", "from gnlc.cli.main import run; run()", "load", *map(str, files)],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_concurrent_loads_and_reads_end_in_the_sequential_graph(own_engine_dir: Path, tmp_path: Path) -> None:
    net = tmp_path / "net"
    assert cli("generate", "--out", str(net), "--cities", "1500", "--seed", "11").returncode == 0
    cities, orgs, partners, links = (
        net / f for f in ("cities.csv", "organisations.csv", "partnerships.csv", "links.csv")
    )
    env = {"GNLC_DATA_DIR": str(own_engine_dir)}
    for graph in ("sequential", "together"):
        assert cli("load", str(cities), env={**env, "GNLC_GRAPH": graph}).returncode == 0
    for files in ((orgs, partners), (links,)):  # one after the other: in this process
        seq = cli("load", *map(str, files), env={**env, "GNLC_GRAPH": "sequential"})
        assert seq.returncode == 0, seq.stderr

    store = open_store(load_settings(data_dir=own_engine_dir, graph_name="together"))
    ex = Explorer(store)
    ids = [c.id for c in ex.cities(limit=200).data]
    stop = threading.Event()
    reads: list[int] = []
    failures: list[str] = []

    def reader(offset: int) -> None:
        i = offset
        while not stop.is_set():
            city = ids[i % len(ids)]
            try:
                ex.profile(city)
                ex.neighbourhood(city, depth=2)
                ex.brokers(city, ids[(i + 7) % len(ids)])
                reads.append(1)
            except Exception as exc:  # noqa: BLE001 - every failure is collected and shown
                failures.append(f"{city}: {type(exc).__name__}: {exc}")
            i += 1

    threads = [threading.Thread(target=reader, args=(k * 50,)) for k in range(3)]
    for t in threads:
        t.start()
    jobs = [(orgs, partners), (links,), (links,)]
    loads = [_load(own_engine_dir, "together", *files) for files in jobs]
    outcomes = [(p.wait(timeout=600), p.stderr.read() if p.stderr else "") for p in loads]
    stop.set()
    for t in threads:
        t.join()
    assert failures == []
    assert len(reads) > 10
    assert any("is running: waiting for it to finish" in err for _, err in outcomes), outcomes
    for code, err in outcomes:
        assert "Traceback" not in err
        assert code == 0 or "run the same load again" in err or "uniqueness" in err, err
    for files, (code, _) in zip(jobs, outcomes, strict=True):  # a load refused by a concurrent one: run it again
        if code != 0:
            assert _load(own_engine_dir, "together", *files).wait(timeout=600) == 0
    with open_store(load_settings(data_dir=own_engine_dir, graph_name="sequential")) as s:
        expected = dump(s)
    got = dump(store)
    store.close()
    if got != expected:
        from collections import Counter

        for part, (a, b) in enumerate(zip(got, expected, strict=True)):
            extra, missing = Counter(a) - Counter(b), Counter(b) - Counter(a)
            assert not extra and not missing, (part, list(extra.items())[:5], list(missing.items())[:5], outcomes)


def test_a_second_load_waits_for_the_first(embedded_store: GraphStore, tmp_path: Path) -> None:
    from gnlc.loaders.pipeline import load_files

    path = tmp_path / "c.csv"
    path.write_text("name,country\nLyon,France\n")
    heard: list[str] = []
    done = threading.Event()
    with embedded_store.load_lock():
        t = threading.Thread(target=lambda: (load_files(embedded_store, [path], on_wait=heard.append), done.set()))
        t.start()
        t.join(timeout=2)
        assert not done.is_set() and embedded_store.count("City") == 0  # held off while the first load runs
        assert heard == [f"another load into graph {embedded_store.graph_name!r} is running: waiting for it to finish"]
    t.join(timeout=60)
    assert done.is_set() and embedded_store.count("City") == 1

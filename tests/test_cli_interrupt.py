"""`gnlc load` (and `gnlc demo`) stopped by Ctrl-C (SIGINT) or SIGTERM: a real child process on the real embedded
engine, signalled once it says which phase its load is in. A first load in bulk leaves the graph
as it was; a load writing row by row stops after the batch being written, says how many batches
are in the graph and that the same command completes it, which it does (the graph then equals a
load never interrupted). Exit code 128 + the signal's number, one message, no traceback.

Each signal is sent when the load starts a phase that lasts far longer than a signal takes to
arrive (validating thousands of rows; writing several batches of 5,000): the tests assume that,
and nothing else about the clock."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gnlc.graph.store import GraphStore, open_store
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate
from gnlc.settings import load_settings
from tests.conftest import cli, drop_graph, dump

DEADLINE_S = 300  # a liveness bound on a busy machine, never a pause


@dataclass
class Child:
    """`gnlc load` in a child process, its stderr read line by line as it comes."""

    proc: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def wait_for(self, start: str) -> None:
        """Until the child says a line starting with ``start``; fails if it ends first."""
        deadline = time.monotonic() + DEADLINE_S
        while not any(line.startswith(start) for line in self.seen):
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line != "", f"the load ended before it said {start!r}:\n" + "".join(self.seen)
            self.seen.append(line)

    def end(self) -> tuple[int, str]:
        """Its exit code and everything it said on stderr."""
        code = self.proc.wait(timeout=DEADLINE_S)
        while (line := self.lines.get(timeout=DEADLINE_S)) != "":
            self.seen.append(line)
        return code, "".join(self.seen)


def start_load(env: dict[str, str], *files: Path) -> Child:
    return start_cli(env, "load", *map(str, files))


def start_cli(env: dict[str, str], *args: str) -> Child:
    """`gnlc ARGS` in a child process, its stderr read as it comes."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GNLC_", "NEO4J_"))} | env
    proc = subprocess.Popen(  # noqa: S603 - this interpreter, the project's CLI
        [sys.executable, "-c", "from gnlc.cli.main import run; run()", *args],
        env=full_env | {"COLUMNS": "200"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    child = Child(proc)

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            child.lines.put(line)
        child.lines.put("")

    threading.Thread(target=pump, daemon=True, name="gnlc-load-stderr").start()
    return child


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 cities and their ~5,000 links: a second or more of validating and planning in bulk."""
    out = tmp_path_factory.mktemp("net")
    generate(out, cities=2_000, seed=12)
    return out


@pytest.fixture(scope="module")
def small_network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """500 cities and their ~1,250 links: one batch to write row by row."""
    out = tmp_path_factory.mktemp("small")
    generate(out, cities=500, seed=12)
    return out


@pytest.fixture(scope="module")
def big_network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 cities and their ~15,000 links: three batches of 5,000 to write row by row."""
    out = tmp_path_factory.mktemp("big")
    generate(out, cities=6_000, seed=12)
    return out


@pytest.fixture
def graph(session_data_dir: Path) -> Iterator[tuple[dict[str, str], GraphStore]]:
    """A graph of its own on the session's engine: the child's environment, and a store on it."""
    name = "i_" + uuid.uuid4().hex[:12]
    store = open_store(load_settings(data_dir=session_data_dir, graph_name=name))
    store.apply_schema()
    try:
        yield {"GNLC_DATA_DIR": str(session_data_dir), "GNLC_GRAPH": name}, store
    finally:
        drop_graph(store)
        store.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_first_load_in_bulk_leaves_the_graph_as_it_was(
    graph: tuple[dict[str, str], GraphStore], network: Path, sig: signal.Signals
) -> None:
    env, store = graph
    child = start_load(env, network / "cities.csv", network / "links.csv")
    child.wait_for("validating")  # then the bulk plan is built, and created: cancelled, or undone
    child.proc.send_signal(sig)
    code, said = child.end()
    assert code == 128 + sig, said
    assert "Traceback" not in said and "error:" not in said, said
    assert f"the load was interrupted by {sig.name}" in said and said.rstrip().endswith("the graph is as it was"), said
    assert store.is_empty() and store.summary() == {"nodes": {}, "relationships": {}}


@pytest.mark.slow  # half a minute or more: 15,000 links validated twice (stopped, rerun) and checked a third time
def test_an_interrupted_load_row_by_row_stops_after_a_batch_and_the_same_command_completes_it(
    graph: tuple[dict[str, str], GraphStore], big_network: Path
) -> None:
    env, store = graph
    network = big_network
    load_files(store, [network / "cities.csv"])
    before = store.summary()
    child = start_load(env, network / "links.csv")
    child.wait_for("writing row by row")
    child.proc.send_signal(signal.SIGINT)
    code, said = child.end()
    assert code == 130, said
    assert "Traceback" not in said and "error:" not in said, said
    stopped = re.search(r"interrupted by SIGINT after (\d+) batch\(es\) written row by row \(([\d,]+) nodes", said)
    assert stopped, said
    assert "Run the same load again to complete it" in said, said
    batches, rows = int(stopped.group(1)), int(stopped.group(2).replace(",", ""))
    links = sum(1 for _ in (network / "links.csv").open()) - 1
    assert batches >= 1 and rows == 5_000 * batches < links, said  # batches of 5,000 links, some not written
    assert store.summary()["relationships"].get("LINKED_TO") == rows  # the batches said, whole
    assert store.summary()["nodes"] == before["nodes"]

    rerun = cli("load", str(network / "links.csv"), env=env)
    assert rerun.returncode == 0, rerun.stderr
    counts = re.search(r"LINKED_TO\W+(\d+)\W+(\d+)\W+(\d+)", rerun.stdout)  # created, updated, unchanged
    assert counts and int(counts.group(1)) == links - rows, rerun.stdout
    assert sum(map(int, counts.groups())) == links, rerun.stdout
    assert store.summary()["relationships"]["LINKED_TO"] == links
    again = load_files(store, [network / "links.csv"])  # complete, content hashes too: every row taken as loaded
    assert again.write.changed() == 0 and again.files[0].unchanged == links
    # (that the graph is then exactly that of a load never stopped: the test below, in-process)


def test_a_stop_past_the_point_of_no_return_ends_after_the_batch_being_written(
    graph: tuple[dict[str, str], GraphStore], small_network: Path, session_data_dir: Path
) -> None:
    """What a signal does to a load writing row by row, without a clock: stopped as it starts writing,
    the load ends after its first batch (LoadInterrupted), with no content hash yet; run again, it
    completes, and the graph is that of a load never stopped."""
    from gnlc.loaders.control import LoadControl, LoadInterrupted

    _, store = graph
    network = small_network
    load_files(store, [network / "cities.csv"])
    control = LoadControl(on_phase=lambda c: c.phase == "writing" and c.stop("interrupted by a test"))
    with pytest.raises(LoadInterrupted, match=r"interrupted by a test after 1 batch\(es\) written row by row"):
        load_files(store, [network / "links.csv"], control=control)
    assert control.batches_written == 1 and store.summary()["relationships"]["LINKED_TO"] == control.rows_written
    again = load_files(store, [network / "links.csv"])
    assert sum(f.unchanged for f in again.files) == 0  # no row was taken as done: no hash was written
    reference = open_store(load_settings(data_dir=session_data_dir, graph_name="r_" + uuid.uuid4().hex[:12]))
    try:
        reference.apply_schema()
        load_files(reference, [network / "cities.csv"])
        load_files(reference, [network / "links.csv"])
        assert dump(store) == dump(reference)
    finally:
        drop_graph(reference)
        reference.close()


def test_an_interrupted_demo_leaves_the_graph_as_it_was(graph: tuple[dict[str, str], GraphStore]) -> None:
    """`gnlc demo` stops as `gnlc load` does (SIGINT only: SIGTERM takes the same handler), signalled
    while it validates the bundled rows: its first load in bulk is cancelled or undone."""
    env, store = graph
    child = start_cli(env, "demo")
    child.wait_for("validating")
    child.proc.send_signal(signal.SIGINT)
    code, said = child.end()
    assert code == 130, said
    assert "Traceback" not in said and "error:" not in said, said
    assert "the load was interrupted by SIGINT" in said and said.rstrip().endswith("the graph is as it was"), said
    assert store.is_empty() and store.summary() == {"nodes": {}, "relationships": {}}

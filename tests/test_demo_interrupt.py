"""`gnlc demo` stopped by Ctrl-C (SIGINT), as `gnlc load` is (tests/test_cli_interrupt.py):
a real child process on the real embedded engine, signalled once it says it is validating the bundled
rows. Its first load in bulk is cancelled or undone: exit code 128 + the signal's number, one message,
no traceback, and the graph as it was (empty)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnlc.graph.store import GraphStore, open_store
from gnlc.settings import load_settings
from tests.conftest import drop_graph
from tests.test_cli_interrupt import Child


def start_demo(env: dict[str, str]) -> Child:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GNLC_", "NEO4J_"))} | env
    proc = subprocess.Popen(  # noqa: S603 - this interpreter, the project's CLI
        [sys.executable, "-c", "from gnlc.cli.main import run; run()", "demo"],
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

    threading.Thread(target=pump, daemon=True, name="gnlc-demo-stderr").start()
    return child


@pytest.fixture
def graph(session_data_dir: Path) -> Iterator[tuple[dict[str, str], GraphStore]]:
    name = "d_" + uuid.uuid4().hex[:12]
    store = open_store(load_settings(data_dir=session_data_dir, graph_name=name))
    store.apply_schema()
    try:
        yield {"GNLC_DATA_DIR": str(session_data_dir), "GNLC_GRAPH": name}, store
    finally:
        drop_graph(store)
        store.close()


def test_an_interrupted_demo_leaves_the_graph_as_it_was(graph: tuple[dict[str, str], GraphStore]) -> None:
    """SIGINT only: SIGTERM takes the same handler (`gnlc load`'s tests send both)."""
    env, store, sig = *graph, signal.SIGINT
    child = start_demo(env)
    child.wait_for("validating")  # thousands of bundled rows, then the plan in bulk: cancelled, or undone
    child.proc.send_signal(sig)
    code, said = child.end()
    assert code == 128 + sig, said
    assert "Traceback" not in said and "error:" not in said, said
    assert f"the load was interrupted by {sig.name}" in said and said.rstrip().endswith("the graph is as it was"), said
    assert store.is_empty() and store.summary() == {"nodes": {}, "relationships": {}}

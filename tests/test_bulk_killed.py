"""The embedded engine: a first load in bulk stopped between two of its ``GRAPH.BULK`` calls with
nothing to undo it (kill -9 of the loading process), then the same load run again, gives exactly
the graph of a clean single load. ``GRAPH.BULK`` carries the rows' content hashes with what it
creates, so the stopped load leaves hashes on part of the graph; no load has finished on that
graph (it has no change counter), so the rerun trusts none of them and builds every row again.
Before, the rerun took the hashed rows as loaded: 15,000 PARTNERS_WITH of 33,212 and no link after
a 10,000-city load killed between two calls.

The kill is made deterministic in-process: the bulk calls stop after the second that carries
relationships, and the
clean-up that a kill -9 would never reach (emptying the graph) is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gnlc.graph import falkor, falkor_bulk
from gnlc.graph.falkor import FalkorStore
from gnlc.graph.store import GraphStore
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate
from tests.conftest import dump

FILES = ("cities.csv", "organisations.csv", "partnerships.csv", "links.csv")
CALLS_WITH_RELATIONSHIPS = 2  # sent before the kill (nodes come first)


class Killed(BaseException):
    """Stands for the kill: nothing after it runs in the loading process."""


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("net")
    generate(out, cities=300, seed=5)
    return [out / f for f in FILES]


def test_a_first_load_in_bulk_killed_between_its_calls_then_run_again_is_a_clean_load(
    embedded_store: GraphStore, network: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(embedded_store, FalkorStore)
    assert load_files(embedded_store, network).path == "bulk"
    clean_summary, clean_dump = embedded_store.summary(), dump(embedded_store)
    embedded_store.clear()
    embedded_store.apply_schema()

    monkeypatch.setattr(falkor_bulk, "MAX_CALL_BYTES", 16 * 1024)  # many small calls
    real_calls = falkor_bulk.bulk_calls

    def stopping(*args: Any) -> Iterator[tuple[list[Any], int]]:
        with_rels = 0
        for call in real_calls(*args):
            if with_rels == CALLS_WITH_RELATIONSHIPS:
                raise Killed
            with_rels += call[0][1] > 0  # the call's count of relationships
            yield call

    monkeypatch.setattr(falkor, "bulk_calls", stopping)
    monkeypatch.setattr(embedded_store, "clear", lambda: None)  # a kill -9 undoes nothing
    with pytest.raises(Killed):
        load_files(embedded_store, network)
    monkeypatch.undo()
    killed = embedded_store.summary()
    stored, expected = sum(killed["relationships"].values()), sum(clean_summary["relationships"].values())
    assert 0 < stored < expected, "not stopped half-way: no test"
    assert embedded_store.change_token() is None

    rerun = load_files(embedded_store, network)
    assert rerun.path != "bulk"  # the graph held the stopped load's calls: row by row
    assert embedded_store.summary() == clean_summary, killed
    assert dump(embedded_store) == clean_dump
    assert embedded_store.change_token() is not None
    again = load_files(embedded_store, network)  # and the hashes now hold: nothing to write
    assert not any(again.write.written.values())


def test_a_reader_between_the_delete_and_the_first_bulk_call_does_not_fail_the_load(
    embedded_store: GraphStore, network: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read of a graph that does not exist creates it empty on FalkorDB (the API asks for the
    change counter on every question), and GRAPH.BULK BEGIN refuses a key that exists: the first
    call deletes the empty graph again and goes on."""
    assert isinstance(embedded_store, FalkorStore)
    assert load_files(embedded_store, network).path == "bulk"
    clean = embedded_store.summary()
    embedded_store.clear()
    embedded_store.apply_schema()
    begin = embedded_store._begin_bulk  # noqa: SLF001 - the moment between the delete and the first call
    reads: list[str | None] = []

    def after_a_reader(args: list[Any]) -> None:
        reads.append(embedded_store.change_token())  # creates the graph, empty
        begin(args)

    monkeypatch.setattr(embedded_store, "_begin_bulk", after_a_reader)
    assert load_files(embedded_store, network).path == "bulk"
    assert reads == [None]
    assert embedded_store.summary() == clean

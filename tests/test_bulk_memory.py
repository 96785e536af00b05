"""A first load in bulk holds what it must check across rows, not the rows' nodes: memory
grows by a small, fixed amount per row (issue 18: a million tiny rows in under 1 GB; the
measured run is in bench/RESULTS.md). Memory is traced allocation, at small scales."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gnlc.graph import falkor_bulk
from gnlc.graph.model import Label, Rel
from gnlc.loaders import bulk, readers, unchanged
from gnlc.loaders.bulk import BulkBuilder, Streamed, plan_first_load
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.readers import read_tables
from gnlc.loaders.rows import parse_file, parse_table


def traced(work: Callable[[], Any]) -> tuple[int, int]:
    """Bytes allocated by ``work`` and still held after it, and at most during it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = work()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return held - before, peak - before


def towns(n: int) -> Callable[[], Iterator[tuple[str, dict[str, Any]]]]:
    def make() -> Iterator[tuple[str, dict[str, Any]]]:
        for i in range(n):
            yield f"xx-town-{i}", {"name": f"Town {i}", "country_code": "XX", "source": "c.csv", "source_row": i + 2}

    return make


def test_bulk_calls_hold_a_batch_not_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Packing GRAPH.BULK calls holds the node numbers, one chunk of rows made again, one batch
    and one call: the packed load of all nodes (about 650 bytes a node) is never held at once."""
    monkeypatch.setattr(falkor_bulk, "PACK_BATCH", 500)
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 700)
    monkeypatch.setattr(falkor_bulk, "MAX_CALL_BYTES", 64 * 1024)

    def peak(n: int) -> int:
        nodes = {Label.CITY: Streamed(towns(n), n), Label.COUNTRY: {"XX": {"name": "X"}}}
        rels = {(Rel.IN_COUNTRY, Label.CITY): Streamed(lambda: ((k, {}) for k in _in_country(n)), n)}

        def consume() -> int:
            return sum(entities for _, entities in falkor_bulk.bulk_calls(nodes, rels))

        return traced(consume)[1]

    small, large = peak(2_000), peak(8_000)
    per_node = (large - small) / 6_000
    assert per_node < 200, f"{per_node:.0f} bytes per node"


def _in_country(n: int) -> Iterator[tuple[str, str, str]]:
    return ((f"xx-town-{i}", "XX", "") for i in range(n))


def test_a_plan_of_cities_holds_no_city(tmp_path: Path) -> None:
    """What a cities file's first load keeps until it writes: the resolver's index of the
    names (for the rows and files after), not the cities' properties, which are made again
    from the rows as they are written (they took over 700 bytes a city)."""

    def held(n: int) -> int:
        path = tmp_path / f"cities_{n}.csv"
        path.write_text("name,country\n" + "".join(f"Town{i},France\n" for i in range(n)), encoding="utf-8")
        parsed = [parse_table(t, Mapping()) for t in read_tables(path)]
        builder = BulkBuilder("2026-01-01T00:00:00+00:00")
        kept = traced(lambda: builder.build(parsed))[0]
        city_nodes = builder.plan.nodes[Label.CITY]
        assert isinstance(city_nodes, Streamed) and len(city_nodes) == n
        assert next(iter(city_nodes.items()))[1]["name"] == "Town0"
        return kept

    held(100)  # the gazetteer's tables and caches, once
    small, large = held(400), held(1_600)
    per_row = (large - small) / 1_200
    assert per_row < 900, f"{per_row:.0f} bytes per row"


def test_a_first_load_peaks_at_a_small_amount_per_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the checked rows to the last GRAPH.BULK call (plan, content hashes, packing),
    memory at its peak grows by a small amount per row: another index of every city's name,
    made to predict the rows' content hashes, took the million-row load from about 850 MiB
    to 1,524 MiB for a minute (about 450 bytes a row traced here; issue 18); the gazetteer's
    answers and the hashes' guesses for every row at once, from 770 to 980 MiB (about 150
    bytes a row here: 790 against 650)."""
    monkeypatch.setattr(falkor_bulk, "PACK_BATCH", 200)
    monkeypatch.setattr(falkor_bulk, "MAX_CALL_BYTES", 64 * 1024)
    # rows made again, asked of the gazetteer and hashed at a time: fixed amounts, not per row
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 300)
    monkeypatch.setattr(bulk, "LOOKUP_ROWS", 100)
    monkeypatch.setattr(unchanged, "HASH_BLOCK", 100)

    def peak(n: int) -> int:
        path = tmp_path / f"cities_{n}.csv"
        path.write_text("name,country\n" + "".join(f"Town{i},France\n" for i in range(n)), encoding="utf-8")
        parsed = [parse_table(t, Mapping()) for t in read_tables(path)]

        def first_load() -> int:
            _, nodes, rels = plan_first_load(parsed, "2026-01-01T00:00:00+00:00")
            return sum(entities for _, entities in falkor_bulk.bulk_calls(nodes, rels))

        return traced(first_load)[1]

    peak(100)  # the gazetteer's tables and caches, once
    small, large = peak(400), peak(1_600)
    per_row = (large - small) / 1_200
    assert per_row < 720, f"{per_row:.0f} bytes per row at the peak"


def test_a_plan_of_links_holds_no_link(tmp_path: Path) -> None:
    """A links file's first load keeps, until it writes, a hash per row while its rows are
    checked and then nothing of them: each link is made again from its row as it is written
    (held, a link with its provenance took about 800 bytes)."""
    cities = tmp_path / "cities.csv"
    cities.write_text("name,country\n" + "".join(f"Town{i},France\n" for i in range(400)), encoding="utf-8")

    def held(n: int) -> int:
        links = tmp_path / f"links_{n}.csv"
        pairs = [(a, b) for a in range(400) for b in range(a + 1, 400)][:n]
        rows = "".join(f"Town{a},FR,Town{b},FR,twinning,2001\n" for a, b in pairs)
        links.write_text("city_a,country_a,city_b,country_b,kind,since\n" + rows, encoding="utf-8")
        parsed = [pt for p in (cities, links) for pt in parse_file(p, Mapping())]
        builder = BulkBuilder("2026-01-01T00:00:00+00:00")
        kept = traced(lambda: builder.build(parsed))[0]
        linked = builder.plan.rels[(Rel.LINKED_TO, Label.CITY)]
        assert isinstance(linked, Streamed) and len(linked) == n == len(list(linked.items()))
        return kept

    held(100)  # the gazetteer's tables and caches, once
    small, large = held(1_000), held(4_000)
    per_row = (large - small) / 3_000
    assert per_row < 100, f"{per_row:.0f} bytes per row"


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_a_file_is_read_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """A CSV or JSON Lines file is read and parsed a chunk at a time: at the peak, memory holds
    the parsed values and one chunk, not the file's text and a whole table beside them (read
    whole: about 490 bytes a row for this CSV, 790 for these JSON Lines)."""
    monkeypatch.setattr(readers, "CHUNK_ROWS", 1_000)

    def peak(n: int) -> int:
        path = tmp_path / f"towns_{n}.{suffix}"
        if suffix == "csv":
            rows = "".join(f"Town{i},France,https://example.org/towns/{i}\n" for i in range(n))
            path.write_text("name,country,source_url\n" + rows, encoding="utf-8")
        else:
            rows = "".join(
                f'{{"name": "Town{i}", "country": "France", "source_url": "https://example.org/{i}"}}\n'
                for i in range(n)
            )
            path.write_text(rows, encoding="utf-8")
        return traced(lambda: parse_file(path, Mapping()))[1]

    peak(100)
    small, large = peak(5_000), peak(20_000)
    per_row = (large - small) / 15_000
    assert per_row < 300, f"{per_row:.0f} bytes per row at the peak"

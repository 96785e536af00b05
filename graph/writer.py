"""Write typed records through a store: compare with what the graph holds, then write
only what is new or changed, in batches of ``UNWIND $rows``.

Re-writing the same records changes nothing (not even ``loaded_at``); a dry run gives
the same report without writing. Each batch is one atomic statement, so a failure
leaves no partial batch; the report says how many rows were written before it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gnlc.errors import GnlcError, InputError
from gnlc.graph import cypher
from gnlc.graph.model import (
    CONTENT_HASH,
    ENDPOINTS,
    SYMMETRIC,
    Label,
    NodeRecord,
    Rel,
    RelRecord,
    combine_sources,
    source_entry,
)
from gnlc.graph.store import GraphStore

Progress = Callable[[int], None]
Checkpoint = Callable[[str], None]  # "comparing" between chunks of the diff, "writing" once before the first write
DIFF_BATCH = 10_000
OUTCOMES = ("created", "updated", "unchanged")


@dataclass
class WriteReport:
    """What a write did (or, in a dry run, would do), per label and relationship type."""

    nodes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    relationships: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    written: Counter[str] = field(default_factory=Counter)  # rows actually written, by label/type
    dry_run: bool = False

    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for part in (self.nodes, self.relationships) for c in part.values())

    def table(self) -> list[tuple[str, str, int, int, int]]:
        rows = []
        for kind, part in (("node", self.nodes), ("relationship", self.relationships)):
            for name in sorted(part):
                c = part[name]
                rows.append((kind, name, c["created"], c["updated"], c["unchanged"]))
        return rows


class PartialWriteError(GnlcError):
    """A batch failed; earlier batches were written (see ``report.written``)."""

    exit_code = 4

    def __init__(self, message: str, report: WriteReport) -> None:
        self.report = report
        done = ", ".join(f"{k}: {v}" for k, v in sorted(report.written.items())) or "nothing"
        super().__init__(f"{message}\nrows written before the failure: {done}")


def _props(rec: NodeRecord | RelRecord, loaded_at: str) -> dict[str, Any]:
    p = rec.provenance
    props = {
        **rec.props,
        "source": p.source,
        "source_row": p.source_row,
        "source_url": p.source_url,
        "loaded_at": loaded_at,
        CONTENT_HASH: p.content_hash,  # None removes a hash another row of the same source left
    }
    return {**props, "sources": [source_entry(props)]}


def _same(current: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    if current is None:
        return False
    return all(current.get(k) == v for k, v in new.items() if k != "loaded_at")


_NAMING_ROW = ("source_row", "source_url", "loaded_at", CONTENT_HASH)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _dedupe_nodes(nodes: Iterable[NodeRecord], loaded_at: str) -> dict[Label, dict[str, dict[str, Any]]]:
    """Each node once, with its full properties; records of it met later in the same write
    combine with the first as they would with the graph (see ``combine_sources``)."""
    by_label: dict[Label, dict[str, dict[str, Any]]] = defaultdict(dict)
    for n in nodes:
        props, seen = _props(n, loaded_at), by_label[n.label].get(n.id)
        by_label[n.label][n.id] = props if seen is None else combine_sources(seen, props)
    return by_label


RelGroups = dict[tuple[Rel, Label], dict[tuple[str, str, str], tuple[RelRecord, dict[str, Any]]]]


def _dedupe_rels(rels: Iterable[RelRecord], loaded_at: str) -> RelGroups:
    out: RelGroups = defaultdict(dict)
    for r in rels:
        if r.type in SYMMETRIC and r.end < r.start:
            r = r.model_copy(update={"start": r.end, "end": r.start})
        group, key, props = out[(r.type, r.start_label)], (r.start, r.end, r.key), _props(r, loaded_at)
        seen = group.get(key)
        group[key] = (r, props) if seen is None else (seen[0], combine_sources(seen[1], props))
    return out


class GraphWriter:
    """Diff-then-write of node and relationship records through one store."""

    def __init__(
        self,
        store: GraphStore,
        *,
        batch_size: int = 5_000,
        progress: Progress | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        """``checkpoint`` may raise to stop the write; it is called only before anything is written."""
        self.store, self.batch_size, self.progress = store, batch_size, progress
        self.checkpoint = checkpoint or (lambda phase: None)

    def write(
        self,
        nodes: Iterable[NodeRecord],
        rels: Iterable[RelRecord],
        *,
        dry_run: bool = False,
        unbuilt: dict[str, set[int]] | None = None,
    ) -> WriteReport:
        """``unbuilt``: the rows this load did not build (unchanged), by file (see ``_merge``)."""
        self.unbuilt = unbuilt or {}
        loaded_at = datetime.now(UTC).isoformat(timespec="seconds")
        report = WriteReport(dry_run=dry_run)
        node_groups = _dedupe_nodes(nodes, loaded_at)
        rel_groups = _dedupe_rels(rels, loaded_at)
        created: set[tuple[Label, str]] = set()
        node_plan = {lbl: self._plan_nodes(lbl, recs, report, created) for lbl, recs in node_groups.items()}
        new_ids = {(lbl, i) for lbl, (rows, _) in node_plan.items() for i in (r["id"] for r in rows)}
        rel_plan = {k: self._plan_rels(k, recs, report, new_ids, created) for k, recs in rel_groups.items()}
        if dry_run:
            return report
        self.checkpoint("writing")  # the last point where stopping leaves the graph as it was
        hashed: list[tuple[cypher.Query, list[dict[str, Any]], str]] = []
        try:
            for lbl, (rows, empty) in node_plan.items():
                query = cypher.NODE_CREATE[lbl] if empty else cypher.NODE_UPSERT[lbl]
                self._run_batches(query, _unhashed(rows), str(lbl), report)
                hashed.append((cypher.NODE_UPSERT[lbl], _hashed(rows), str(lbl)))
            for (rel, start), rows in rel_plan.items():
                self._run_batches(cypher.REL_UPSERT[(rel, start)], _unhashed(rows), str(rel), report)
                hashed.append((cypher.REL_UPSERT[(rel, start)], _hashed(rows), str(rel)))
            # Last, the rows' content hashes: a hash in the graph says that everything its row wrote is there,
            # so a load stopped before this point (kill -9, a full disk) is rebuilt in full by the next run.
            for query, rows, name in hashed:
                self._run_batches(query, rows, name, report, count=False)
        except BaseException:
            if any(report.written.values()):  # what was written is in the graph: count it if the engine lets us
                with suppress(GnlcError):
                    self.store.mark_changed()
            raise
        if any(report.written.values()):
            self.store.mark_changed()
        return report

    def _plan_nodes(
        self, lbl: Label, recs: dict[str, dict[str, Any]], report: WriteReport, created: set[tuple[Label, str]]
    ) -> tuple[list[dict[str, Any]], bool]:
        empty = self.store.count(lbl) == 0
        current: dict[str, dict[str, Any]] = {}
        if not empty:
            for ids in _chunks(list(recs), DIFF_BATCH):
                self.checkpoint("comparing")
                current.update((r["id"], r["props"]) for r in self.store.read(cypher.NODE_CURRENT[lbl], ids=list(ids)))
        rows = []
        for node_id, props in recs.items():
            if node_id in current:
                props = self._merge(current[node_id], props)
            if node_id not in current:
                state = "created"
            else:
                state = "unchanged" if _same(current[node_id], props) else "updated"
            report.nodes[str(lbl)][state] += 1
            if state == "created":
                created.add((lbl, node_id))
            if state != "unchanged":
                rows.append({"id": node_id, "props": props})
        return rows, empty

    def _plan_rels(
        self,
        key: tuple[Rel, Label],
        recs: dict[tuple[str, str, str], tuple[RelRecord, dict[str, Any]]],
        report: WriteReport,
        new_ids: set[tuple[Label, str]],
        created: set[tuple[Label, str]],
    ) -> list[dict[str, Any]]:
        """Relationships between two nodes created by this write are new: no need to ask
        the graph. The others are probed in batches: do both ends exist, and is the
        relationship there already with the same properties?"""
        rel, start_label = key
        end_label = _end_label(rel)
        rows = []
        items = []
        for rec, props in recs.values():
            if (start_label, rec.start) in created and (end_label, rec.end) in created:
                report.relationships[str(rel)]["created"] += 1
                rows.append({"start": rec.start, "end": rec.end, "key": rec.key, "props": props})
            else:
                items.append((rec, props))
        for chunk_start in range(0, len(items), DIFF_BATCH):
            self.checkpoint("comparing")
            chunk = items[chunk_start : chunk_start + DIFF_BATCH]
            probe = [
                {"i": chunk_start + j, "start": r.start, "end": r.end, "key": r.key} for j, (r, _) in enumerate(chunk)
            ]
            for found in self.store.read(cypher.REL_CURRENT[key], rows=probe):
                rec, props = items[found["i"]]
                _check_ends(rec, found, start_label, end_label, new_ids)
                if found["props"]:
                    props = self._merge(found["props"], props)
                state = "unchanged" if _same(found["props"], props) else ("updated" if found["props"] else "created")
                report.relationships[str(rel)][state] += 1
                if state != "unchanged":
                    rows.append({"start": rec.start, "end": rec.end, "key": rec.key, "props": props})
        return rows

    def _merge(self, current: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        """``combine_sources``; but a node or relationship that a later row of the same file
        wrote last, a row not built this time (unchanged), keeps naming that row (a country
        every row of a cities file names): as if every row had been built, in file order."""
        merged = combine_sources(current, props)
        last, source = current.get("source_row") or 0, current.get("source")
        if (
            source == props.get("source")
            and last > (props["source_row"] or 0)
            and last in self.unbuilt.get(str(source), ())
        ):
            merged.update({k: current.get(k) for k in _NAMING_ROW})
        return merged

    def _run_batches(
        self, query: cypher.Query, rows: list[dict[str, Any]], name: str, report: WriteReport, *, count: bool = True
    ) -> None:
        for batch in _chunks(rows, self.batch_size):
            try:
                result = self.store.write(query, rows=list(batch))
            except GnlcError as exc:
                raise PartialWriteError(f"writing {name} failed: {exc}", report) from exc
            written = int(result[0]["written"]) if result else 0
            if written != len(batch):  # an endpoint vanished between planning and writing
                raise PartialWriteError(
                    f"writing {name}: {written} of {len(batch)} rows of a batch were written "
                    "(a node they refer to is gone); load again to complete",
                    report,
                )
            if count:
                report.written[name] += len(batch)
                if self.progress:
                    self.progress(len(batch))


def _unhashed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as first written: without their content hash (null removes one the graph holds)."""
    return [{**r, "props": {**r["props"], CONTENT_HASH: None}} if r["props"].get(CONTENT_HASH) else r for r in rows]


def _hashed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that carry a content hash, written again (whole, so alike on both engines) once all are in."""
    return [r for r in rows if r["props"].get(CONTENT_HASH)]


def _end_label(rel: Rel) -> Label:
    return ENDPOINTS[rel][1]


def _check_ends(
    rec: RelRecord, found: dict[str, Any], start_label: Label, end_label: Label, new_ids: set[tuple[Label, str]]
) -> None:
    for present, lbl, node_id in ((found["has_start"], start_label, rec.start), (found["has_end"], end_label, rec.end)):
        if not present and (lbl, node_id) not in new_ids:
            where = f"{rec.provenance.source}, row {rec.provenance.source_row}"
            raise InputError(
                f"{where}: {rec.type} refers to {lbl} {node_id!r}, which is neither in the graph nor in the input"
            )

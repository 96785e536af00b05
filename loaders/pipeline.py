"""Load files into the graph: read, validate every row, resolve, then write once.

By default a file with any bad row writes nothing (the error lists each bad row's file,
row, column, value and what was expected). With ``keep_going`` the good rows are loaded
and the rejected ones are written, with their reasons, to ``NAME.rejected.csv`` beside
the input. A dry run reports what would change without writing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from gnlc import collector
from gnlc.errors import GnlcError, InputError, LoadCancelled
from gnlc.graph import cypher
from gnlc.graph.model import NodeRecord, RelRecord
from gnlc.graph.store import GraphStore
from gnlc.graph.writer import GraphWriter, PartialWriteError, Progress, WriteReport
from gnlc.loaders.build import Built, RecordBuilder, RowRejected
from gnlc.loaders.bulk import NotBulk, plan_first_load
from gnlc.loaders.control import CHECK_EVERY, LoadControl
from gnlc.loaders.known import KnownCities
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.normalise import fold
from gnlc.loaders.readers import read_tables
from gnlc.loaders.resolver import CityResolver, KnownCity
from gnlc.loaders.rows import ParsedTable, RowError, parse_file
from gnlc.loaders.unchanged import NO_SKIP, Predictor, TableSkip, Unchanged

KIND_ORDER = ("cities", "organisations", "clusters", "conferences", "awards", "partnerships", "links")
MAX_LISTED_ERRORS = 25
SINGULAR = {
    "cities": "city",
    "organisations": "organisation",
    "clusters": "cluster membership",
    "conferences": "conference",
    "awards": "award",
    "partnerships": "partnership",
    "links": "link",
}


class LoadRejected(InputError):
    """The input has bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:MAX_LISTED_ERRORS])
        more = f"\n  ... and {len(errors) - MAX_LISTED_ERRORS} more" if len(errors) > MAX_LISTED_ERRORS else ""
        rows = len({(e.file, e.row) for e in errors})
        counted = f"{rows} bad row(s)" + (f" ({len(errors)} errors)" if len(errors) != rows else "")
        super().__init__(
            f"{counted}; nothing was written:\n{shown}{more}\n(fix them, or load the good rows with --keep-going)"
        )


@dataclass
class FileReport:
    label: str
    kind: str
    rows: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: list[RowError] = field(default_factory=list)
    rejected_file: Path | None = None
    unused_columns: list[str] = field(default_factory=list)  # neither mapped nor known: not loaded
    unchanged: int = 0  # rows the graph holds as they are, not built again (loaders.unchanged)


@dataclass
class LoadReport:
    files: list[FileReport]
    decisions: list[str]
    write: WriteReport
    path: str = "row by row"  # "bulk" for a first load created at once, else why not
    created: list[str] = field(default_factory=list)  # cities that links rows brought in


def load_files(
    store: GraphStore,
    paths: Sequence[Path],
    *,
    mapping: Mapping | None = None,
    file_mappings: dict[Path, Mapping] | None = None,
    dry_run: bool = False,
    keep_going: bool = False,
    progress: Progress | None = None,
    bulk: bool = True,
    new_cities: bool = True,
    on_wait: Callable[[str], None] | None = None,
    control: LoadControl | None = None,
) -> LoadReport:
    """Load files. A first load into an empty graph is created at once when the input
    allows it (see :mod:`gnlc.loaders.bulk`; ``bulk=False`` always goes row by row).
    A links row whose city is not in the graph brings it in as a non-member city, unless
    ``new_cities`` is False. ``file_mappings`` gives some files a mapping of their own.
    Loads into one graph run one after another (``on_wait`` hears when this one waits).
    ``control`` reports what the load does and can cancel it (:mod:`gnlc.loaders.control`)."""
    mapping = mapping or Mapping()
    own = file_mappings or {}
    control = control or LoadControl()
    parsed: list[ParsedTable] = []
    for p in paths:
        control.check("reading")
        parsed.extend(parse_file(Path(p), own.get(Path(p), mapping), lambda n: control.check("reading", read=n)))
    parsed.sort(key=lambda pt: KIND_ORDER.index(pt.kind))
    control.phase = "waiting"
    with nullcontext() if dry_run else store.load_lock(on_wait):
        control.check("validating")
        if not dry_run:
            store.apply_schema()  # under the lock: a first load in bulk replaces the graph key meanwhile
        report = _load_parsed(
            store,
            parsed,
            dry_run=dry_run,
            keep_going=keep_going,
            progress=progress,
            bulk=bulk,
            new_cities=new_cities,
            control=control,
        )
        control.commit()  # a dry run asked to stop at its very end stops too
        return report


def _load_parsed(
    store: GraphStore,
    parsed: list[ParsedTable],
    *,
    dry_run: bool,
    keep_going: bool,
    progress: Progress | None,
    bulk: bool,
    new_cities: bool,
    control: LoadControl,
) -> LoadReport:
    if not dry_run and bulk and store.is_empty():
        done = _load_bulk(store, parsed, progress, control)
        if isinstance(done, LoadReport):
            return done
        bulk_note = done
    else:
        bulk_note = None
    known = _known_cities(store)
    builder = RecordBuilder(
        _resolver(known),
        _organisations(store),
        new_cities=new_cities,
        wikidata={r.wikidata: r.id for r in known if r.wikidata},
    )
    unchanged = Unchanged.read(store, parsed)
    predictor = Predictor(builder.resolver, builder.organisations, builder.wikidata, builder.qid_of)
    nodes: list[NodeRecord] = []
    rels: list[RelRecord] = []
    reports: list[FileReport] = []
    decisions: list[str] = []
    errors: list[RowError] = []
    for pt in parsed:
        rep = _build_table(pt, builder, nodes, rels, decisions, control, skip=unchanged.table(pt, predictor))
        errors.extend(rep.rejected)
        reports.append(rep)
    if errors and not keep_going:
        raise LoadRejected(errors)
    if errors and not dry_run:
        for pt, rep in zip(parsed, reports, strict=True):
            rep.rejected_file = _write_rejects(pt, rep.rejected)

    def wrote(n: int) -> None:
        control.wrote(n)
        if progress:
            progress(n)

    writer = GraphWriter(store, progress=wrote, checkpoint=control.writer_checkpoint)
    write = writer.write(nodes, rels, dry_run=dry_run, unbuilt=unchanged.unbuilt)
    unchanged.count_into(write)
    return LoadReport(
        reports, decisions, write, "row by row" + (f" ({bulk_note})" if bulk_note else ""), builder.created
    )


def _load_bulk(
    store: GraphStore, parsed: list[ParsedTable], progress: Progress | None, control: LoadControl
) -> LoadReport | str:
    """A first load into an empty graph, created at once; or why it is loaded row by row.
    Cancelled, it is undone (create_all empties the graph again): the graph was empty."""
    with collector.paused():
        return _load_bulk_paused(store, parsed, progress, control)


def _load_bulk_paused(
    store: GraphStore, parsed: list[ParsedTable], progress: Progress | None, control: LoadControl
) -> LoadReport | str:
    loaded_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        plan, nodes, rels = plan_first_load(parsed, loaded_at)
    except NotBulk as exc:
        return f"not in bulk: {exc}"

    def created(n: int) -> None:
        control.check("writing", written=n)
        if progress:
            progress(n)

    try:
        control.check("writing")
        store.create_all(nodes, rels, progress=created)
    except LoadCancelled:
        raise
    except GnlcError as exc:
        raise PartialWriteError(f"the bulk load failed and was undone: {exc}", WriteReport()) from exc
    try:
        control.commit()
    except LoadCancelled:  # asked during the last call: undone here
        store.clear()
        raise
    write = WriteReport()
    for label, by_id in plan.nodes.items():
        write.nodes[str(label)]["created"] = write.written[str(label)] = len(by_id)
    for (rel, _), by_ends in plan.rels.items():
        write.relationships[str(rel)]["created"] += len(by_ends)
        write.written[str(rel)] += len(by_ends)
    files = [
        FileReport(
            pt.table.label,
            pt.kind,
            rows=pt.table.row_count,
            loaded=plan.loaded[pt.table.label],
            unused_columns=unused_columns(pt),
        )
        for pt in parsed
    ]
    return LoadReport(files, plan.decisions, write, "bulk")


def unused_columns(pt: ParsedTable) -> list[str]:
    """Columns of the file that no field took (reported, so nothing is dropped silently)."""
    bound = set(pt.bound.values())
    return [str(c) for c in pt.table.frame.columns if c not in bound and str(c).strip()]


class _Known(NamedTuple):
    """A city of the graph as a load starts from it (cypher.KNOWN_CITIES)."""

    id: str
    name: str | None
    country: str | None
    wikidata: str | None
    geonames_id: int | None
    aliases: tuple[str, ...]


def _known_cities(store: GraphStore) -> list[_Known]:
    """The graph's cities, read as lists (no dict a row); their aliases apart (few have some),
    as rows: the embedded engine's reply of lists (``read_lists``) has each list as one text."""
    aliases = {r["id"]: tuple(r["aliases"] or ()) for r in store.read(cypher.KNOWN_CITY_ALIASES)}
    return [
        _Known(cid, name, country, qid, geonames_id, aliases.get(cid, ()))
        for cid, name, country, qid, geonames_id in store.read_lists(cypher.KNOWN_CITY_VALUES)
    ]


def _resolver(known: list[_Known]) -> CityResolver:
    return KnownCities(
        [
            KnownCity(r.id, r.name, r.country, r.aliases, r.geonames_id, looked_up=True)
            for r in known
            if r.name and r.country
        ]
    )


def _organisations(store: GraphStore) -> dict[tuple[str, str | None], str]:
    out: dict[tuple[str, str | None], str] = {}
    for oid, name, country in store.read_lists(cypher.KNOWN_ORGANISATIONS):
        key = fold(name or "")
        out[(key, country)] = oid
        out.setdefault((key, None), oid)
    return out


def _build_table(
    pt: ParsedTable,
    builder: RecordBuilder,
    nodes: list[NodeRecord],
    rels: list[RelRecord],
    decisions: list[str],
    control: LoadControl,
    skip: TableSkip = NO_SKIP,
) -> FileReport:
    rep = FileReport(pt.table.label, pt.kind, rows=pt.table.row_count, unused_columns=unused_columns(pt))
    rep.rejected.extend(pt.errors)
    seen: dict[tuple[object, ...], tuple[int, Built]] = {}
    rows = skip.to_build(pt)
    for i, row in enumerate(rows, 1):
        if i % CHECK_EVERY == 0:
            control.check("validating", validated=CHECK_EVERY)
        try:
            built = skip.build(builder, row)
            earlier = skip.clash(builder, pt, row, built)
        except RowRejected as exc:
            rep.rejected.append(exc.error)
            continue
        if earlier is not None:  # a row before it, not built, describes the same thing: built after all, first
            seen[built.identity] = earlier
            nodes.extend(earlier[1].nodes)
            rels.extend(earlier[1].rels)
            decisions.extend(earlier[1].decisions)
            rep.loaded += 1
        first = seen.get(built.identity)
        if first is not None:
            if first[1].fingerprint != built.fingerprint:
                rep.rejected.append(
                    row.error(
                        None,
                        f"the same {SINGULAR[pt.kind]} as row {first[0]} to have the "
                        f"same values; it differs: {_differs(first[1], built)}",
                    )
                )
            else:
                rep.duplicates += 1
                decisions.append(f"{row.source} row {row.row}: duplicate of row {first[0]}, kept once")
            continue
        seen[built.identity] = (row.row, built)
        nodes.extend(built.nodes)
        rels.extend(built.rels)
        decisions.extend(built.decisions)
        rep.loaded += 1
    control.check("validating", validated=len(rows) % CHECK_EVERY)
    rep.unchanged = len(skip.skipped)
    rep.loaded += rep.unchanged
    return rep


def _differs(a: Built, b: Built) -> str:
    """The values that differ between two rows that describe the same thing."""
    if all(isinstance(x, tuple) and len(x) == 2 for x in (*a.fingerprint, *b.fingerprint)):
        first, second = dict(a.fingerprint), dict(b.fingerprint)
        keys = [k for k in first if first.get(k) != second.get(k)]
        return ", ".join(f"{k} {first.get(k)} vs {second.get(k)}" for k in keys)
    return f"{a.fingerprint} vs {b.fingerprint}"


def _write_rejects(pt: ParsedTable, rejected: list[RowError]) -> Path | None:
    if not rejected:
        return None
    stem = pt.table.path.with_suffix("")
    target = Path(f"{stem}{'.' + pt.table.sheet if pt.table.sheet else ''}.rejected.csv")
    # a file read in chunks kept only its header: read whole again (a few bad rows, --keep-going)
    frame = pt.table.frame if pt.table.size is None else read_tables(pt.table.path)[0].frame
    try:
        with target.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["row", "column", "value", "expected", *frame.columns])
            for e in sorted(rejected, key=lambda e: e.row):
                original = frame.iloc[e.row - pt.table.first_row].tolist()
                writer.writerow([e.row, e.column or "", e.value or "", e.expected, *original])
    except OSError as exc:
        raise InputError(f"cannot write the rejected rows to {target}: {exc.strerror}") from None
    return target

"""`gnlc load`, `gnlc demo`, `gnlc generate`: files into the graph, with a report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from gnlc.cli.context import app_context, console, err_console
from gnlc.loaders.bundled import DATASETS, DEFAULT_DATASET

if TYPE_CHECKING:
    from gnlc.graph.store import GraphStore
    from gnlc.loaders.control import LoadControl
    from gnlc.loaders.pipeline import LoadReport

# The kinds of gnlc.loaders.fields.KINDS, named here so that `gnlc --help` need not import the
# loaders (tests/test_cli_usage.py checks that the two agree).
KIND_NAMES = ("cities", "organisations", "partnerships", "links", "clusters", "awards", "conferences")


@contextmanager
def _progress() -> Iterator[Callable[[int], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("writing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    )
    with bar:
        task = bar.add_task("write", total=None)
        yield lambda n: bar.advance(task, n)


def print_report(report: LoadReport, *, verbose: bool = False) -> None:
    from rich.table import Table

    files = Table(title="files")
    for col in ("file", "kind", "rows", "loaded", "duplicates", "rejected"):
        files.add_column(col, justify="left" if col in ("file", "kind") else "right")
    for f in report.files:
        files.add_row(f.label, f.kind, str(f.rows), str(f.loaded), str(f.duplicates), str(len(f.rejected)))
    console.print(files)
    unchanged = sum(f.unchanged for f in report.files)
    if unchanged:
        console.print(f"{unchanged} rows unchanged since their file was last loaded: not built again", highlight=False)
    for f in report.files:
        if f.rejected_file:
            console.print(f"rejected rows of {f.label}, with reasons: {f.rejected_file}")
        for column in f.unused_columns:
            console.print(
                f"{f.label}: column {column!r} was not used (map it with --map FIELD=COLUMN)",
                highlight=False,
                markup=False,
            )
    changes = Table(title="would change (dry run)" if report.write.dry_run else "changes")
    for col in ("", "label / type", "created", "updated", "unchanged"):
        changes.add_column(col, justify="right" if col in ("created", "updated", "unchanged") else "left")
    for kind, name, created, updated, unchanged in report.write.table():
        changes.add_row(kind, name, str(created), str(updated), str(unchanged))
    console.print(changes)
    if report.path == "bulk":
        console.print("first load into an empty graph: created in bulk", highlight=False)
    if report.created:
        shown_new = report.created if verbose else report.created[:20]
        console.print(
            f"{len(report.created)} cities not in the graph were brought in by links rows (non-members, status none):",
            highlight=False,
        )
        for c in shown_new:
            console.print("  " + c, highlight=False, markup=False)
        if len(report.created) > len(shown_new):
            console.print(f"  ... {len(report.created) - len(shown_new)} more (use --verbose)")
    shown = report.decisions if verbose else report.decisions[:20]
    if shown:
        console.print("resolver decisions:", highlight=False)
        for d in shown:
            console.print("  " + d, highlight=False, markup=False)
        if len(report.decisions) > len(shown):
            console.print(f"  ... {len(report.decisions) - len(shown)} more (use --verbose)")


def load(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="CSV, XLSX, JSON or JSON Lines files."),
    kind: str | None = typer.Option(
        None, "--kind", help=f"What the files hold: {', '.join(KIND_NAMES)} (default: told from the columns)."
    ),
    map_: list[str] | None = typer.Option(None, "--map", help="FIELD=COLUMN, e.g. --map source=city_a (repeatable)."),
    mapping_file: Path | None = typer.Option(
        None, "--mapping", help='JSON file: {"kind": ..., "columns": {...}, "strict": true}.'
    ),
    strict: bool = typer.Option(False, "--strict", help="Refuse files with columns the mapping does not know."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; write nothing."),
    keep_going: bool = typer.Option(
        False, "--keep-going", help="Load the good rows; write the bad ones to NAME.rejected.csv."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every resolver decision."),
    no_new_cities: bool = typer.Option(
        False,
        "--no-new-cities",
        help="Refuse links rows whose city is not in the graph (default: bring it in "
        "as a non-member city when its country is given or certain).",
    ),
) -> None:
    """Load files into the graph: validate every row, resolve cities, write once.

    Ctrl-C or SIGTERM stops the load where the graph is whole: before its first write (a first
    load in bulk: to its end) nothing is kept; writing row by row, it stops after the batch being
    written, and running the same command again completes it. Exit code 130 (SIGINT), 143 (SIGTERM)."""
    from gnlc.loaders.mapping import Mapping
    from gnlc.loaders.pipeline import load_files

    mapping = Mapping.parse(kind=kind, pairs=map_, strict=strict, file=mapping_file)
    report = _stoppable(
        ctx,
        len(files),
        dry_run,
        lambda store, progress, control: load_files(
            store,
            files,
            mapping=mapping,
            dry_run=dry_run,
            keep_going=keep_going,
            progress=progress,
            new_cities=not no_new_cities,
            on_wait=say,
            control=control,
        ),
        verbose=verbose,
    )
    if any(f.rejected for f in report.files):
        raise typer.Exit(1)


def _stoppable(
    ctx: typer.Context,
    n_files: int,
    dry_run: bool,
    run: Callable[[GraphStore, Callable[[int], None], LoadControl], LoadReport],
    *,
    verbose: bool = False,
) -> LoadReport:
    """A load of `gnlc load` or `gnlc demo`, its phases said on stderr, stopped by Ctrl-C or SIGTERM
    where the graph is whole (:mod:`gnlc.cli.interrupt`); its report printed."""
    from gnlc.cli.interrupt import stop_on_signals
    from gnlc.errors import LoadCancelled
    from gnlc.loaders.control import LoadControl, LoadInterrupted

    control = LoadControl(on_phase=_say_phase(n_files, dry_run))
    with stop_on_signals(control, say) as interrupt:
        try:
            store = app_context(ctx).store()
            with _progress() as progress:
                report = run(store, progress, control)
        except (LoadCancelled, LoadInterrupted) as exc:
            exc.exit_code = interrupt.exit_code or exc.exit_code
            raise
    print_report(report, verbose=verbose)
    if interrupt.signum is not None:
        say("the load was complete when it was interrupted: everything is written")
    return report


def say(message: str) -> None:
    """A line about the load's progress, on stderr (stdout has the report)."""
    err_console.print(message, highlight=False, markup=False)


def _say_phase(n_files: int, dry_run: bool) -> Callable[[LoadControl], None]:
    """What `gnlc load` says as its load reaches each phase."""

    def on_phase(control: LoadControl) -> None:
        phase = control.phase
        if phase == "reading":
            say(f"reading {n_files} file(s)")
        elif phase == "validating":
            say(f"validating {control.rows_read:,} rows" + (" (dry run: nothing is written)" if dry_run else ""))
        elif phase == "comparing":
            say("comparing with the graph")
        elif phase == "writing" and not dry_run:
            say(
                "writing in bulk (a first load into an empty graph; Ctrl-C undoes it)"
                if control.cancellable
                else "writing row by row (Ctrl-C stops after the batch being written)"
            )

    return on_phase


def demo(
    ctx: typer.Context,
    dataset: str = typer.Option(
        DEFAULT_DATASET, "--dataset", help=f"Which bundled dataset: {', '.join(DATASETS)} (see data/README.md)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; write nothing."),
) -> None:
    """Load a bundled dataset: the GNLC facts (members, awards, conferences, clusters, organisations,
    partnerships, peer-learning links) and Wikidata twinning links of member cities.

    Ctrl-C or SIGTERM stops it as it stops `gnlc load`: exit code 130 (SIGINT), 143 (SIGTERM)."""
    from gnlc.analytics import describe_network
    from gnlc.loaders.bundled import bundled_files, load_bundled

    folder = app_context(ctx).settings.dataset_dir
    files = bundled_files(folder, dataset)
    _stoppable(
        ctx,
        len(files),
        dry_run,
        lambda store, progress, control: load_bundled(
            store, folder, dataset=dataset, dry_run=dry_run, progress=progress, on_wait=say, control=control
        ),
    )
    store = app_context(ctx).store()
    console.print(f"graph on {store.description}: {describe_network(store)}", highlight=False)


def generate(
    out: Path = typer.Option(
        ..., "--out", "-o", help="Folder for cities.csv, organisations.csv, partnerships.csv, links.csv."
    ),
    cities: int = typer.Option(1000, "--cities", min=2, max=10_000_000, help="Number of cities."),
    seed: int = typer.Option(42, "--seed", help="Random seed: the same seed writes the same files."),
) -> None:
    """Write a synthetic network for scale tests (deterministic from the seed)."""
    from gnlc.loaders.synthetic import generate as generate_files

    counts = generate_files(out, cities=cities, seed=seed)
    console.print(", ".join(f"{k}: {v}" for k, v in counts.items()) + f" written to {out}")

"""Entry point of `gnlc`. Errors are turned into messages and exit codes here, in one place."""

from __future__ import annotations

import sys

import typer

from gnlc import __version__
from gnlc.cli import engine, load, query
from gnlc.cli.context import app_context, console, err_console
from gnlc.errors import GnlcError, LoadCancelled
from gnlc.loaders.control import LoadInterrupted

app = typer.Typer(
    help="GNLC partnership graph: cities, organisations and peer-learning links of the "
    "UNESCO Global Network of Learning Cities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(engine.app, name="engine")
app.command()(load.load)
app.command()(load.demo)
app.command()(load.generate)
for _cmd in (
    query.cities,
    query.city,
    query.links,
    query.path,
    query.brokers,
    query.recommend,
    query.stats,
    query.eligibility,
    query.export,
    query.map,
    query.serve,
):
    app.command()(_cmd)


def _version(value: bool) -> None:
    if value:
        console.print(f"gnlc {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Settings come from the environment (GNLC_ENGINE, GNLC_DATA_DIR, NEO4J_URI...)."""


@app.command()
def summary(ctx: typer.Context) -> None:
    """What the graph holds: node counts by label, relationship counts by type."""
    from rich.table import Table

    from gnlc.analytics import describe_network

    store = app_context(ctx).store()
    counts = store.summary()
    console.print(f"graph on {store.description}", highlight=False)
    table = Table()
    table.add_column("kind")
    table.add_column("name")
    table.add_column("count", justify="right")
    for kind in ("nodes", "relationships"):
        for name, n in sorted(counts[kind].items()):
            table.add_row(kind[:-1], name, str(n))
    console.print(table)
    console.print(describe_network(store), highlight=False)


@app.command()
def schema(ctx: typer.Context) -> None:
    """Create the constraints and indexes (repeatable: a second run changes nothing)."""
    created = app_context(ctx).store().apply_schema()
    console.print("schema: created " + ", ".join(created) if created else "schema: already in place")


def run() -> None:
    """Run the CLI; a GnlcError becomes one message on stderr and its exit code.

    typer runs in its standalone mode: it shows its own usage errors (exit 2), help and
    `typer.Exit` whatever exception classes its version uses (0.29 has its own, not click's)."""
    try:
        app(prog_name="gnlc")
    except (LoadCancelled, LoadInterrupted) as exc:  # asked for (Ctrl-C, SIGTERM): said as what happened
        err_console.print(str(exc), highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except GnlcError as exc:
        err_console.print("[bold red]error:[/] ", end="")
        err_console.print(str(exc), highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a file or disk problem no command foresaw: still one message, no traceback
        where = f" {exc.filename}" if exc.filename else ""
        err_console.print(f"[bold red]error:[/] cannot read or write{where}: {exc.strerror or exc}", highlight=False)
        sys.exit(5)

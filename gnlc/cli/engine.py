"""`gnlc engine ...`: start, stop and inspect the embedded engine; apply the schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from gnlc.cli.context import app_context, console, err_console
from gnlc.errors import SettingsError

if TYPE_CHECKING:
    from gnlc.graph.embedded import EmbeddedEngine

app = typer.Typer(help="Start, stop and inspect the embedded engine.", no_args_is_help=True)


def _engine(ctx: typer.Context) -> EmbeddedEngine:
    settings = app_context(ctx).settings
    if settings.engine != "embedded":
        raise SettingsError(f"GNLC_ENGINE is {settings.engine!r}: engine commands manage the embedded engine only")
    from gnlc.graph.embedded import EmbeddedEngine

    return EmbeddedEngine(settings.engine_dir)


@app.command()
def start(ctx: typer.Context) -> None:
    """Start the embedded engine (or reuse the one already running) and apply the schema."""
    engine = _engine(ctx)
    was_running = engine.answers()
    engine.ensure_running(
        on_loading=lambda pct: err_console.print(
            "engine loading its files" + ("..." if pct is None else f": {pct:.0f}%")
        )
    )
    store = app_context(ctx).store()
    created = store.apply_schema()
    st = engine.status()
    verb = "already running" if was_running else "started"
    console.print(f"engine {verb}: pid {st.pid}, socket {st.socket}")
    if created:
        console.print("schema: created " + ", ".join(created))


@app.command()
def stop(ctx: typer.Context) -> None:
    """Stop the embedded engine; its data stays on disk."""
    engine = _engine(ctx)
    console.print("engine stopped" if engine.stop() else "engine was not running")


@app.command()
def status(ctx: typer.Context) -> None:
    """Say whether the embedded engine runs, with its pid, socket and data directory."""
    st = _engine(ctx).status()
    console.print(f"engine: {st.detail}\npid: {st.pid or '-'}\nsocket: {st.socket}\ndata directory: {st.data_dir}")
    if not st.running:
        raise typer.Exit(1)


@app.command()
def reset(ctx: typer.Context, yes: bool = typer.Option(False, "--yes", help="Really delete everything.")) -> None:
    """Delete every node and relationship of the graph (the schema stays)."""
    if not yes:
        console.print("refusing to delete the graph without --yes")
        raise typer.Exit(2)
    app_context(ctx).store().clear()
    console.print("graph emptied")

"""What every command shares: the settings (read once at start-up) and a lazily opened store.

Nothing heavy is imported here: `gnlc --version` and `gnlc --help` load typer and rich only;
the store, the settings and the questions are imported when a command first needs them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from gnlc.explore import Explorer
    from gnlc.graph.store import GraphStore
    from gnlc.settings import Settings

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppContext:
    settings: Settings
    _store: GraphStore | None = field(default=None, repr=False)
    _explorer: Explorer | None = field(default=None, repr=False)

    def store(self) -> GraphStore:
        if self._store is None:
            from gnlc.graph.store import open_store

            self._store = open_store(self.settings)
        return self._store

    def explorer(self) -> Explorer:
        if self._explorer is None:
            from gnlc.explore import Explorer

            self._explorer = Explorer(self.store())
        return self._explorer

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def app_context(ctx: typer.Context) -> AppContext:
    """The AppContext of this run, created from the environment on first use."""
    root = ctx.find_root()
    if root.obj is None:
        from gnlc.settings import load_settings

        root.obj = AppContext(load_settings())
        root.call_on_close(root.obj.close)
    return root.obj

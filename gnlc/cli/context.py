"""What every command shares: the settings (read once at start-up) and a lazily opened store."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from rich.console import Console

from gnlc.explore import Explorer
from gnlc.graph.store import GraphStore, open_store
from gnlc.settings import Settings, load_settings

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppContext:
    settings: Settings
    _store: GraphStore | None = field(default=None, repr=False)
    _explorer: Explorer | None = field(default=None, repr=False)

    def store(self) -> GraphStore:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    def explorer(self) -> Explorer:
        if self._explorer is None:
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
        root.obj = AppContext(load_settings())
        root.call_on_close(root.obj.close)
    return root.obj

"""The bundled dataset: real GNLC data in data/gnlc/ (members, awards, conferences,
clusters), each row with the page it came from. See data/gnlc/README.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gnlc.graph.store import GraphStore
from gnlc.graph.writer import Progress
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import LoadReport, load_files

from gnlc.errors import InputError

FILES = ("gnlc_members.csv", "gnlc_awards.csv", "gnlc_conferences.csv", "gnlc_clusters.csv")


def bundled_files(folder: Path) -> list[Path]:
    """The bundled files in ``folder`` (the setting GNLC_DATASET_DIR, by default data/gnlc)."""
    missing = [f for f in FILES if not (folder / f).exists()]
    if missing:
        raise InputError(f"the bundled dataset is incomplete: {', '.join(missing)} missing in {folder}")
    return [folder / f for f in FILES]


def load_bundled(store: GraphStore, folder: Path, *, dry_run: bool = False, progress: Progress | None = None,
                 on_wait: Callable[[str], None] | None = None) -> LoadReport:
    """Load the bundled GNLC data; every city of the members list is a member."""
    return load_files(store, bundled_files(folder), mapping=Mapping(defaults={"status": "member"}), dry_run=dry_run,
                      progress=progress, on_wait=on_wait)

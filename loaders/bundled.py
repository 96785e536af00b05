"""The bundled datasets, under ``data/`` (the setting GNLC_DATASET_DIR):

- ``gnlc`` (the default): the GNLC facts of ``data/gnlc`` (members, awards, conferences,
  clusters, partner organisations, partnerships, peer-learning links, each row with the
  page it came from) and the Wikidata twinning links that touch a member city, with their
  partner cities (``data/wikidata_twins``, see :mod:`gnlc.loaders.wikidata`);
- ``world-twinning``: the same GNLC facts and every placed twinning link of the Wikidata
  snapshot (about 12k links between 7.6k places): a real-structured network at scale.

See ``data/README.md`` for the counts by kind and source.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gnlc.errors import InputError

if TYPE_CHECKING:  # the pipeline is imported on use: `gnlc --help` reads DATASETS only
    from gnlc.graph.store import GraphStore
    from gnlc.graph.writer import Progress
    from gnlc.loaders.control import LoadControl
    from gnlc.loaders.pipeline import LoadReport

MEMBER_FILES = ("gnlc/gnlc_members.csv", "gnlc/gnlc_members_added.csv")
ORGANISATIONS = "gnlc/gnlc_organisations.csv"
GNLC_FILES = (
    *MEMBER_FILES,
    "gnlc/gnlc_awards.csv",
    "gnlc/gnlc_conferences.csv",
    "gnlc/gnlc_clusters.csv",
    ORGANISATIONS,
    "gnlc/gnlc_partnerships.csv",
    "gnlc/gnlc_peer_links.csv",
    "gnlc/gnlc_peer_links_more_a.csv",
    "gnlc/gnlc_peer_links_more_b.csv",
)
DATASETS: dict[str, tuple[str, ...]] = {
    "gnlc": (*GNLC_FILES, "wikidata_twins/cities_members.csv", "wikidata_twins/links_members.csv"),
    "world-twinning": (*GNLC_FILES, "wikidata_twins/cities_world.csv", "wikidata_twins/links_world.csv"),
}
DEFAULT_DATASET = "gnlc"


def bundled_files(folder: Path, dataset: str = DEFAULT_DATASET) -> list[Path]:
    """The files of a bundled dataset in ``folder`` (by default the checkout's ``data/``)."""
    if dataset not in DATASETS:
        raise InputError(f"dataset {dataset!r}: expected one of {', '.join(DATASETS)}")
    missing = [f for f in DATASETS[dataset] if not (folder / f).exists()]
    if missing:
        raise InputError(f"the bundled dataset is incomplete: {', '.join(missing)} missing in {folder}")
    return [folder / f for f in DATASETS[dataset]]


def load_bundled(
    store: GraphStore,
    folder: Path,
    *,
    dataset: str = DEFAULT_DATASET,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_wait: Callable[[str], None] | None = None,
    control: LoadControl | None = None,
) -> LoadReport:
    """Load a bundled dataset; every city of the member lists is a member. ``control`` as for
    :func:`~gnlc.loaders.pipeline.load_files`."""
    from gnlc.loaders.mapping import Mapping
    from gnlc.loaders.pipeline import load_files

    own = {folder / f: Mapping(defaults={"status": "member"}) for f in MEMBER_FILES}
    own[folder / ORGANISATIONS] = Mapping(kind="organisations")  # its columns (name, kind, ...) could be cities'
    return load_files(
        store,
        bundled_files(folder, dataset),
        file_mappings=own,
        dry_run=dry_run,
        progress=progress,
        on_wait=on_wait,
        control=control,
    )

"""One typed settings object, read from the environment when the program starts.

Each field says what it is in its ``description``: ``docs/settings.md`` is generated from
these fields (``python -m gnlc.cli.reference``) and ``tests/test_reference.py`` checks it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from gnlc.errors import SettingsError


def default_data_dir() -> Path:
    """Per-user data directory: ``$XDG_DATA_HOME/gnlc`` or ``~/.local/share/gnlc``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gnlc"


def default_dataset_dir() -> Path:
    """``data/`` of the checkout (its ``gnlc/`` and ``wikidata_twins/``)."""
    return Path(__file__).resolve().parents[1] / "data"


class Settings(BaseSettings):
    """Settings of the whole program; create one at start-up with :func:`load_settings`."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    engine: Literal["embedded", "neo4j"] = Field(
        "embedded",
        validation_alias=AliasChoices("GNLC_ENGINE", "engine"),
        description="the graph engine: `embedded` (FalkorDB, started by the project) or `neo4j`",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias=AliasChoices("GNLC_DATA_DIR", "data_dir"),
        description="data directory of the embedded engine (its socket, pid file, log and data files)",
    )
    graph_name: str = Field(
        "gnlc",
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$",
        validation_alias=AliasChoices("GNLC_GRAPH", "graph_name"),
        description="graph name inside the embedded engine",
    )
    neo4j_uri: str | None = Field(
        None,
        validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri"),
        description="Neo4j URI: `neo4j://host:7687`, `neo4j+s://` (Aura), `bolt://` (see docs/neo4j.md)",
    )
    neo4j_user: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_USER", "neo4j_user"), description="Neo4j user"
    )
    neo4j_password: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password"),
        description="Neo4j password (required with `GNLC_ENGINE=neo4j`)",
    )
    neo4j_database: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "neo4j_database"), description="Neo4j database"
    )
    api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("GNLC_API_KEY", "api_key"),
        description="API key for the write endpoints (`POST /load`, header `X-API-Key`); without it they are off",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("GNLC_CORS_ORIGINS", "cors_origins"),
        description='allowed CORS origins as a JSON list, e.g. `["http://localhost:3000"]`; empty: CORS closed',
    )
    dataset_dir: Path = Field(
        default_factory=default_dataset_dir,
        validation_alias=AliasChoices("GNLC_DATASET_DIR", "dataset_dir"),
        description="where `gnlc demo` finds the bundled datasets",
    )
    query_timeout_ms: int = Field(
        10_000,
        ge=100,
        le=600_000,
        validation_alias=AliasChoices("GNLC_QUERY_TIMEOUT_MS", "query_timeout_ms"),
        description="per-query timeout in milliseconds",
    )
    request_budget_ms: int = Field(
        60_000,
        ge=10,
        le=3_600_000,
        validation_alias=AliasChoices("GNLC_REQUEST_BUDGET_MS", "request_budget_ms"),
        description="milliseconds an API request has to start its answer; later, a 503 that says so (the work "
        "may go on in the background, each query bounded by `GNLC_QUERY_TIMEOUT_MS`; what it answers "
        "is dropped)",
    )
    export_max_elements: int = Field(
        100_000,
        ge=1,
        validation_alias=AliasChoices("GNLC_EXPORT_MAX_ELEMENTS", "export_max_elements"),
        description="`GET /export`: at most this many nodes plus relationships in one answer (the whole "
        "world-twinning graph has about 30,000: 15 MB of JSON in 27 s on 2 busy cores); a larger one is "
        "refused (422) with how to ask for less (a scope; `gnlc export` has no limit)",
    )
    map_max_elements: int = Field(
        40_000,
        ge=1,
        validation_alias=AliasChoices("GNLC_MAP_MAX_ELEMENTS", "map_max_elements"),
        description="`GET /maps/...`: at most this many nodes plus links on one map (the whole world-twinning "
        "network has about 21,000: 8,000 nodes, 13,000 links, drawn in 20 s on 2 busy cores); a larger "
        "one is refused (422) with how to draw less (a region, a country)",
    )
    upload_max_bytes: int = Field(
        50_000_000,
        ge=1,
        validation_alias=AliasChoices("GNLC_UPLOAD_MAX_BYTES", "upload_max_bytes"),
        description="`POST /load`: at most this many bytes once an XLSX upload is unzipped (the body itself is "
        "at most 5 MB); more is refused (413) before it is read",
    )
    upload_max_rows: int = Field(
        200_000,
        ge=1,
        validation_alias=AliasChoices("GNLC_UPLOAD_MAX_ROWS", "upload_max_rows"),
        description="`POST /load`: at most this many rows in an uploaded file (all sheets together); more is "
        "refused (413) before it is read (`gnlc load` has no limit)",
    )
    upload_max_cells: int = Field(
        2_000_000,
        ge=1,
        validation_alias=AliasChoices("GNLC_UPLOAD_MAX_CELLS", "upload_max_cells"),
        description="`POST /load`: at most this many cells (rows times columns) in an uploaded file; more is "
        "refused (413) before it is read",
    )

    @property
    def engine_dir(self) -> Path:
        """Where the embedded engine keeps its socket, pid file, log and data files."""
        return self.data_dir / "engine"


def env_names() -> dict[str, str]:
    """Field name -> the environment variable it is read from (the one the docs show)."""
    names = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names[field] = str(alias.choices[0]) if isinstance(alias, AliasChoices) else field.upper()
    return names


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment (plus explicit overrides).

    A wrong value raises :class:`SettingsError` naming the variable and what was expected.
    """
    try:
        return Settings(**overrides)  # checked here: a wrong value is a SettingsError
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = str(err["loc"][0]) if err["loc"] else "?"
        env = env_names()
        field = next((f for f, name in env.items() if loc in (f, name)), None)
        expected = Settings.model_fields[field].description if field else loc
        raise SettingsError(
            f"setting {env.get(field or '', loc)}: {err['msg']} (got {err.get('input')!r}; expected {expected})"
        ) from None

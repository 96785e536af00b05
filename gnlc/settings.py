"""One typed settings object, read from the environment when the program starts.

Every setting is listed in ``SETTINGS_DOC`` below; the README's settings table is
checked against it by ``tests/test_docs.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from gnlc.errors import SettingsError


def default_data_dir() -> Path:
    """Per-user data directory: ``$XDG_DATA_HOME/gnlc`` or ``~/.local/share/gnlc``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gnlc"


class Settings(BaseSettings):
    """Settings of the whole program; create one at start-up with :func:`load_settings`."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    engine: Literal["embedded", "neo4j"] = Field(
        "embedded", validation_alias=AliasChoices("GNLC_ENGINE", "engine")
    )
    data_dir: Path = Field(
        default_factory=default_data_dir, validation_alias=AliasChoices("GNLC_DATA_DIR", "data_dir")
    )
    graph_name: str = Field(
        "gnlc", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$",
        validation_alias=AliasChoices("GNLC_GRAPH", "graph_name"),
    )
    neo4j_uri: str | None = Field(None, validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri"))
    neo4j_user: str = Field("neo4j", validation_alias=AliasChoices("NEO4J_USER", "neo4j_user"))
    neo4j_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password")
    )
    neo4j_database: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "neo4j_database")
    )
    api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("GNLC_API_KEY", "api_key"))
    cors_origins: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("GNLC_CORS_ORIGINS", "cors_origins")
    )
    dataset_dir: Path = Field(
        default_factory=lambda: Path(__file__).resolve().parents[1] / "data",
        validation_alias=AliasChoices("GNLC_DATASET_DIR", "dataset_dir"),
    )
    query_timeout_ms: int = Field(
        10_000, ge=100, le=600_000,
        validation_alias=AliasChoices("GNLC_QUERY_TIMEOUT_MS", "query_timeout_ms"),
    )

    @property
    def engine_dir(self) -> Path:
        """Where the embedded engine keeps its socket, pid file, log and data files."""
        return self.data_dir / "engine"


# name in the environment -> what it does (the README documents each one)
SETTINGS_DOC: dict[str, str] = {
    "GNLC_ENGINE": "`embedded` (default: FalkorDB started by the project) or `neo4j`",
    "GNLC_DATA_DIR": "data directory of the embedded engine (default `~/.local/share/gnlc`)",
    "GNLC_GRAPH": "graph name inside the embedded engine (default `gnlc`)",
    "NEO4J_URI": "Neo4j URI, for example `neo4j://localhost:7687`",
    "NEO4J_USER": "Neo4j user (default `neo4j`)",
    "NEO4J_PASSWORD": "Neo4j password (no default)",
    "NEO4J_DATABASE": "Neo4j database (default `neo4j`)",
    "GNLC_API_KEY": "API key for write endpoints; without it they are off",
    "GNLC_CORS_ORIGINS": 'allowed CORS origins as a JSON list, e.g. `["http://localhost:3000"]`;'
    " default none",
    "GNLC_QUERY_TIMEOUT_MS": "per-query timeout in milliseconds (default 10000)",
    "GNLC_DATASET_DIR": "where `gnlc demo` finds the bundled datasets (default `data/` of the checkout: `gnlc/`, `wikidata_twins/`)",
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment (plus explicit overrides).

    A wrong value raises :class:`SettingsError` naming the variable and what was expected.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        env = next((k for k in SETTINGS_DOC if k.lower().endswith(field)), field)
        raise SettingsError(
            f"setting {env}: {err['msg']} (got {err.get('input')!r}; expected {SETTINGS_DOC.get(env, field)})"
        ) from None

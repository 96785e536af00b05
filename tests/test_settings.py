"""Settings from the environment and the clear errors for wrong ones (no tracebacks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gnlc.errors import SettingsError
from gnlc.settings import Settings, load_settings
from tests.conftest import cli


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GNLC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GNLC_ENGINE", "neo4j")
    monkeypatch.setenv("NEO4J_DATABASE", "gnlc")
    s = load_settings()
    assert s.data_dir == tmp_path and s.engine == "neo4j" and s.neo4j_database == "gnlc"
    assert s.engine_dir == tmp_path / "engine"


def test_settings_are_not_read_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    import gnlc.settings as mod

    assert not any(isinstance(v, Settings) for v in vars(mod).values())


def test_default_data_dir_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GNLC_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert load_settings().data_dir == tmp_path / "gnlc"


def test_unknown_engine_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GNLC_ENGINE", "mysql")
    with pytest.raises(SettingsError, match="GNLC_ENGINE.*'mysql'"):
        load_settings()


def test_cli_unknown_engine_exits_2_without_traceback() -> None:
    result = cli("summary", env={"GNLC_ENGINE": "sqlite"})
    assert result.returncode == 2
    assert "GNLC_ENGINE" in result.stderr and "sqlite" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unreachable_neo4j_exits_3_without_traceback() -> None:
    env = {"GNLC_ENGINE": "neo4j", "NEO4J_URI": "neo4j://127.0.0.1:1", "NEO4J_PASSWORD": "x"}
    result = cli("summary", env=env)
    assert result.returncode == 3
    assert "Neo4j at neo4j://127.0.0.1:1 does not answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_neo4j_without_password_is_a_settings_error() -> None:
    result = cli("summary", env={"GNLC_ENGINE": "neo4j", "NEO4J_URI": "neo4j://127.0.0.1:7687"})
    assert result.returncode == 2 and "NEO4J_PASSWORD" in result.stderr


def test_cli_bad_neo4j_uri_is_a_settings_error() -> None:
    env = {"GNLC_ENGINE": "neo4j", "NEO4J_URI": "ftp://nowhere", "NEO4J_PASSWORD": "x"}
    result = cli("summary", env=env)
    assert result.returncode == 2 and "not a valid Neo4j URI" in result.stderr, result.stderr

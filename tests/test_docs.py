"""The README stays true: every setting (docs/settings.md) and command is documented, the test command CI runs
is the one shown, and the pyproject exposes only the gnlc namespace."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import typer.main

from gnlc.cli.main import app
from gnlc.settings import env_names

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    settings = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in env_names().values():
        assert f"| `{name}` |" in settings, name


def test_every_cli_command_is_documented() -> None:
    group = typer.main.get_command(app)
    names = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        names += [f"gnlc {name} {s}" for s in sub] if sub else [f"gnlc {name}"]
    for name in names:
        parts = name.split()
        found = f"`{name}" in README or (len(parts) == 3 and f"`{parts[2]}`" in README and f"`gnlc {parts[1]}" in README)
        assert found, name


def test_ci_runs_the_readme_test_command() -> None:
    marker = re.search(r"<!-- test-command: (.*) -->\n```bash\n(.*)\n```", README)
    assert marker, "README needs the test-command marker followed by the same command"
    assert marker.group(1) == marker.group(2)
    assert "test-command" in (REPO / ".ci/run").read_text()


def test_packages_live_under_one_namespace() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(p == "gnlc" or p.startswith("gnlc.") for p in config["packages"])
    assert set(config["package-dir"]) == set(config["packages"])

"""The docs stay true: the README names every command and links every page of docs/, the command
lines shown use options that exist, links resolve and stay inside the repository, every setting is
in docs/settings.md, the test command CI runs is the one shown, and the pyproject exposes only the
gnlc namespace. (docs/cli.md, settings.md and endpoints.md are generated: tests/test_reference.py.)"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from gnlc.cli.main import app
from gnlc.cli.reference import REFERENCES
from gnlc.settings import env_names

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = sorted((REPO / "docs").glob("*.md"))
# the pages people write (the generated references quote the code, so they need no checking here)
WRITTEN = [REPO / "README.md", *(p for p in DOCS if p.name not in REFERENCES)]


def _commands() -> dict[str, Any]:
    """'gnlc cities', 'gnlc engine start', ... -> the click command."""
    group = typer.main.get_command(app)
    found = {}
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        found[f"gnlc {name}"] = cmd
        for sub, subcmd in getattr(cmd, "commands", {}).items():
            found[f"gnlc {name} {sub}"] = subcmd
    return found


def test_every_setting_is_documented() -> None:
    settings = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in env_names().values():
        assert f"| `{name}` |" in settings, name
    assert "](docs/settings.md)" in README


def test_every_cli_command_is_documented() -> None:
    for name, cmd in _commands().items():
        if getattr(cmd, "commands", None):
            continue  # a group: its subcommands are named
        parts = name.split()
        found = f"`{name}" in README or (
            len(parts) == 3 and f"`{parts[2]}`" in README and f"`gnlc {parts[1]}" in README
        )
        assert found, name


def _code(text: str) -> Iterator[str]:
    """Every inline code span and every line of a fenced block."""
    for i, part in enumerate(re.split(r"^```.*$", text, flags=re.M)):
        if i % 2:
            yield from part.splitlines()
        else:
            yield from re.findall(r"`([^`\n]+)`", part)


def _shown_commands(text: str) -> Iterator[tuple[str, list[str]]]:
    """(command, its --options) for every `gnlc ...` command line in code."""
    commands = _commands()
    for code in _code(text):
        for piece in re.split(r"&&|;|\s\|\s", re.split(r"\s#\s", code)[0]):
            match = re.search(r"(?:^|[\s/])gnlc((?: [a-z][a-z-]*){1,2})(.*)", piece)
            if not match:
                continue
            words, rest = match.group(1).split(), match.group(2)
            name = next((n for n in (f"gnlc {' '.join(words)}", f"gnlc {words[0]}") if n in commands), None)
            if name:  # else prose that happens to follow the word gnlc
                yield name, re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest)


@pytest.mark.parametrize("page", WRITTEN, ids=lambda p: p.name)
def test_command_lines_shown_use_options_that_exist(page: Path) -> None:
    commands = _commands()
    shown = list(_shown_commands(page.read_text(encoding="utf-8")))
    for name, options in shown:
        known = {opt for param in commands[name].params for opt in (*param.opts, *param.secondary_opts)}
        for option in options:
            assert option in known | {"--help"}, f"{page.name}: `{name} {option}`: no such option"
    assert page.name not in ("README.md", "questions.md") or shown, "the command lines were not found"


def test_readme_links_every_doc() -> None:
    for page in DOCS:
        assert f"](docs/{page.name})" in README, f"README.md does not link docs/{page.name}"
    assert (REPO / "docs" / "architecture.md").exists()


@pytest.mark.parametrize("page", [REPO / "README.md", *DOCS], ids=lambda p: p.name)
def test_links_resolve_inside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(REPO), f"{page.name}: {target} is outside the repository"
        assert path.exists(), f"{page.name}: {target} does not exist"


def test_nothing_points_to_notes_outside_the_repository() -> None:
    sources = [*WRITTEN, *(REPO / "bench").glob("*.md")]
    for folder in ("gnlc", "graph", "loaders", "api", "bench", "tests"):
        sources += [p for p in (REPO / folder).rglob("*.py") if p.resolve() != Path(__file__).resolve()]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for outside in ("DOMAIN.md", "ENGINE_NOTES", "/work/shared"):
            assert outside not in text, f"{path.relative_to(REPO)} mentions {outside}: the docs are in docs/"


def test_ci_runs_the_readme_test_command() -> None:
    marker = re.search(r"<!-- test-command: (.*) -->\n```bash\n(.*)\n```", README)
    assert marker, "README needs the test-command marker followed by the same command"
    assert marker.group(1) == marker.group(2)
    assert "test-command" in (REPO / ".ci/run").read_text()


def test_packages_live_under_one_namespace() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(p == "gnlc" or p.startswith("gnlc.") for p in config["packages"])
    assert set(config["package-dir"]) == set(config["packages"])

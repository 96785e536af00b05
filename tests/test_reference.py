"""docs/cli.md and docs/settings.md are generated from the code (`python -m gnlc.cli.reference`):
regenerated here in memory, they must equal the committed files, whatever the terminal."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from gnlc.cli import reference
from gnlc.settings import Settings, env_names

REPO = Path(__file__).resolve().parents[1]
# source folder -> the package it is installed as (pyproject's package-dir)
PACKAGES = {"gnlc": "gnlc", "graph": "gnlc.graph", "loaders": "gnlc.loaders", "api": "gnlc.api"}


@pytest.mark.parametrize("name", sorted(reference.REFERENCES))
def test_reference_is_current(name: str) -> None:
    path = REPO / "docs" / name
    committed = path.read_text(encoding="utf-8") if path.exists() else ""
    generated = reference.REFERENCES[name]()
    if committed != generated:
        pytest.fail(
            f"docs/{name} is stale: run `python -m gnlc.cli.reference` and commit it\n{_diff(committed, generated)}"
        )


def _diff(committed: str, generated: str) -> str:
    lines = difflib.unified_diff(committed.splitlines(True), generated.splitlines(True), "committed", "from the code")
    return "".join(list(lines)[:40])


def test_references_do_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = {name: make() for name, make in reference.REFERENCES.items()}
    for var, value in {"COLUMNS": "40", "LINES": "10", "TERM": "xterm-256color", "FORCE_COLOR": "1"}.items():
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert {name: make() for name, make in reference.REFERENCES.items()} == plain
    assert "\x1b[" not in "".join(plain.values())


def test_every_setting_is_described() -> None:
    env = env_names()
    settings = reference.settings_reference()
    for field, info in Settings.model_fields.items():
        assert info.description, f"Settings.{field} needs a description (it is the documentation)"
        assert f"| `{env[field]}` |" in settings, field


def test_every_command_has_help() -> None:
    text = reference.cli_reference()
    for section in text.split("\n## gnlc")[1:]:
        summary = section.split("```text\n")[1].split("\n\n")[1]
        assert summary.strip(), f"gnlc{section.splitlines()[0]} has no help text"


def test_every_module_with_an_error_is_in_the_table() -> None:
    names = {error.__name__ for error in reference.error_classes()}
    for folder, package in PACKAGES.items():
        for path in (REPO / folder).rglob("*.py"):
            module = ".".join([package, *path.relative_to(REPO / folder).with_suffix("").parts])
            for name, base in re.findall(r"^class (\w+)\((\w+)\)", path.read_text(encoding="utf-8"), re.M):
                if base in names:
                    assert module in reference.ERROR_MODULES, f"{module}.{name}: add {module} to ERROR_MODULES"


def test_check_names_the_stale_file_and_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert reference.main(["--docs", str(tmp_path)]) == 0
    assert reference.main(["--check", "--docs", str(tmp_path)]) == 0
    (tmp_path / "settings.md").write_text("old\n", encoding="utf-8")
    assert reference.main(["--check", "--docs", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "settings.md is stale: run `python -m gnlc.cli.reference`" in err and "cli.md" not in err


def test_every_option_and_argument_has_help() -> None:
    import typer.main

    from gnlc.cli.main import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="gnlc")
    missing = [
        f"{c.command_path} {param.opts[0] if param.param_type_name == 'option' else param.name}"
        for cmd, c in reference._commands(root, ctx)
        for param in cmd.params
        if not getattr(param, "help", None)
    ]
    assert not missing, f"no help text (it is the documentation, docs/cli.md): {', '.join(missing)}"

"""CLI usage errors (unknown option, missing argument, bad value, a group alone) exit 2 with
typer's own message and never a traceback, for every command of the app. In-process through
the real entry point `gnlc.cli.main:run`; one child process checks the installed script."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import get_type_hints

import pytest
import typer
from typer.main import get_command

from gnlc.cli.main import app, run
from tests.conftest import run_cli


def _commands(group: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """(path, command) for every group and command under `group`, the group itself first."""
    yield path, group
    for name, sub in getattr(group, "commands", {}).items():
        yield from _commands(sub, (*path, name))


ALL = list(_commands(get_command(app)))
LEAVES = [path for path, cmd in ALL if not hasattr(cmd, "commands")]
GROUPS = [path for path, cmd in ALL if hasattr(cmd, "commands") and path]


def _numeric_options(path: tuple[str, ...], cmd: object) -> Iterator[tuple[str, ...]]:
    """`PATH --option abc` for every option the command's function declares as int or float."""
    hints = get_type_hints(inspect.unwrap(cmd.callback)) if getattr(cmd, "callback", None) else {}  # type: ignore[attr-defined]
    for p in getattr(cmd, "params", []):
        if p.opts and p.opts[0].startswith("--") and hints.get(p.name) in (int, float, int | None, float | None):
            yield (*path, p.opts[0], "abc")


NUMERIC = [args for path, cmd in ALL for args in _numeric_options(path, cmd)]


def _run(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> tuple[int, str]:
    monkeypatch.setenv("GNLC_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr("sys.argv", ["gnlc", *args])
    with pytest.raises(SystemExit) as done:
        run()
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out + out.err


def test_the_walk_finds_every_command() -> None:
    assert {"load", "cities", "recommend", "serve", "summary", "export", "map"} <= {p[0] for p in LEAVES}
    assert ("engine", "start") in LEAVES and ("engine",) in GROUPS
    assert ("cities", "--limit", "abc") in NUMERIC


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_an_unknown_option_on_every_command_exits_2_with_typer_message(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, output = _run((*path, "--no-such-option"), monkeypatch, capsys, tmp_path)
    assert code == 2, output
    assert "No such option: --no-such-option" in output and "Usage: gnlc " + " ".join(path) in output
    assert "Traceback" not in output
    assert not (tmp_path / "engine").exists(), "a usage error must not start the engine"


@pytest.mark.parametrize(
    "args",
    [
        ("--limit", "abc"),
        ("recommend",),
        ("engine",),
        ("cities", "--bogus"),
        *NUMERIC,
        *[(*g, "nonsense") for g in GROUPS],
    ],
    ids=" ".join,
)
def test_usage_errors_of_the_issue_exit_2_without_traceback(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, output = _run(args, monkeypatch, capsys, tmp_path)
    assert code == 2, output
    assert "Traceback" not in output and output.strip()
    assert "Usage:" in output or "Commands" in output


def test_help_and_version_still_exit_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _run(("--version",), monkeypatch, capsys, tmp_path) == (0, f"gnlc {__import__('gnlc').__version__}\n")
    code, output = _run(("cities", "--help"), monkeypatch, capsys, tmp_path)
    assert code == 0 and "Usage: gnlc cities" in output


def test_typer_exit_inside_a_command_keeps_its_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, output = _run(("engine", "status"), monkeypatch, capsys, tmp_path)
    assert code == 1 and "engine: stopped" in output  # `raise typer.Exit(1)` in the command
    assert issubclass(typer.Exit, Exception)


def test_the_installed_script_prints_the_usage_error_not_a_traceback(tmp_path: Path) -> None:
    result = run_cli("cities", "--limit", "abc", env={"GNLC_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    assert "Invalid value for '--limit'" in result.stderr and "Traceback" not in result.stdout + result.stderr


HEAVY = (
    "pandas",
    "networkx",
    "igraph",
    "scipy",
    "numpy",
    "falkordb",
    "neo4j",
    "pydantic_settings",
    "gnlc.graph.store",
    "gnlc.explore",
    "gnlc.loaders.pipeline",
    "gnlc.settings",
)
_IMPORTED = (
    "import sys; from gnlc.cli.main import run\n"
    "try:\n    run()\nexcept SystemExit:\n    pass\n"
    "print('imported:', *(m for m in {heavy!r} if m in sys.modules))"
)


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("cities", "--help"), ("load", "--help")], ids=" ".join)
def test_version_and_help_import_nothing_heavy(args: tuple[str, ...], tmp_path: Path) -> None:
    """Start-up stays light: each command imports what it uses when it runs (speed: bench, not here)."""
    import subprocess
    import sys

    code = _IMPORTED.format(heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "GNLC_DATA_DIR": str(tmp_path), "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("imported:") and last.split()[1:] == [], f"gnlc {' '.join(args)}: {last}"


def test_the_load_help_names_every_kind_the_loaders_know() -> None:
    from gnlc.cli.load import KIND_NAMES
    from gnlc.loaders.fields import KINDS

    assert KIND_NAMES == tuple(KINDS)

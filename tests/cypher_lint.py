"""Neo4j's own Cypher parser and semantic analysis (npm @neo4j-cypher/language-support,
`lintCypherQuery`) under node, on every statement the project may send to Neo4j.

The analysis takes about a minute of CPU for all statements, in one `node` process (most of it
in the semantic analysis, 0.3-1 s a statement). The conftest starts it in a background thread
as soon as the lint tests are collected, so it runs on the second core while the suite goes on;
`results()` waits for it (or runs it then, when nothing started it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

LINT_DIR = Path(__file__).resolve().parent / "lint"
PARAM = re.compile(r"\$(\w+)")
TIMEOUT_S = 900  # a minute of CPU; generous for a machine shared with the rest of the suite

# Statements the linter must refuse, linted with the others.
BROKEN: list[dict[str, Any]] = [
    {"name": "broken: typo", "text": "MATCH (n:City {id: $id}) RETRUN n", "params": ["id"]},
    {"name": "broken: label", "text": "MATCH (n:Cty) RETURN n", "params": []},
    {"name": "broken: param", "text": "MATCH (n:City {id: $id}) RETURN n", "params": []},
]


def load_all_statements() -> None:
    """Import every module that may define statements, so the registry is complete."""
    import gnlc.graph.cypher as cypher_module

    for mod in sorted(Path(cypher_module.__file__).parent.glob("*.py")):
        __import__(f"gnlc.graph.{mod.stem}")


def neo4j_statements() -> list[dict[str, Any]]:
    """Every registered statement for Neo4j: its name, text and the parameters it uses."""
    from gnlc.graph.cypher import REGISTRY, Dialect

    load_all_statements()
    return [
        {"name": q.name, "text": str(q), "params": sorted(set(PARAM.findall(q)))}
        for q in REGISTRY.values()
        if Dialect.NEO4J in q.dialects
    ]


def lint(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{name, diagnostics: [{severity, message}]}] for the statements, in their order."""
    return _run_node(_node_input(statements))


def _node_input(statements: list[dict[str, Any]]) -> str:
    from gnlc.graph.cypher import STATE_LABEL
    from gnlc.graph.model import Label, Rel

    if shutil.which("node") is None or not (LINT_DIR / "node_modules").is_dir():
        raise LintUnavailable("node and tests/lint/node_modules are needed: run `npm ci --prefix tests/lint`")
    labels = [str(x) for x in Label] + [STATE_LABEL]  # the graph's change counter, outside the model
    schema = {"labels": labels, "relationshipTypes": [str(x) for x in Rel]}
    return json.dumps({"schema": schema, "statements": statements})


def _start_node() -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["node", str(LINT_DIR / "lint_cypher.cjs")],  # noqa: S607 - node from PATH, as npm ci uses it
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_node(node_input: str, proc: subprocess.Popen[str] | None = None) -> list[dict[str, Any]]:
    proc = proc or _start_node()
    try:
        out, err = proc.communicate(node_input, timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"the Cypher linter failed (exit {proc.returncode}):\n{err[-3000:]}")
    return json.loads(out)


class LintUnavailable(RuntimeError):
    """node or the linter's npm packages are missing."""


class _Background:
    """The one lint of every statement: started once, its outcome (or error) kept for the tests."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.statements: list[dict[str, Any]] = []
        self.outcome: list[dict[str, Any]] | BaseException | None = None
        self.node: subprocess.Popen[str] | None = None

    def start(self) -> None:
        try:  # the registry, the input and the node process are made here, in the caller's thread
            self.statements = neo4j_statements() + BROKEN
            node_input = _node_input(self.statements)
            self.node = _start_node()
        except Exception as exc:  # noqa: BLE001 - handed to the test that asks for the results
            self.outcome = exc
            node_input = ""
        self.thread = threading.Thread(target=self._run, args=(node_input,), name="cypher-lint", daemon=True)
        self.thread.start()

    def _run(self, node_input: str) -> None:
        if self.outcome is not None:
            return
        try:
            self.outcome = _run_node(node_input, self.node)
        except Exception as exc:  # noqa: BLE001 - handed to the test that asks for the results
            self.outcome = exc


_RUN = _Background()


def start_in_background() -> None:
    """Start linting every statement now: `node` works while the caller goes on."""
    if _RUN.thread is None:
        _RUN.start()


def results() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(statements, lint results) for every Neo4j statement followed by BROKEN, in that order."""
    start_in_background()
    assert _RUN.thread is not None
    _RUN.thread.join()
    if isinstance(_RUN.outcome, BaseException):
        raise _RUN.outcome
    assert _RUN.outcome is not None
    return _RUN.statements, _RUN.outcome


def stop() -> None:
    """End the linter if it still runs (the session ends without asking for its results)."""
    if _RUN.node is not None and _RUN.node.poll() is None:
        _RUN.node.kill()

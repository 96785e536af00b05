"""The shortcuts taken for speed give the same answers as the general code."""

from __future__ import annotations

import random
import string

from gnlc.loaders.normalise import _fold_unicode, fold
from gnlc.loaders.resolver import _NAMES_PER_QUERY, CityResolver, KnownCity, gazetteer_lookup, gazetteer_lookups


def test_ascii_fold_equals_the_unicode_fold() -> None:
    rng = random.Random(20261123)
    alphabet = string.printable + "\x00\x01\x1f\x7f"
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24))) for _ in range(20_000)]
    samples += ["  Saint-Étienne ", "Sankt  Gallen", "O'Higgins", "Al-Ain (Abu Dhabi)", "\tHEIDELBERG\n", "a\x00b"]
    for text in samples:
        assert fold(text) == _fold_unicode(text), text


def test_exact_shortcut_agrees_with_resolve() -> None:
    r = CityResolver(
        [
            KnownCity("de-munich", "Munich", "DE", ("München",)),
            KnownCity("fr-brest", "Brest", "FR"),
            KnownCity("by-brest", "Brest", "BY"),
            KnownCity("kr-yeonsu-gu", "Yeonsu-gu", "KR"),
        ],
        use_gazetteer=False,
    )
    for name, country in [
        ("Munich", "DE"),
        ("München", "DE"),
        ("Brest", None),
        ("Brest", "FR"),
        ("brest", "BY"),
        ("Yeonsu gu", "KR"),
        ("Yeonsu-gu (Incheon)", "KR"),
        (" Munich", "DE"),
        ("Nowhere", "DE"),
    ]:
        got = r.exact(name, country)
        res = r.resolve(name, country)
        if got is not None:
            assert res.status == "matched" and res.method == "exact" and res.city_id == got, (name, country)
        else:  # the shortcut may decline; it must not decline an answer it should give for a clean own name
            assert not (
                res.status == "matched"
                and res.method == "exact"
                and "(" not in name
                and name == name.strip()
                and fold(name) == fold(r.cities[str(res.city_id)].name)
            ), name


def test_gazetteer_lookups_of_many_names_equal_one_by_one() -> None:
    """A first load asks the gazetteer for its cities together; each answer is the one asked alone:
    names in brackets (two keys), another country's homonym, duplicates, misses, and more names
    of one country than one query takes."""
    asked = [
        ("Hamburg", "DE"),
        ("Kiel", "DE"),
        ("Jubail (Jubail Industrial City)", "SA"),
        ("Okayama", "JP"),
        ("Cork", "IE"),
        ("Cork", "GB"),
        ("Brest", "FR"),
        ("Brest", "BY"),
        ("Nowhere At All", "FR"),
        ("Hamburg", "DE"),
        ("São Paulo", "BR"),
    ]
    asked += [(f"Synthcity {i}", "DE") for i in range(_NAMES_PER_QUERY + 10)] + [("München", "DE"), ("Wuppertal", "DE")]
    got = gazetteer_lookups(asked)
    assert got == [gazetteer_lookup(name, country) for name, country in asked]
    assert got[0] is not None and got[0] == got[9] and got[8] is None
    assert got[6] is not None and got[7] is not None and got[6].geonames_id != got[7].geonames_id
    assert None not in got[-2:]  # (Wuppertal sorts after the synthetic names: in the second query)

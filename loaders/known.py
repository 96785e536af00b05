"""The cities a load starts from, resolved lazily.

Building the full :class:`CityResolver` over the graph's cities (every name, alias, gazetteer
spelling and administrative form of each) takes seconds at 100,000 cities, while a reload
whose rows name cities exactly needs none of it. :class:`KnownCities` answers an exact name
from an index of the cities' own names and makes the full resolver only when a name needs
more (an alias, the gazetteer, a fuzzy match).

An own name that is one city's (in the country, or anywhere when no country is given) is
what :meth:`CityResolver.resolve` matches too: another city's alias or gazetteer spelling of
the same letters loses to a city's own name there (London), and names with a part in brackets
are left to the full resolver.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from gnlc.loaders.normalise import clean_text, fold
from gnlc.loaders.resolver import CityResolver, KnownCity, Resolution


class KnownCities(CityResolver):
    """A :class:`CityResolver` whose index is made on first need; exact names meanwhile from
    the cities' own names."""

    def __init__(self, known: Iterable[KnownCity] = (), *, use_gazetteer: bool = True) -> None:
        self.use_gazetteer = use_gazetteer
        self.cities: dict[str, KnownCity] = {}
        self._own: dict[tuple[str | None, str], set[str]] = defaultdict(set)
        self._full: CityResolver | None = None
        for city in known:
            self.add(city)

    def full(self) -> CityResolver:
        """The full resolver (made once, from every city known so far)."""
        if self._full is None:
            self._full = CityResolver(list(self.cities.values()), use_gazetteer=self.use_gazetteer)
        return self._full

    def add(self, city: KnownCity) -> None:
        old = self.cities.get(city.id)
        if old is not None:
            for where in (old.country, None):
                self._own[(where, fold(old.name))].discard(old.id)
        self.cities[city.id] = city
        for where in (city.country, None):
            self._own[(where, fold(city.name))].add(city.id)
        if self._full is not None:
            self._full.add(city)

    def exact(self, name: str, country: str | None) -> str | None:
        if "(" in name or name != clean_text(name):
            return None
        ids = self._own.get((country or None, fold(name)))
        return next(iter(ids)) if ids and len(ids) == 1 else None

    def resolve(self, name: str, country: str | None, *, fuzzy: bool = True) -> Resolution:
        found = self.exact(name, country)
        if found is not None:
            return Resolution("matched", found, "exact")
        return self.full().resolve(name, country, fuzzy=fuzzy)

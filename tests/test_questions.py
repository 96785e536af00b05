"""The partnership questions against the bundled real data (plus test links), on each engine."""

from __future__ import annotations

import pandas as pd
import pytest
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.normalise import fold, region_id

from gnlc.analytics import Analytics
from gnlc.eligibility import check_city, check_profile
from gnlc.errors import InputError, NotFound
from gnlc.explore import Ambiguous, Explorer
from gnlc.recommend import recommend
from gnlc.schemas import ProfileInput, Weights
from tests.conftest import DATA


@pytest.fixture(scope="module")
def ex(loaded: GraphStore) -> Explorer:
    return Explorer(loaded)


@pytest.fixture(scope="module")
def an(ex: Explorer) -> Analytics:
    return Analytics(ex)


MEMBERS = pd.read_csv(DATA / "gnlc_members.csv")
AWARDS = pd.read_csv(DATA / "gnlc_awards.csv")


# -- naming, search, filters, profiles ----------------------------------------------------------
def test_city_found_by_id_name_other_spelling_and_without_accents(ex: Explorer) -> None:
    assert ex.city_id("jp-okayama") == "jp-okayama"
    assert ex.city_id("Okayama") == "jp-okayama"
    assert ex.city_id("Medellin") == "co-medellin"  # stored as Medellín
    assert ex.city_id("Koeln") == "de-cologne"  # a gazetteer spelling of a city loaded as Cologne


def test_unknown_city_suggests_the_closest_names(ex: Explorer) -> None:
    with pytest.raises(NotFound) as err:
        ex.city_id("Okayamaa-shi-x")
    assert any("jp-okayama" in s for s in err.value.suggestions)


def test_a_name_of_two_cities_is_ambiguous_until_the_country_is_given(ex: Explorer) -> None:
    with pytest.raises(Ambiguous) as err:
        ex.city_id("Brest")
    assert len(err.value.suggestions) == 2
    assert ex.city_id("Brest", "Belarus") == "by-brest"


def test_search_by_name_pages_and_counts(ex: Explorer) -> None:
    page = ex.cities(q="medellin")
    assert [c.id for c in page.data] == ["co-medellin"]
    first = ex.cities(region="africa", limit=10)
    assert first.count == int((MEMBERS.unesco_region == "Africa").sum())
    assert len(first.data) == 10 and first.next_offset == 10
    rest = ex.cities(region="Africa", limit=1000, offset=10)
    assert rest.next_offset is None
    assert not {c.id for c in first.data} & {c.id for c in rest.data}
    assert len(first.data) + len(rest.data) == first.count


def test_filters_by_year_award_and_country(ex: Explorer) -> None:
    joined = ex.cities(year_from=2016, year_to=2016, limit=1000)
    assert joined.count == int((MEMBERS.year_joined == 2016).sum())
    assert all(c.year_joined == 2016 for c in joined.data)
    assert ex.cities(country="Ireland", limit=1000).count == int((MEMBERS.country == "Ireland").sum())
    awarded = ex.cities(awarded=True, limit=1000).count
    assert awarded == AWARDS.drop_duplicates(["city", "country"]).shape[0]
    assert ex.cities(awarded=False, limit=1000).count == ex.store.count(Label.CITY) - awarded


def test_bad_filters_name_the_field(ex: Explorer) -> None:
    with pytest.raises(InputError, match="region"):
        ex.cities(region="Atlantis")
    with pytest.raises(InputError, match="country"):
        ex.cities(country="Narnia")
    with pytest.raises(InputError, match="limit"):
        ex.cities(limit=1_000_000)


def test_profile_has_each_fact_with_its_source(ex: Explorer) -> None:
    p = ex.profile("Okayama")
    assert p.city.country == "JP" and p.region_name == "Asia and the Pacific" and p.city.year_joined == 2016
    assert [a.year for a in p.awards] == [2017]
    assert {o.id for o in p.partners} == {"org-uil", "org-jp-national-commission-for-unesco"}
    assert set(p.links) == {"study_visit", "twinning"}
    assert {x.id for xs in p.links.values() for x in xs} == {"fi-espoo", "cn-hangzhou", "au-wyndham"}
    assert p.degree.total == p.degree.links + p.degree.partners == 5
    assert all(a.source_url and a.source == "gnlc_awards.csv" for a in p.awards)
    assert "https://example.org/gnlc-test-fixture" in p.sources
    assert all(m.source_url in p.sources for m in p.memberships)


def test_organisations_search_and_bridges(ex: Explorer) -> None:
    found = ex.organisations(q="national commission japan")
    assert found.data[0].id == "org-jp-national-commission-for-unesco"
    bridges = ex.bridges(limit=1000)
    assert bridges.data[0].organisation.id == "org-uil"
    assert bridges.data[0].cities == len(MEMBERS)
    assert all(b.cities >= 2 for b in bridges.data)
    shared = ex.shared_cities("org-uil", "National Commission for UNESCO (Ireland)")
    assert {s.city.id for s in shared} == {f"ie-{n.lower()}" for n in MEMBERS[MEMBERS.country == "Ireland"].city}


# -- links over time, neighbourhoods -----------------------------------------------------------
def test_links_as_of_a_year(ex: Explorer) -> None:
    def names(year: int | None) -> set[str]:
        return {r.city.id for r in ex.links("Limerick", year=year)}

    assert names(None) == {"ie-cork", "fi-espoo"}
    assert names(2019) == {"ie-cork", "fi-espoo"}  # Espoo 2018-2020 is active in 2019
    assert names(2021) == {"ie-cork"}  # ended in 2020
    assert names(2015) == set()  # Cork starts in 2016


def test_links_by_kind(ex: Explorer) -> None:
    assert {r.city.id for r in ex.links("Cork", kinds=["twinning"])} == {"fi-espoo"}
    with pytest.raises(InputError, match="kind"):
        ex.links("Cork", kinds=["friends"])


def test_neighbourhood_depth_two_walks_links_and_small_partners_not_hubs(ex: Explorer) -> None:
    one = ex.neighbourhood("Cork", depth=1)
    assert {n.id for n in one.nodes} == {"ie-cork", "ie-limerick", "fi-espoo", "org-uil",
                                         "org-ie-national-commission-for-unesco"}
    two = ex.neighbourhood("Cork", depth=2)
    ids = {n.id for n in two.nodes}
    assert {"jp-okayama", "ie-dublin"} <= ids  # via Espoo; via the Irish national commission
    assert "cn-beijing" not in ids  # UIL partners all members: shown, not walked through
    assert any("UNESCO Institute for Lifelong Learning" in n for n in two.notes)
    assert all(e.source_id in ids and e.target_id in ids for e in two.edges)
    small = ex.neighbourhood("Cork", depth=2, max_nodes=4)
    assert len(small.nodes) == 4 and small.truncated


# -- paths and brokers ------------------------------------------------------------------------------
def test_path_between_cities_sharing_a_partner_runs_through_it(ex: Explorer) -> None:
    res = ex.paths("Okayama", "Taku")  # both endorsed by the Japanese national commission
    assert res.paths and all(p.length == 2 for p in res.paths)
    middles = {p.nodes[1].id for p in res.paths}
    assert "org-jp-national-commission-for-unesco" in middles
    assert middles <= {"org-jp-national-commission-for-unesco", "org-uil"}


def test_shortest_path_through_city_links_only_and_by_kind(ex: Explorer) -> None:
    res = ex.paths("Cork", "Okayama", via="cities")
    assert [[n.id for n in p.nodes] for p in res.paths] == [["ie-cork", "fi-espoo", "jp-okayama"]]
    assert [e.kind for e in res.paths[0].edges] == ["twinning", "study_visit"]
    assert ex.paths("Cork", "Okayama", via="cities", kinds=["twinning"]).paths == []
    longer = ex.paths("Cork", "Hangzhou", via="cities", kinds=["twinning", "study_visit"])
    assert [n.id for n in longer.paths[0].nodes] == ["ie-cork", "fi-espoo", "jp-okayama", "cn-hangzhou"]
    assert ex.paths("Cork", "Hangzhou", via="cities", max_hops=2).paths == []
    assert ex.paths("Melton", "Hangzhou", via="cities", year=2019).paths == []  # Wyndham-Okayama starts 2021
    assert ex.paths("Melton", "Hangzhou", via="cities", year=2022).paths[0].length == 3


def test_path_bounds_and_same_city(ex: Explorer) -> None:
    with pytest.raises(InputError, match="max_hops"):
        ex.paths("Cork", "Okayama", max_hops=7)
    with pytest.raises(InputError, match="target"):
        ex.paths("Cork", "cork")


def test_brokers_are_ranked_with_the_links_that_make_them(ex: Explorer) -> None:
    res = ex.brokers("Cork", "Okayama")
    assert not res.linked
    assert [b.node.id for b in res.brokers] == ["fi-espoo", "org-uil"]  # Espoo knows fewer, so closer
    espoo = res.brokers[0]
    assert espoo.to_source == ["twinning"] and espoo.to_target == ["study_visit"]
    assert espoo.score > res.brokers[1].score
    assert ex.brokers("Cork", "Limerick").linked


# -- recommendations -----------------------------------------------------------------------------------
def test_recommendation_explains_every_candidate(ex: Explorer) -> None:
    rec = recommend(ex, "Cork", limit=20)
    linked = {r.city.id for r in ex.links("Cork")} | {"ie-cork"}
    assert rec.candidates
    for c in rec.candidates:
        assert c.city.id not in linked
        assert c.reasons and all(r.text for r in c.reasons)
        assert c.score == pytest.approx(sum(r.contribution for r in c.reasons), abs=1e-3)
        assert c.brokers  # at least UIL partners both
    scores = [c.score for c in rec.candidates]
    assert scores == sorted(scores, reverse=True)
    okayama = next(c for c in rec.candidates if c.city.id == "jp-okayama")
    common = next(r for r in okayama.reasons if r.feature == "common_neighbours")
    assert "fi-espoo" in common.evidence


def test_recommendation_is_deterministic_and_weights_change_it(ex: Explorer) -> None:
    first = recommend(ex, "Cork", limit=10)
    assert first.model_dump() == recommend(ex, "Cork", limit=10).model_dump()
    mentors = recommend(ex, "Cork", limit=5, weights=Weights(mentor=10))
    awarded = {c.id for c in ex.cities(awarded=True, limit=1000).data}
    assert all(c.city.id in awarded for c in mentors.candidates)
    far = recommend(ex, "Cork", limit=5, weights=Weights(other_region=10, same_region=0))
    assert all(c.city.region != "europe-north-america" for c in far.candidates)


def test_applicant_with_few_links_gets_peers_and_introducers(ex: Explorer) -> None:
    rec = recommend(ex, "Bangkok", limit=9, weights=Weights(mentor=0, similar_size=0, same_region=0))
    thai = {c.id for c in ex.cities(country="TH", limit=100).data} - {"th-bangkok"}
    assert {c.city.id for c in rec.candidates} == thai  # the national commission's other cities
    for c in rec.candidates:
        assert c.brokers[0].node.id == "org-th-national-commission-for-unesco"
    default = recommend(ex, "Bangkok", limit=10)
    assert len(default.candidates) == 10
    assert all(c.city.status == "member" for c in default.candidates)


# -- analytics --------------------------------------------------------------------------------------------
def test_members_per_region_match_the_members_file(an: Analytics) -> None:
    expected = {region_id(r): n for r, n in MEMBERS.groupby("unesco_region").size().items()}
    assert {r.key: r.count for r in an.members_by_region()} == expected


def test_the_2015_laureates_are_the_twelve_of_the_awards_file(an: Analytics) -> None:
    expected = {fold(c) for c in AWARDS[AWARDS.award_year == 2015].city}
    got = {fold(r["name"]) for r in an.awards(2015)}
    assert len(expected) == 12 and got == expected


def test_growth_by_year_adds_up_to_every_member(an: Analytics) -> None:
    growth = an.members_by_year()
    assert growth[-1].total == len(MEMBERS)
    by_year = {int(y): n for y, n in MEMBERS.groupby("year_joined").size().items()}
    assert {g.year: g.joined for g in growth if g.year is not None} == by_year
    assert sum(g.joined for g in growth if g.year is None) == MEMBERS.year_joined.isna().sum()


def test_centrality_components_and_communities(an: Analytics, ex: Explorer) -> None:
    assert an.top("degree", limit=1)[0].id == "org-uil"
    assert an.top("betweenness", limit=1)[0].id == "org-uil"
    cities = an.top("pagerank", label="City", limit=5)
    assert all(r.label == "City" for r in cities) and len(cities) == 5
    stats = an.stats("partnerships")
    assert stats.nodes == ex.store.count(Label.CITY) + ex.store.count(Label.ORGANISATION)
    links_only = an.stats("cities")
    assert links_only.edges == 7 and links_only.largest_component == 7  # the test links join 7 cities
    com = an.communities()
    assert com == an.communities()  # fixed seed
    assert sum(c.size for c in com) <= stats.nodes


# -- eligibility ------------------------------------------------------------------------------------------
def test_member_city_is_eligible_with_evidence(ex: Explorer) -> None:
    res = check_city(ex, "Okayama")
    assert res.verdict == "eligible"
    pop = next(r for r in res.rules if "inhabitants" in r.rule)
    assert "724,691" in pop.evidence and pop.source == "geonames"


def test_submitted_profiles() -> None:
    good = check_profile(ProfileInput(name="Chiang Mai", country="Thailand", population=127240,
                                      elected_council=True, mayor_endorsed=True, kind="municipality"))
    assert good.verdict == "eligible" and good.eligible is True
    small = check_profile(ProfileInput(name="Tiny", population=8000, elected_council=True, mayor_endorsed=True,
                                       kind="village"))
    assert small.verdict == "not eligible"
    assert [r.verdict for r in small.rules] == ["pass", "fail", "pass", "pass"]
    unknown = check_profile(ProfileInput(name="Somewhere", population=50_000))
    assert unknown.verdict == "undetermined" and unknown.eligible is None
    province = check_profile(ProfileInput(name="P", population=10**6, elected_council=True, mayor_endorsed=True,
                                          kind="province"))
    assert province.verdict == "not eligible"
    with pytest.raises(InputError, match="kind"):
        check_profile(ProfileInput(name="X", kind="spaceship"))


def test_a_city_with_no_links_or_partners_gets_region_peers(ex: Explorer) -> None:
    assert ex.profile("Chicago").degree.total == 0  # loaded from tests/data/partner_cities.csv, not a member
    rec = recommend(ex, "Chicago", limit=5, weights=Weights(mentor=0))
    assert len(rec.candidates) == 5
    assert all(c.city.region == "europe-north-america" and c.city.status == "member" for c in rec.candidates)
    assert all(any(r.feature == "same_region" for r in c.reasons) for c in rec.candidates)


@pytest.mark.parametrize("city", ["Cork", "Espoo", "Okayama", "Hangzhou", "Melton", "Bangkok"])
def test_reading_candidates_best_first_gives_the_full_ranking(ex: Explorer, city: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Facts are read a batch at a time and reading stops early; with batches of one
    candidate (the earliest stops) the ranking must equal the one from reading them all."""
    import gnlc.recommend as rec_module

    monkeypatch.setattr(rec_module, "FACT_BATCH", 100_000)
    full = recommend(ex, city, limit=10)
    monkeypatch.setattr(rec_module, "FACT_BATCH", 1)
    pruned = recommend(ex, city, limit=10)
    assert [(c.city.id, c.score) for c in pruned.candidates] == [(c.city.id, c.score) for c in full.candidates]
    assert len(full.candidates) == 10
    assert pruned.considered <= full.considered

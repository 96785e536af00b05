"""The partnership questions against the bundled real data (plus test links), on each engine."""

from __future__ import annotations

import pandas as pd
import pytest

from gnlc.analytics import Analytics
from gnlc.eligibility import check_city, check_profile
from gnlc.errors import InputError, NotFound
from gnlc.explore import Ambiguous, Explorer
from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.normalise import fold, region_id
from gnlc.peers import NEAR_MAX_KM
from gnlc.recommend import recommend
from gnlc.schemas import ProfileInput, Weights
from tests.conftest import DATA


@pytest.fixture(scope="module")
def ex(loaded: GraphStore) -> Explorer:
    return Explorer(loaded)


@pytest.fixture(scope="module")
def an(ex: Explorer) -> Analytics:
    return Analytics(ex)


MEMBERS = pd.concat(
    [pd.read_csv(DATA / "gnlc_members.csv"), pd.read_csv(DATA / "gnlc_members_added.csv")], ignore_index=True
)
AWARDS = pd.read_csv(DATA / "gnlc_awards.csv")


# -- naming, search, filters, profiles ----------------------------------------------------------
def test_city_found_by_id_name_other_spelling_and_without_accents(ex: Explorer) -> None:
    assert ex.city_id("jp-okayama") == "jp-okayama"
    assert ex.city_id("Okayama") == "jp-okayama"
    assert ex.city_id("Medellin") == "co-medellin"  # stored as Medellín
    assert ex.city_id("Koeln") == ex.city_id("Cologne") == "de-koln"  # loaded as Cologne, placed as Köln


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
    first = ex.cities(region="africa", status="member", limit=10)
    assert first.count == int((MEMBERS.unesco_region == "Africa").sum())
    assert len(first.data) == 10 and first.next_offset == 10
    rest = ex.cities(region="Africa", status="member", limit=1000, offset=10)
    assert rest.next_offset is None
    assert not {c.id for c in first.data} & {c.id for c in rest.data}
    assert len(first.data) + len(rest.data) == first.count


def test_filters_by_year_award_and_country(ex: Explorer) -> None:
    joined = ex.cities(year_from=2016, year_to=2016, status="member", limit=1000)
    assert joined.count == int((MEMBERS.year_joined == 2016).sum())
    assert all(c.year_joined == 2016 for c in joined.data)
    irish = ex.cities(country="Ireland", status="member", limit=1000)
    assert irish.count == int((MEMBERS.country == "Ireland").sum())
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
    assert {"org-uil", "org-jp-national-commission-for-unesco"} <= {o.id for o in p.partners}
    assert {"study_visit", "twinning"} <= set(p.links)
    assert {"fi-espoo", "cn-hangzhou", "au-wyndham"} <= {x.id for xs in p.links.values() for x in xs}
    assert p.degree.links == sum(len(xs) for xs in p.links.values()) and p.degree.partners == len(p.partners)
    assert p.degree.total == p.degree.links + p.degree.partners
    assert all(a.source_url and a.source == "gnlc_awards.csv" for a in p.awards)
    assert "https://example.org/gnlc-test-fixture" in p.sources
    assert all(m.source_url in p.sources for m in p.memberships)


def test_organisations_search_and_bridges(ex: Explorer) -> None:
    found = ex.organisations(q="national commission japan")
    assert found.data[0].id == "org-jp-national-commission-for-unesco"
    bridges = ex.bridges(limit=1000)
    assert bridges.data[0].organisation.id == "org-uil"
    assert bridges.data[0].cities == ex.cities(status="member", limit=1).count
    assert all(b.cities >= 2 for b in bridges.data)
    shared = ex.shared_cities("org-uil", "National Commission for UNESCO (Ireland)")
    assert {s.city.id for s in shared} == {c.id for c in ex.cities(country="IE", status="member", limit=100).data}


# -- links over time, neighbourhoods -----------------------------------------------------------
def test_links_as_of_a_year(ex: Explorer) -> None:
    def names(year: int | None) -> set[str]:  # the test fixture's links of Limerick
        return {r.city.id for r in ex.links("Limerick", year=year)} & {"ie-cork", "fi-espoo"}

    assert names(None) == {"ie-cork", "fi-espoo"}
    assert names(2019) == {"ie-cork", "fi-espoo"}  # Espoo 2018-2020 is active in 2019
    assert names(2021) == {"ie-cork"}  # ended in 2020
    assert names(2015) == set()  # Cork starts in 2016


def test_links_by_kind(ex: Explorer) -> None:
    twins = ex.links("Cork", kinds=["twinning"])
    assert "fi-espoo" in {r.city.id for r in twins} and all(r.link.kind == "twinning" for r in twins)
    assert {r.city.id for r in twins} == {x.id for x in ex.profile("Cork").links["twinning"]}
    with pytest.raises(InputError, match="kind"):
        ex.links("Cork", kinds=["friends"])


def test_neighbourhood_depth_two_walks_links_and_small_partners_not_hubs(ex: Explorer) -> None:
    one = ex.neighbourhood("Cork", depth=1)
    assert {"ie-cork", "ie-limerick", "fi-espoo", "org-uil", "org-ie-national-commission-for-unesco"} <= {
        n.id for n in one.nodes
    }
    assert {n.id for n in one.nodes} == {"ie-cork"} | {
        e.target_id if e.source_id == "ie-cork" else e.source_id for e in one.edges
    }
    two = ex.neighbourhood("Cork", depth=2)
    ids = {n.id for n in two.nodes}
    assert {"jp-okayama", "ie-dublin"} <= ids  # via Espoo; via the Irish national commission
    assert any("UNESCO Institute for Lifelong Learning" in n for n in two.notes)
    assert all(e.source_id in ids and e.target_id in ids for e in two.edges)
    small = ex.neighbourhood("Cork", depth=2, max_nodes=4)
    assert len(small.nodes) == 4 and small.truncated


# -- paths and brokers ------------------------------------------------------------------------------
def _hub_ids(ex: Explorer) -> set[str]:
    hubs = ex.hubs().ids()
    assert "org-uil" in hubs and "org-jp-national-commission-for-unesco" in hubs
    return hubs


def _member_pairs(ex: Explorer, n: int, seed: int = 7) -> list[tuple[str, str]]:
    import random

    members = sorted(c.id for c in ex.cities(status="member", limit=1000).data)
    rng = random.Random(seed)
    return [tuple(rng.sample(members, 2)) for _ in range(n)]  # type: ignore[misc]


def test_default_paths_and_brokers_never_go_through_a_hub(ex: Explorer) -> None:
    hubs = _hub_ids(ex)
    found = 0
    for a, b in _member_pairs(ex, 25):
        res = ex.paths(a, b)
        found += bool(res.paths)
        for p in res.paths:
            assert not {n.id for n in p.nodes} & hubs, [n.id for n in p.nodes]
        assert not {x.node.id for x in ex.brokers(a, b).brokers} & hubs
    assert found >= 5  # real links and small partners still join many members


def test_hubs_are_steps_and_brokers_only_when_asked(ex: Explorer) -> None:
    res = ex.paths("Okayama", "Taku")  # both endorsed by the Japanese national commission
    assert all("org-jp-national-commission-for-unesco" not in {n.id for n in p.nodes} for p in res.paths)
    with_hubs = ex.paths("Okayama", "Taku", include_hubs=True)
    assert with_hubs.paths and all(p.length == 2 for p in with_hubs.paths)
    assert "org-jp-national-commission-for-unesco" in {p.nodes[1].id for p in with_hubs.paths}
    brokers = ex.brokers("Okayama", "Taku", include_hubs=True).brokers
    assert "org-jp-national-commission-for-unesco" in {b.node.id for b in brokers}
    default = ex.brokers("Okayama", "Taku")
    assert not {b.node.id for b in default.brokers} & ex.hubs().ids()
    assert default.note and "National Commission" in default.note


def test_a_kind_filter_holds_on_every_step(ex: Explorer) -> None:
    for a, b in [*_member_pairs(ex, 12, seed=3), ("ie-cork", "jp-okayama"), ("de-hamburg", "cn-shanghai")]:
        res = ex.paths(a, b, kinds=["twinning"], max_hops=4)
        for p in res.paths:
            assert all(e.type == "LINKED_TO" and e.kind == "twinning" for e in p.edges)
            assert all(n.label == "City" for n in p.nodes)
        if not res.paths:
            assert res.note and res.note.startswith("no path of at most 4 steps through twinning links")


def test_shortest_path_through_city_links_only_and_by_kind(ex: Explorer) -> None:
    res = ex.paths("Cork", "Okayama", via="cities")
    assert ["ie-cork", "fi-espoo", "jp-okayama"] in [[n.id for n in p.nodes] for p in res.paths]
    assert all(p.length == 2 for p in res.paths)
    longer = ex.paths("Cork", "Okayama", via="cities", kinds=["study_visit", "joint_project", "peer_exchange"])
    assert all(e.kind in ("study_visit", "joint_project", "peer_exchange") for p in longer.paths for e in p.edges)
    assert (
        ex.paths(
            "Melton", "Hangzhou", via="cities", year=2019, kinds=["peer_exchange", "study_visit", "twinning"]
        ).paths
        == []
    )
    assert (
        ex.paths("Melton", "Hangzhou", via="cities", year=2022, kinds=["peer_exchange", "study_visit", "twinning"])
        .paths[0]
        .length
        == 3
    )


def test_path_bounds_and_same_city(ex: Explorer) -> None:
    with pytest.raises(InputError, match="max_hops"):
        ex.paths("Cork", "Okayama", max_hops=7)
    with pytest.raises(InputError, match="target"):
        ex.paths("Cork", "cork")


def test_brokers_are_ranked_with_the_links_that_make_them(ex: Explorer) -> None:
    res = ex.brokers("Cork", "Okayama")
    assert not res.linked
    espoo = next(b for b in res.brokers if b.node.id == "fi-espoo")
    assert espoo.to_source == ["twinning"] and espoo.to_target == ["study_visit"]
    assert [b.score for b in res.brokers] == sorted((b.score for b in res.brokers), reverse=True)
    assert ex.brokers("Cork", "Limerick").linked


# -- recommendations -----------------------------------------------------------------------------------
def test_recommendation_explains_every_candidate(ex: Explorer) -> None:
    rec = recommend(ex, "Cork", limit=20)
    linked = {r.city.id for r in ex.links("Cork")} | {"ie-cork"}
    hubs = ex.hubs().ids()
    assert rec.candidates
    for c in rec.candidates:
        assert c.city.id not in linked
        assert c.reasons and all(r.text for r in c.reasons)
        assert c.score == pytest.approx(sum(r.contribution for r in c.reasons), abs=1e-3)
        assert not {e for r in c.reasons for e in r.evidence} & hubs
        assert not {b.node.id for b in c.brokers} & hubs
    scores = [c.score for c in rec.candidates]
    assert scores == sorted(scores, reverse=True)
    okayama = next(c for c in recommend(ex, "Cork", limit=100).candidates if c.city.id == "jp-okayama")
    common = next(r for r in okayama.reasons if r.feature == "common_neighbours")
    assert "fi-espoo" in common.evidence and "Espoo" in common.text


def test_twins_of_twins_and_nearness_name_their_evidence(ex: Explorer) -> None:
    rec = recommend(ex, "Suwon", limit=100)
    linked = {r.city.id for r in ex.links("Suwon")}
    steps = [r for c in rec.candidates for r in c.reasons if r.feature == "three_steps"]
    assert steps
    for r in steps:  # each path starts at one of its partner cities, and the text names it
        assert r.evidence and all(e.split(" > ")[0] in linked for e in r.evidence)
        assert " > " in r.text
    near = [r for c in rec.candidates for r in c.reasons if r.feature == "nearby"]
    assert near and all("km away" in r.text and "of its" in r.text for r in near)
    assert all(float(r.text.split(" km away")[0].replace(",", "")) <= NEAR_MAX_KM for r in near)  # far is no reason
    none = recommend(ex, "Suwon", limit=10, weights=Weights(three_steps=0, nearby=0))
    assert not any(r.feature in ("three_steps", "nearby") for c in none.candidates for r in c.reasons)


def test_no_reason_is_shared_by_every_candidate(ex: Explorer) -> None:
    for city in ("Cork", "Suwon", "Bangkok", "Hamburg"):
        rec = recommend(ex, city, limit=100)
        keys = [{(r.feature, tuple(r.evidence)) for r in c.reasons} for c in rec.candidates]
        if len(keys) > 1:
            assert not set.intersection(*keys), city


def test_recommendation_is_deterministic_and_weights_change_it(ex: Explorer) -> None:
    first = recommend(ex, "Cork", limit=10)
    assert first.model_dump() == recommend(ex, "Cork", limit=10).model_dump()
    mentors = recommend(ex, "Cork", limit=5, weights=Weights(mentor=10))
    awarded = {c.id for c in ex.cities(awarded=True, limit=1000).data}
    assert all(c.city.id in awarded for c in mentors.candidates)
    far = recommend(ex, "Cork", limit=5, weights=Weights(other_region=10, same_region=0))
    assert all(c.city.region != "europe-north-america" for c in far.candidates)


def test_hubs_count_only_when_asked(ex: Explorer) -> None:
    rec = recommend(ex, "Bangkok", limit=10, include_hubs=True)
    assert any(b.node.id in ex.hubs().ids() for c in rec.candidates for b in c.brokers)
    default = recommend(ex, "Bangkok", limit=10)
    assert len(default.candidates) == 10
    assert all(c.city.status == "member" for c in default.candidates)
    assert not any(b.node.id in ex.hubs().ids() for c in default.candidates for b in c.brokers)


def test_a_city_with_no_links_gets_answers_from_context_alone(ex: Explorer) -> None:
    ctx = ex.network_context()
    lonely = next(
        c.id
        for c in ex.cities(status="member", limit=1000).data
        if not ctx.degree.get(c.id) and not [p for p in ex.profile(c.id).partners if p.id not in ex.hubs().ids()]
    )
    rec = recommend(ex, lonely, limit=5)
    assert rec.notes and "context alone" in rec.notes[0]
    assert len(rec.candidates) == 5 and all(c.reasons for c in rec.candidates)
    assert all(c.city.status == "member" for c in rec.candidates)


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
    pairs = {(r["a"], r["b"]) for r in ex.store.read(cypher.LINK_PAIRS)}
    assert links_only.edges == len(pairs) and links_only.nodes == ex.store.count(Label.CITY)
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
    good = check_profile(
        ProfileInput(
            name="Chiang Mai",
            country="Thailand",
            population=127240,
            elected_council=True,
            mayor_endorsed=True,
            kind="municipality",
        )
    )
    assert good.verdict == "eligible" and good.eligible is True
    small = check_profile(
        ProfileInput(name="Tiny", population=8000, elected_council=True, mayor_endorsed=True, kind="village")
    )
    assert small.verdict == "not eligible"
    assert [r.verdict for r in small.rules] == ["pass", "fail", "pass", "pass"]
    unknown = check_profile(ProfileInput(name="Somewhere", population=50_000))
    assert unknown.verdict == "undetermined" and unknown.eligible is None
    province = check_profile(
        ProfileInput(name="P", population=10**6, elected_council=True, mayor_endorsed=True, kind="province")
    )
    assert province.verdict == "not eligible"
    with pytest.raises(InputError, match="kind"):
        check_profile(ProfileInput(name="X", kind="spaceship"))

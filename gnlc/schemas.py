"""The answers of the partnership questions, as typed models: the API returns them as JSON
(and documents them in OpenAPI), the CLI prints them, the Python API turns them into
DataFrames. One set of models for all three."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from gnlc.peers import Feature

T = TypeVar("T")
Scalar = str | int | float | bool | None


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Model):
    """Every error answer: what went wrong, where, and what was expected."""

    error: str = Field(description="the kind of error, e.g. NotFound, InputError, InvalidRequest, EngineUnavailable")
    message: str = Field(description="names the parameter, file, row or column and what was expected")
    suggestions: list[str] | None = Field(None, description="closest names (404) or the candidates (409)")


class Page(Model, Generic[T]):
    """One page of a longer list: ``count`` is the size of the whole list."""

    data: list[T]
    count: int = Field(description="number of items matching the filters, over all pages")
    limit: int
    offset: int
    next_offset: int | None = Field(None, description="offset of the next page; null on the last page")


class Sourced(Model):
    """A fact and where it came from."""

    source: str | None = Field(None, description="file the fact was loaded from")
    source_row: int | None = Field(None, description="row of that file (header = row 1)")
    source_url: str | None = Field(None, description="page the row cites")


class CitySummary(Sourced):
    id: str
    name: str
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code")
    region: str | None = Field(None, description="UNESCO region id")
    kind: str | None = None
    status: str | None = Field(None, description="member, applicant, former or none")
    year_joined: int | None = None
    population: int | None = None
    population_source: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    wikidata: str | None = Field(None, description="Wikidata item (QID)")
    wikidata_url: str | None = Field(None, description="the Wikidata item's page")
    sources: list[str] = Field(
        default_factory=list, description="every file that mentioned the city: file row | URL | load time"
    )


class OrgSummary(Sourced):
    id: str
    name: str
    kind: str | None = None
    country: str | None = None
    partners: int = Field(0, description="number of partner cities")


class Ref(Sourced):
    id: str
    name: str | None = None


class MembershipFact(Ref):
    since: int | None = None
    status: str | None = None


class ClusterFact(Ref):
    role: str | None = None


class AwardFact(Ref):
    year: int | None = None


class PartnerFact(Ref):
    kind: str | None = None
    role: str | None = None
    since: int | None = None
    until: int | None = None
    derivation: str | None = Field(None, description="set when the fact is derived by a rule, not read in a row")


class LinkFact(Ref):
    country: str | None = None
    kind: str | None = None
    since: int | None = None
    until: int | None = None


class ConferenceFact(Ref):
    year: int | None = None


class Degree(Model):
    links: int = Field(description="city-to-city links (each link kind counts)")
    partners: int = Field(description="partner organisations")
    total: int


class CityProfile(Model):
    city: CitySummary
    aliases: list[str] = []
    country_name: str | None = None
    region_name: str | None = None
    memberships: list[MembershipFact] = []
    clusters: list[ClusterFact] = []
    awards: list[AwardFact] = []
    partners: list[PartnerFact] = []
    links: dict[str, list[LinkFact]] = Field({}, description="city-to-city links grouped by kind")
    hosted: list[ConferenceFact] = []
    attended: list[ConferenceFact] = []
    degree: Degree
    sources: list[str] = Field([], description="every page cited by the facts above")


class GNode(Model):
    id: str
    label: str
    name: str | None = None
    kind: str | None = None
    country: str | None = None
    region: str | None = None
    props: dict[str, Any] = Field({}, description="all stored properties")


class GEdge(Sourced):
    source_id: str
    target_id: str
    type: str
    kind: str | None = None
    role: str | None = None
    since: int | None = None
    until: int | None = None
    derivation: str | None = None


class Subgraph(Model):
    """Nodes and edges of a part of the graph (neighbourhood, path, recommendations...)."""

    title: str = ""
    nodes: list[GNode]
    edges: list[GEdge]
    truncated: bool = Field(False, description="the node bound was reached; more exists")
    notes: list[str] = []


class LinkRow(Model):
    city: GNode
    link: GEdge


class PathOut(Model):
    length: int
    nodes: list[GNode]
    edges: list[GEdge]


class PathResult(Model):
    source: CitySummary
    target: CitySummary
    via: Literal["cities", "all"]
    max_hops: int
    paths: list[PathOut]
    note: str | None = None


class Broker(Model):
    node: GNode
    score: float = Field(description="Adamic-Adar weight: 1/ln(degree); a broker with fewer partners is closer")
    degree: int
    to_source: list[str] = Field(description="link kinds or partner roles joining the broker to the first city")
    to_target: list[str] = Field(description="link kinds or partner roles joining the broker to the second city")
    text: str


class BrokerResult(Model):
    source: CitySummary
    target: CitySummary
    linked: bool = Field(description="the two cities are already linked")
    brokers: list[Broker]
    note: str | None = Field(None, description="what was left out (hub organisations) and how to keep it")


class Bridge(Model):
    organisation: GNode
    cities: int


class SharedCity(Model):
    city: GNode
    role_a: str | None
    role_b: str | None


class Weights(Model):
    """Weights of the recommendation score (each feature's value times its weight, summed;
    the features are defined in :mod:`gnlc.peers`). The defaults were chosen by
    ``bench/recommend_eval.py`` (see bench/RESULTS.md), not by hand."""

    model_config = ConfigDict(extra="ignore")  # read from query parameters beside others

    common_neighbours: float = Field(
        1.0,
        ge=0,
        le=100,
        description="times the Adamic-Adar sum over the cities "
        "linked to both and the partner organisations of both (hubs excepted)",
    )
    country_affinity: float = Field(
        2.0,
        ge=0,
        le=100,
        description="times the share of the links of the city's country that go to the candidate's country",
    )
    active_partner: float = Field(0.0, ge=0, le=100, description="times ln(1 + cities the candidate is linked to)")
    shared_clusters: float = Field(4.0, ge=0, le=100, description="per thematic cluster both cities are in")
    similar_size: float = Field(0.0, ge=0, le=100, description="times size similarity (1 = same population)")
    same_region: float = Field(0.0, ge=0, le=100, description="when both are in the same UNESCO region")
    other_region: float = Field(
        0.0, ge=0, le=100, description="when the regions differ (raise it to look for complementary peers)"
    )
    mentor: float = Field(0.0, ge=0, le=100, description="when the candidate won the UNESCO Learning City Award")
    three_steps: float = Field(
        1.0,
        ge=0,
        le=100,
        description="times the sum over paths city - a - b - candidate "
        "through linked cities of 1 / sqrt(degree a x degree b)",
    )
    nearby: float = Field(0.3, ge=0, le=100, description="times nearness, 1 / (1 + km / 100), between the two cities")
    near_partners: float = Field(
        0.0,
        ge=0,
        le=100,
        description="times nearness between the candidate and the nearest of the city's linked cities",
    )


class Reason(Model):
    feature: Feature
    value: float
    weight: float
    contribution: float
    text: str
    evidence: list[str] = []


class Candidate(Model):
    city: CitySummary
    score: float
    reasons: list[Reason]
    brokers: list[Broker]


class Recommendation(Model):
    city: CitySummary
    weights: Weights
    considered: int = Field(description="candidates scored")
    candidates: list[Candidate]
    notes: list[str] = Field(
        [],
        description="how the list was built: hubs left out, reasons every candidate "
        "shared (dropped), or that it rests on context alone",
    )


class CountRow(Model):
    key: str | int | None
    name: str | None = None
    count: int


class GrowthRow(Model):
    year: int | None
    joined: int
    total: int


class RankedNode(Model):
    id: str
    label: str
    name: str | None
    value: float


class Community(Model):
    id: int
    size: int
    members: list[str]
    names: list[str]


class NetworkStats(Model):
    scope: Literal["cities", "partnerships"]
    nodes: int
    edges: int
    density: float
    components: int
    largest_component: int
    isolated: int


class ProfileInput(Model):
    """A city profile submitted for an eligibility check."""

    name: str = Field(min_length=1, max_length=200)
    country: str | None = Field(None, max_length=100)
    population: int | None = Field(None, ge=0, le=100_000_000, strict=True)
    elected_council: bool | None = Field(
        None, strict=True, description="governed by an elected council or other elected body"
    )
    mayor_endorsed: bool | None = Field(
        None, strict=True, description="application endorsed by the mayor or a city representative"
    )
    kind: str | None = Field(None, max_length=50, description="municipality, village, town, community...")


class RuleVerdict(Model):
    rule: str
    verdict: Literal["pass", "fail", "unknown"]
    evidence: str
    source: str | None = None


class Eligibility(Model):
    city: str
    verdict: Literal["eligible", "not eligible", "undetermined"]
    eligible: bool | None
    rules: list[RuleVerdict]

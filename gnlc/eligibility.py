"""GNLC membership eligibility, by the network's rules (see docs/domain.md):

1. the application is endorsed by the mayor or a city representative;
2. the city has at least 10,000 inhabitants;
3. it is governed by an elected council (or another elected body);
4. it is a learning municipality, village, town or community.

Each rule gets ``pass``, ``fail`` or ``unknown`` with the evidence used. The verdict is
``eligible`` when every rule passes, ``not eligible`` when one fails, ``undetermined``
otherwise. For a member city, admission itself is evidence for rules 1 and 3 (UIL checks
them when a city joins); population and kind are judged on the data.
"""

from __future__ import annotations

from typing import Any, Literal

from gnlc.errors import InputError
from gnlc.explore import Explorer
from gnlc.graph.model import MIN_MEMBER_POPULATION, CityKind, Label, MembershipStatus
from gnlc.loaders.normalise import city_kind, country_code
from gnlc.schemas import Eligibility, ProfileInput, RuleVerdict

MIN_POPULATION = MIN_MEMBER_POPULATION
ELIGIBLE_KINDS = {CityKind.MUNICIPALITY, CityKind.VILLAGE, CityKind.TOWN, CityKind.COMMUNITY}
# local governments with an elected council of their own (Seoul's gu, counties): municipalities
MUNICIPAL_KINDS = {CityKind.DISTRICT, CityKind.COUNTY}
RULES = {
    "endorsement": "endorsed by the mayor or a city representative",
    "population": f"at least {MIN_POPULATION:,} inhabitants",
    "elected_council": "governed by an elected council or other elected body",
    "kind": "a learning municipality, village, town or community",
}


def check_city(ex: Explorer, ref: str, country: str | None = None) -> Eligibility:
    cid = ex.city_id(ref, country)
    props = ex.store.node(Label.CITY, cid) or {}
    return _judge(props.get("name") or cid, props, member_since=_member_since(props))


def check_profile(profile: ProfileInput) -> Eligibility:
    if profile.country and not country_code(profile.country):
        raise InputError(f"country: expected a country name or ISO code, got {profile.country!r}")
    props: dict[str, Any] = profile.model_dump()
    if profile.kind:
        kind = city_kind(profile.kind)
        if kind is None:
            raise InputError(f"kind: expected one of {', '.join(k.value for k in CityKind)}, got {profile.kind!r}")
        props["kind"] = kind
    props["source"] = "submitted profile"
    return _judge(profile.name, props, member_since=None)


def _member_since(props: dict[str, Any]) -> int | None:
    if props.get("status") == MembershipStatus.MEMBER.value:
        return props.get("year_joined") or 0
    return None


def _judge(name: str, p: dict[str, Any], *, member_since: int | None) -> Eligibility:
    src = p.get("source_url") or p.get("source")
    member = member_since is not None
    joined = f"member of the GNLC since {member_since}" if member_since else "member of the GNLC"
    rules = [
        _flag("endorsement", p.get("mayor_endorsed"), "mayor's endorsement", member, joined, src),
        _population(p),
        _flag("elected_council", p.get("elected_council"), "elected council", member, joined, src),
        _kind(p, member, joined, src),
    ]
    verdicts = {r.verdict for r in rules}
    verdict: Literal["eligible", "not eligible", "undetermined"]
    if "fail" in verdicts:
        verdict, eligible = "not eligible", False
    elif verdicts == {"pass"}:
        verdict, eligible = "eligible", True
    else:
        verdict, eligible = "undetermined", None
    return Eligibility(city=name, verdict=verdict, eligible=eligible, rules=rules)


def _flag(rule: str, value: bool | None, what: str, member: bool, joined: str, src: str | None) -> RuleVerdict:
    if value is True:
        return RuleVerdict(rule=RULES[rule], verdict="pass", evidence=f"{what}: yes", source=src)
    if value is False:
        return RuleVerdict(rule=RULES[rule], verdict="fail", evidence=f"{what}: no", source=src)
    if member:
        return RuleVerdict(
            rule=RULES[rule], verdict="pass", evidence=f"{joined}: admission requires it (no direct record)", source=src
        )
    return RuleVerdict(rule=RULES[rule], verdict="unknown", evidence=f"{what}: not recorded", source=src)


ESTIMATED = frozenset({"geonames"})  # population sources that are estimates, not a figure of the city's own


def _population(p: dict[str, Any]) -> RuleVerdict:
    """A recorded figure passes or fails; an estimate (a gazetteer's figure for a place of the
    same name) may pass but never fails a city on its own: it is 'unknown', with the estimate."""
    pop, origin = p.get("population"), p.get("population_source") or p.get("source_url") or p.get("source")
    if pop is None:
        return RuleVerdict(rule=RULES["population"], verdict="unknown", evidence="population: not recorded")
    ok = pop >= MIN_POPULATION
    if p.get("population_source") in ESTIMATED:
        return RuleVerdict(
            rule=RULES["population"],
            verdict="pass" if ok else "unknown",
            source=origin,
            evidence=f"population estimate {pop:,} from the gazetteer ({origin}), "
            f"{'at least' if ok else 'below'} {MIN_POPULATION:,}"
            + ("" if ok else "; an estimate alone does not fail a city: record its figure"),
        )
    return RuleVerdict(
        rule=RULES["population"],
        verdict="pass" if ok else "fail",
        evidence=f"population {pop:,} ({'at least' if ok else 'below'} {MIN_POPULATION:,})",
        source=origin,
    )


def _kind(p: dict[str, Any], member: bool, joined: str, src: str | None) -> RuleVerdict:
    kind = p.get("kind")
    if kind in ELIGIBLE_KINDS:
        return RuleVerdict(rule=RULES["kind"], verdict="pass", evidence=f"kind: {kind}", source=src)
    if kind in MUNICIPAL_KINDS:
        return RuleVerdict(
            rule=RULES["kind"],
            verdict="pass",
            evidence=f"kind: {kind}, a local government with its own elected council",
            source=src,
        )
    if kind:
        return RuleVerdict(rule=RULES["kind"], verdict="fail", evidence=f"kind: {kind}", source=src)
    if member:
        return RuleVerdict(
            rule=RULES["kind"], verdict="pass", evidence=f"{joined}: admitted as a learning city", source=src
        )
    return RuleVerdict(rule=RULES["kind"], verdict="unknown", evidence="kind: not recorded", source=src)

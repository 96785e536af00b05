"""Membership eligibility by the network's rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from gnlc.api.deps import ExplorerDep
from gnlc.api.routers.cities import CityRef, CountryQ
from gnlc.eligibility import check_city, check_profile
from gnlc.schemas import Eligibility, ProfileInput

router = APIRouter(tags=["eligibility"])
PROFILE_EXAMPLE = {
    "name": "Chiang Mai",
    "country": "Thailand",
    "population": 127240,
    "elected_council": True,
    "mayor_endorsed": True,
    "kind": "municipality",
}


@router.get(
    "/cities/{city}/eligibility",
    response_model=Eligibility,
    summary="Is a city in the graph eligible? Each rule's verdict and evidence",
)
def city_eligibility(ex: ExplorerDep, city: CityRef, country: CountryQ = None) -> Eligibility:
    return check_city(ex, city, country)


@router.post("/eligibility", response_model=Eligibility, summary="Is a submitted city profile eligible? (no write)")
def profile_eligibility(profile: Annotated[ProfileInput, Body(examples=[PROFILE_EXAMPLE])]) -> Eligibility:
    return check_profile(profile)

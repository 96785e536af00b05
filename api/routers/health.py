"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gnlc import __version__
from gnlc.api.deps import ServicesDep

router = APIRouter(tags=["health"])
Responses = dict[int | str, dict[str, Any]]
OK: Responses = {200: {"content": {"application/json": {"example": {"status": "ok", "version": "0.1.0"}}}}}
READY: Responses = {
    200: {
        "content": {
            "application/json": {
                "example": {
                    "status": "ready",
                    "engine": "embedded FalkorDB at /home/me/.local/share/gnlc/engine/falkordb.sock (graph gnlc)",
                    "cities": 331,
                }
            }
        }
    }
}


@router.get("/health", responses=OK, summary="The API process is up (does not touch the engine)")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", responses=READY, summary="The engine answers: ready to serve queries")
def ready(svc: ServicesDep) -> dict[str, object]:
    ex = svc.explorer()
    ex.store.ping()
    from gnlc.graph.model import Label

    return {"status": "ready", "engine": ex.store.description, "cities": ex.store.count(Label.CITY)}

"""The FastAPI application: routers, error mapping (one place), CORS and request bounds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from gnlc.api.deps import Services
from gnlc.api.routers import analytics, cities, eligibility, exports, health, links, loads, maps
from gnlc.graph.store import GraphStore

from gnlc import __version__
from gnlc.errors import GnlcError
from gnlc.settings import Settings, load_settings

MAX_BODY_BYTES = 5 * 1024 * 1024
DESCRIPTION = """\
Partnership questions about the UNESCO Global Network of Learning Cities: find cities and
organisations, city profiles with their sources, links (as of a year), neighbourhoods,
shortest paths, brokers who could introduce two cities, peer-partner recommendations with
reasons, network analytics, membership eligibility, and exports (GraphML, GEXF, CSV, JSON).

Read endpoints are open; write endpoints need the `X-API-Key` header and are off when the
server has no `GNLC_API_KEY`. Errors are `{"error": ..., "message": ..., "suggestions": [...]}`
(404 unknown name, with the closest names; 409 ambiguous name; 422 bad parameter, naming it;
503 engine down).
"""


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """The API over the store the settings name (or over ``store``, which stays the caller's)."""
    settings = settings or load_settings()
    svc = Services(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        svc.close()

    app = FastAPI(title="GNLC partnership graph", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.services = svc
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["X-API-Key", "Content-Type"])

    @app.middleware("http")
    async def bound_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse(status_code=413, content={
                "error": "PayloadTooLarge", "message": f"request body: expected at most {MAX_BODY_BYTES} bytes"})
        return await call_next(request)

    @app.exception_handler(GnlcError)
    async def gnlc_error(request: Request, exc: GnlcError) -> JSONResponse:
        body: dict[str, object] = {"error": type(exc).__name__, "message": str(exc)}
        if getattr(exc, "suggestions", None):
            body["suggestions"] = exc.suggestions  # type: ignore[attr-defined]
        return JSONResponse(status_code=exc.http_status, content=body)

    for module in (health, cities, links, analytics, eligibility, exports, maps, loads):
        app.include_router(module.router)
    return app

"""The FastAPI application: routers, error mapping (one place), CORS and request bounds."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from gnlc import __version__
from gnlc.api.budget import RequestBudget
from gnlc.api.deps import Services
from gnlc.api.docs import add_docs
from gnlc.api.params import check_parameters
from gnlc.api.routers import analytics, cities, eligibility, exports, health, links, loads, maps
from gnlc.errors import GnlcError
from gnlc.graph.store import GraphStore
from gnlc.schemas import ErrorBody
from gnlc.settings import Settings, load_settings

MAX_BODY_BYTES = 5 * 1024 * 1024
DESCRIPTION = """\
Partnership questions about the UNESCO Global Network of Learning Cities: find cities and
organisations, city profiles with their sources, links (as of a year), neighbourhoods,
shortest paths, brokers who could introduce two cities, peer-partner recommendations with
reasons, network analytics, membership eligibility, and exports (GraphML, GEXF, CSV, JSON).

Read endpoints are open; write endpoints need the `X-API-Key` header and are off when the
server has no `GNLC_API_KEY`. Errors are `{"error": ..., "message": ..., "suggestions": [...]}`
(404 unknown name, with the closest names; 409 ambiguous name; 422 bad or unknown parameter, naming it;
413 body too large; 411 body without a length; 503 engine down, or no answer within the server's
time budget per request).
"""


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorBody, "description": description}


# Documented on every endpoint (the write endpoint adds 401 and 403): the answers come from
# the handlers below, always as ErrorBody in JSON (also on the endpoints that answer HTML).
ERRORS: dict[int | str, dict[str, object]] = {
    400: _error("a request body that cannot be read (not JSON, not UTF-8)"),
    404: _error(
        "a named city, organisation, cluster, region or country is not in the graph; suggestions: the closest names"
    ),
    409: _error("a name matches several cities: pass `country`; suggestions: the candidates"),
    411: _error("a request body without a Content-Length"),
    413: _error(f"a request body over {MAX_BODY_BYTES:,} bytes"),
    422: _error(
        "a parameter, field, file, row or column is not what was expected, or a query parameter the "
        "endpoint does not take; the message names it"
    ),
    503: _error(
        "the graph engine does not answer, or no answer started within the time budget per request "
        "(GNLC_REQUEST_BUDGET_MS); retry later, or ask for less"
    ),
}


def _methods_of(app: FastAPI, request: Request) -> list[str]:
    """The methods the OpenAPI schema lists for the request's path (GET and DELETE on /loads/{id}),
    HEAD with GET as Starlette answers it."""
    methods: set[str] = set()
    for template, item in app.openapi().get("paths", {}).items():
        pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}/]+\}", template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in item}
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


class BoundedBody:
    """ASGI middleware: a request body says its size (411 without a Content-Length, as a chunked one
    does not) and is at most ``max_bytes`` (413). A plain ASGI class: Starlette's ``@app.middleware``
    wraps every answer in a stream of its own (about 0.3 ms a request)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = self._refusal(scope["headers"])
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, headers: list[tuple[bytes, bytes]]) -> JSONResponse | None:
        length = next((v for k, v in headers if k == b"content-length"), None)
        if length is None and any(k == b"transfer-encoding" for k, _ in headers):  # chunked: size not known upfront
            return JSONResponse(
                status_code=411,
                content={"error": "LengthRequired", "message": "request body: expected a Content-Length header"},
            )
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return JSONResponse(
                status_code=413,
                content={
                    "error": "PayloadTooLarge",
                    "message": f"request body: expected at most {self.max_bytes} bytes",
                },
            )
        return None


def create_app(settings: Settings | None = None, *, store: GraphStore | None = None) -> FastAPI:
    """The API over the store the settings name (or over ``store``, which stays the caller's)."""
    settings = settings or load_settings()
    svc = Services(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.openapi()  # built once here, not by the first request's parameter check (in the event loop)
        yield
        svc.close()

    app = FastAPI(
        title="GNLC partnership graph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(check_parameters)],
        docs_url=None,
        redoc_url=None,
    )
    add_docs(app)
    app.state.services = svc
    app.add_middleware(RequestBudget, seconds=settings.request_budget_ms / 1000)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type"],
        )
    app.add_middleware(BoundedBody, max_bytes=MAX_BODY_BYTES)  # the outermost: refused before anything runs

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's own parameter checks, in the same shape as every other error (the value is not echoed)."""
        parts = []
        for err in exc.errors():
            where, *field = [str(x) for x in err.get("loc", ())] or ["request"]
            name = ".".join(field) or where
            parts.append(
                f"{where} parameter {name!r}: {err.get('msg', 'invalid')}"
                if where != "body"
                else f"request body field {name!r}: {err.get('msg', 'invalid')}"
            )
        return JSONResponse(status_code=422, content={"error": "InvalidRequest", "message": "; ".join(parts)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Starlette's and FastAPI's own answers (no such path, wrong method, unreadable body) in the same shape."""
        kinds = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed"}
        message = {
            404: f"no endpoint at {request.url.path!r}: see /docs",
            405: f"{request.method} is not allowed on {request.url.path!r}: see /docs",
        }.get(exc.status_code, f"request: {exc.detail}")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # every method of the path (Starlette names only its first route's)
            headers = {**(headers or {}), "Allow": ", ".join(_methods_of(app, request))}
        return JSONResponse(
            status_code=exc.status_code,
            headers=headers,
            content={"error": kinds.get(exc.status_code, "HTTPError"), "message": message},
        )

    @app.exception_handler(GnlcError)
    async def gnlc_error(request: Request, exc: GnlcError) -> JSONResponse:
        body: dict[str, object] = {"error": type(exc).__name__, "message": str(exc)}
        if suggestions := getattr(exc, "suggestions", None):  # a name not found, or found several times
            body["suggestions"] = suggestions
        return JSONResponse(status_code=exc.http_status, content=body)

    for module in (health, cities, links, analytics, eligibility, exports, loads):
        app.include_router(module.router, responses=ERRORS)
    app.include_router(
        maps.router,
        responses={
            code: {
                "description": r["description"],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
            }
            for code, r in ERRORS.items()
        },
    )
    return app

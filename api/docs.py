"""The API's documentation page, /docs: Swagger UI served from the package, so it works offline.

FastAPI's own page loads Swagger UI from a CDN (blank without a network); this one points at
the copy in ``gnlc/static/swagger-ui`` (npm ``swagger-ui-dist``, with its licence).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs-assets"
SWAGGER_UI = ("gnlc", "static/swagger-ui")


def add_docs(app: FastAPI) -> None:
    """Serve /docs and its assets (the app is created with ``docs_url=None``, ``redoc_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(packages=[SWAGGER_UI]), name="docs-assets")

    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API docs",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon-32x32.png",
        )

    app.add_route(DOCS_URL, docs, include_in_schema=False)

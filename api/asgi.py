"""ASGI entry point for servers: `uvicorn gnlc.api.asgi:app` (settings from the environment)."""

from gnlc.api.app import create_app

app = create_app()

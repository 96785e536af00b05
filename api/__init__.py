"""The HTTP API (FastAPI): `create_app()` builds it; `gnlc serve` runs it with uvicorn."""

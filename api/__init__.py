"""The HTTP API (FastAPI). Its endpoints come with the partnership-API issue."""

"""What every endpoint shares: the services over one store, opened on first use.

The store is opened lazily, so the API starts (and answers 503) while the engine is down,
and serves again as soon as it is back; it never starts or restarts the engine itself
(`gnlc serve` starts the embedded one before the API).
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from gnlc.analytics import Analytics
from gnlc.api.jobs import LoadJobs, run_upload
from gnlc.errors import GnlcError
from gnlc.explore import Explorer
from gnlc.graph.store import GraphStore, open_store
from gnlc.settings import Settings


class WritesOff(GnlcError):
    """A write endpoint was called while writes are off (no GNLC_API_KEY set)."""

    http_status = 403


class BadKey(GnlcError):
    """A write endpoint was called without the API key, or with a wrong one."""

    http_status = 401


class Services:
    def __init__(self, settings: Settings, store: GraphStore | None = None) -> None:
        self.settings = settings
        self._store = store
        self._owns_store = store is None
        self._lock = threading.Lock()
        self._explorer: Explorer | None = None
        self._analytics: Analytics | None = None
        self._load_jobs: LoadJobs | None = None

    def explorer(self) -> Explorer:
        with self._lock:
            if self._explorer is None:
                if self._store is None:
                    self._store = open_store(self.settings, autostart=False)
                self._explorer = Explorer(self._store)
                self._analytics = Analytics(self._explorer)
            return self._explorer

    def opened(self) -> Explorer | None:
        """The explorer once the store is open (no waiting), else None."""
        return self._explorer

    def analytics(self) -> Analytics:
        self.explorer()
        assert self._analytics is not None
        return self._analytics

    def load_jobs(self) -> LoadJobs:
        """The loads of this API (every POST /load and /loads), run one after another."""
        with self._lock:
            if self._load_jobs is None:
                self._load_jobs = LoadJobs(lambda upload, control: run_upload(self, upload, control))
            return self._load_jobs

    def close(self) -> None:
        if self._load_jobs is not None:  # cancelled, with a few seconds to stop, before the store goes
            self._load_jobs.close(wait_s=5)
        if self._store is not None and self._owns_store:
            self._store.close()


async def services(request: Request) -> Services:
    return request.app.state.services


async def explorer(request: Request) -> Explorer:
    """The explorer; the first request opens the store in a worker thread (it waits on the engine).
    Async (as ``services``): a plain function would cost every request a hop to a worker thread.
    It reads the services itself rather than through ``Depends(services)``: one dependency less
    to resolve on every request."""
    svc: Services = request.app.state.services
    ex = svc.opened()
    return ex if ex is not None else await run_in_threadpool(svc.explorer)


async def analytics(request: Request) -> Analytics:
    svc: Services = request.app.state.services
    return svc.analytics() if svc.opened() else await run_in_threadpool(svc.analytics)


def require_api_key(
    svc: Annotated[Services, Depends(services)],
    x_api_key: Annotated[str | None, Header(description="the key of GNLC_API_KEY", max_length=1000)] = None,
) -> None:
    """Write endpoints: off without GNLC_API_KEY; with it, the request must carry the key."""
    import hmac

    key = svc.settings.api_key
    if key is None or not key.get_secret_value():
        raise WritesOff("write endpoints are off: set GNLC_API_KEY on the server to turn them on")
    if x_api_key is None or not hmac.compare_digest(x_api_key.encode(), key.get_secret_value().encode()):
        raise BadKey("X-API-Key header: expected the server's API key")


ExplorerDep = Annotated[Explorer, Depends(explorer)]
AnalyticsDep = Annotated[Analytics, Depends(analytics)]
ServicesDep = Annotated[Services, Depends(services)]

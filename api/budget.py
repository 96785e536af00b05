"""A time budget per request: an answer not started within ``GNLC_REQUEST_BUDGET_MS`` milliseconds
is a 503 saying so, and the connection is free again.

The work itself cannot always be stopped: a handler runs in a worker thread, which Python
cannot interrupt. It goes on in the background (each engine query is bounded by
``GNLC_QUERY_TIMEOUT_MS``) and whatever it answers later is dropped.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestBudget:
    """ASGI middleware: HTTP requests get ``seconds`` to start their answer."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "late": False}

        async def send_in_time(message: Message) -> None:
            if state["late"]:
                return  # the client has had its 503
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        work = asyncio.ensure_future(self.app(scope, receive, send_in_time))
        done, _ = await asyncio.wait({work}, timeout=self.seconds)
        if work in done:
            work.result()  # the app's own exception, if any, as without the budget
            return
        if state["started"]:  # the answer is on its way (a long download): let it finish
            await work
            return
        state["late"] = True
        work.add_done_callback(lambda task: task.cancelled() or task.exception())  # nobody waits for it
        await _too_slow(send, self.seconds)


async def _too_slow(send: Send, seconds: float) -> None:
    body = json.dumps(
        {
            "error": "Timeout",
            "message": f"request: no answer within {seconds:g} s, this server's "
            "budget per request (GNLC_REQUEST_BUDGET_MS); ask for less (a smaller scope, a region, a "
            "lower limit) or retry later",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""Checks on every request's query and path parameters, before any handler runs.

A control character (NUL, a line break, ESC, DEL, the C1 range: Unicode category Cc) is
never part of a name, a kind or a number, and the engine's client writes parameters into
the statement's text, where a NUL ended the statement (a 500 with the engine's parser
error). Such a parameter is a 422 naming it, in the API's usual error shape.
"""

from __future__ import annotations

import unicodedata

from fastapi import Request
from fastapi.exceptions import RequestValidationError


def _first_control(value: str) -> int | None:
    """The position of the first control character in ``value``, or None."""
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc":
            return position
    return None


async def check_parameters(request: Request) -> None:
    """The app-wide dependency: both checks below, in one (FastAPI resolves each dependency of
    every request anew: two of them cost a profile's request about a fifth of its time at 100k
    cities). Async, as it never waits: a plain function would cost a hop to a worker thread."""
    refuse_control_characters(request)
    refuse_unknown_parameters(request)


def refuse_control_characters(request: Request) -> None:
    """A query or path parameter holding a control character is a 422."""
    params = [("query", name, value) for name, value in request.query_params.multi_items()]
    params += [("path", name, value) for name, value in request.path_params.items() if isinstance(value, str)]
    errors = []
    for where, name, value in params:
        position = _first_control(value)
        if _first_control(name) is not None:  # in the name itself: say so, the position is in the value
            position, value = _first_control(name), name
        if position is not None:
            errors.append(
                {
                    "loc": (where, name),
                    "type": "value_error",
                    "msg": f"expected text without control characters; found U+{ord(value[position]):04X} "
                    f"at position {position + 1}",
                }
            )
    if errors:
        raise RequestValidationError(errors)


def refuse_unknown_parameters(request: Request) -> None:
    """A query parameter the endpoint does not take is a 422 naming it.

    What an endpoint takes is read from its entry in the OpenAPI schema, so the check and the
    documentation cannot disagree (a misspelt ``limt=5`` is refused, not silently ignored).
    """
    accepted = _query_parameters(request)
    if accepted is None:
        return
    unknown = sorted({name for name in request.query_params if name not in accepted})
    if unknown:
        endpoint = f"{request.method} {_path_format(request)}"
        takes = ", ".join(sorted(accepted)) or "no query parameters"
        errors = [
            {
                "loc": ("query", name),
                "type": "extra_forbidden",
                "msg": f"not a parameter of {endpoint}" + (f" (it takes: {takes})" if name == unknown[-1] else ""),
            }
            for name in unknown
        ]
        raise RequestValidationError(errors)


def _path_format(request: Request) -> str:
    path_format = getattr(request.scope.get("route"), "path_format", None)
    return str(path_format) if path_format is not None else request.url.path  # the URL only when needed


def _query_parameters(request: Request) -> frozenset[str] | None:
    """The query parameters the OpenAPI schema lists for the request's endpoint (None: not in the
    schema), from a table of every endpoint made from the schema on first use."""
    table: dict[tuple[str, str], frozenset[str]] | None = getattr(request.app.state, "query_parameters", None)
    if table is None:
        table = {
            (path, method.upper()): frozenset(p["name"] for p in op.get("parameters", []) if p.get("in") == "query")
            for path, operations in request.app.openapi().get("paths", {}).items()
            for method, op in operations.items()
            if isinstance(op, dict)
        }
        request.app.state.query_parameters = table
    return table.get((_path_format(request), request.method))

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


def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: a query or path parameter holding a control character is a 422."""
    params = [("query", name, value) for name, value in request.query_params.multi_items()]
    params += [("path", name, value) for name, value in request.path_params.items() if isinstance(value, str)]
    errors = []
    for where, name, value in params:
        position = _first_control(value)
        if _first_control(name) is not None:  # in the name itself: say so, the position is in the value
            position, value = _first_control(name), name
        if position is not None:
            errors.append({"loc": (where, name), "type": "value_error",
                           "msg": f"expected text without control characters; found U+{ord(value[position]):04X} "
                                  f"at position {position + 1}"})
    if errors:
        raise RequestValidationError(errors)

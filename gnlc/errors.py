"""The project's own exceptions. Each carries the CLI exit code and HTTP status it maps to;
the CLI and the API translate them in one place each (``gnlc.cli.main``, ``gnlc.api.app``)."""

from __future__ import annotations


class GnlcError(Exception):
    """Base of every error the user is meant to read."""

    exit_code = 1
    http_status = 500


class SettingsError(GnlcError):
    """A setting from the environment has a wrong value."""

    exit_code = 2


class EngineError(GnlcError):
    """The graph engine cannot be used."""

    exit_code = 3
    http_status = 503


class EngineStartError(EngineError):
    """The embedded engine could not be started; the message says why."""


class EngineUnavailable(EngineError):
    """The engine does not answer (stopped, crashed, unreachable)."""


class EngineAuthError(EngineError):
    """The engine refused the credentials."""


class QueryError(GnlcError):
    """The engine rejected a statement."""

    exit_code = 4


class UniqueConstraintError(QueryError):
    """A write would create a second node with the same key."""

    http_status = 409

    def __init__(self, label: str, key: str, detail: str = "") -> None:
        self.label, self.key = label, key
        super().__init__(f"uniqueness constraint on {label}.{key} violated" + (f": {detail}" if detail else ""))


class InputError(GnlcError):
    """Bad user input: a file, a row, a field. The message names where and what was expected."""

    exit_code = 5
    http_status = 422


class UploadTooLarge(InputError):
    """An uploaded file holds more (rows, cells, bytes once unzipped) than the server reads."""

    http_status = 413


class AnswerTooLarge(GnlcError):
    """An answer (an export, a map) would hold more than the server gives in one answer; the
    message says how to ask for less."""

    exit_code = 5
    http_status = 422


class NotFound(GnlcError):
    """A named thing (city, organisation) is not in the graph."""

    exit_code = 6
    http_status = 404

    def __init__(self, what: str, name: str, suggestions: list[str] | None = None) -> None:
        self.what, self.name, self.suggestions = what, name, suggestions or []
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no {what} named {name!r} in the graph{hint}")


class LoadCancelled(GnlcError):
    """A load was cancelled before it wrote anything (or was undone): the graph is as it was."""

    exit_code = 130  # as for an interrupt
    http_status = 409

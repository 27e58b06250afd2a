"""The errors the domain (and the web service's handlers) raise, each with a
Danish message a person may read. They know nothing of HTTP: one middleware
(bot/middleware.py, `error_middleware`) maps each kind to its response, JSON
`{"error": <message>, **details}` on the API and a Danish page elsewhere.

    raise NotFound("Ændringen findes ikke.")
    raise BadInput("Ikke gemt.", problems={"borgerservice.phone": "Skriv ..."})
"""
from __future__ import annotations

from typing import Any, Dict


class DomainError(Exception):
    """An error with a Danish message (shown as it is) and details the API
    adds to its answer (plain JSON values, never the request's body)."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: Dict[str, Any] = details


class BadInput(DomainError, ValueError):
    """Input that is refused: what to write instead (400)."""


class NotFound(DomainError, LookupError):
    """No such thing, or not one the caller may know of (404)."""


class Conflict(DomainError):
    """The thing is not in a state where this can be done (409)."""


class Gone(DomainError):
    """The thing was there and is deleted (410)."""


class NotLoggedIn(DomainError):
    """A login is needed (401; a page sends the browser to the login)."""


class Forbidden(DomainError, PermissionError):
    """The caller may not do this (403)."""


class TooLarge(DomainError):
    """The request is too big (413)."""


class TooMany(DomainError):
    """Too many requests in a short time (429); `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int, **details: Any) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A part the service needs does not answer now (503; 502 when `upstream`)."""

    def __init__(self, message: str, upstream: bool = False, **details: Any) -> None:
        super().__init__(message, **details)
        self.upstream = upstream

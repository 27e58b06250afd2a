"""What every request passes through, in this order:

1. `error_middleware`: the one map from errors to responses. The domain's
   errors (borgerguide/errors.py: BadInput 400, NotLoggedIn 401, Forbidden
   403, NotFound 404, Conflict 409, Gone 410, TooLarge 413, TooMany 429,
   Unavailable 503/502) become `{"error": <Danish>, **details}` on the API
   (/api/) and a Danish page elsewhere; anything else is a 500 that says
   nothing of it. The request's body is never echoed.
2. `origin_middleware`: the public chat API answers its own pages and the
   kommuner's allowed sites (CORS); any other site's browser gets a 403. Each
   citizen endpoint then checks the site against the kommune of what it
   serves (`origin_allowed`: the conversation's kommune, the notices'), so a
   site one kommune allows gets nothing of another kommune's.
3. `session_middleware`: the staff member's or analyst's session, loaded
   off the event loop (bot.session.require checks the role).
4. `csrf_middleware`: every state change by a logged-in user carries the
   session's CSRF token (header `X-CSRF-Token` or form field `csrf_token`).

And on every response but the citizen's side (`security_headers`, run as the
response is prepared, also for redirects, errors and streams): the staff,
analyst and admin pages may not be framed (`frame-ancestors 'none'`) and run
only the service's own scripts and styles (no inline script, no inline style).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, FrozenSet, Optional

from aiohttp import web

from borgerguide.errors import (
    BadInput, Conflict, DomainError, Forbidden, Gone, NotFound, NotLoggedIn, TooLarge, TooMany, Unavailable,
)
from borgerguide.kommuner import widget_origins
from bot.keys import ACCOUNTS, SETTINGS
from bot.offloop import db
from bot.session import HOME, SESSION, body_of, current_session
from bot.stores.accounts import SESSION_COOKIE, csrf_ok
from bot.templating import render

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The citizen's routes prove the conversation with its token, not a session;
# logging in has no session yet; an invitation is proved by its one-time link.
NO_CSRF = ("/api/chat", "/login", "/api/login", "/invitation/")


STATUS = ((BadInput, 400), (NotLoggedIn, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409), (Gone, 410),
          (TooLarge, 413), (TooMany, 429))
FAILED = "Der skete en fejl hos os. Prøv igen om lidt."
TITLES = {400: "Det kunne ikke gemmes", 401: "Log ind", 403: "Ingen adgang", 404: "Findes ikke",
          409: "Det kan ikke lade sig gøre", 410: "Slettet", 413: "For stort", 429: "Vent lidt",
          500: "Der skete en fejl", 502: "Prøv igen om lidt", 503: "Prøv igen om lidt"}


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error (a page that shows its form again uses it too)."""
    if isinstance(error, Unavailable):
        return 502 if error.upstream else 503
    return next((status for kind, status in STATUS if isinstance(error, kind)), 400)


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_response(request: web.Request, status: int, message: str, **details: Any) -> web.Response:
    """`{"error": message, **details}` on the API, a Danish page elsewhere."""
    if wants_json(request):
        return web.json_response({"error": message, **details}, status=status)
    session = current_session(request)
    response = render("error.html", title=TITLES.get(status, "Fejl"), session=session, message=message,
                      home=HOME.get(session.role, "/login") if session else "/login")
    response.set_status(status)
    return response


def domain_response(request: web.Request, error: DomainError) -> web.Response:
    response = error_response(request, status_of(error), error.message, **error.details)
    if isinstance(error, TooMany):
        response.headers["Retry-After"] = str(max(1, error.retry_after))
    return response


def json_error(status: int, message: str) -> web.Response:
    """An error answered before a handler runs (the Origin check): always JSON."""
    return web.json_response({"error": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except DomainError as error:
        return domain_response(request, error)
    except Exception:  # noqa: BLE001 - last line of defence
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(request, 500, FAILED)


def allowed_origins(request: web.Request, kommune_id: Optional[str]) -> FrozenSet[str]:
    """Sites allowed to embed the widget for `kommune_id`: the kommune's own
    `widget_origins` and BORGERGUIDE_ALLOWED_ORIGINS (for no kommune, the
    national default, only the latter)."""
    sites = widget_origins().get(kommune_id, frozenset()) if kommune_id else frozenset()
    return sites | frozenset(request.app[SETTINGS].allowed_origins)


def embedding_sites(request: web.Request) -> FrozenSet[str]:
    """Every site some kommune allows (the first gate; the endpoint checks its kommune)."""
    return frozenset().union(*widget_origins().values()) | frozenset(request.app[SETTINGS].allowed_origins)


def own_origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def origin_allowed(request: web.Request, kommune_id: Optional[str]) -> bool:
    """May the request's site (its `Origin`) use what belongs to `kommune_id`?
    A request without an Origin (not a browser on another site) or from our own pages may."""
    origin = request.headers.get("Origin")
    return not origin or origin == own_origin(request) or origin.rstrip("/") in allowed_origins(request, kommune_id)


@web.middleware
async def origin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if not request.path.startswith("/api/chat") or not origin or origin == own_origin(request):
        return await handler(request)
    if origin.rstrip("/") not in embedding_sites(request):
        return json_error(403, "Denne hjemmeside må ikke bruge Borgerguiden.")
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        try:
            response = await handler(request)
        except Forbidden:
            raise  # nothing for another site to read
        except DomainError as error:  # the widget on the kommune's site must be able to read why
            response = domain_response(request, error)
    response.headers.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                             "Access-Control-Allow-Methods": "GET, POST",
                             "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"})
    return response


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    cookie = request.cookies.get(SESSION_COOKIE)
    request[SESSION] = await db(request.app[ACCOUNTS].session, cookie) if cookie else None
    return await handler(request)


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    session = current_session(request)
    if session is not None and request.method in UNSAFE and not request.path.startswith(NO_CSRF):
        body = await body_of(request)
        token = request.headers.get("X-CSRF-Token") or body.get("csrf_token")
        if not csrf_ok(session, token if isinstance(token, str) else None):
            raise Forbidden("CSRF-token mangler eller er forkert. Hent siden igen, og prøv en gang til.")
    return await handler(request)


# The citizen's side is embedded in the kommuner's own sites: these get no frame or script policy from us.
CITIZEN_PATHS = ("/api/chat", "/widget.js", "/static/", "/demo")
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_POLICY, "X-Frame-Options": "DENY",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """(app.on_response_prepare) The pages' security headers, see the module's docstring."""
    if request.path == "/" or request.path.startswith(CITIZEN_PATHS):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)


MIDDLEWARES = [error_middleware, origin_middleware, session_middleware, csrf_middleware]

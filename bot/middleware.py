"""What every request passes through, in this order:

1. `error_middleware`: errors become JSON (or the handler's page) and never
   echo the request body; `BadInput` is a 400 with its Danish message.
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
from typing import Awaitable, Callable, FrozenSet, Optional

from aiohttp import web

from borgerguide.kommuner import widget_origins
from bot.keys import ACCOUNTS, SETTINGS
from bot.offloop import db
from bot.session import SESSION, body_of, current_session, json_failure
from bot.stores.accounts import SESSION_COOKIE, csrf_ok

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The citizen's routes prove the conversation with its token, not a session;
# logging in has no session yet; an invitation is proved by its one-time link.
NO_CSRF = ("/api/chat", "/login", "/api/login", "/invitation/")


class BadInput(ValueError):
    """Input the API refuses, with a Danish message for the citizen."""


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except BadInput as error:
        return json_error(400, str(error))
    except Exception:  # noqa: BLE001 - last line of defence
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(500, "Der skete en fejl hos os. Prøv igen om lidt.")


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
        response = await handler(request)
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
            raise json_failure(web.HTTPForbidden, "CSRF-token mangler eller er forkert.")
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

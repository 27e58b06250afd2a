"""Logged-in staff and analysts: login, logout, the session of a request and
the role check. The session is loaded (off the event loop) and the CSRF token
checked by bot.middleware before a handler runs; handlers call `require()`.

Citizens never log in: a conversation's secret, issued once when it starts,
proves that a conversation is theirs (bot.stores.conversations).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

from aiohttp import web

from bot import jsonbody
from bot.keys import ACCOUNTS, RATE_LIMITS, SETTINGS
from bot.ratelimit import client_address
from bot.offloop import db
from borgerguide.errors import BadInput, Forbidden, NotLoggedIn
from borgerguide.tenancy import ANALYST, KOMMUNE_ADMIN, OPERATOR, ROLES, STAFF
from bot.stores.accounts import SESSION_COOKIE, SESSION_HOURS, LoginRefused, SecondFactorNeeded, Session
from bot.templating import render

SESSION = "borgerguide_session"  # request key: the Session, or None


def address_of(request: web.Request) -> str:
    """The client's address (X-Forwarded-For only from our own proxies, BORGERGUIDE_TRUSTED_PROXIES)."""
    limits = request.app[RATE_LIMITS]
    return client_address(request.remote, request.headers.get("X-Forwarded-For"), limits.trusted_proxies)


def current_session(request: web.Request) -> Optional[Session]:
    return request.get(SESSION)


def require(request: web.Request, role: Union[str, Tuple[str, ...]], api: bool) -> Session:
    """The logged-in session with `role` (one role, several, or "any")."""
    session = current_session(request)
    if session is None:
        if api:
            raise NotLoggedIn("Log ind først.")
        raise web.HTTPFound("/login")
    roles = ROLES if role == "any" else ((role,) if isinstance(role, str) else role)
    if session.role not in roles:
        raise Forbidden("Din rolle giver ikke adgang hertil.")
    return session


def scoped(session: Session, requested: Optional[str]) -> Optional[str]:
    """The kommune a request asks for, within the account's kommune (NotAllowed, 403, for another)."""
    return session.scope.narrowed(requested)


HOME = {STAFF: "/staff/", ANALYST: "/analyst/", KOMMUNE_ADMIN: "/admin/", OPERATOR: "/admin/"}


async def json_object(request: web.Request) -> Dict[str, Any]:
    """The request's JSON object, or BadInput with a Danish message."""
    try:
        body = await request.json(loads=jsonbody.loads)
    except jsonbody.TooDeep as error:
        raise BadInput(str(error))
    except ValueError:
        raise BadInput("Ugyldig JSON.")
    if not isinstance(body, dict):
        raise BadInput("Forventede et JSON-objekt.")
    return body


async def body_of(request: web.Request) -> Dict[str, Any]:
    """The request's JSON object or form (aiohttp keeps the body, so the
    middleware and the handler may both read it)."""
    if request.content_type == "application/json":
        return await json_object(request)
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return dict(await request.post())  # cached by aiohttp once read
    return {}


def set_session_cookie(request: web.Request, response: web.StreamResponse, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Strict", path="/",
                        secure=request.app[SETTINGS].environment != "development",
                        max_age=SESSION_HOURS * 3600)


async def _login(request: web.Request, username: str, password: str, code: Optional[str]) -> Optional[Session]:
    """The new session (None for a wrong name or password; LoginRefused
    with the reason for a locked account or a missing second factor)."""
    accounts = request.app[ACCOUNTS]
    session_id = await db(accounts.login, username, password, code, address_of(request))
    if session_id is None:
        return None
    session = await db(accounts.session, session_id)
    request[SESSION] = session
    request["new_session_id"] = session_id
    return session


async def login_page(request: web.Request) -> web.Response:
    return render("login.html", title="Log ind", session=None, error=None)


async def login_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        session = await _login(request, str(form.get("username", "")), str(form.get("password", "")),
                               str(form.get("code") or "") or None)
        error = None if session else "Forkert brugernavn eller adgangskode."
    except LoginRefused as refused:
        session, error = None, str(refused)
    if session is None:
        response = render("login.html", title="Log ind", session=None, error=error,
                          ask_code="koden" in (error or "").lower())
        response.set_status(401)
        return response
    response = web.HTTPFound(HOME.get(session.role, "/login"))
    set_session_cookie(request, response, request["new_session_id"])
    return response


async def login_api(request: web.Request) -> web.Response:
    body = await json_object(request)
    try:
        session = await _login(request, str(body.get("username", "")), str(body.get("password", "")),
                               str(body.get("code") or "") or None)
    except LoginRefused as refused:
        raise NotLoggedIn(str(refused), code_needed=isinstance(refused, SecondFactorNeeded))
    if session is None:
        raise NotLoggedIn("Forkert brugernavn eller adgangskode.")
    response = web.json_response({"username": session.username, "role": session.role, "csrf": session.csrf,
                                  "kommune": session.kommune})
    set_session_cookie(request, response, request["new_session_id"])
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    if current_session(request) is None:
        raise web.HTTPFound("/login")
    await db(request.app[ACCOUNTS].logout, request.cookies.get(SESSION_COOKIE))
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_form)
    app.router.add_post("/logout", logout)
    app.router.add_post("/api/login", login_api)

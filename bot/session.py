"""Logged-in staff and analysts: login, logout, the session of a request and
the role check. The session is loaded (off the event loop) and the CSRF token
checked by bot.middleware before a handler runs; handlers call `require()`.

Citizens never log in: a conversation's token (`conversation_token`) proves
that a conversation is theirs.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Dict, Optional

from aiohttp import web

from bot.keys import ACCOUNTS, SETTINGS
from bot.offloop import db
from bot.stores.accounts import SESSION_COOKIE, SESSION_HOURS, Session
from bot.templating import render

SESSION = "borgerguide_session"  # request key: the Session, or None


def conversation_token(secret: str, sender: str) -> str:
    """The citizen's proof that a conversation is theirs (HMAC of its id)."""
    return hmac.new(secret.encode(), sender.encode(), hashlib.sha256).hexdigest()[:40]


def json_failure(kind: type, message: str) -> web.HTTPException:
    return kind(text=json.dumps({"error": message}), content_type="application/json")


def current_session(request: web.Request) -> Optional[Session]:
    return request.get(SESSION)


def require(request: web.Request, role: str, api: bool) -> Session:
    """The logged-in session with `role` ("staff", "analyst", or "any" of them)."""
    session = current_session(request)
    if session is None:
        if api:
            raise json_failure(web.HTTPUnauthorized, "Log ind først.")
        raise web.HTTPFound("/login")
    if role != "any" and session.role != role:
        raise json_failure(web.HTTPForbidden, "Din rolle giver ikke adgang hertil.")
    return session


async def json_object(request: web.Request) -> Dict[str, Any]:
    """The request's JSON object, or a 400 with a Danish message."""
    try:
        body = await request.json()
    except ValueError:
        raise json_failure(web.HTTPBadRequest, "Ugyldig JSON.")
    if not isinstance(body, dict):
        raise json_failure(web.HTTPBadRequest, "Forventede et JSON-objekt.")
    return body


async def body_of(request: web.Request) -> Dict[str, Any]:
    """The request's JSON object or form (aiohttp keeps the body, so the
    middleware and the handler may both read it)."""
    if request.content_type == "application/json":
        return await json_object(request)
    if request.can_read_body:
        return dict(await request.post())
    return {}


def set_session_cookie(request: web.Request, response: web.StreamResponse, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Strict", path="/",
                        secure=request.app[SETTINGS].environment != "development",
                        max_age=SESSION_HOURS * 3600)


async def _login(request: web.Request, username: str, password: str) -> Optional[Session]:
    accounts = request.app[ACCOUNTS]
    session_id = await db(accounts.login, username, password)
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
    session = await _login(request, str(form.get("username", "")), str(form.get("password", "")))
    if session is None:
        response = render("login.html", title="Log ind", session=None, error="Forkert brugernavn eller adgangskode.")
        response.set_status(401)
        return response
    response = web.HTTPFound("/staff/" if session.role == "staff" else "/analyst/")
    set_session_cookie(request, response, request["new_session_id"])
    return response


async def login_api(request: web.Request) -> web.Response:
    body = await json_object(request)
    session = await _login(request, str(body.get("username", "")), str(body.get("password", "")))
    if session is None:
        return web.json_response({"error": "Forkert brugernavn eller adgangskode."}, status=401)
    response = web.json_response({"username": session.username, "role": session.role, "csrf": session.csrf})
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

"""Staff inbox (pages and JSON API) and the citizen's side of a hand-off.

Pages: /login, /logout, /staff/, /staff/escalations/{id} (+ claim, reply,
resolve, forward). JSON API with the same login: /api/login,
/api/staff/escalations[/{id}[/claim|/reply|/resolve|/forward]],
/api/staff/stream (server-sent events). Every state change needs the
session's CSRF token. Citizens: /api/chat/messages (staff replies, waiting
state) and /api/chat/callback, authorised by the conversation's token.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from typing import Any, Dict, Optional

import aiohttp
import jinja2
from aiohttp import web

from actions import notices
from bot import state
from bot.auth import ROLES, SESSION_COOKIE, SESSION_HOURS, Session, csrf_ok
from bot.escalations import OUTCOMES, Conflict, NotFound, transcript
from bot.redaction import redact

logger = logging.getLogger(__name__)

REASONS_DA = {"requested_by_citizen": "Borgeren bad om en medarbejder",
              "repeated_fallback": "Botten forstod ikke borgeren",
              "solution_not_working": "Borgeren sidder fast i en løsning"}
STATUSES_DA = {"open": "Venter", "claimed": "Taget", "resolved": "Afsluttet"}
QUEUES = ("borgerservice", "pladsanvisning", "ydelse", "byggesag", "sundhed")
RESUME_TEXT = "Medarbejderen har afsluttet samtalen. Du skriver nu med Borgerguiden igen."
CALLBACK_OFFER_TEXT = ("Der er desværre ingen ledig medarbejder lige nu. Vil du hellere ringes op? "
                       "Udfyld formularen med dit telefonnummer og hvornår det passer dig.")
PHONE = re.compile(r"^\+?[0-9 ]{8,16}$")
MINUTES_PER_CITIZEN = 5

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(__import__("pathlib").Path(__file__).parent / "templates")),
    autoescape=True,
)


def danish_time(value: str) -> str:
    """ISO time (UTC) as Danish local time for the staff pages."""
    from datetime import datetime

    from actions.opening_hours import DANISH_TIME

    return datetime.fromisoformat(value).astimezone(DANISH_TIME).strftime("%Y-%m-%d %H:%M")


templates.filters["dk"] = danish_time


def render(name: str, **context: Any) -> web.Response:
    return web.Response(text=templates.get_template(name).render(**context), content_type="text/html")


def conversation_token(secret: str, sender: str) -> str:
    """The citizen's proof that a conversation is theirs (HMAC of its id)."""
    return hmac.new(secret.encode(), sender.encode(), hashlib.sha256).hexdigest()[:40]


# --- authentication -----------------------------------------------------------

def current_session(request: web.Request) -> Optional[Session]:
    return request.app[state.ACCOUNTS].session(request.cookies.get(SESSION_COOKIE))


def require(request: web.Request, role: str, api: bool) -> Session:
    """The logged-in session with `role` ("staff", "analyst", or "any" of them)."""
    session = current_session(request)
    if session is None:
        if api:
            raise web.HTTPUnauthorized(text=json.dumps({"error": "Log ind først."}), content_type="application/json")
        raise web.HTTPFound("/login")
    if role != "any" and session.role != role:
        raise web.HTTPForbidden(text=json.dumps({"error": "Din rolle giver ikke adgang hertil."}),
                                content_type="application/json")
    return session


async def json_object(request: web.Request) -> Dict[str, Any]:
    """The request's JSON object, or a 400 with a Danish message."""
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps({"error": "Ugyldig JSON."}), content_type="application/json")
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text=json.dumps({"error": "Forventede et JSON-objekt."}),
                                 content_type="application/json")
    return body


async def require_csrf(request: web.Request, session: Session) -> Dict[str, Any]:
    """Checks the CSRF token; returns the request's form or JSON body."""
    body: Dict[str, Any] = {}
    if request.content_type == "application/json":
        body = await json_object(request)
    elif request.can_read_body:
        body = dict(await request.post())
    token = request.headers.get("X-CSRF-Token") or body.get("csrf_token")
    if not csrf_ok(session, token if isinstance(token, str) else None):
        raise web.HTTPForbidden(text=json.dumps({"error": "CSRF-token mangler eller er forkert."}),
                                content_type="application/json")
    return body


def set_session_cookie(request: web.Request, response: web.StreamResponse, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Strict", path="/",
                        secure=request.app[state.SETTINGS].environment != "development",
                        max_age=SESSION_HOURS * 3600)


async def login_page(request: web.Request) -> web.Response:
    return render("login.html", title="Log ind", session=None, error=None)


async def login_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session_id = await asyncio.to_thread(request.app[state.ACCOUNTS].login,
                                         str(form.get("username", "")), str(form.get("password", "")))
    if session_id is None:
        response = render("login.html", title="Log ind", session=None, error="Forkert brugernavn eller adgangskode.")
        response.set_status(401)
        return response
    session = request.app[state.ACCOUNTS].session(session_id)
    response = web.HTTPFound("/staff/" if session.role == "staff" else "/analyst/")
    set_session_cookie(request, response, session_id)
    return response


async def login_api(request: web.Request) -> web.Response:
    body = await json_object(request)
    session_id = await asyncio.to_thread(request.app[state.ACCOUNTS].login,
                                         str(body.get("username", "")), str(body.get("password", "")))
    if session_id is None:
        return web.json_response({"error": "Forkert brugernavn eller adgangskode."}, status=401)
    session = request.app[state.ACCOUNTS].session(session_id)
    response = web.json_response({"username": session.username, "role": session.role, "csrf": session.csrf})
    set_session_cookie(request, response, session_id)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    session = current_session(request)
    if session is None:
        raise web.HTTPFound("/login")
    await require_csrf(request, session)
    request.app[state.ACCOUNTS].logout(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# --- staff pages and API ------------------------------------------------------

async def _detail(request: web.Request, escalation_id: str) -> Dict[str, Any]:
    store = request.app[state.ESCALATIONS]
    try:
        escalation = store.get(escalation_id)
    except NotFound:
        raise web.HTTPNotFound(text=json.dumps({"error": "Henvendelsen findes ikke."}), content_type="application/json")
    try:
        tracker = await request.app[state.RASA].tracker(escalation.conversation_id)
        lines = transcript(tracker)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        lines = [{"who": "system", "text": "Samtalen kunne ikke hentes fra Rasa lige nu.", "at": None}]
    return {"escalation": escalation.public(), "transcript": lines, "history": store.history(escalation_id)}


async def inbox_page(request: web.Request) -> web.Response:
    session = require(request, "staff", api=False)
    status = request.query.get("status") or None
    items = [e.public() for e in request.app[state.ESCALATIONS].list(status=status)]
    return render("inbox.html", title="Indbakke", session=session, escalations=items,
                  reasons=REASONS_DA, statuses=STATUSES_DA)


async def escalation_page(request: web.Request) -> web.Response:
    session = require(request, "staff", api=False)
    detail = await _detail(request, request.match_info["id"])
    return render("escalation.html", title="Henvendelse", session=session, e=detail["escalation"],
                  transcript=detail["transcript"], history=detail["history"], reasons=REASONS_DA,
                  statuses=STATUSES_DA, outcomes=OUTCOMES, queues=QUEUES)


async def _change(request: web.Request, session: Session, action: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """claim / reply / resolve / forward, shared by the pages and the API."""
    store = request.app[state.ESCALATIONS]
    escalation_id = request.match_info["id"]
    try:
        if action == "claim":
            escalation = store.claim(escalation_id, session.username)
        elif action == "reply":
            text = str(body.get("text") or "").strip()
            if not text or len(text) > 2000:
                raise ValueError("Svaret skal være 1-2000 tegn.")
            store.record_reply(escalation_id, session.username, text)
            escalation = store.get(escalation_id)
            await request.app[state.RASA].say_as_staff(escalation.conversation_id, session.username, text)
        elif action == "resolve":
            escalation = store.resolve(escalation_id, session.username, str(body.get("outcome") or ""))
            if escalation.mode == "live":
                await request.app[state.RASA].resume_bot(escalation.conversation_id, RESUME_TEXT)
        elif action == "forward":
            queue = str(body.get("queue") or "")
            if queue not in QUEUES:
                raise ValueError(f"Køen skal være en af: {', '.join(QUEUES)}.")
            escalation = store.forward(escalation_id, session.username, queue)
        else:
            raise web.HTTPNotFound()
    except NotFound:
        raise web.HTTPNotFound(text=json.dumps({"error": "Henvendelsen findes ikke."}), content_type="application/json")
    except Conflict as error:
        raise web.HTTPConflict(text=json.dumps({"error": str(error)}), content_type="application/json")
    except ValueError as error:
        raise web.HTTPBadRequest(text=json.dumps({"error": str(error)}), content_type="application/json")
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raise web.HTTPBadGateway(text=json.dumps({"error": "Rasa svarer ikke; prøv igen."}),
                                 content_type="application/json")
    return escalation.public()


async def escalation_form_action(request: web.Request) -> web.StreamResponse:
    session = require(request, "staff", api=False)
    body = await require_csrf(request, session)
    await _change(request, session, request.match_info["action"], body)
    raise web.HTTPFound(f"/staff/escalations/{request.match_info['id']}")


async def api_list(request: web.Request) -> web.Response:
    require(request, "staff", api=True)
    status = request.query.get("status") or None
    if status and status not in ("open", "claimed", "resolved"):
        return web.json_response({"error": "status: open, claimed eller resolved."}, status=400)
    items = request.app[state.ESCALATIONS].list(status=status, queue=request.query.get("queue") or None,
                                                kommune=request.query.get("kommune") or None)
    return web.json_response({"escalations": [e.public() for e in items]})


async def api_get(request: web.Request) -> web.Response:
    require(request, "staff", api=True)
    return web.json_response(await _detail(request, request.match_info["id"]))


async def api_action(request: web.Request) -> web.Response:
    session = require(request, "staff", api=True)
    body = await require_csrf(request, session)
    return web.json_response({"escalation": await _change(request, session, request.match_info["action"], body)})


async def api_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one `escalation` event per new open escalation."""
    require(request, "staff", api=True)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    store = request.app[state.ESCALATIONS]
    seen = {e.id for e in store.list(status="open")}
    try:
        while True:
            await asyncio.sleep(request.app[state.SETTINGS].sync_seconds)
            for escalation in store.list(status="open"):
                if escalation.id not in seen:
                    seen.add(escalation.id)
                    data = json.dumps({k: escalation.public()[k] for k in ("id", "area", "kommune", "reason", "mode")})
                    await response.write(f"event: escalation\ndata: {data}\n\n".encode())
            await response.write(b": keep-alive\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


# --- operational notices (staff and analysts) ----------------------------------

def notice_json(notice) -> Dict[str, Any]:
    return {"id": notice.id, "kommune": notice.kommune, "areas": list(notice.areas), "text": notice.text,
            "starts_at": notice.starts_at.isoformat(), "ends_at": notice.ends_at.isoformat(),
            "created_by": notice.created_by}


async def api_notices(request: web.Request) -> web.Response:
    require(request, "any", api=True)
    url = request.app[state.SETTINGS].database_url
    if request.query.get("active"):
        items = notices.active(request.query.get("kommune") or None, request.query.get("area") or None, url=url)
    else:
        items = notices.all_notices(url=url)
    return web.json_response({"notices": [notice_json(n) for n in items]})


async def api_publish_notice(request: web.Request) -> web.Response:
    """{"text", "areas": [...] or ["*"], "starts_at"?, "ends_at", "kommune"?}"""
    from datetime import datetime, timezone

    session = require(request, "any", api=True)
    body = await require_csrf(request, session)
    try:
        starts = datetime.fromisoformat(body["starts_at"]) if body.get("starts_at") else datetime.now(timezone.utc)
        ends = datetime.fromisoformat(str(body.get("ends_at")))
        areas = body.get("areas")
        if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
            raise ValueError("areas skal være en liste af områder, eller [\"*\"].")
        kommune = body.get("kommune") or None
        notice_id = notices.publish(str(body.get("text") or ""), areas, starts, ends, kommune,
                                    session.username, url=request.app[state.SETTINGS].database_url)
    except (KeyError, TypeError, ValueError) as error:
        return web.json_response({"error": f"Ugyldig driftsmeddelelse: {error}"}, status=400)
    return web.json_response({"id": notice_id}, status=201)


async def api_end_notice(request: web.Request) -> web.Response:
    session = require(request, "any", api=True)
    await require_csrf(request, session)
    try:
        notice_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound()
    if not notices.end_notice(notice_id, url=request.app[state.SETTINGS].database_url):
        return web.json_response({"error": "Driftsmeddelelsen findes ikke."}, status=404)
    return web.json_response({"ended": notice_id})


# --- the citizen's side -------------------------------------------------------

def citizen_conversation(request: web.Request, sender: Any, token: Any) -> str:
    secret = request.app[state.SETTINGS].secret
    if not isinstance(sender, str) or not isinstance(token, str) or not hmac.compare_digest(
            conversation_token(secret, sender), token):
        raise web.HTTPForbidden(text=json.dumps({"error": "Ukendt samtale."}), content_type="application/json")
    return sender


def handoff_state(request: web.Request, conversation_id: str) -> Optional[Dict[str, Any]]:
    store = request.app[state.ESCALATIONS]
    escalation = store.open_for_conversation(conversation_id)
    if escalation is None:
        return None
    position = store.queue_position(escalation)
    waited = escalation.public()["waiting_seconds"]
    return {"escalation_id": escalation.id, "status": escalation.status, "mode": escalation.mode,
            "position": position, "estimate_minutes": position * MINUTES_PER_CITIZEN,
            "staff": escalation.claimed_by and "En medarbejder i Borgerservice",
            "callback_requested": escalation.callback_phone is not None,
            "offer_callback": escalation.mode == "callback" or (
                escalation.status == "open" and waited >= request.app[state.SETTINGS].claim_timeout_seconds)}


async def offer_callback_when_unclaimed(request: web.Request, conversation_id: str,
                                        handoff: Optional[Dict[str, Any]]) -> None:
    """A live hand-off nobody claimed in time: the bot offers a callback, once."""
    if not handoff or handoff["mode"] != "live" or not handoff["offer_callback"]:
        return
    if request.app[state.ESCALATIONS].mark_callback_offered(handoff["escalation_id"]):
        await request.app[state.RASA].append(conversation_id, [{"event": "bot", "text": CALLBACK_OFFER_TEXT}])


async def citizen_messages(request: web.Request) -> web.Response:
    """Messages after `since` (staff replies arrive here), and the waiting state."""
    conversation_id = citizen_conversation(request, request.query.get("sender"), request.query.get("token"))
    try:
        since = float(request.query.get("since") or 0)
    except ValueError:
        return web.json_response({"error": "since skal være et tal."}, status=400)
    handoff = handoff_state(request, conversation_id)
    try:
        await offer_callback_when_unclaimed(request, conversation_id, handoff)
        tracker = await request.app[state.RASA].tracker(conversation_id)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return web.json_response({"error": "Chatten er ikke tilgængelig lige nu."}, status=503)
    messages = []
    for event in tracker.get("events") or []:
        if event.get("event") != "bot" or float(event.get("timestamp") or 0) <= since:
            continue
        message: Dict[str, Any] = {"timestamp": event.get("timestamp")}
        if event.get("text"):
            message["text"] = event["text"]
        data = event.get("data") or {}
        for key in ("buttons", "custom"):
            if data.get(key):
                message[key] = data[key]
        if (event.get("metadata") or {}).get("staff"):
            message["staff"] = True
        messages.append(message)
    return web.json_response({"messages": messages, "handoff": handoff,
                              "paused": bool(tracker.get("paused"))})


async def citizen_callback(request: web.Request) -> web.Response:
    body = await json_object(request)
    conversation_id = citizen_conversation(request, body.get("sender"), body.get("token"))
    if body.get("consent") is not True:
        return web.json_response({"error": "Sæt kryds, hvis vi må ringe til dig."}, status=400)
    phone = str(body.get("phone") or "").strip()
    if not PHONE.match(phone):
        return web.json_response({"error": "Skriv et telefonnummer med 8 cifre."}, status=400)
    when = redact(str(body.get("time") or "").strip())[:100] or "Hurtigst muligt"
    store = request.app[state.ESCALATIONS]
    escalation = store.open_for_conversation(conversation_id)
    if escalation is None or escalation.id != body.get("escalation_id"):
        return web.json_response({"error": "Der er ingen åben henvendelse i denne samtale."}, status=404)
    store.request_callback(escalation.id, conversation_id, phone, when)
    return web.json_response({"ok": True, "message": f"Tak. Borgerservice ringer dig op ({when})."})


async def citizen_rating(request: web.Request) -> web.Response:
    """{"sender", "token", "score": 1-5, "comment"?, "area"?, "kommune"?}"""
    body = await json_object(request)
    conversation_id = citizen_conversation(request, body.get("sender"), body.get("token"))
    area = body.get("area") if isinstance(body.get("area"), str) else None
    kommune = body.get("kommune") if isinstance(body.get("kommune"), str) else None
    try:
        request.app[state.RATINGS].add(conversation_id, body.get("score"), body.get("comment") or None,
                                       (kommune or "")[:64] or None, (area or "")[:40] or None)
    except ValueError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"ok": True, "message": "Tak for din vurdering."})


async def citizen_notices(request: web.Request) -> web.Response:
    """Active operational notices for a kommune, any area (public: the widget's banner)."""
    kommune = request.query.get("kommune") or None
    items = notices.active(kommune, None, any_area=True, url=request.app[state.SETTINGS].database_url)
    return web.json_response({"notices": [{"text": n.text, "areas": list(n.areas)} for n in items]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_form)
    app.router.add_post("/logout", logout)
    app.router.add_post("/api/login", login_api)
    app.router.add_get("/staff/", inbox_page)
    app.router.add_get("/staff/escalations/{id}", escalation_page)
    app.router.add_post("/staff/escalations/{id}/{action:claim|reply|resolve|forward}", escalation_form_action)
    app.router.add_get("/api/staff/escalations", api_list)
    app.router.add_get("/api/staff/escalations/{id}", api_get)
    app.router.add_post("/api/staff/escalations/{id}/{action:claim|reply|resolve|forward}", api_action)
    app.router.add_get("/api/staff/stream", api_stream)
    app.router.add_get("/api/notices", api_notices)
    app.router.add_post("/api/notices", api_publish_notice)
    app.router.add_post("/api/notices/{id}/end", api_end_notice)
    app.router.add_get("/api/chat/messages", citizen_messages)
    app.router.add_post("/api/chat/rating", citizen_rating)
    app.router.add_get("/api/chat/notices", citizen_notices)
    app.router.add_post("/api/chat/callback", citizen_callback)


__all__ = ["add_routes", "conversation_token", "ROLES"]

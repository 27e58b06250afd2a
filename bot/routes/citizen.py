"""The citizen's side: the chat page, the widget, the chat API and what goes
with a conversation (staff replies while handed off, the callback form, the
rating, operational notices).

The chat API is the public entry point: it checks the input and forwards it to
Rasa's REST channel. Typed text can never force an intent: a leading `/`
(Rasa's intent shortcut) is removed from typed text; only button payloads,
sent as `payload`, may start with `/`, and only the bot's own. The other
routes are authorised by the conversation's token (bot.session).
"""
from __future__ import annotations

import asyncio
import hmac
import html
import logging
import re
import zlib
from pathlib import Path
from typing import Any, Dict, Optional

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from borgerguide import contract
from borgerguide.clock import utcnow
from borgerguide.kommuner import DEFAULT_ID, known_kommune, registry
from borgerguide.notices import active as active_notices
from borgerguide.redaction import redact
from bot import jsonbody, payloads
from bot.keys import ESCALATIONS, HTTP, RASA, RATE_LIMITS, RATINGS, SETTINGS
from bot.middleware import BadInput, allowed_origins, json_error, own_origin
from bot.offloop import db
from bot.ratelimit import client_address, retry_after_header
from bot.session import conversation_token, json_failure, json_object
from bot.settings import Settings
from bot.stores.escalations import EscalationStore

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PAYLOAD = re.compile(r'^/[a-z_]{2,40}(\{[^{}]{0,200}\})?$')
# Typed text: control characters (not tab/newline) go, lone surrogates become U+FFFD,
# and leading whitespace and slashes go (Rasa strips whitespace, then reads "/" as a shortcut).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
SHORTCUT_PREFIX = re.compile(r"^[\s/]+")
PHONE = re.compile(r"^\+?[0-9 ]{8,16}$")
MINUTES_PER_CITIZEN = 5
CALLBACK_OFFER_TEXT = ("Der er desværre ingen ledig medarbejder lige nu. Vil du hellere ringes op? "
                       "Udfyld formularen med dit telefonnummer og hvornår det passer dig.")
UNAVAILABLE = "Chatten er ikke tilgængelig lige nu. Prøv igen om lidt."


def parse_chat_request(body: Any, max_chars: int) -> Dict[str, Any]:
    """Checks a chat request and returns what to send to Rasa."""
    if not isinstance(body, dict):
        raise BadInput("Forespørgslen skal være et JSON-objekt.")
    sender = body.get("sender")
    if not isinstance(sender, str) or not SENDER_ID.fullmatch(sender):
        raise BadInput("Feltet 'sender' mangler eller er ugyldigt (8-64 tegn: a-z, 0-9, - og _).")
    payload = body.get("payload")
    message = body.get("message")
    if payload is not None:
        if not isinstance(payload, str) or not PAYLOAD.fullmatch(payload) or not payloads.is_bot_payload(payload):
            raise BadInput("Det valg kender jeg ikke. Skriv med dine egne ord, hvad du har brug for hjælp til.")
        text = payload
    else:
        if not isinstance(message, str):
            raise BadInput("Feltet 'message' mangler.")
        text = SURROGATE.sub("\ufffd", CONTROL.sub("", message))
        text = SHORTCUT_PREFIX.sub("", text).strip()  # typed text never forces an intent
        if not text:
            raise BadInput("Skriv en besked først.")
        if len(text) > max_chars:
            raise BadInput(f"Beskeden er for lang. Skriv højst {max_chars} tegn.")
    metadata: Dict[str, Any] = {}
    kommune = known_kommune(body.get("kommune"))
    if kommune and kommune != DEFAULT_ID:
        metadata["kommune"] = kommune
    return {"sender": sender, "message": text, "metadata": metadata}


def rasa_url_for(settings: Settings, sender: str) -> str:
    """The Rasa server for a conversation. With several (RASA_URLS) it is
    chosen by a hash of the sender id, so a conversation always goes to the
    same server and its messages stay in order."""
    urls = settings.rasa_urls or (settings.rasa_url,)
    return urls[zlib.crc32(sender.encode()) % len(urls)]


def too_many_messages(wait: float) -> web.Response:
    response = json_error(429, "Du har skrevet mange beskeder på kort tid. Vent lidt, og prøv så igen.")
    response.headers["Retry-After"] = retry_after_header(wait)
    return response


def handoff_state(store: EscalationStore, conversation_id: str, claim_timeout: float) -> Optional[Dict[str, Any]]:
    """The citizen's view of an open hand-off (blocking: call it through db())."""
    escalation = store.open_for_conversation(conversation_id)
    if escalation is None:
        return None
    position = store.queue_position(escalation)
    waited = escalation.public()["waiting_seconds"]
    return {"escalation_id": escalation.id, "status": escalation.status, "mode": escalation.mode,
            "position": position, "estimate_minutes": position * MINUTES_PER_CITIZEN,
            "staff": escalation.claimed_by and "En medarbejder i Borgerservice",
            "callback_requested": escalation.callback_phone is not None,
            "offer_callback": escalation.mode == contract.CALLBACK or (
                escalation.status == "open" and waited >= claim_timeout)}


def escalate(store: EscalationStore, conversation_id: str, messages: Any) -> int:
    """The escalations of the hand-offs in the bot's answer, made at once
    (idempotent: the event stream's reader makes the same ones only once).
    Blocking: call it through db()."""
    made = 0
    for custom in contract.customs(messages):
        handoff = contract.parse(custom)
        if isinstance(handoff, contract.Handoff):
            made += store.create_from_handoff(conversation_id, handoff, utcnow())
    return made


async def chat(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    limits = request.app[RATE_LIMITS]
    wait = limits.check_address(client_address(request.remote, request.headers.get("X-Forwarded-For"),
                                               limits.trusted_proxies))
    if wait:
        return too_many_messages(wait)
    try:
        body = await request.json(loads=jsonbody.loads)
    except web.HTTPRequestEntityTooLarge:
        return json_error(413, f"Beskeden er for lang. Skriv højst {settings.max_message_chars} tegn.")
    except jsonbody.TooDeep as error:
        raise BadInput(str(error))
    except ValueError:  # also bytes that are not UTF-8
        raise BadInput("Forespørgslen er ikke gyldig JSON.")
    forward = parse_chat_request(body, settings.max_message_chars)
    wait = limits.check_conversation(forward["sender"])
    if wait:
        return too_many_messages(wait)
    origin = request.headers.get("Origin")
    kommune = forward["metadata"].get("kommune")
    if origin and origin != own_origin(request) and kommune and \
            origin.rstrip("/") not in allowed_origins(request, kommune):
        return json_error(403, "Denne hjemmeside må ikke bruge Borgerguiden for denne kommune.")
    rasa_url = rasa_url_for(settings, forward["sender"])
    try:
        async with request.app[HTTP].post(
            f"{rasa_url}/webhooks/rest/webhook",
            json=forward,
            timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout),
        ) as response:
            if response.status != 200:
                logger.error("Rasa answered %s", response.status)
                return json_error(502, UNAVAILABLE)
            messages = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError):  # not the builtin TimeoutError on 3.10
        logger.error("Rasa is unreachable at %s", rasa_url)
        return json_error(503, UNAVAILABLE)
    sender = forward["sender"]
    faults = [f for f in map(contract.parse, contract.customs(messages)) if isinstance(f, contract.Fault)]
    if faults:  # Rasa could not process it (launch/rasa_server.py): nothing was saved
        logger.error("Rasa could not process a message (%s)", faults[0].reason)
        return json_error(503, UNAVAILABLE)
    store = request.app[ESCALATIONS]
    try:
        await db(escalate, store, sender, messages)
        handoff = await db(handoff_state, store, sender, settings.claim_timeout_seconds)
    except sa.exc.SQLAlchemyError as error:
        # The bot answered; only our own database is away. The citizen gets the
        # answer, and a hand-off becomes an escalation when the database is back
        # (the event stream keeps it).
        logger.error("The web service's database is unreachable (%s); answering without the hand-off state",
                     type(error).__name__)
        handoff = None
    return web.json_response({
        "messages": messages,
        "token": conversation_token(settings.secret, sender),
        "handoff": handoff,
    })


def citizen_conversation(request: web.Request, sender: Any, token: Any) -> str:
    secret = request.app[SETTINGS].secret
    if not isinstance(sender, str) or not isinstance(token, str) or not hmac.compare_digest(
            conversation_token(secret, sender), token):
        raise json_failure(web.HTTPForbidden, "Ukendt samtale.")
    return sender


async def offer_callback_when_unclaimed(request: web.Request, conversation_id: str,
                                        handoff: Optional[Dict[str, Any]]) -> None:
    """A live hand-off nobody claimed in time: the bot offers a callback, once."""
    if not handoff or handoff["mode"] != contract.LIVE or not handoff["offer_callback"]:
        return
    if await db(request.app[ESCALATIONS].mark_callback_offered, handoff["escalation_id"]):
        await request.app[RASA].append(conversation_id, [{"event": "bot", "text": CALLBACK_OFFER_TEXT}])


async def citizen_messages(request: web.Request) -> web.Response:
    """Messages after `since` (staff replies arrive here), and the waiting state."""
    conversation_id = citizen_conversation(request, request.query.get("sender"), request.query.get("token"))
    try:
        since = float(request.query.get("since") or 0)
    except ValueError:
        return web.json_response({"error": "since skal være et tal."}, status=400)
    handoff = await db(handoff_state, request.app[ESCALATIONS], conversation_id,
                       request.app[SETTINGS].claim_timeout_seconds)
    try:
        await offer_callback_when_unclaimed(request, conversation_id, handoff)
        tracker = await request.app[RASA].tracker(conversation_id)
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
    name = " ".join(str(body.get("name") or "").split())[:100] or None  # with consent, for the call only
    store = request.app[ESCALATIONS]
    escalation = await db(store.open_for_conversation, conversation_id)
    if escalation is None or escalation.id != body.get("escalation_id"):
        return web.json_response({"error": "Der er ingen åben henvendelse i denne samtale."}, status=404)
    await db(store.request_callback, escalation.id, conversation_id, phone, when, name)
    return web.json_response({"ok": True, "message": f"Tak. Borgerservice ringer dig op ({when})."})


async def citizen_rating(request: web.Request) -> web.Response:
    """{"sender", "token", "score": 1-5, "comment"?, "area"?, "kommune"?}"""
    body = await json_object(request)
    conversation_id = citizen_conversation(request, body.get("sender"), body.get("token"))
    area = body.get("area") if isinstance(body.get("area"), str) else None
    kommune = known_kommune(body.get("kommune"))
    try:
        await db(request.app[RATINGS].add, conversation_id, body.get("score"), body.get("comment") or None,
                 kommune, (area or "")[:40] or None)
    except ValueError as error:
        return web.json_response({"error": str(error)}, status=400)
    return web.json_response({"ok": True, "message": "Tak for din vurdering."})


async def citizen_notices(request: web.Request) -> web.Response:
    """Active operational notices for a kommune, any area (public: the widget's banner)."""
    kommune = known_kommune(request.query.get("kommune"))
    items = await db(active_notices, kommune, None, any_area=True, url=request.app[SETTINGS].database_url)
    return web.json_response({"notices": [{"text": n.text, "areas": list(n.areas)} for n in items]})


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "chat.html")


async def widget(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "widget.js", headers={"Cache-Control": "public, max-age=300"})


async def demo(request: web.Request) -> web.StreamResponse:
    """The demo page of a kommune's website with the widget: `/demo` shows
    Aarhus, `/demo?kommune=<id>` any kommune of the registry (a kommune admin
    sees its own content there, as its citizens will)."""
    wanted = request.query.get("kommune")
    if not wanted:
        return web.FileResponse(STATIC / "demo.html")
    kommune = known_kommune(wanted)
    if kommune is None or kommune == DEFAULT_ID:
        raise web.HTTPNotFound(text="Kommunen findes ikke.")
    page = (STATIC / "demo.html").read_text(encoding="utf-8")
    name = registry()[kommune].name
    page = page.replace('data-kommune="aarhus"', f'data-kommune="{kommune}"')
    page = page.replace("Testrup Kommune", html.escape(name))
    return web.Response(text=page, content_type="text/html")


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight; bot.middleware adds the headers for allowed sites."""
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/widget.js", widget)
    app.router.add_get("/demo", demo)
    app.router.add_post("/api/chat", chat)
    for path in ("/api/chat", "/api/chat/callback", "/api/chat/rating"):
        app.router.add_route("OPTIONS", path, preflight)
    app.router.add_get("/api/chat/messages", citizen_messages)
    app.router.add_post("/api/chat/rating", citizen_rating)
    app.router.add_get("/api/chat/notices", citizen_notices)
    app.router.add_post("/api/chat/callback", citizen_callback)
    app.router.add_static("/static/", STATIC)

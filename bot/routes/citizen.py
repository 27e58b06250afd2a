"""The citizen's side: the chat page, the widget, the chat API and what goes
with a conversation (staff replies while handed off, the callback form, the
rating, data-subject requests, operational notices).

The chat API is the public entry point: it checks the input and forwards it to
Rasa's REST channel. Typed text can never force an intent: a leading `/`
(Rasa's intent shortcut) is removed from typed text; only button payloads,
sent as `payload`, may start with `/`, and only the bot's own.

A conversation belongs to the browser that started it (bot.stores.conversations):
a message without `token` starts a new conversation, whose id (`sender`) and
secret (`token`) the answer carries, once; every later request of the
conversation carries both (`authorised`), or gets 403 with
`"new_conversation": true`. Its kommune is fixed at the start: a later
`kommune` that differs is refused, and every request is checked against that
kommune's allowed sites. Cards leave the service with plain https links only
(borgerguide.links).
"""
from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import logging
import re
import zlib
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from borgerguide import contract
from borgerguide.errors import BadInput, Conflict, Forbidden, NotFound, TooLarge, TooMany, Unavailable
from borgerguide.clock import utcnow
from borgerguide.languages import all_texts, conversation_language, default_language, known_language, languages
from borgerguide.kommuner import DEFAULT_ID, is_danish_phone, known_kommune, registry
from borgerguide.links import is_plain_link
from borgerguide.notices import active as active_notices
from borgerguide.redaction import redact
from bot import jsonbody, payloads
from bot.analytics.store import record_click
from bot.keys import CONVERSATIONS, ESCALATIONS, HTTP, RASA, RATE_LIMITS, RATINGS, SETTINGS
from bot.middleware import origin_allowed
from bot.offloop import db
from bot.ratelimit import client_address, retry_after_header
from bot.session import json_object
from bot.settings import Settings
from bot.stores.conversations import KINDS, Conversation
from bot.stores.escalations import EscalationStore
from bot.transcript import citizen_messages as feed_from, cursor_of, question

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PAYLOAD = re.compile(r'^/[a-z_]{2,40}(\{[^{}]{0,200}\})?$')
# Typed text: control characters (not tab/newline) go, lone surrogates become U+FFFD,
# and leading whitespace and slashes go (Rasa strips whitespace, then reads "/" as a shortcut).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
SHORTCUT_PREFIX = re.compile(r"^[\s/]+")
MINUTES_PER_CITIZEN = 5
CALLBACK_OFFER_TEXT = ("Der er desværre ingen ledig medarbejder lige nu. Vil du hellere ringes op? "
                       "Udfyld formularen med dit telefonnummer og hvornår det passer dig.")
UNAVAILABLE = "Chatten er ikke tilgængelig lige nu. Prøv igen om lidt."
NOT_A_CURSOR = "Feltet 'cursor' skal være et helt tal fra 0."
UNKNOWN_CONVERSATION = "Samtalen kunne ikke genkendes. Start en ny samtale."
OTHER_KOMMUNE = "Samtalen hører til en anden kommune. Start en ny samtale på denne kommunes side."
FOREIGN_SITE = "Denne hjemmeside må ikke bruge Borgerguiden for denne kommune."


def parse_chat_request(body: Any, max_chars: int) -> Dict[str, Any]:
    """Checks a chat request: the conversation (`sender` and `token`, both
    absent for a new conversation), the text to send to Rasa, the kommune asked for."""
    if not isinstance(body, dict):
        raise BadInput("Forespørgslen skal være et JSON-objekt.")
    sender = body.get("sender")
    token = body.get("token")
    if (sender is not None or token is not None) and (not isinstance(sender, str) or not SENDER_ID.fullmatch(sender)):
        raise BadInput("Feltet 'sender' mangler eller er ugyldigt (8-64 tegn: a-z, 0-9, - og _).")
    if token is not None and (not isinstance(token, str) or not 0 < len(token) <= 100):
        raise BadInput("Feltet 'token' er ugyldigt.")
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
    kommune = known_kommune(body.get("kommune"))
    lang = body.get("lang")
    if lang is not None and known_language(lang) is None:
        raise BadInput("Det sprog kender jeg ikke.")
    return {"sender": sender, "token": token, "message": text, "lang": lang,
            "kommune": kommune if kommune and kommune != DEFAULT_ID else None}


def rasa_url_for(settings: Settings, sender: str) -> str:
    """The Rasa server for a conversation. With several (RASA_URLS) it is
    chosen by a hash of the sender id, so a conversation always goes to the
    same server and its messages stay in order."""
    urls = settings.rasa_urls or (settings.rasa_url,)
    return urls[zlib.crc32(sender.encode()) % len(urls)]


def too_many_messages(wait: float) -> TooMany:
    return TooMany("Du har skrevet mange beskeder på kort tid. Vent lidt, og prøv så igen.",
                   int(retry_after_header(wait)))


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
            # staff write in the chat: the citizen's messages go to them (the bot is paused)
            "chatting": escalation.status == "claimed" and store.staff_replied(escalation.id),
            "callback_requested": escalation.callback_phone is not None,
            "callback_time": escalation.callback_time,
            "offer_callback": escalation.mode == contract.CALLBACK or (
                escalation.status == "open" and waited >= claim_timeout)}


def escalate(store: EscalationStore, conversation: Conversation, messages: Any) -> List[str]:
    """The escalations of the hand-offs in the bot's answer, made at once
    (idempotent: the event stream's reader makes the same ones only once),
    always in the conversation's own kommune; the ids of those made now.
    Blocking: call it through db()."""
    made = []
    for custom in contract.customs(messages):
        handoff = contract.parse(custom)
        if isinstance(handoff, contract.Handoff):
            handoff = dataclasses.replace(handoff, kommune=conversation.kommune)
            if store.create_from_handoff(conversation.id, handoff, utcnow()):
                made.append(handoff.escalation_id)
    return made


def read_cursor(value: Any) -> Optional[int]:
    """The widget's cursor (how far it has read the conversation); None when not sent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadInput(NOT_A_CURSOR)
    try:
        cursor = int(value)
    except ValueError:
        raise BadInput(NOT_A_CURSOR)
    if cursor < 0:
        raise BadInput(NOT_A_CURSOR)
    return cursor


def answers_shown(messages: Any) -> List[str]:
    """The solutions and topics the bot's answer showed (what the conversation may rate)."""
    shown = []
    for custom in contract.customs(messages):
        card = contract.parse(custom)
        if isinstance(card, contract.SolutionCard):
            shown.append(card.solution_id)
        elif isinstance(card, contract.ReferralCard):
            shown.append(card.topic)
    return shown


def checked_links(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The messages with a card's link only where it is a plain https link (borgerguide.links)."""
    out = []
    for message in messages:
        custom = message.get("custom") if isinstance(message, dict) else None
        if isinstance(custom, dict) and "url" in custom and not is_plain_link(custom["url"]):
            message = {**message, "custom": {k: v for k, v in custom.items() if k != "url"}}
        out.append(message)
    return out


def unknown_conversation() -> Forbidden:
    return Forbidden(UNKNOWN_CONVERSATION, new_conversation=True)


async def authorised(request: web.Request, sender: Any, token: Any) -> Conversation:
    """The conversation `sender` when `token` is its secret and the request's
    site may use its kommune; 403 otherwise (nothing of it is told)."""
    try:
        conversation = await db(request.app[CONVERSATIONS].verify, sender, token)
    except sa.exc.SQLAlchemyError as error:
        logger.error("The web service's database is unreachable (%s)", type(error).__name__)
        raise Unavailable(UNAVAILABLE)
    if conversation is None:
        raise unknown_conversation()
    if not origin_allowed(request, conversation.kommune):
        raise Forbidden(FOREIGN_SITE)
    return conversation


def same_kommune(conversation: Conversation, asked: Any) -> None:
    """A request may name the conversation's kommune, never another one."""
    kommune = known_kommune(asked) if asked is not None else None
    if kommune is not None and kommune != DEFAULT_ID and kommune != conversation.kommune:
        raise Forbidden(OTHER_KOMMUNE)


async def chat(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    limits = request.app[RATE_LIMITS]
    wait = limits.check_address(client_address(request.remote, request.headers.get("X-Forwarded-For"),
                                               limits.trusted_proxies))
    if wait:
        raise too_many_messages(wait)
    try:
        body = await request.json(loads=jsonbody.loads)
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge(f"Beskeden er for lang. Skriv højst {settings.max_message_chars} tegn.")
    except jsonbody.TooDeep as error:
        raise BadInput(str(error))
    except ValueError:  # also bytes that are not UTF-8
        raise BadInput("Forespørgslen er ikke gyldig JSON.")
    asked = parse_chat_request(body, settings.max_message_chars)
    cursor = read_cursor(body.get("cursor"))
    secret: Optional[str] = None
    if asked["token"] is None:  # a new conversation: its id, its secret and its kommune are made here
        if not origin_allowed(request, asked["kommune"]):
            raise Forbidden(FOREIGN_SITE)
        try:
            conversation, secret = await db(request.app[CONVERSATIONS].start, asked["kommune"])
        except sa.exc.SQLAlchemyError as error:
            logger.error("The web service's database is unreachable (%s)", type(error).__name__)
            raise Unavailable(UNAVAILABLE)
    else:
        conversation = await authorised(request, asked["sender"], asked["token"])
        same_kommune(conversation, body.get("kommune"))
    wait = limits.check_conversation(conversation.id)
    if wait:
        raise too_many_messages(wait)
    metadata: Dict[str, Any] = {"kommune": conversation.kommune} if conversation.kommune else {}
    if asked["lang"]:
        metadata["lang"] = asked["lang"]  # the citizen's choice in the widget (docs/languages.md)
    forward = {"sender": conversation.id, "message": asked["message"], "metadata": metadata}
    rasa_url = rasa_url_for(settings, conversation.id)
    try:
        async with request.app[HTTP].post(
            f"{rasa_url}/webhooks/rest/webhook",
            json=forward,
            timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout),
        ) as response:
            if response.status != 200:
                logger.error("Rasa answered %s", response.status)
                raise Unavailable(UNAVAILABLE, upstream=True)
            messages = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError):  # not the builtin TimeoutError on 3.10
        logger.error("Rasa is unreachable at %s", rasa_url)
        raise Unavailable(UNAVAILABLE)
    faults = [f for f in map(contract.parse, contract.customs(messages)) if isinstance(f, contract.Fault)]
    if faults:  # Rasa could not process it (launch/rasa_server.py): nothing was saved
        logger.error("Rasa could not process a message (%s)", faults[0].reason)
        raise Unavailable(UNAVAILABLE)
    store = request.app[ESCALATIONS]
    made: List[str] = []
    try:
        made = await db(escalate, store, conversation, messages)
        await db(request.app[CONVERSATIONS].shown, conversation.id, answers_shown(messages))
        handoff = await db(handoff_state, store, conversation.id, settings.claim_timeout_seconds)
    except sa.exc.SQLAlchemyError as error:
        # The bot answered; only our own database is away. The citizen gets the
        # answer, and a hand-off becomes an escalation when the database is back
        # (the event stream keeps it).
        logger.error("The web service's database is unreachable (%s); answering without the hand-off state",
                     type(error).__name__)
        handoff = None
    answer: Dict[str, Any] = {"messages": checked_links(messages), "handoff": handoff, "sender": conversation.id}
    if secret is not None:
        answer["token"] = secret  # the only time the secret leaves the service
    answer.update(await after_turn(request, conversation.id, cursor, made))
    return web.json_response(answer)


async def after_turn(request: web.Request, sender: str, cursor: Optional[int], made: List[str]) -> Dict[str, Any]:
    """What the turn added to the conversation, read back from the tracker:
    the widget's messages from its `cursor` on (with ids: also a staff reply
    that came during the turn, never one twice) and the new escalations'
    question preview. When the tracker cannot be read the widget falls back
    to the turn's messages (`feed` null)."""
    try:
        tracker = await request.app[RASA].tracker(sender)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        logger.error("Rasa answered, but its tracker could not be read back")
        return {"feed": None} if cursor is not None else {}
    for escalation_id in made:
        try:
            await db(request.app[ESCALATIONS].set_question, escalation_id, question(tracker, escalation_id))
        except sa.exc.SQLAlchemyError:
            logger.error("The question of a new escalation could not be stored")
    lang = conversation_language((tracker.get("slots") or {}).get("language"),
                                 (tracker.get("latest_message") or {}).get("entities") or [])
    said = {"lang": lang, "dir": languages()[lang].dir}
    if cursor is None:
        return said
    return {"feed": checked_links(feed_from(tracker, cursor)), "cursor": cursor_of(tracker), **said}


async def offer_callback_when_unclaimed(request: web.Request, conversation_id: str,
                                        handoff: Optional[Dict[str, Any]]) -> None:
    """A live hand-off nobody claimed in time: the bot offers a callback, once."""
    if not handoff or handoff["mode"] != contract.LIVE or not handoff["offer_callback"]:
        return
    if await db(request.app[ESCALATIONS].mark_callback_offered, handoff["escalation_id"]):
        await request.app[RASA].tell(conversation_id, CALLBACK_OFFER_TEXT)


async def citizen_messages(request: web.Request) -> web.Response:
    """The conversation's messages from `cursor` on (staff replies arrive
    here; each has its `id`, and the answer's `cursor` is where to read on),
    and the waiting state. (`since`, a timestamp, is the older way to ask.)"""
    conversation_id = (await authorised(request, request.query.get("sender"), request.query.get("token"))).id
    cursor = read_cursor(request.query.get("cursor"))
    try:
        since = float(request.query.get("since") or 0)
    except ValueError:
        raise BadInput("since skal være et tal.")
    handoff = await db(handoff_state, request.app[ESCALATIONS], conversation_id,
                       request.app[SETTINGS].claim_timeout_seconds)
    try:
        await offer_callback_when_unclaimed(request, conversation_id, handoff)
        tracker = await request.app[RASA].tracker(conversation_id)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raise Unavailable("Chatten er ikke tilgængelig lige nu.")
    messages = feed_from(tracker, cursor or 0)
    if cursor is None:
        messages = [m for m in messages if float(m.get("timestamp") or 0) > since]
    return web.json_response({"messages": checked_links(messages), "cursor": cursor_of(tracker), "handoff": handoff,
                              "paused": bool(tracker.get("paused"))})


async def citizen_callback(request: web.Request) -> web.Response:
    body = await json_object(request)
    conversation_id = (await authorised(request, body.get("sender"), body.get("token"))).id
    if body.get("consent") is not True:
        raise BadInput("Sæt kryds, hvis vi må ringe til dig.")
    phone = str(body.get("phone") or "").strip()
    if not is_danish_phone(phone):  # the one check of a phone number (8 digits; +45 / 0045 allowed)
        raise BadInput("Skriv et telefonnummer med 8 cifre.")
    when = redact(str(body.get("time") or "").strip())[:100] or "Hurtigst muligt"
    name = " ".join(str(body.get("name") or "").split())[:100] or None  # with consent, for the call only
    store = request.app[ESCALATIONS]
    escalation = await db(store.open_for_conversation, conversation_id)
    if escalation is None or escalation.id != body.get("escalation_id"):
        raise NotFound("Der er ingen åben henvendelse i denne samtale.")
    try:
        await db(store.request_callback, escalation.id, conversation_id, phone, when, name)
    except Conflict:
        raise Conflict("Henvendelsen er allerede afsluttet.")
    message = callback_confirmation(when)
    try:  # the confirmation is part of the conversation (and of the citizen's transcript)
        await request.app[RASA].tell(conversation_id, message)
        told = True
    except (aiohttp.ClientError, asyncio.TimeoutError):
        logger.error("The callback confirmation could not be added to the conversation")
        told = False
    return web.json_response({"ok": True, "message": message, "told": told})


def callback_confirmation(when: str) -> str:
    return f"Tak, vi ringer dig op. Tidspunkt: {when[:1].lower() + when[1:]}. Du kan godt lukke chatten imens."


def too_much_feedback(request: web.Request) -> None:
    """Ratings and data requests from one address: a few at once, then one now and then (TooMany)."""
    limits = request.app[RATE_LIMITS]
    wait = limits.check_feedback(client_address(request.remote, request.headers.get("X-Forwarded-For"),
                                                limits.trusted_proxies))
    if wait:
        raise TooMany("Du har sendt mange på kort tid. Vent lidt, og prøv så igen.", int(retry_after_header(wait)))


async def citizen_rating(request: web.Request) -> web.Response:
    """{"sender", "token", "score": 1-5, "comment"?, "area"?}: one rating per
    conversation and answer; `area` is an answer the conversation was shown;
    the kommune is the conversation's."""
    body = await json_object(request)
    conversation = await authorised(request, body.get("sender"), body.get("token"))
    same_kommune(conversation, body.get("kommune"))
    area = body.get("area") if isinstance(body.get("area"), str) and body.get("area") else None
    if area is not None and not await db(request.app[CONVERSATIONS].was_shown, conversation.id, area):
        raise BadInput("Du kan kun bedømme det, Borgerguiden har vist dig i denne samtale.")
    too_much_feedback(request)
    await db(request.app[RATINGS].add, conversation.id, body.get("score"), body.get("comment") or None,
             conversation.kommune, area[:40] if area else None)  # BadInput, AlreadyRated (a Conflict)
    return web.json_response({"ok": True, "message": "Tak for din vurdering."})


async def citizen_click(request: web.Request) -> web.Response:
    """{"sender", "token", "area", "url"}: the citizen opened a card's
    self-service link. Counted per day, kommune and answer, never with the
    conversation: only an answer the conversation was shown, with a plain https
    link (borgerguide.links), from the conversation's own kommune and sites."""
    body = await json_object(request)
    conversation = await authorised(request, body.get("sender"), body.get("token"))
    same_kommune(conversation, body.get("kommune"))
    area, url = body.get("area"), body.get("url")
    if not isinstance(area, str) or not area or not isinstance(url, str) or not is_plain_link(url):
        raise BadInput("Linket kan ikke tælles.")
    if not await db(request.app[CONVERSATIONS].was_shown, conversation.id, area):
        raise BadInput("Du kan kun åbne links, Borgerguiden har vist dig i denne samtale.")
    limits = request.app[RATE_LIMITS]
    wait = limits.check_clicks(client_address(request.remote, request.headers.get("X-Forwarded-For"),
                                              limits.trusted_proxies))
    if wait:
        raise TooMany("Du har åbnet mange links på kort tid.", int(retry_after_header(wait)))
    await db(record_click, request.app[ESCALATIONS].engine, conversation.kommune, area, utcnow())
    return web.json_response({"ok": True})


DATA_REQUEST_DONE = {
    "export": ("Tak. Din anmodning om en kopi af samtalen har nummer {reference}. Kommunen behandler den inden "
               "for 30 dage. Oplys nummeret, når du kontakter Borgerservice om den."),
    "erase": ("Tak. Din anmodning om at slette samtalen har nummer {reference}. Kommunen sletter den inden "
              "for 30 dage. Oplys nummeret, hvis du kontakter Borgerservice om den."),
}


async def citizen_data_request(request: web.Request) -> web.Response:
    """POST {"sender", "token", "kind": "export" | "erase"}: a data-subject
    request, filed from the conversation itself for its kommune's
    administrator (bot/routes/admin.py); GET ?sender&token: the conversation's requests."""
    if request.method == "GET":
        conversation = await authorised(request, request.query.get("sender"), request.query.get("token"))
        return web.json_response({"requests": await db(request.app[CONVERSATIONS].requests_of, conversation.id)})
    body = await json_object(request)
    conversation = await authorised(request, body.get("sender"), body.get("token"))
    kind = body.get("kind")
    if kind not in KINDS:
        raise BadInput("Vælg, om du vil have en kopi af samtalen eller have den slettet.")
    if conversation.kommune is None:
        raise BadInput("Samtalen hører ikke til en kommune. Kontakt Borgerservice i din kommune.")
    too_much_feedback(request)
    filed = await db(request.app[CONVERSATIONS].file_request, conversation, kind)
    return web.json_response({"ok": True, "reference": filed["reference"], "kind": kind,
                              "message": DATA_REQUEST_DONE[kind].format(reference=filed["reference"])}, status=201)


async def citizen_notices(request: web.Request) -> web.Response:
    """Active operational notices for a kommune, any area (public: the widget's banner)."""
    kommune = known_kommune(request.query.get("kommune"))
    if not origin_allowed(request, kommune if kommune != DEFAULT_ID else None):
        raise Forbidden(FOREIGN_SITE)
    items = await db(active_notices, kommune, None, any_area=True, url=request.app[SETTINGS].database_url)
    return web.json_response({"notices": [{"text": n.text, "areas": list(n.areas)} for n in items]})


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "chat.html")


I18N_MARK = "/*I18N*/"


async def widget(request: web.Request) -> web.Response:
    """widget.js with the widget's words in every language (content/lang/<code>/widget.yml)."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    before, _, rest = source.partition(I18N_MARK)
    _, _, after = rest.partition(I18N_MARK)
    texts = {"languages": [{"code": code, "name": lang.name, "dir": lang.dir} for code, lang in languages().items()],
             "default": default_language(),
             "texts": {code: all_texts(code, "widget.yml") for code in languages()}}
    body = before + I18N_MARK + json.dumps(texts, ensure_ascii=False) + I18N_MARK + after
    return web.Response(text=body, content_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=300"})


async def demo(request: web.Request) -> web.StreamResponse:
    """The demo page of a kommune's website with the widget: `/demo` shows
    Aarhus, `/demo?kommune=<id>` any kommune of the registry (a kommune admin
    sees its own content there, as its citizens will)."""
    wanted = request.query.get("kommune")
    if not wanted:
        return web.FileResponse(STATIC / "demo.html")
    kommune = known_kommune(wanted)
    if kommune is None or kommune == DEFAULT_ID:
        raise NotFound("Kommunen findes ikke.")
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
    for path in ("/api/chat", "/api/chat/callback", "/api/chat/rating", "/api/chat/data-request", "/api/chat/click"):
        app.router.add_route("OPTIONS", path, preflight)
    app.router.add_get("/api/chat/messages", citizen_messages)
    app.router.add_post("/api/chat/rating", citizen_rating)
    app.router.add_post("/api/chat/click", citizen_click)
    app.router.add_get("/api/chat/notices", citizen_notices)
    app.router.add_post("/api/chat/callback", citizen_callback)
    app.router.add_get("/api/chat/data-request", citizen_data_request)
    app.router.add_post("/api/chat/data-request", citizen_data_request)
    app.router.add_static("/static/", STATIC)

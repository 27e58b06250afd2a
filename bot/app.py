"""The aiohttp application: `/health`, the chat page and the chat API.

The chat API is the public entry point: it checks the input and forwards it to
Rasa's REST channel. Typed text can never force an intent: a leading `/`
(Rasa's intent shortcut) is removed from typed text; only button payloads,
sent as `payload`, may start with `/`, and only for a known intent.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path
from typing import Any, Dict, Optional

import aiohttp
from aiohttp import web

from actions.notices import engine_for
from bot import staff
from bot.auth import Accounts
from bot.escalations import EscalationStore, EscalationSync
from bot.rasa_client import RasaClient
from bot.settings import Settings
from bot.ratings import Ratings
from bot.state import ACCOUNTS, ESCALATIONS, HTTP, RASA, RATINGS, SETTINGS

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"

SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KOMMUNE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
PAYLOAD = re.compile(r'^/[a-z_]{2,40}(\{[^{}]{0,200}\})?$')


class BadInput(ValueError):
    """Input the API refuses, with a Danish message for the citizen."""


def allowed_origins(kommune_id: Optional[str] = None) -> set:
    """Sites allowed to embed the widget: each kommune's `widget_origins`
    (content/kommuner/<id>.yml) and BORGERGUIDE_ALLOWED_ORIGINS (comma list)."""
    import os

    from actions.content import content_dir, read_yaml

    origins = {o.strip().rstrip("/") for o in os.environ.get("BORGERGUIDE_ALLOWED_ORIGINS", "").split(",") if o.strip()}
    paths = sorted((content_dir() / "kommuner").glob("*.yml"))
    for path in paths:
        if kommune_id is None or path.stem == kommune_id:
            origins |= {str(o).rstrip("/") for o in (read_yaml(path).get("widget_origins") or [])}
    return origins


@web.middleware
async def origin_middleware(request: web.Request, handler):
    """The public chat API answers its own pages and the kommuner's allowed
    sites (CORS); any other site's browser gets a 403."""
    origin = request.headers.get("Origin")
    if not request.path.startswith("/api/chat") or not origin:
        return await handler(request)
    own = f"{request.scheme}://{request.host}"
    if origin == own:
        return await handler(request)
    if origin.rstrip("/") not in allowed_origins():
        return json_error(403, "Denne hjemmeside må ikke bruge Borgerguiden.")
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        response = await handler(request)
    response.headers.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                             "Access-Control-Allow-Methods": "GET, POST",
                             "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"})
    return response


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler):
    """Maps errors to JSON; never echoes the request body."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except BadInput as error:
        return json_error(400, str(error))
    except Exception:  # noqa: BLE001 - last line of defence
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(500, "Der skete en fejl hos os. Prøv igen om lidt.")


def parse_chat_request(body: Any, max_chars: int) -> Dict[str, Any]:
    """Checks a chat request and returns what to send to Rasa."""
    if not isinstance(body, dict):
        raise BadInput("Forespørgslen skal være et JSON-objekt.")
    sender = body.get("sender")
    if not isinstance(sender, str) or not SENDER_ID.match(sender):
        raise BadInput("Feltet 'sender' mangler eller er ugyldigt (8-64 tegn: a-z, 0-9, - og _).")
    payload = body.get("payload")
    message = body.get("message")
    if payload is not None:
        if not isinstance(payload, str) or not PAYLOAD.match(payload):
            raise BadInput("Ugyldigt valg.")
        text = payload
    else:
        if not isinstance(message, str):
            raise BadInput("Feltet 'message' mangler.")
        text = message.replace("\x00", "").strip()
        text = text.lstrip("/").strip()  # typed text never forces an intent
        if not text:
            raise BadInput("Skriv en besked først.")
        if len(text) > max_chars:
            raise BadInput(f"Beskeden er for lang. Skriv højst {max_chars} tegn.")
    metadata: Dict[str, Any] = {}
    kommune = body.get("kommune")
    if isinstance(kommune, str) and KOMMUNE_ID.match(kommune):
        metadata["kommune"] = kommune
    return {"sender": sender, "message": text, "metadata": metadata}


async def health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    rasa_ok = False
    try:
        async with request.app[HTTP].get(f"{settings.rasa_url}/", timeout=aiohttp.ClientTimeout(total=3)) as response:
            rasa_ok = response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        rasa_ok = False
    return web.json_response({"status": "ok", "rasa": "ok" if rasa_ok else "unreachable"})


async def chat(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        body = await request.json()
    except ValueError:
        raise BadInput("Forespørgslen er ikke gyldig JSON.")
    forward = parse_chat_request(body, settings.max_message_chars)
    origin = request.headers.get("Origin")
    kommune = forward["metadata"].get("kommune")
    if origin and origin != f"{request.scheme}://{request.host}" and kommune and \
            origin.rstrip("/") not in allowed_origins(kommune):
        return json_error(403, "Denne hjemmeside må ikke bruge Borgerguiden for denne kommune.")
    try:
        async with request.app[HTTP].post(
            f"{settings.rasa_url}/webhooks/rest/webhook",
            json=forward,
            timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout),
        ) as response:
            if response.status != 200:
                logger.error("Rasa answered %s", response.status)
                return json_error(502, "Chatten er ikke tilgængelig lige nu. Prøv igen om lidt.")
            messages = await response.json()
    except (aiohttp.ClientError, TimeoutError):
        logger.error("Rasa is unreachable at %s", settings.rasa_url)
        return json_error(503, "Chatten er ikke tilgængelig lige nu. Prøv igen om lidt.")
    sender = forward["sender"]
    await sync_now(request.app)  # a hand-off in these messages becomes an escalation now
    return web.json_response({
        "messages": messages,
        "token": staff.conversation_token(settings.secret, sender),
        "handoff": staff.handoff_state(request, sender),
    })


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "chat.html")


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight; origin_middleware adds the headers for allowed sites."""
    return web.Response(status=204)


async def widget(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "widget.js", headers={"Cache-Control": "public, max-age=300"})


async def demo(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "demo.html")


async def http_session(app: web.Application):
    settings = app[SETTINGS]
    app[HTTP] = aiohttp.ClientSession()
    app[RASA] = RasaClient(app[HTTP], settings.rasa_url, settings.rasa_token, settings.rasa_timeout)
    yield
    await app[HTTP].close()


SYNC = web.AppKey("sync", EscalationSync)
SYNC_LOCK = web.AppKey("sync_lock", asyncio.Lock)


async def sync_now(app: web.Application) -> int:
    """Derives new escalations from the event stream (serialised)."""
    async with app[SYNC_LOCK]:
        return await asyncio.to_thread(app[SYNC].run_once)


async def stores(app: web.Application):
    settings = app[SETTINGS]
    engine = engine_for(settings.database_url)
    app[ACCOUNTS] = Accounts(engine)
    app[ESCALATIONS] = EscalationStore(engine)
    app[RATINGS] = Ratings(engine)
    app[SYNC] = EscalationSync(app[ESCALATIONS], engine_for(settings.events_url))
    app[SYNC_LOCK] = asyncio.Lock()

    async def follow_events() -> None:
        while True:
            try:
                await sync_now(app)
            except Exception:  # noqa: BLE001 - keep following; say so loudly
                logger.exception("Could not read the event stream")
            await asyncio.sleep(settings.sync_seconds)

    task = asyncio.create_task(follow_events())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: Optional[Settings] = None) -> web.Application:
    app = web.Application(middlewares=[error_middleware, origin_middleware], client_max_size=64 * 1024)
    app[SETTINGS] = settings or Settings.from_env()
    app.cleanup_ctx.append(http_session)
    app.cleanup_ctx.append(stores)
    app.router.add_get("/health", health)
    app.router.add_get("/", index)
    app.router.add_get("/widget.js", widget)
    app.router.add_get("/demo", demo)
    app.router.add_post("/api/chat", chat)
    app.router.add_route("OPTIONS", "/api/chat", preflight)
    app.router.add_route("OPTIONS", "/api/chat/callback", preflight)
    app.router.add_route("OPTIONS", "/api/chat/rating", preflight)
    app.router.add_static("/static/", STATIC)
    staff.add_routes(app)
    return app

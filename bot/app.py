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
import os
import re
import zlib
from pathlib import Path
from typing import Any, Dict, Optional

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from actions.notices import engine_for
from bot import analyst, payloads, retention, staff
from bot.analytics import AnalyticsSync
from bot.auth import Accounts
from bot.escalations import EscalationStore, EscalationSync
from bot.event_consumer import AmqpSettings, EventConsumer
from bot.rasa_client import RasaClient
from bot.ratelimit import RATE_LIMITS, ChatRateLimits, client_address, retry_after_header
from bot.settings import Settings
from bot.ratings import Ratings
from bot.state import ACCOUNTS, ESCALATIONS, HTTP, RASA, RATINGS, SETTINGS

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"

SENDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KOMMUNE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
PAYLOAD = re.compile(r'^/[a-z_]{2,40}(\{[^{}]{0,200}\})?$')
# Typed text: control characters (not tab/newline) go, lone surrogates become U+FFFD,
# and leading whitespace and slashes go (Rasa strips whitespace, then reads "/" as a shortcut).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
SHORTCUT_PREFIX = re.compile(r"^[\s/]+")


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
    kommune = body.get("kommune")
    if isinstance(kommune, str) and KOMMUNE_ID.fullmatch(kommune):
        metadata["kommune"] = kommune
    return {"sender": sender, "message": text, "metadata": metadata}


async def health(request: web.Request) -> web.Response:
    """Readiness: 200 only when the web service's database, every Rasa server
    and its stores (tracker store, lock store) answer, and, in production, the
    event consumer is connected or waiting as a standby; else 503 naming what
    failed. `/health/live` only says the process runs."""
    settings = request.app[SETTINGS]
    report: Dict[str, Any] = {}
    for number, url in enumerate(settings.rasa_urls or (settings.rasa_url,)):
        name = "rasa" if number == 0 else f"rasa_{number + 1}"
        try:
            async with request.app[HTTP].get(f"{url}/health/stores", timeout=aiohttp.ClientTimeout(total=6)) as response:
                if response.status == 404:  # a Rasa not started through launch/: only "it runs"
                    async with request.app[HTTP].get(f"{url}/", timeout=aiohttp.ClientTimeout(total=6)) as plain:
                        report[name] = "ok" if plain.status == 200 else "failing"
                    continue
                body = await response.json(content_type=None)
                report[name] = "ok" if response.status == 200 else \
                    ", ".join(f"{k}: {v}" for k, v in body.items() if k != "status" and v != "ok") or "failing"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):  # not the builtin TimeoutError on 3.10
            report[name] = "unreachable"
    try:
        await asyncio.wait_for(asyncio.to_thread(_ping, request.app[DB_ENGINE]), timeout=5)
        report["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - reported, never raised
        report["database"] = f"unreachable ({type(error).__name__})"
    consumer = request.app.get(CONSUMER)
    if consumer is not None:
        state = consumer.status()
        report["event_queue"] = "ok" if state["connected"] or state["waiting"] else \
            f"unreachable ({state['error'] or 'connecting'})"
    ok = all(value == "ok" for value in report.values())
    if not ok:
        logger.error("Health check failing: %s", report)
    return web.json_response({"status": "ok" if ok else "failing", **report}, status=200 if ok else 503)


async def live(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _ping(engine: sa.engine.Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def rasa_url_for(settings: Settings, sender: str) -> str:
    """The Rasa server for a conversation. With several (RASA_URLS) it is
    chosen by a hash of the sender id, so a conversation always goes to the
    same server and its messages stay in order."""
    urls = settings.rasa_urls or (settings.rasa_url,)
    return urls[zlib.crc32(sender.encode()) % len(urls)]


async def chat(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    limits = request.app[RATE_LIMITS]
    wait = limits.check_address(client_address(request.remote, request.headers.get("X-Forwarded-For"),
                                               limits.trusted_proxies))
    if wait:
        return too_many_messages(wait)
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        return json_error(413, f"Beskeden er for lang. Skriv højst {settings.max_message_chars} tegn.")
    except ValueError:  # also bytes that are not UTF-8
        raise BadInput("Forespørgslen er ikke gyldig JSON.")
    forward = parse_chat_request(body, settings.max_message_chars)
    wait = limits.check_conversation(forward["sender"])
    if wait:
        return too_many_messages(wait)
    origin = request.headers.get("Origin")
    kommune = forward["metadata"].get("kommune")
    if origin and origin != f"{request.scheme}://{request.host}" and kommune and \
            origin.rstrip("/") not in allowed_origins(kommune):
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
                return json_error(502, "Chatten er ikke tilgængelig lige nu. Prøv igen om lidt.")
            messages = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError):  # not the builtin TimeoutError on 3.10
        logger.error("Rasa is unreachable at %s", rasa_url)
        return json_error(503, "Chatten er ikke tilgængelig lige nu. Prøv igen om lidt.")
    sender = forward["sender"]
    kinds = {m["custom"].get("type") for m in messages
             if isinstance(m, dict) and isinstance(m.get("custom"), dict)}
    if "fault" in kinds:  # Rasa could not process it (launch/rasa_server.py): nothing was saved
        logger.error("Rasa could not process a message (%s)",
                     next(m["custom"].get("reason") for m in messages if (m.get("custom") or {}).get("type") == "fault"))
        return json_error(503, "Chatten er ikke tilgængelig lige nu. Prøv igen om lidt.")
    try:
        if "handoff" in kinds:
            await escalation_made(request.app, sender)  # the hand-off becomes an escalation before we answer
        handoff = staff.handoff_state(request, sender)
    except sa.exc.SQLAlchemyError as error:
        # The bot answered; only our own database is away. The citizen gets the
        # answer, and a hand-off becomes an escalation when the database is back
        # (it is derived from the event stream, which keeps it).
        logger.error("The web service's database is unreachable (%s); answering without the hand-off state",
                     type(error).__name__)
        handoff = None
    return web.json_response({
        "messages": messages,
        "token": staff.conversation_token(settings.secret, sender),
        "handoff": handoff,
    })


def too_many_messages(wait: float) -> web.Response:
    response = json_error(429, "Du har skrevet mange beskeder på kort tid. Vent lidt, og prøv så igen.")
    response.headers["Retry-After"] = retry_after_header(wait)
    return response


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
DB_ENGINE = web.AppKey("db_engine", sa.engine.Engine)
CONSUMER = web.AppKey("event_consumer", EventConsumer)
ANALYTICS = web.AppKey("analytics", AnalyticsSync)
SYNC_LOCK = web.AppKey("sync_lock", asyncio.Lock)


async def sync_now(app: web.Application) -> int:
    """Derives new escalations from the event stream (serialised)."""
    async with app[SYNC_LOCK]:
        return await asyncio.to_thread(app[SYNC].run_once)


async def escalation_made(app: web.Application, sender: str, wait: float = 3.0) -> None:
    """Reads the event stream until the conversation's hand-off is an
    escalation. Embedded, Rasa's SQL broker has written it already; in
    production it comes through RabbitMQ and the consumer, a moment later."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        await sync_now(app)
        if app[ESCALATIONS].open_for_conversation(sender) is not None or \
                asyncio.get_running_loop().time() >= deadline:
            return
        await asyncio.sleep(0.05)


async def stores(app: web.Application):
    settings = app[SETTINGS]
    engine = engine_for(settings.database_url)
    events_engine = engine if settings.events_url == settings.database_url else engine_for(settings.events_url)
    app[DB_ENGINE] = engine
    app[ACCOUNTS] = Accounts(engine)
    app[ESCALATIONS] = EscalationStore(engine)
    app[RATINGS] = Ratings(engine)
    app[SYNC] = EscalationSync(app[ESCALATIONS], events_engine)
    app[SYNC_LOCK] = asyncio.Lock()

    async def follow_events() -> None:
        while True:
            try:
                await sync_now(app)
            except Exception:  # noqa: BLE001 - keep following; say so loudly
                logger.exception("Could not read the event stream")
            await asyncio.sleep(settings.sync_seconds)

    app[ANALYTICS] = AnalyticsSync(engine, events_engine, settings.low_confidence)
    app[analyst.STORES] = retention.Stores(engine, app[ANALYTICS].events_engine,
                                           sa.create_engine(settings.tracker_url, future=True, hide_parameters=True) if settings.tracker_url else None)

    async def follow_analytics() -> None:
        """The analysts' figures follow the event stream (their own task:
        a long backlog never delays the escalations)."""
        while True:
            try:
                while await asyncio.to_thread(app[ANALYTICS].run_once, 2000):
                    await asyncio.sleep(0)
            except Exception:  # noqa: BLE001 - keep following; say so loudly
                logger.exception("Could not update the analysts' figures")
            await asyncio.sleep(settings.sync_seconds)

    async def retention_job() -> None:
        """Deletes or anonymises what is older than the retention period."""
        while True:
            try:
                await asyncio.to_thread(retention.run_retention, app[analyst.STORES], settings.retention_days)
            except Exception:  # noqa: BLE001
                logger.exception("The retention job failed; it runs again later")
            await asyncio.sleep(settings.retention_hours * 3600)

    tasks = [asyncio.create_task(follow_events()), asyncio.create_task(follow_analytics()),
             asyncio.create_task(retention_job())]
    if settings.amqp_url:  # production: Rasa publishes to RabbitMQ; copy it into the events table
        app[CONSUMER] = EventConsumer(AmqpSettings(settings.amqp_url, settings.amqp_queue), events_engine)
        tasks.append(asyncio.create_task(app[CONSUMER].run()))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(settings: Optional[Settings] = None) -> web.Application:
    app = web.Application(middlewares=[error_middleware, origin_middleware], client_max_size=64 * 1024)
    app[SETTINGS] = settings or Settings.from_env()
    app[RATE_LIMITS] = ChatRateLimits.from_env(os.environ)  # tests may replace it before start-up
    app.cleanup_ctx.append(http_session)
    app.cleanup_ctx.append(stores)
    app.router.add_get("/health", health)
    app.router.add_get("/health/live", live)
    app.router.add_get("/", index)
    app.router.add_get("/widget.js", widget)
    app.router.add_get("/demo", demo)
    app.router.add_post("/api/chat", chat)
    app.router.add_route("OPTIONS", "/api/chat", preflight)
    app.router.add_route("OPTIONS", "/api/chat/callback", preflight)
    app.router.add_route("OPTIONS", "/api/chat/rating", preflight)
    app.router.add_static("/static/", STATIC)
    staff.add_routes(app)
    analyst.add_routes(app)
    return app

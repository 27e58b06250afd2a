"""`/health` (readiness) and `/health/live` (liveness)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from bot.keys import CONSUMER, DB_ENGINE, HTTP, SETTINGS
from bot.offloop import db

logger = logging.getLogger(__name__)


def _ping(engine: sa.engine.Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


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
            timeout = aiohttp.ClientTimeout(total=6)
            async with request.app[HTTP].get(f"{url}/health/stores", timeout=timeout) as response:
                if response.status == 404:  # a Rasa not started through launch/: only "it runs"
                    async with request.app[HTTP].get(f"{url}/", timeout=timeout) as plain:
                        report[name] = "ok" if plain.status == 200 else "failing"
                    continue
                body = await response.json(content_type=None)
                report[name] = "ok" if response.status == 200 else \
                    ", ".join(f"{k}: {v}" for k, v in body.items() if k != "status" and v != "ok") or "failing"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):  # not the builtin TimeoutError on 3.10
            report[name] = "unreachable"
    try:
        await asyncio.wait_for(db(_ping, request.app[DB_ENGINE]), timeout=5)
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


def add_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/health/live", live)

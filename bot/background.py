"""What the web service opens when it starts and closes when it stops
(aiohttp cleanup contexts): the HTTP client to Rasa, the stores, and the
background work: reading the event stream (escalations and the analysts'
figures, each its own task, so a long backlog of one never delays the
other), the retention job and, in production, the RabbitMQ consumer."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator, Awaitable, Callable, List

import aiohttp
from aiohttp import web

from borgerguide.db import engine_for
from bot.event_consumer import AmqpSettings, EventConsumer
from bot.keys import (
    ACCOUNTS, ANALYTICS, CONSUMER, CONVERSATIONS, DB_ENGINE, ESCALATION_PROJECTION, ESCALATIONS, HTTP,
    PROJECTION_LOCK, RASA, RATINGS, RETENTION, SAVED_REPLIES, SETTINGS,
)
from bot.analytics.projection import AnalyticsProjection
from bot.projections import EscalationProjection
from bot.rasa_client import RasaClient
from bot.stores import retention
from bot.stores.accounts import Accounts
from bot.stores.conversations import Conversations
from bot.stores.escalations import EscalationStore
from bot.stores.ratings import Ratings
from bot.stores.saved_replies import SavedReplies

logger = logging.getLogger(__name__)


async def http_session(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[HTTP] = aiohttp.ClientSession()
    app[RASA] = RasaClient(app[HTTP], settings.rasa_url, settings.rasa_token, settings.rasa_timeout)
    yield
    await app[HTTP].close()


async def read_escalations(app: web.Application) -> int:
    """New escalations from the event stream (serialised within the process)."""
    async with app[PROJECTION_LOCK]:
        return await asyncio.to_thread(app[ESCALATION_PROJECTION].run_once)


async def _repeat(what: str, step: Callable[[], Awaitable[Any]], pause: float) -> None:
    while True:
        try:
            await step()
        except Exception:  # noqa: BLE001 - keep going; say so loudly
            logger.exception("%s failed; trying again later", what)
        await asyncio.sleep(pause)


async def stores(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = engine_for(settings.database_url)
    events_engine = engine if settings.events_url == settings.database_url else engine_for(settings.events_url)
    tracker_engine = engine_for(settings.tracker_url) if settings.tracker_url else None
    app[DB_ENGINE] = engine
    app[ACCOUNTS] = Accounts(engine)
    app[CONVERSATIONS] = Conversations(engine)
    app[ESCALATIONS] = EscalationStore(engine)
    app[RATINGS] = Ratings(engine)
    app[SAVED_REPLIES] = SavedReplies(engine)
    app[ESCALATION_PROJECTION] = EscalationProjection(app[ESCALATIONS], events_engine)
    app[PROJECTION_LOCK] = asyncio.Lock()
    app[ANALYTICS] = AnalyticsProjection(engine, events_engine, settings.low_confidence)
    app[RETENTION] = retention.Stores(engine, events_engine, tracker_engine)

    async def analytics_step() -> None:
        while await asyncio.to_thread(app[ANALYTICS].run_once, 2000):
            await asyncio.sleep(0)

    async def retention_step() -> None:
        await asyncio.to_thread(retention.run_retention, app[RETENTION], settings.retention_days)

    tasks: List["asyncio.Task[None]"] = [
        asyncio.create_task(_repeat("Reading the event stream", lambda: read_escalations(app), settings.sync_seconds)),
        asyncio.create_task(_repeat("Updating the analysts' figures", analytics_step, settings.sync_seconds)),
        asyncio.create_task(_repeat("The retention job", retention_step, settings.retention_hours * 3600)),
    ]
    if settings.amqp_url:  # production: Rasa publishes to RabbitMQ; copy it into the events table
        app[CONSUMER] = EventConsumer(AmqpSettings(settings.amqp_url, settings.amqp_queue), events_engine)
        tasks.append(asyncio.create_task(app[CONSUMER].run()))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task

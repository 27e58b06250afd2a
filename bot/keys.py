"""Every typed key of the application's state, in one place."""
from __future__ import annotations

import asyncio

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from bot.event_consumer import EventConsumer
from bot.analytics.projection import AnalyticsProjection
from bot.projections import EscalationProjection
from bot.rasa_client import RasaClient
from bot.ratelimit import ChatRateLimits
from bot.settings import Settings
from bot.stores.accounts import Accounts
from bot.stores.conversations import Conversations
from bot.stores.escalations import EscalationStore
from bot.stores.ratings import Ratings
from bot.stores.saved_replies import SavedReplies
from bot.stores.retention import Stores

SETTINGS = web.AppKey("settings", Settings)
RATE_LIMITS = web.AppKey("rate_limits", ChatRateLimits)
HTTP = web.AppKey("http", aiohttp.ClientSession)
RASA = web.AppKey("rasa", RasaClient)
DB_ENGINE = web.AppKey("db_engine", sa.engine.Engine)
# stores: every call from a handler goes through bot.offloop.db() (a worker thread)
ACCOUNTS = web.AppKey("accounts", Accounts)
CONVERSATIONS = web.AppKey("conversations", Conversations)
ESCALATIONS = web.AppKey("escalations", EscalationStore)
RATINGS = web.AppKey("ratings", Ratings)
SAVED_REPLIES = web.AppKey("saved_replies", SavedReplies)
RETENTION = web.AppKey("retention_stores", Stores)
STORE_KEYS = (ACCOUNTS, CONVERSATIONS, ESCALATIONS, RATINGS, RETENTION, SAVED_REPLIES)
# the event stream's readers
ESCALATION_PROJECTION = web.AppKey("escalation_projection", EscalationProjection)
ANALYTICS = web.AppKey("analytics", AnalyticsProjection)
PROJECTION_LOCK = web.AppKey("projection_lock", asyncio.Lock)
CONSUMER = web.AppKey("event_consumer", EventConsumer)

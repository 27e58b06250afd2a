"""Typed keys of the application's state."""
from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.auth import Accounts
from bot.escalations import EscalationStore
from bot.rasa_client import RasaClient
from bot.ratings import Ratings
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
RASA = web.AppKey("rasa", RasaClient)
ACCOUNTS = web.AppKey("accounts", Accounts)
ESCALATIONS = web.AppKey("escalations", EscalationStore)
RATINGS = web.AppKey("ratings", Ratings)

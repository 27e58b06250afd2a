"""The web service's routes, by who uses them."""
from __future__ import annotations

from aiohttp import web

from bot import session
from bot.routes import admin, analyst, citizen, health, notices, staff


def add_routes(app: web.Application) -> None:
    for module in (health, citizen, session, staff, notices, analyst, admin):
        module.add_routes(app)

"""The web service's application factory."""
from __future__ import annotations

import os
from typing import Optional

from aiohttp import web

from bot.background import http_session, stores
from bot.keys import RATE_LIMITS, SETTINGS
from bot.middleware import MIDDLEWARES, security_headers
from bot.ratelimit import ChatRateLimits
from bot.routes import add_routes
from bot.settings import Settings


def create_app(settings: Optional[Settings] = None) -> web.Application:
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=64 * 1024)
    app[SETTINGS] = settings or Settings.from_env()
    app[RATE_LIMITS] = ChatRateLimits.from_env(os.environ)  # tests may replace it before start-up
    app.cleanup_ctx.append(http_session)
    app.cleanup_ctx.append(stores)
    app.on_response_prepare.append(security_headers)  # type: ignore[arg-type]
    add_routes(app)
    return app

"""Operational notices (driftsmeddelelser) through the JSON API, for every
logged-in role: list, publish, end (borgerguide.notices is the store). An
account sees the national notices and its own kommune's, and publishes and
ends its own kommune's; national notices are the cross-kommune accounts'
(the operator's own people)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict

from aiohttp import web

from borgerguide import notices
from borgerguide.errors import BadInput, NotFound
from bot.keys import SETTINGS
from bot.offloop import db
from bot.session import body_of, require, scoped
from bot.stores.accounts import Session


def notice_json(notice: notices.Notice) -> Dict[str, Any]:
    return {"id": notice.id, "kommune": notice.kommune, "areas": list(notice.areas), "text": notice.text,
            "starts_at": notice.starts_at.isoformat(), "ends_at": notice.ends_at.isoformat(),
            "created_by": notice.created_by}


def visible(session: Session, notice: notices.Notice) -> bool:
    return notice.kommune is None or session.scope.allows(notice.kommune)


async def api_notices(request: web.Request) -> web.Response:
    session = require(request, "any", api=True)
    url = request.app[SETTINGS].database_url
    if request.query.get("active"):
        kommune = scoped(session, request.query.get("kommune") or None)
        items = await db(notices.active, kommune, request.query.get("area") or None, url=url)
    else:
        items = await db(notices.all_notices, url=url)
    return web.json_response({"notices": [notice_json(n) for n in items if visible(session, n)]})


async def api_publish_notice(request: web.Request) -> web.Response:
    """{"text", "areas": [...] or ["*"], "starts_at"?, "ends_at", "kommune"?}"""
    session = require(request, "any", api=True)
    body = await body_of(request)
    try:
        starts = datetime.fromisoformat(body["starts_at"]) if body.get("starts_at") else datetime.now(timezone.utc)
        ends = datetime.fromisoformat(str(body.get("ends_at")))
        areas = body.get("areas")
        if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
            raise ValueError("areas skal være en liste af områder, eller [\"*\"].")
        kommune = scoped(session, body.get("kommune") or None)
        if kommune is None and not session.scope.everywhere:
            raise ValueError("kun driften kan udsende en landsdækkende driftsmeddelelse.")
        notice_id = await db(notices.publish, str(body.get("text") or ""), areas, starts, ends, kommune,
                             session.username, url=request.app[SETTINGS].database_url)
    except (KeyError, TypeError, ValueError) as error:
        raise BadInput(f"Ugyldig driftsmeddelelse: {error}")
    return web.json_response({"id": notice_id}, status=201)


async def api_end_notice(request: web.Request) -> web.Response:
    session = require(request, "any", api=True)
    try:
        notice_id = int(request.match_info["id"])
    except ValueError:
        raise NotFound("Driftsmeddelelsen findes ikke.")
    url = request.app[SETTINGS].database_url
    found = [n for n in await db(notices.all_notices, url=url) if n.id == notice_id]
    mine = bool(found) and session.scope.allows(found[0].kommune)
    if not mine or not await db(notices.end_notice, notice_id, url=url):
        raise NotFound("Driftsmeddelelsen findes ikke.")
    return web.json_response({"ended": notice_id})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/notices", api_notices)
    app.router.add_post("/api/notices", api_publish_notice)
    app.router.add_post("/api/notices/{id}/end", api_end_notice)

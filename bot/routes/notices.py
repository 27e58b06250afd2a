"""Operational notices (driftsmeddelelser) through the JSON API, for logged-in
staff and analysts: list, publish, end (borgerguide.notices is the store)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict

from aiohttp import web

from borgerguide import notices
from bot.keys import SETTINGS
from bot.offloop import db
from bot.session import body_of, require


def notice_json(notice: notices.Notice) -> Dict[str, Any]:
    return {"id": notice.id, "kommune": notice.kommune, "areas": list(notice.areas), "text": notice.text,
            "starts_at": notice.starts_at.isoformat(), "ends_at": notice.ends_at.isoformat(),
            "created_by": notice.created_by}


async def api_notices(request: web.Request) -> web.Response:
    require(request, "any", api=True)
    url = request.app[SETTINGS].database_url
    if request.query.get("active"):
        items = await db(notices.active, request.query.get("kommune") or None, request.query.get("area") or None,
                         url=url)
    else:
        items = await db(notices.all_notices, url=url)
    return web.json_response({"notices": [notice_json(n) for n in items]})


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
        kommune = body.get("kommune") or None
        notice_id = await db(notices.publish, str(body.get("text") or ""), areas, starts, ends, kommune,
                             session.username, url=request.app[SETTINGS].database_url)
    except (KeyError, TypeError, ValueError) as error:
        return web.json_response({"error": f"Ugyldig driftsmeddelelse: {error}"}, status=400)
    return web.json_response({"id": notice_id}, status=201)


async def api_end_notice(request: web.Request) -> web.Response:
    require(request, "any", api=True)
    try:
        notice_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound()
    if not await db(notices.end_notice, notice_id, url=request.app[SETTINGS].database_url):
        return web.json_response({"error": "Driftsmeddelelsen findes ikke."}, status=404)
    return web.json_response({"ended": notice_id})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/notices", api_notices)
    app.router.add_post("/api/notices", api_publish_notice)
    app.router.add_post("/api/notices/{id}/end", api_end_notice)

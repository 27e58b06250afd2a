"""The staff inbox: pages and the JSON API (login with the `staff` role).

Pages: /staff/, /staff/escalations/{id} (+ claim, reply, resolve, forward).
JSON API: /api/staff/escalations[/{id}[/claim|/reply|/resolve|/forward]],
/api/staff/stream (server-sent events). Every state change needs the
session's CSRF token (bot.middleware).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict

import aiohttp
from aiohttp import web

from borgerguide import contract
from bot.keys import ESCALATIONS, RASA, SETTINGS
from bot.offloop import db
from bot.session import body_of, json_failure, require, scoped
from bot.stores.accounts import Session
from bot.stores.escalations import OUTCOMES, STATUSES, Conflict, Escalation, NotFound
from bot.templating import render
from bot.transcript import transcript

STATUSES_DA = {"open": "Venter", "claimed": "Taget", "resolved": "Afsluttet"}
RESUME_TEXT = "Medarbejderen har afsluttet samtalen. Du skriver nu med Borgerguiden igen."
NOT_FOUND = "Henvendelsen findes ikke."


async def _escalation(request: web.Request, session: Session, escalation_id: str) -> Escalation:
    """The escalation, if it is of the account's kommune (else 404, as if it did not exist)."""
    try:
        escalation = await db(request.app[ESCALATIONS].get, escalation_id)
    except NotFound:
        raise json_failure(web.HTTPNotFound, NOT_FOUND)
    if not session.scope.allows(escalation.kommune):
        raise json_failure(web.HTTPNotFound, NOT_FOUND)
    return escalation


async def _detail(request: web.Request, session: Session, escalation_id: str) -> Dict[str, Any]:
    store = request.app[ESCALATIONS]
    escalation = await _escalation(request, session, escalation_id)
    try:
        tracker = await request.app[RASA].tracker(escalation.conversation_id)
        lines = transcript(tracker)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        lines = [{"who": "system", "text": "Samtalen kunne ikke hentes fra Rasa lige nu.", "at": None}]
    return {"escalation": escalation.public(viewer=session.username), "transcript": lines,
            "history": await db(store.history, escalation_id)}


async def inbox_page(request: web.Request) -> web.Response:
    session = require(request, "staff", api=False)
    status = request.query.get("status") or None
    items = [e.public(viewer=session.username) for e in await db(request.app[ESCALATIONS].list, status=status,
                                          kommune=scoped(session, None))]
    return render("inbox.html", title="Indbakke", session=session, escalations=items,
                  reasons=contract.HANDOFF_REASONS, statuses=STATUSES_DA)


async def escalation_page(request: web.Request) -> web.Response:
    session = require(request, "staff", api=False)
    detail = await _detail(request, session, request.match_info["id"])
    return render("escalation.html", title="Henvendelse", session=session, e=detail["escalation"],
                  transcript=detail["transcript"], history=detail["history"], reasons=contract.HANDOFF_REASONS,
                  statuses=STATUSES_DA, outcomes=OUTCOMES, queues=contract.QUEUES)


async def _change(request: web.Request, session: Session, action: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """claim / reply / resolve / forward, shared by the pages and the API."""
    store = request.app[ESCALATIONS]
    escalation_id = (await _escalation(request, session, request.match_info["id"])).id
    try:
        if action == "claim":
            escalation = await db(store.claim, escalation_id, session.username)
        elif action == "reply":
            text = str(body.get("text") or "").strip()
            if not text or len(text) > 2000:
                raise ValueError("Svaret skal være 1-2000 tegn.")
            await db(store.record_reply, escalation_id, session.username, text)
            escalation = await db(store.get, escalation_id)
            await request.app[RASA].say_as_staff(escalation.conversation_id, session.username, text)
        elif action == "resolve":
            escalation = await db(store.resolve, escalation_id, session.username, str(body.get("outcome") or ""))
            if escalation.mode == contract.LIVE:
                await request.app[RASA].resume_bot(escalation.conversation_id, RESUME_TEXT)
        elif action == "forward":
            queue = str(body.get("queue") or "")
            if queue not in contract.QUEUES:
                raise ValueError(f"Køen skal være en af: {', '.join(contract.QUEUES)}.")
            escalation = await db(store.forward, escalation_id, session.username, queue)
        else:
            raise web.HTTPNotFound()
    except NotFound:
        raise json_failure(web.HTTPNotFound, NOT_FOUND)
    except Conflict as error:
        raise json_failure(web.HTTPConflict, str(error))
    except ValueError as error:
        raise json_failure(web.HTTPBadRequest, str(error))
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raise json_failure(web.HTTPBadGateway, "Rasa svarer ikke; prøv igen.")
    return escalation.public(viewer=session.username)


async def escalation_form_action(request: web.Request) -> web.StreamResponse:
    session = require(request, "staff", api=False)
    await _change(request, session, request.match_info["action"], await body_of(request))
    raise web.HTTPFound(f"/staff/escalations/{request.match_info['id']}")


async def api_list(request: web.Request) -> web.Response:
    session = require(request, "staff", api=True)
    status = request.query.get("status") or None
    if status and status not in STATUSES:
        return web.json_response({"error": "status: open, claimed eller resolved."}, status=400)
    kommune = scoped(session, request.query.get("kommune") or None)
    items = await db(request.app[ESCALATIONS].list, status=status, queue=request.query.get("queue") or None,
                     kommune=kommune)
    return web.json_response({"escalations": [e.public(viewer=session.username) for e in items]})


async def api_get(request: web.Request) -> web.Response:
    session = require(request, "staff", api=True)
    return web.json_response(await _detail(request, session, request.match_info["id"]))


async def api_action(request: web.Request) -> web.Response:
    session = require(request, "staff", api=True)
    body = await body_of(request)
    return web.json_response({"escalation": await _change(request, session, request.match_info["action"], body)})


async def api_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one `escalation` event per new open escalation."""
    session = require(request, "staff", api=True)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    store = request.app[ESCALATIONS]
    kommune = scoped(session, None)
    seen = {e.id for e in await db(store.list, status="open", kommune=kommune)}
    try:
        while True:
            await asyncio.sleep(request.app[SETTINGS].sync_seconds)
            for escalation in await db(store.list, status="open", kommune=kommune):
                if escalation.id not in seen:
                    seen.add(escalation.id)
                    data = json.dumps({k: escalation.public()[k] for k in ("id", "area", "kommune", "reason", "mode")})
                    await response.write(f"event: escalation\ndata: {data}\n\n".encode())
            await response.write(b": keep-alive\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/", inbox_page)
    app.router.add_get("/staff/escalations/{id}", escalation_page)
    app.router.add_post("/staff/escalations/{id}/{action:claim|reply|resolve|forward}", escalation_form_action)
    app.router.add_get("/api/staff/escalations", api_list)
    app.router.add_get("/api/staff/escalations/{id}", api_get)
    app.router.add_post("/api/staff/escalations/{id}/{action:claim|reply|resolve|forward}", api_action)
    app.router.add_get("/api/staff/stream", api_stream)

"""The staff inbox: pages and the JSON API (login with the `staff` role).

Pages: /staff/ (the inbox: waiting cases longest waiting first, filters and
search), /staff/escalations/{id} (the case: the conversation, live; claim,
reply, saved replies, internal note, forward, assign to a colleague, close
with confirmation), /staff/svar (the kommune's saved replies).
JSON API: /api/staff/escalations[/{id}[/claim|/reply|/resolve|/forward|/assign|/note]],
/api/staff/saved-replies, /api/staff/stream (server-sent events). Every state
change needs the session's CSRF token (bot.middleware).

A case's state machine, as the citizen lives it:
open (waiting; a live hand-off has paused the bot) -> claimed -> staff write
in the chat (this pauses the bot in a callback hand-off too, so the citizen's
answer goes to staff, not to the bot) -> resolved: the citizen is told, and a
paused bot resumes.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from borgerguide import contract
from borgerguide.errors import BadInput, DomainError, NotFound, Unavailable
from borgerguide.languages import default_language, languages
from borgerguide.tenancy import ALL_KOMMUNER, STAFF, Scope
from bot import staff_view
from bot.keys import ACCOUNTS, ESCALATIONS, RASA, SAVED_REPLIES, SETTINGS
from bot.offloop import db
from bot.middleware import status_of
from bot.session import body_of, require, scoped
from bot.stores.accounts import Session
from bot.stores.escalations import OUTCOMES, STATUSES, Escalation, NotFound as EscalationNotFound
from bot.templating import render
from bot.transcript import cursor_of, question, transcript

RESUME_TEXT = "Medarbejderen har afsluttet samtalen. Du skriver nu med Borgerguiden igen."
CLOSED_TEXT = "Borgerservice har afsluttet din henvendelse. Du kan stadig skrive til Borgerguiden her."
NOT_FOUND = "Henvendelsen findes ikke."
RASA_AWAY = "Samtalen kunne ikke nås lige nu. Prøv igen om lidt."
ACTIONS = "claim|reply|resolve|forward|assign|note"
QUESTIONS_PER_PAGE = 10  # previews filled in from the conversation per inbox view (older escalations)


async def _escalation(request: web.Request, session: Session, escalation_id: str) -> Escalation:
    """The escalation, if it is of the account's kommune (else 404, as if it did not exist)."""
    try:
        escalation = await db(request.app[ESCALATIONS].get, escalation_id)
    except EscalationNotFound:
        raise NotFound(NOT_FOUND)
    if not session.scope.allows(escalation.kommune):
        raise NotFound(NOT_FOUND)
    return escalation


async def _detail(request: web.Request, session: Session, escalation_id: str, after: int = 0) -> Dict[str, Any]:
    store = request.app[ESCALATIONS]
    escalation = await _escalation(request, session, escalation_id)
    cursor: Optional[int] = None
    try:
        tracker = await request.app[RASA].tracker(escalation.conversation_id)
        lines = transcript(tracker, after)
        cursor = cursor_of(tracker)
        if escalation.question is None:
            await db(store.set_question, escalation.id, question(tracker, escalation.id))
    except (aiohttp.ClientError, asyncio.TimeoutError):
        lines = [{"id": -1, "kind": "service", "who": "bot", "at": None,
                  "text": "Samtalen kunne ikke hentes lige nu. Siden prøver igen."}]
    for line in lines:
        line["speaker"] = staff_view.speaker(line, session.username)
        line["time"] = staff_view.short_time(line.get("at"))
    return {"escalation": escalation.public(viewer=session.username), "transcript": lines, "cursor": cursor,
            "history": await db(store.history, escalation_id)}


async def _colleagues(request: web.Request, session: Session, kommune: Optional[str]) -> List[str]:
    """The staff who may take a case of this kommune (not the viewer)."""
    everyone = await db(request.app[ACCOUNTS].list, Scope(kommune or ALL_KOMMUNER))
    if kommune:
        everyone += [a for a in await db(request.app[ACCOUNTS].list, Scope(ALL_KOMMUNER))
                     if a["kommune"] == ALL_KOMMUNER]
    return sorted({a["username"] for a in everyone if a["role"] == STAFF and not a["disabled"]
                   and a["username"] != session.username})


async def _fill_questions(request: web.Request, items: List[Escalation]) -> None:
    """Escalations made without their question (from the event stream, or
    before previews existed): read it from the conversation, a few per view."""
    missing = [e for e in items if e.question is None and e.status != "resolved"][:QUESTIONS_PER_PAGE]
    for escalation in missing:
        try:
            tracker = await request.app[RASA].tracker(escalation.conversation_id)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return
        escalation.question = question(tracker, escalation.id) or ""
        await db(request.app[ESCALATIONS].set_question, escalation.id, escalation.question or "–")


async def inbox_page(request: web.Request) -> web.Response:
    session = require(request, "staff", api=False)
    store = request.app[ESCALATIONS]
    view = request.query.get("vis") or ("venter" if not request.query.get("status") else {
        "open": "venter", "claimed": "i-gang", "resolved": "afsluttet"}.get(request.query["status"], "alle"))
    status, mine = staff_view.VIEWS.get(view, staff_view.VIEWS["venter"])
    kommune = scoped(session, None)
    items = await db(store.list, status=status, kommune=kommune, oldest_first=status in ("open", "claimed"),
                     claimed_by=session.username if mine else None)
    await _fill_questions(request, items)
    names = staff_view.area_names()
    cases = [staff_view.case(e.public(viewer=session.username), names) for e in items]
    area, mode, queue, search = (request.query.get(k) or "" for k in ("omraade", "form", "koe", "q"))
    areas = sorted({(c["area"] or "", c["area_name"]) for c in cases}, key=lambda pair: pair[1])
    shown = [c for c in cases if (not area or (c["area"] or "") == area) and (not mode or c["mode"] == mode)
             and (not queue or c["queue"] == queue) and staff_view.matches(c, search)]
    waiting = len(await db(store.list, status="open", kommune=kommune))
    return render("inbox.html", title="Indbakke", session=session, cases=shown, total=len(cases), view=view,
                  views=staff_view.VIEW_NAMES, waiting=waiting, areas=areas, area=area, mode=mode, queue=queue,
                  q=search, modes=staff_view.MODES_DA, queues=contract.QUEUES, everywhere=session.scope.everywhere,
                  closed=request.query.get("lukket") or "")


async def escalation_page(request: web.Request, error: Optional[str] = None, status: int = 200) -> web.Response:
    session = require(request, "staff", api=False)
    detail = await _detail(request, session, request.match_info["id"])
    e = staff_view.case(detail["escalation"])
    replies = [r.public() for r in await db(request.app[SAVED_REPLIES].for_kommune, e["kommune"], e.get("language"))]
    chosen = next((r for r in replies if str(r["id"]) == request.query.get("svar")), None)
    confirm = request.query.get("bekraeft") == "afslut"
    default = "callback_done" if e["mode"] == contract.CALLBACK else "solved"
    outcome = request.query.get("udfald") if request.query.get("udfald") in OUTCOMES else default
    response = render(
        "escalation.html", title=f"Henvendelse {e['number']}", session=session, e=e,
        transcript=detail["transcript"], cursor=detail["cursor"],
        history=[staff_view.history_line(h, session.username) for h in detail["history"] if h["kind"] != "note"],
        notes=staff_view.notes(detail["history"], session.username), outcomes=staff_view.OUTCOMES_DA,
        queues=contract.QUEUES, replies=replies, reply_text=chosen["text"] if chosen else "",
        colleagues=await _colleagues(request, session, e["kommune"]), confirm=confirm, outcome=outcome,
        error=error, mine=e["claimed_by"] == session.username)
    response.set_status(status)
    return response


async def _change(request: web.Request, session: Session, action: str, body: Dict[str, Any]) -> Dict[str, Any]:
    """claim / reply / resolve / forward / assign / note, shared by the pages and the API."""
    store = request.app[ESCALATIONS]
    rasa = request.app[RASA]
    escalation_id = (await _escalation(request, session, request.match_info["id"])).id
    try:
        if action == "claim":
            escalation = await db(store.claim, escalation_id, session.username)
        elif action == "reply":
            text = str(body.get("text") or "").strip()
            if not text or len(text) > 2000:
                raise BadInput("Svaret skal være 1-2000 tegn.")
            await db(store.record_reply, escalation_id, session.username, text)
            escalation = await db(store.get, escalation_id)
            await rasa.say_as_staff(escalation.conversation_id, session.username, text)
        elif action == "resolve":
            current = await db(store.get, escalation_id)
            paused = (await rasa.tracker(current.conversation_id)).get("paused")  # Rasa is there before we close
            escalation = await db(store.resolve, escalation_id, session.username, str(body.get("outcome") or ""))
            if paused:  # a live hand-off, or staff wrote in the chat
                await rasa.resume_bot(escalation.conversation_id, RESUME_TEXT)
            else:
                await rasa.tell(escalation.conversation_id, CLOSED_TEXT)
        elif action == "forward":
            queue = str(body.get("queue") or "")
            if queue not in contract.QUEUES:
                raise BadInput(f"Vælg en af køerne: {', '.join(contract.QUEUES.values())}.")
            escalation = await db(store.forward, escalation_id, session.username, queue)
        elif action == "assign":
            colleague = str(body.get("to") or "")
            current = await db(store.get, escalation_id)
            if colleague not in await _colleagues(request, session, current.kommune):
                raise BadInput("Vælg en kollega i Borgerservice.")
            escalation = await db(store.assign, escalation_id, session.username, colleague)
        elif action == "note":
            await db(store.add_note, escalation_id, session.username, str(body.get("text") or ""))
            escalation = await db(store.get, escalation_id)
        else:
            raise NotFound(NOT_FOUND)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raise Unavailable(RASA_AWAY, upstream=True)
    return escalation.public(viewer=session.username)


async def escalation_form_action(request: web.Request) -> web.StreamResponse:
    session = require(request, "staff", api=False)
    action = request.match_info["action"]
    escalation_id = request.match_info["id"]
    body = await body_of(request)
    if action == "resolve" and body.get("confirmed") != "1":
        # closing tells the citizen and cannot be undone: ask first
        query = urlencode({"bekraeft": "afslut", "udfald": str(body.get("outcome") or "")})
        raise web.HTTPFound(f"/staff/escalations/{escalation_id}?{query}#afslut")
    try:
        await _change(request, session, action, body)
    except DomainError as error:  # the case page again, with the reason
        return await escalation_page(request, error=error.message, status=status_of(error))
    if action == "resolve":
        raise web.HTTPFound("/staff/?" + urlencode({"lukket": staff_view.case_number(escalation_id)}))
    # after taking a case: straight to the reply field
    raise web.HTTPFound(f"/staff/escalations/{escalation_id}" + ("#svar" if action == "claim" else ""))


async def api_list(request: web.Request) -> web.Response:
    session = require(request, "staff", api=True)
    status = request.query.get("status") or None
    if status and status not in STATUSES:
        raise BadInput("status: open, claimed eller resolved.")
    kommune = scoped(session, request.query.get("kommune") or None)
    items = await db(request.app[ESCALATIONS].list, status=status, queue=request.query.get("queue") or None,
                     kommune=kommune, oldest_first=status in ("open", "claimed"))
    return web.json_response({"escalations": [e.public(viewer=session.username) for e in items]})


async def api_get(request: web.Request) -> web.Response:
    """The escalation, its conversation (from `after`, an event id, on) and its history."""
    session = require(request, "staff", api=True)
    try:
        after = max(int(request.query.get("after") or 0), 0)
    except ValueError:
        raise BadInput("after skal være et helt tal.")
    detail = await _detail(request, session, request.match_info["id"], after)
    detail["view"] = {k: v for k, v in staff_view.case(detail["escalation"]).items()
                      if k.endswith(("_text", "_name")) or k in ("number", "waited")}
    return web.json_response(detail)


async def api_action(request: web.Request) -> web.Response:
    session = require(request, "staff", api=True)
    body = await body_of(request)
    changed = await _change(request, session, request.match_info["action"], body)
    return web.json_response({"escalation": changed})


async def api_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one `escalation` event per new open escalation
    (with the number now waiting)."""
    session = require(request, "staff", api=True)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    store = request.app[ESCALATIONS]
    kommune = scoped(session, None)
    seen = {e.id for e in await db(store.list, status="open", kommune=kommune)}
    names = staff_view.area_names()
    try:
        while True:
            await asyncio.sleep(request.app[SETTINGS].sync_seconds)
            waiting = await db(store.list, status="open", kommune=kommune)
            for escalation in waiting:
                if escalation.id not in seen:
                    seen.add(escalation.id)
                    public = escalation.public()
                    data = {k: public[k] for k in ("id", "area", "kommune", "reason", "mode")}
                    data.update(area_name=staff_view.area_name(escalation.area, names), waiting=len(waiting),
                                mode_text=staff_view.MODES_DA.get(escalation.mode, ""))
                    await response.write(f"event: escalation\ndata: {json.dumps(data)}\n\n".encode())
            await response.write(b": keep-alive\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


# --- saved replies -------------------------------------------------------------------

async def replies_page(request: web.Request, error: Optional[str] = None, status: int = 200) -> web.Response:
    session = require(request, "staff", api=False)
    replies = [r.public() for r in await db(request.app[SAVED_REPLIES].editable, session.scope)]
    editing = next((r for r in replies if str(r["id"]) == request.query.get("ret")), None)
    response = render("saved_replies.html", title="Gemte svar", session=session, replies=replies, editing=editing,
                      error=error, languages=list(languages().values()), default=default_language())
    response.set_status(status)
    return response


async def _change_reply(request: web.Request, session: Session, body: Dict[str, Any],
                        reply_id: Optional[int], remove: bool = False) -> Optional[Dict[str, Any]]:
    store = request.app[SAVED_REPLIES]
    if remove and reply_id is not None:
        await db(store.remove, reply_id, session.scope)
        return None
    title, text, language = str(body.get("title") or ""), str(body.get("text") or ""), body.get("language")
    if reply_id is None:
        return (await db(store.add, session.scope, title, text, session.username, language)).public()
    return (await db(store.update, reply_id, session.scope, title, text, session.username, language)).public()


def _reply_id(request: web.Request) -> Optional[int]:
    value = request.match_info.get("reply")
    return int(value) if value and value.isdigit() else None


async def replies_form_action(request: web.Request) -> web.StreamResponse:
    session = require(request, "staff", api=False)
    body = await body_of(request)
    try:
        await _change_reply(request, session, body, _reply_id(request), remove=request.path.endswith("/slet"))
    except DomainError as error:  # the form again, with the reason
        return await replies_page(request, error=error.message, status=status_of(error))
    raise web.HTTPFound("/staff/svar")


async def api_replies(request: web.Request) -> web.Response:
    """GET: the replies offered on a kommune's cases (?kommune=); POST: a new one."""
    session = require(request, "staff", api=True)
    if request.method == "POST":
        made = await _change_reply(request, session, await body_of(request), None)
        return web.json_response({"reply": made}, status=201)
    kommune = scoped(session, request.query.get("kommune") or None)
    replies = await db(request.app[SAVED_REPLIES].for_kommune, kommune, request.query.get("sprog") or None)
    return web.json_response({"replies": [r.public() for r in replies]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff/", inbox_page)
    app.router.add_get("/staff/escalations/{id}", escalation_page)
    app.router.add_post("/staff/escalations/{id}/{action:" + ACTIONS + "}", escalation_form_action)
    app.router.add_get("/staff/svar", replies_page)
    app.router.add_post("/staff/svar", replies_form_action)
    app.router.add_post("/staff/svar/{reply:[0-9]+}", replies_form_action)
    app.router.add_post("/staff/svar/{reply:[0-9]+}/slet", replies_form_action)
    app.router.add_get("/api/staff/escalations", api_list)
    app.router.add_get("/api/staff/escalations/{id}", api_get)
    app.router.add_post("/api/staff/escalations/{id}/{action:" + ACTIONS + "}", api_action)
    app.router.add_get("/api/staff/saved-replies", api_replies)
    app.router.add_post("/api/staff/saved-replies", api_replies)
    app.router.add_get("/api/staff/stream", api_stream)

"""The analysts' pages and JSON API (login with the `analyst` role).

Pages: /analyst/ (overview with charts), /analyst/unresolved (groups of
similar unresolved messages, labelling), /analyst/conversations/{id}
(redacted conversation, erasure), /analyst/export (the review YAML),
/analyst/csv?tabel=... (a table of the overview as CSV: bot.analytics.tables).
API: /api/analyst/overview, /api/analyst/satisfaction, /api/analyst/unresolved,
/api/analyst/groups, POST /api/analyst/labels, GET /api/analyst/export,
POST /api/analyst/conversations/{id}/erase, GET /api/analyst/retention.
Query parameters everywhere: from, to (YYYY-MM-DD, Danish dates, inclusive;
default the last 30 days) and kommune. State changes need the CSRF token.
"""
from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, urlencode

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from borgerguide import contract
from borgerguide.clock import danish_today
from borgerguide.errors import BadInput, NotFound
from borgerguide.kommuner import known_kommune, registry
from borgerguide.tenancy import ANALYST, OPERATOR
from bot.analytics import export as training_export, grouping, names, tables
from bot.keys import ESCALATIONS, RASA, RETENTION
from bot.offloop import db
from bot.session import body_of, require, scoped
from bot.analytics import store as analytics
from bot.stores import retention
from bot.stores.accounts import Session
from bot.templating import render
from bot.transcript import transcript

MAX_DAYS = 400
OVERVIEW_ROLES = (ANALYST, OPERATOR)  # the operator compares kommuner (figures only, no transcripts)


def today() -> date:
    return danish_today()


def period_from(query, session: Session) -> analytics.Period:
    """The period (and kommune, within the account's) of a request; a clear
    Danish message for a bad one, 403 for another kommune."""
    def day(name: str, default: date) -> date:
        value = (query.get(name) or "").strip()
        if not value:
            return default
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BadInput(f"'{name}' skal være en dato som 2026-11-24.")

    end = day("to", today())
    start = day("from", end - timedelta(days=29))
    if start > end:
        raise BadInput("'from' skal ligge før 'to'.")
    if (end - start).days > MAX_DAYS:
        raise BadInput(f"Vælg en periode på højst {MAX_DAYS} dage.")
    kommune = (query.get("kommune") or "").strip() or None
    if kommune and known_kommune(kommune) is None:
        raise BadInput("Ukendt kommune.")
    return analytics.Period(start, end, scoped(session, known_kommune(kommune) if kommune else None))


def _engine(request: web.Request) -> sa.engine.Engine:
    return request.app[ESCALATIONS].engine


async def _figures(request: web.Request, period: analytics.Period) -> Dict[str, Any]:
    engine = _engine(request)
    figures = await db(analytics.overview, engine, period)
    figures["satisfaction"] = await db(analytics.satisfaction, engine, period)
    figures["handoff_times"] = await db(analytics.handoffs, engine, period)
    return figures


def _tables(figures: Dict[str, Any], session: Session) -> Dict[str, tables.Table]:
    return tables.tables(figures, figures["handoff_times"], dict(_kommuner(session)))


def _labels() -> List[Tuple[str, str]]:
    """(intent, Danish name) of every label an analyst may give, by name; `noise` first."""
    known = names.intent_names()
    labels = sorted(training_export.valid_labels() - {analytics.NOISE}, key=lambda i: names.intent_name(i, known))
    return [(analytics.NOISE, names.intent_name(analytics.NOISE, known))] + [
        (i, names.intent_name(i, known)) for i in labels]


def reason_from(query) -> Optional[str]:
    reason = query.get("reason") or None
    if reason and reason not in analytics.REASONS:
        raise BadInput("Ukendt årsag.")
    return reason


async def _groups(request: web.Request, period: analytics.Period, reason: Optional[str]) -> List[Dict[str, Any]]:
    messages = await db(analytics.unresolved_messages, _engine(request), period, reason)
    return await db(grouping.group_messages, messages)


def _kommuner(session: Session) -> List[Tuple[str, str]]:
    """(id, name) of the kommuner the account may choose between."""
    names = {k: info.short for k, info in registry().items()}
    if not session.scope.everywhere:
        return [(session.kommune, names.get(session.kommune, session.kommune))]
    return sorted(names.items(), key=lambda item: item[1])


async def _own_conversation(request: web.Request, session: Session, conversation_id: str) -> None:
    """404 for a conversation of another kommune (or none known): nothing of it is read."""
    if len(conversation_id) > 255:
        raise BadInput("Ugyldigt samtale-id.")
    if session.scope.everywhere:
        return
    if await db(retention.conversation_kommune, request.app[RETENTION], conversation_id) != session.kommune:
        raise NotFound("Samtalen findes ikke.")


# --- pages ---------------------------------------------------------------------

async def overview_page(request: web.Request) -> web.Response:
    session = require(request, OVERVIEW_ROLES, api=False)
    period = period_from(request.query, session)
    figures = await _figures(request, period)
    return render("analyst_overview.html", title="Overblik", session=session, f=figures, period=period,
                  kommuner=_kommuner(session), reasons=analytics.REASONS_DA,
                  handoff_reasons=contract.HANDOFF_REASONS, names=dict(_kommuner(session)),
                  tables=_tables(figures, session), on_screen=tables.on_screen, waited=tables.waited,
                  query=_period_query(period))


def _period_query(period: analytics.Period) -> str:
    return urlencode({"from": period.days[0], "to": period.days[1], **(
        {"kommune": period.kommune} if period.kommune else {})})


async def csv_download(request: web.Request) -> web.Response:
    """One table of the overview as CSV (?tabel=omraader|dage|timer|...)."""
    session = require(request, OVERVIEW_ROLES, api=request.path.startswith("/api/"))
    period = period_from(request.query, session)
    key = request.query.get("tabel") or "omraader"
    figures = await _figures(request, period)
    table = _tables(figures, session).get(key)
    if table is None:
        raise BadInput("Ukendt tabel.")
    filename = f"borgerguide-{key}-{period.days[0]}-{period.days[1]}.csv"
    return web.Response(text=tables.csv_text(table), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def unresolved_page(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=False)
    period = period_from(request.query, session)
    reason = reason_from(request.query)
    groups = await _groups(request, period, reason)
    return render("analyst_unresolved.html", title="Uløste beskeder", session=session, groups=groups,
                  period=period, reason=reason, reasons=analytics.REASONS_DA, reason_names=analytics.REASON_NAMES,
                  kommuner=_kommuner(session), names=dict(_kommuner(session)), labels=_labels(),
                  intent_names=names.intent_names(), message=request.query.get("besked"))


async def label_form(request: web.Request) -> web.StreamResponse:
    session = require(request, "analyst", api=False)
    form = await body_of(request)
    multi = await request.post()  # cached by aiohttp; keeps repeated fields
    picked = [i for value in multi.getall("pick", []) for i in str(value).split(",")]
    ids = _ids(picked or str(form.get("ids") or "").split(","))
    intent = str(form.get("intent") or "")
    count = await db(_label, request, session, ids, intent)
    back = str(form.get("back") or "/analyst/unresolved")
    if not back.startswith("/analyst/"):
        back = "/analyst/unresolved"
    separator = "&" if "?" in back else "?"
    raise web.HTTPFound(f"{back}{separator}besked={quote(f'{count} besked(er) mærket')}")


async def conversation_page(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=False)
    conversation_id = request.match_info["id"]
    lines, messages = await _conversation(request, session, conversation_id)
    return render("analyst_conversation.html", title="Samtale", session=session, conversation_id=conversation_id,
                  transcript=lines, messages=messages, reasons=analytics.REASON_NAMES,
                  intent_names=names.intent_names(),
                  erased=request.query.get("slettet"))


async def erase_form(request: web.Request) -> web.StreamResponse:
    session = require(request, "analyst", api=False)
    form = await body_of(request)
    if form.get("confirm") != "ja":
        raise BadInput("Bekræft sletningen.")
    await _own_conversation(request, session, request.match_info["id"])
    await db(retention.erase, request.app[RETENTION], request.match_info["id"], session.username,
             scoped(session, None))
    raise web.HTTPFound(f"/analyst/conversations/{request.match_info['id']}?slettet=1")


async def export_download(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=request.path.startswith("/api/"))
    by_intent, skipped = await db(training_export.collect, _engine(request), scoped(session, None))
    text = training_export.render(by_intent, session.username)
    return web.Response(text=text, content_type="application/x-yaml", charset="utf-8", headers={
        "Content-Disposition": 'attachment; filename="nlu_review.yml"',
        "X-Examples": str(sum(len(v) for v in by_intent.values())),
        "X-Skipped": json.dumps(skipped)})


# --- API -----------------------------------------------------------------------

async def api_overview(request: web.Request) -> web.Response:
    session = require(request, OVERVIEW_ROLES, api=True)
    return web.json_response(await _figures(request, period_from(request.query, session)))


async def api_satisfaction(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=True)
    return web.json_response(await db(analytics.satisfaction, _engine(request), period_from(request.query, session)))


async def api_unresolved(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=True)
    period = period_from(request.query, session)
    reason = reason_from(request.query)
    labelled = {"ja": True, "nej": False, "alle": None}.get(request.query.get("labelled", "nej"), False)
    messages = await db(analytics.unresolved_messages, _engine(request), period, reason, labelled)
    return web.json_response({"messages": [m.public() for m in messages]})


async def api_groups(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=True)
    period = period_from(request.query, session)
    return web.json_response({"groups": await _groups(request, period, reason_from(request.query))})


def _ids(values) -> List[int]:
    try:
        ids = [int(v) for v in values if str(v).strip()]
    except (TypeError, ValueError):
        raise BadInput("'ids' skal være en liste af tal.")
    if not ids or len(ids) > 5000:
        raise BadInput("Vælg mellem 1 og 5000 beskeder.")
    return ids


def _label(request: web.Request, session: Session, ids: List[int], intent: str) -> int:
    """Labels the messages of the account's kommune among `ids` (others are not touched)."""
    kommune = scoped(session, None)
    if intent == "":
        return analytics.unlabel(_engine(request), ids, kommune)
    if intent not in training_export.valid_labels():
        raise BadInput("Ukendt mærkat. Vælg et af emnerne på listen, eller 'Skal ikke bruges'.")
    return analytics.label(_engine(request), ids, intent, session.username, kommune)


async def api_label(request: web.Request) -> web.Response:
    """{"ids": [..], "intent": "report_move" | "noise" | ""(remove)}"""
    session = require(request, "analyst", api=True)
    body = await body_of(request)
    ids = body.get("ids")
    if not isinstance(ids, list):
        raise BadInput("'ids' skal være en liste af tal.")
    intent = body.get("intent")
    if not isinstance(intent, str):
        raise BadInput("'intent' mangler.")
    count = await db(_label, request, session, _ids(ids), intent)
    return web.json_response({"labelled": count})


async def api_erase(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=True)
    await _own_conversation(request, session, request.match_info["id"])
    result = await db(retention.erase, request.app[RETENTION], request.match_info["id"], session.username,
                      scoped(session, None))
    if not result["conversations"]:
        raise NotFound("Samtalen findes ikke (eller er allerede slettet).", **result)
    return web.json_response(result)


async def api_retention_log(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=True)
    return web.json_response({"entries": await db(retention.log_entries, _engine(request), scoped(session, None))})


async def api_conversation(request: web.Request) -> web.Response:
    session = require(request, "analyst", api=True)
    lines, messages = await _conversation(request, session, request.match_info["id"])
    return web.json_response({"transcript": lines, "unresolved": messages})


def _unresolved_of(engine: sa.engine.Engine, conversation_id: str) -> List[Dict[str, Any]]:
    query = sa.select(analytics.unresolved).where(
        analytics.unresolved.c.conversation_id == conversation_id).order_by(analytics.unresolved.c.id)
    with engine.connect() as connection:
        return [{"id": r.id, "text": r.text, "reason": r.reason, "intent": r.intent,
                 "confidence": r.confidence, "label": r.label} for r in connection.execute(query)]


async def _conversation(request: web.Request, session: Session, conversation_id: str):
    await _own_conversation(request, session, conversation_id)
    try:
        tracker = await request.app[RASA].tracker(conversation_id)
        lines = transcript(tracker)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        lines = [{"who": "system", "text": "Samtalen kunne ikke hentes fra Rasa lige nu.", "at": None}]
    return lines, await db(_unresolved_of, _engine(request), conversation_id)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/analyst/", overview_page)
    app.router.add_get("/analyst/unresolved", unresolved_page)
    app.router.add_post("/analyst/labels", label_form)
    app.router.add_get("/analyst/conversations/{id}", conversation_page)
    app.router.add_post("/analyst/conversations/{id}/erase", erase_form)
    app.router.add_get("/analyst/export", export_download)
    app.router.add_get("/analyst/csv", csv_download)
    app.router.add_get("/api/analyst/csv", csv_download)
    app.router.add_get("/api/analyst/overview", api_overview)
    app.router.add_get("/api/analyst/satisfaction", api_satisfaction)
    app.router.add_get("/api/analyst/unresolved", api_unresolved)
    app.router.add_get("/api/analyst/groups", api_groups)
    app.router.add_post("/api/analyst/labels", api_label)
    app.router.add_get("/api/analyst/export", export_download)
    app.router.add_post("/api/analyst/conversations/{id}/erase", api_erase)
    app.router.add_get("/api/analyst/conversations/{id}", api_conversation)
    app.router.add_get("/api/analyst/retention", api_retention_log)

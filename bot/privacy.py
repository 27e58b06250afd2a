"""A citizen's conversation for data-subject requests (GDPR art. 15 and 17):
what is kept of it, where, and all of it as one export.

The requests are filed from the conversation itself (its secret, bot.stores.
conversations) and carried out by the kommune's administrator
(bot/routes/admin.py). Erasure is bot.stores.retention.erase: every store at
once. Both are logged by the caller with who, when and counts, never content.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional

import aiohttp
import sqlalchemy as sa

from borgerguide.clock import as_utc, utcnow
from bot.projections import events_table
from bot.rasa_client import RasaClient
from bot.analytics import store as analytics
from bot.stores.escalations import escalation_events, escalations
from bot.stores.ratings import ratings
from bot.stores.retention import Stores, conversation_kommune, tracker_table
from bot.transcript import transcript

def _count(engine: Optional[sa.engine.Engine], table: sa.Table, column: Any, conversation_id: str) -> int:
    if engine is None or not sa.inspect(engine).has_table(table.name):
        return 0
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)
                                      .where(column == conversation_id)).scalar() or 0)


def inventory(stores: Stores, conversation_id: str) -> Dict[str, Any]:
    """What is kept of the conversation, store by store (counts only)."""
    tracker = tracker_table()
    broker = events_table(stores.events)
    return {
        "conversation_id": conversation_id,
        "kommune": conversation_kommune(stores, conversation_id),
        "tracker_events": _count(stores.tracker, tracker, tracker.c.sender_id, conversation_id),
        "event_stream": _count(stores.events, broker, broker.c.sender_id, conversation_id),
        "escalations": _count(stores.web, escalations, escalations.c.conversation_id, conversation_id),
        "unresolved_messages": _count(stores.web, analytics.unresolved, analytics.unresolved.c.conversation_id,
                                      conversation_id),
        "ratings": _count(stores.web, ratings, ratings.c.conversation_id, conversation_id),
        "analytics_rows": _count(stores.web, analytics.facts, analytics.facts.c.conversation_id, conversation_id),
    }


async def tracker_or_none(rasa: RasaClient, conversation_id: str) -> Optional[Dict[str, Any]]:
    try:
        return await rasa.tracker(conversation_id)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return None


def export(stores: Stores, conversation_id: str, tracker: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Everything kept about the conversation (art. 15), as the stores hold
    it: the conversation (the citizen's text as stored: redacted), hand-offs
    with the callback number the citizen gave, ratings, the analysts'
    unresolved messages."""
    with stores.web.connect() as connection:
        handed = [dict(r._mapping) for r in connection.execute(
            sa.select(escalations).where(escalations.c.conversation_id == conversation_id))]
        history: List[Dict[str, Any]] = []
        for item in handed:
            history += [{"escalation_id": r.escalation_id, "kind": r.kind, "at": as_utc(r.at).isoformat(),
                         "detail": json.loads(r.detail) if r.detail else None}
                        for r in connection.execute(sa.select(escalation_events).where(
                            escalation_events.c.escalation_id == item["id"]))]
        rated = [{"score": r.score, "comment": r.comment, "area": r.area, "at": as_utc(r.at).isoformat()}
                 for r in connection.execute(sa.select(ratings).where(ratings.c.conversation_id == conversation_id))]
        unresolved = [{"text": r.text, "reason": r.reason, "at": as_utc(r.at).isoformat()}
                      for r in connection.execute(sa.select(analytics.unresolved).where(
                          analytics.unresolved.c.conversation_id == conversation_id))]
    return {
        "conversation_id": conversation_id,
        "exported_at": utcnow().isoformat(),
        "kommune": conversation_kommune(stores, conversation_id),
        "conversation": transcript(tracker) if tracker else [],
        "escalations": [{"id": e["id"], "reason": e["reason"], "area": e["area"], "status": e["status"],
                         "mode": e["mode"], "callback_phone": e["callback_phone"],
                         "callback_name": e.get("callback_name"), "callback_time": e["callback_time"],
                         "created_at": as_utc(e["created_at"]).isoformat()} for e in handed],
        "escalation_history": history,
        "ratings": rated,
        "unresolved_messages": unresolved,
    }

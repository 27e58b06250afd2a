"""Retention and the right to erasure.

`run_retention(days)` removes conversations whose last event is older than
`days` (BORGERGUIDE_RETENTION_DAYS, default 180):
- Rasa's tracker store and the event broker's table: their events are deleted;
- the analysts' per-conversation rows and unlabelled unresolved messages are
  deleted (the daily rollup holds counts only and is kept); messages an
  analyst labelled for training keep their redacted text but lose the link
  to the conversation;
- ratings lose their comment and conversation id (score, area and kommune stay);
- resolved escalations lose the conversation id, the callback number, the
  question's preview and their internal notes;
- the conversation's secret and the answers it was shown are deleted; its
  data-subject requests stay (the kommune's record) without the conversation.
The web service runs it every BORGERGUIDE_RETENTION_HOURS (default 24);
`python -m bot retention run` does the same from cron.

`erase(conversation_id)` removes one conversation everywhere at once, also
what is younger than the retention period (the citizen's right to erasure).

Both are logged in `retention_log` and the process log with counts only:
never a conversation id or any text.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Set

import sqlalchemy as sa

from borgerguide.clock import as_utc
from borgerguide.db import add_missing_columns, checkpoint
from bot.projections import events_table
from bot.analytics import store as analytics
from bot.stores import conversations as conversation_store
from bot.stores import escalations as escalation_store
from bot.stores import ratings as rating_store
from bot.stores.escalations import escalation_events, escalations
from bot.stores.ratings import ratings

logger = logging.getLogger(__name__)
ANONYMISED = "slettet"

metadata = sa.MetaData()
retention_log = sa.Table(
    "retention_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # retention, erasure
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("conversations", sa.Integer, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # JSON: rows per store
    sa.Column("kommune", sa.String(64)),  # an erasure asked for by a kommune's account; NULL: the whole installation
)


def tracker_table() -> sa.Table:
    """Rasa's SQL tracker store table (read and delete only)."""
    return sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("sender_id", sa.String(255)), sa.Column("timestamp", sa.Float),
                    sa.Column("data", sa.Text))


@dataclass
class Stores:
    web: sa.engine.Engine
    events: sa.engine.Engine
    tracker: Optional[sa.engine.Engine]

    def __post_init__(self) -> None:
        for tables in (metadata, analytics.metadata, escalation_store.metadata, rating_store.metadata,
                       conversation_store.metadata):
            tables.create_all(self.web)
        add_missing_columns(self.web, retention_log)


def _exists(engine: sa.engine.Engine, table: str) -> bool:
    return sa.inspect(engine).has_table(table)


def _delete_events(engine: Optional[sa.engine.Engine], table: sa.Table, senders: List[str]) -> int:
    if engine is None or not senders or not _exists(engine, "events"):
        return 0
    deleted = 0
    with engine.begin() as connection:
        for chunk in range(0, len(senders), 500):
            deleted += connection.execute(table.delete().where(
                table.c.sender_id.in_(senders[chunk:chunk + 500]))).rowcount
    return deleted


TOMBSTONE = '{"event": "erased"}'


def _erase_broker_events(engine: sa.engine.Engine, senders: List[str]) -> int:
    """Removes the conversations' events from the event broker's table.

    The readers of that table (escalations, analytics) remember the last id
    they read, and SQLite gives a new row the highest id + 1: deleting the
    newest rows would hand their ids to new events, which the readers would
    then skip. So the rows are first emptied (no sender, no content), and
    only those below the table's highest id are deleted."""
    if not senders:
        return 0
    table = events_table(engine)
    emptied: Dict[str, Optional[str]] = {"sender_id": ANONYMISED, "data": TOMBSTONE}
    if "digest" in {c["name"] for c in sa.inspect(engine).get_columns("events")}:
        emptied["digest"] = None  # (the RabbitMQ consumer's column; Rasa's SQL broker has none)
    erased = 0
    with engine.begin() as connection:
        for chunk in range(0, len(senders), 500):
            erased += connection.execute(table.update().where(table.c.sender_id.in_(senders[chunk:chunk + 500]))
                                         .values(**emptied)).rowcount
        last = connection.execute(sa.select(sa.func.max(table.c.id))).scalar()
        connection.execute(table.delete().where(table.c.sender_id == ANONYMISED, table.c.data == TOMBSTONE,
                                                table.c.id < last))
    return erased


def _old_conversations(stores: Stores, cutoff: datetime) -> Set[str]:
    senders: Set[str] = set()
    with stores.web.connect() as connection:
        senders |= {r[0] for r in connection.execute(
            sa.select(analytics.facts.c.conversation_id).where(analytics.facts.c.last_at < cutoff))}
    if stores.tracker is not None and _exists(stores.tracker, "events"):
        table = tracker_table()
        with stores.tracker.connect() as connection:
            senders |= {r[0] for r in connection.execute(
                sa.select(table.c.sender_id).group_by(table.c.sender_id)
                .having(sa.func.max(table.c.timestamp) < cutoff.timestamp()))}
    # a conversation that is still going on in the tracker store is not old
    if stores.tracker is not None and senders and _exists(stores.tracker, "events"):
        table = tracker_table()
        with stores.tracker.connect() as connection:
            young = {r[0] for r in connection.execute(
                sa.select(table.c.sender_id).where(table.c.timestamp >= cutoff.timestamp()).distinct())}
        senders -= young
    return senders


def _has_events(tracker: sa.engine.Engine, conversation_id: str, cutoff: datetime) -> bool:
    """Does Rasa still keep events of the conversation younger than the cutoff?"""
    if not _exists(tracker, "events"):
        return False
    table = tracker_table()
    with tracker.connect() as connection:
        return connection.execute(sa.select(table.c.id).where(
            table.c.sender_id == conversation_id, table.c.timestamp >= cutoff.timestamp()).limit(1)).first() is not None


def _log(stores: Stores, kind: str, actor: str, conversations: int, detail: Dict[str, int],
         kommune: Optional[str] = None) -> None:
    with stores.web.begin() as connection:
        connection.execute(retention_log.insert().values(
            at=datetime.now(timezone.utc), kind=kind, actor=actor, conversations=conversations,
            detail=json.dumps(detail, sort_keys=True), kommune=kommune))
    logger.info("%s: %d conversation(s); rows %s", kind, conversations, json.dumps(detail, sort_keys=True))


def run_retention(stores: Stores, days: int, now: Optional[datetime] = None, actor: str = "system") -> Dict[str, int]:
    if days < 1:
        raise ValueError("the retention period must be at least 1 day")
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=days)
    senders = sorted(_old_conversations(stores, cutoff))
    detail: Dict[str, int] = {}
    detail["tracker_events"] = _delete_events(stores.tracker, tracker_table(), senders)
    detail["broker_events"] = _erase_broker_events(stores.events, senders)
    with stores.web.begin() as connection:
        detail["facts"] = detail["unresolved_deleted"] = detail["unresolved_anonymised"] = 0
        for chunk in range(0, len(senders), 500):
            part = senders[chunk:chunk + 500]
            detail["facts"] += connection.execute(analytics.facts.delete().where(
                analytics.facts.c.conversation_id.in_(part))).rowcount
            detail["unresolved_deleted"] += connection.execute(analytics.unresolved.delete().where(
                analytics.unresolved.c.conversation_id.in_(part), analytics.unresolved.c.label.is_(None))).rowcount
            detail["unresolved_anonymised"] += connection.execute(analytics.unresolved.update().where(
                analytics.unresolved.c.conversation_id.in_(part)).values(conversation_id=ANONYMISED)).rowcount
        # their secrets and answers; also of conversations started before the cutoff that Rasa never kept
        never_kept = [r[0] for r in connection.execute(sa.select(conversation_store.conversations.c.id).where(
            conversation_store.conversations.c.started_at < cutoff))
            if stores.tracker is None or not _has_events(stores.tracker, r[0], cutoff)]
        forgotten = conversation_store.forget(connection, sorted(set(senders) | set(never_kept)))
        detail["conversation_secrets"] = forgotten["conversations"]
        detail["data_requests_anonymised"] = forgotten["data_requests_anonymised"]
        # what is older than the period, whatever the conversation
        detail["unresolved_deleted"] += connection.execute(analytics.unresolved.delete().where(
            analytics.unresolved.c.at < cutoff, analytics.unresolved.c.label.is_(None))).rowcount
        detail["ratings_anonymised"] = connection.execute(ratings.update().where(
            ratings.c.at < cutoff, ratings.c.conversation_id != ANONYMISED).values(
            conversation_id=ANONYMISED, comment=None, once=None)).rowcount
        detail["escalations_anonymised"] = connection.execute(escalations.update().where(
            escalations.c.updated_at < cutoff, escalations.c.status == "resolved",
            escalations.c.conversation_id != ANONYMISED).values(
            conversation_id=ANONYMISED, callback_phone=None, callback_time=None, callback_name=None,
            question=None)).rowcount
        # internal notes are free text about the citizen: they go with the conversation id
        detail["notes_deleted"] = connection.execute(escalation_events.delete().where(
            escalation_events.c.kind == "note", escalation_events.c.escalation_id.in_(
                sa.select(escalations.c.id).where(escalations.c.conversation_id == ANONYMISED)))).rowcount
    _log(stores, "retention", actor, len(senders), detail)
    return {"conversations": len(senders), **detail}


def erase(stores: Stores, conversation_id: str, actor: str, kommune: Optional[str] = None) -> Dict[str, int]:
    """Removes one conversation from every store; the counts of what was removed."""
    if not conversation_id or conversation_id == ANONYMISED:
        raise ValueError("no conversation named")
    senders = [conversation_id]
    detail: Dict[str, int] = {}
    detail["tracker_events"] = _delete_events(stores.tracker, tracker_table(), senders)
    detail["broker_events"] = _erase_broker_events(stores.events, senders)
    with stores.web.begin() as connection:
        detail["facts"] = connection.execute(analytics.facts.delete().where(
            analytics.facts.c.conversation_id == conversation_id)).rowcount
        detail["unresolved"] = connection.execute(analytics.unresolved.delete().where(
            analytics.unresolved.c.conversation_id == conversation_id)).rowcount
        detail["ratings"] = connection.execute(ratings.delete().where(
            ratings.c.conversation_id == conversation_id)).rowcount
        ids = [r[0] for r in connection.execute(sa.select(escalations.c.id).where(
            escalations.c.conversation_id == conversation_id))]
        if ids:
            connection.execute(escalation_events.delete().where(escalation_events.c.escalation_id.in_(ids)))
        detail["escalations"] = connection.execute(escalations.delete().where(
            escalations.c.conversation_id == conversation_id)).rowcount
        forgotten = conversation_store.forget(connection, [conversation_id])
        detail["conversation_secrets"] = forgotten["conversations"]
    for engine in (stores.tracker, stores.events, stores.web):
        checkpoint(engine)  # nothing of it left in a SQLite write-ahead log
    found = int(any(detail.values()))
    _log(stores, "erasure", actor, found, detail, kommune)
    return {"conversations": found, **detail}


def conversation_kommune(stores: Stores, conversation_id: str) -> Optional[str]:
    """The kommune a conversation belongs to (fixed when the web service started
    it; else its facts, else its escalations); None when none knows it."""
    with stores.web.connect() as connection:
        row = connection.execute(sa.select(conversation_store.conversations.c.kommune).where(
            conversation_store.conversations.c.id == conversation_id)).first()
        if row is not None:
            return row[0]
        row = connection.execute(sa.select(analytics.facts.c.kommune).where(
            analytics.facts.c.conversation_id == conversation_id)).first()
        if row is None:
            row = connection.execute(sa.select(escalations.c.kommune).where(
                escalations.c.conversation_id == conversation_id).limit(1)).first()
    return row[0] if row else None


def log_entries(engine: sa.engine.Engine, kommune: Optional[str] = None, limit: int = 50) -> List[Dict]:
    """The newest entries: all of them, or one kommune's erasures."""
    metadata.create_all(engine)
    query = sa.select(retention_log).order_by(retention_log.c.id.desc()).limit(limit)
    if kommune:
        query = query.where(retention_log.c.kommune == kommune)
    with engine.connect() as connection:
        return [{"at": as_utc(r.at).isoformat(), "kind": r.kind, "actor": r.actor, "kommune": r.kommune,
                 "conversations": r.conversations, "detail": json.loads(r.detail)}
                for r in connection.execute(query)]

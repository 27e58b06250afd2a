"""Escalations: conversations handed to Borgerservice staff.

An escalation is made from the bot's `handoff` message (borgerguide.contract),
once, idempotently (its id is the hand-off's `escalation_id`): by /api/chat
from the action's answer at once, and by bot.projections from the event
stream for every hand-off that did not come that way. Every status change
afterwards (claim, reply, forward, assign, resolve, callback) is itself a
row in `escalation_events`, with who and when; so is an internal note (staff
only, never sent to the citizen).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Union

import sqlalchemy as sa

from borgerguide import contract, errors
from borgerguide.clock import as_utc, utcnow
from borgerguide.db import add_missing_columns

logger = logging.getLogger(__name__)

metadata = sa.MetaData()
escalations = sa.Table(
    "escalations", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("area", sa.String(40)),
    sa.Column("kommune", sa.String(64)),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("queue", sa.String(40), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # open, claimed, resolved
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("outcome", sa.String(40)),
    sa.Column("callback_phone", sa.String(40)),
    sa.Column("callback_time", sa.String(100)),
    sa.Column("callback_name", sa.String(100)),  # given with consent, like the phone number
    sa.Column("question", sa.String(300)),  # what the citizen asked, redacted (bot.transcript.question)
    sa.Column("language", sa.String(8)),  # the conversation's language (content/languages.yml)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source_event_id", sa.Integer),
)
escalation_events = sa.Table(
    "escalation_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("escalation_id", sa.String(40), sa.ForeignKey("escalations.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("detail", sa.Text),
)
STATUSES = ("open", "claimed", "resolved")
OUTCOMES = ("solved", "callback_done", "referred", "no_answer", "other")
NOTE_CHARS = 2000


class Conflict(errors.Conflict):
    """The escalation is not in a state that allows this (e.g. claimed by someone else)."""


class NotFound(errors.NotFound):
    """No escalation of that id."""

    def __init__(self, escalation_id: str) -> None:
        super().__init__("Henvendelsen findes ikke.")
        self.escalation_id = escalation_id


@dataclass
class Escalation:
    id: str
    conversation_id: str
    reason: str
    area: Optional[str]
    kommune: Optional[str]
    mode: str
    queue: str
    status: str
    claimed_by: Optional[str]
    outcome: Optional[str]
    callback_phone: Optional[str]
    callback_time: Optional[str]
    created_at: datetime
    updated_at: datetime
    callback_name: Optional[str] = None
    question: Optional[str] = None
    language: Optional[str] = None

    def _callback(self, viewer: Optional[str]) -> Optional[Dict[str, Any]]:
        if not self.callback_phone:
            return None
        if viewer is None or viewer != self.claimed_by:
            return {"requested": True, "time": self.callback_time}
        shown = {"phone": self.callback_phone, "time": self.callback_time}
        return {**shown, "name": self.callback_name} if self.callback_name else shown

    def public(self, now: Optional[datetime] = None, viewer: Optional[str] = None) -> Dict[str, Any]:
        """What staff see. The citizen's phone number and name (a callback
        request) only the member of staff who has taken the escalation."""
        now = now or utcnow()
        return {
            "id": self.id, "conversation_id": self.conversation_id, "reason": self.reason,
            "area": self.area, "kommune": self.kommune, "mode": self.mode, "queue": self.queue,
            "status": self.status, "claimed_by": self.claimed_by, "outcome": self.outcome,
            "callback": self._callback(viewer), "question": self.question, "language": self.language,
            "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat(),
            "waiting_seconds": int((now - self.created_at).total_seconds()),
        }


class EscalationStore:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)
        add_missing_columns(engine, escalations)

    # --- made from the bot's hand-off ----------------------------------------------
    def create(self, connection: Any, conversation_id: str, handoff: contract.Handoff, at: datetime,
               source_event_id: Optional[int] = None) -> int:
        """Creates the escalation of a hand-off in the caller's transaction;
        1 when created, 0 when it exists."""
        exists = connection.execute(
            sa.select(escalations.c.id).where(escalations.c.id == handoff.escalation_id)).first()
        if exists:
            return 0
        connection.execute(escalations.insert().values(
            id=handoff.escalation_id, conversation_id=conversation_id, reason=handoff.reason,
            area=handoff.area, kommune=handoff.kommune, mode=handoff.mode, queue=handoff.queue,
            status="open", created_at=as_utc(at), updated_at=as_utc(at), source_event_id=source_event_id,
            language=handoff.lang,
        ))
        self._event(connection, handoff.escalation_id, "created", "bot", at, {"reason": handoff.reason})
        return 1

    def create_from_handoff(self, conversation_id: str, payload: Union[contract.Handoff, Mapping[str, Any]],
                            at: datetime, source_event_id: Optional[int] = None) -> bool:
        """Creates the escalation of a `handoff` message; False if it exists
        (or the message is not a valid hand-off)."""
        handoff = payload if isinstance(payload, contract.Handoff) else contract.parse(payload)
        if not isinstance(handoff, contract.Handoff):
            logger.warning("handoff message without a valid escalation ignored")
            return False
        try:
            with self.engine.begin() as connection:
                return bool(self.create(connection, conversation_id, handoff, at, source_event_id))
        except sa.exc.IntegrityError:  # made at the same moment by the event stream's reader
            return False

    # --- staff actions -------------------------------------------------------
    def claim(self, escalation_id: str, staff: str) -> Escalation:
        """Claims an open escalation; exactly one of two concurrent claims wins."""
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id, escalations.c.status == "open")
                .values(status="claimed", claimed_by=staff, updated_at=now))
            if result.rowcount != 1:
                self._raise_for(connection, escalation_id, "Henvendelsen er allerede taget eller afsluttet.")
            self._event(connection, escalation_id, "claimed", staff, now)
        return self.get(escalation_id)

    def record_reply(self, escalation_id: str, staff: str, text: str) -> None:
        now = utcnow()
        with self.engine.begin() as connection:
            row = self._row(connection, escalation_id)
            if row.status != "claimed" or row.claimed_by != staff:
                raise Conflict("Tag henvendelsen, før du svarer.")
            self._event(connection, escalation_id, "reply", staff, now, {"chars": len(text)})

    def forward(self, escalation_id: str, staff: str, queue: str) -> Escalation:
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id, escalations.c.status != "resolved")
                .values(queue=queue, status="open", claimed_by=None, updated_at=now))
            if result.rowcount != 1:
                self._raise_for(connection, escalation_id, "Henvendelsen er afsluttet.")
            self._event(connection, escalation_id, "forwarded", staff, now, {"queue": queue})
        return self.get(escalation_id)

    def resolve(self, escalation_id: str, staff: str, outcome: str) -> Escalation:
        """Closes the escalation; one nobody has taken is taken by whoever closes it first."""
        if outcome not in OUTCOMES:
            raise errors.BadInput("Vælg, hvordan henvendelsen endte.")
        now = utcnow()
        with self.engine.begin() as connection:
            taken = connection.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id, escalations.c.status == "open")
                .values(status="claimed", claimed_by=staff, updated_at=now))
            if taken.rowcount == 1:
                self._event(connection, escalation_id, "claimed", staff, now)
            result = connection.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id, escalations.c.status != "resolved")
                .values(status="resolved", outcome=outcome, updated_at=now))
            if result.rowcount != 1:
                self._raise_for(connection, escalation_id, "Henvendelsen er allerede afsluttet.")
            self._event(connection, escalation_id, "resolved", staff, now, {"outcome": outcome})
        return self.get(escalation_id)

    def assign(self, escalation_id: str, staff: str, colleague: str) -> Escalation:
        """Gives the escalation to a colleague (who then has it, as if they had taken it)."""
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                escalations.update()
                .where(escalations.c.id == escalation_id, escalations.c.status != "resolved")
                .values(status="claimed", claimed_by=colleague, updated_at=now))
            if result.rowcount != 1:
                self._raise_for(connection, escalation_id, "Henvendelsen er afsluttet.")
            self._event(connection, escalation_id, "assigned", staff, now, {"to": colleague})
        return self.get(escalation_id)

    def add_note(self, escalation_id: str, staff: str, text: str) -> None:
        """An internal note: for staff only, never sent to the citizen."""
        text = text.strip()
        if not text or len(text) > NOTE_CHARS:
            raise errors.BadInput(f"Noten skal være 1-{NOTE_CHARS} tegn.")
        with self.engine.begin() as connection:
            self._row(connection, escalation_id)
            self._event(connection, escalation_id, "note", staff, utcnow(), {"text": text})

    def set_question(self, escalation_id: str, text: str) -> None:
        """The redacted preview of what the citizen asked (kept once set)."""
        if not text:
            return
        with self.engine.begin() as connection:
            connection.execute(escalations.update().where(
                escalations.c.id == escalation_id, escalations.c.question.is_(None)).values(question=text[:300]))

    def request_callback(self, escalation_id: str, conversation_id: str, phone: str, when: str,
                         name: Optional[str] = None) -> Escalation:
        """The citizen's callback request (with consent), stored only here."""
        now = utcnow()
        with self.engine.begin() as connection:
            row = self._row(connection, escalation_id)
            if row.conversation_id != conversation_id:
                raise NotFound(escalation_id)
            if row.status == "resolved":
                raise Conflict("Henvendelsen er afsluttet.")
            connection.execute(escalations.update().where(escalations.c.id == escalation_id).values(
                mode="callback", callback_phone=phone, callback_time=when, callback_name=name, updated_at=now))
            self._event(connection, escalation_id, "callback_requested", "citizen", now, {"time": when})
        return self.get(escalation_id)

    def mark_callback_offered(self, escalation_id: str) -> bool:
        """Records that the citizen was offered a callback; True only the first time."""
        with self.engine.begin() as connection:
            done = connection.execute(sa.select(escalation_events.c.id).where(
                escalation_events.c.escalation_id == escalation_id,
                escalation_events.c.kind == "callback_offered")).first()
            if done:
                return False
            self._event(connection, escalation_id, "callback_offered", "bot", utcnow())
        return True

    # --- reading -------------------------------------------------------------
    def get(self, escalation_id: str) -> Escalation:
        with self.engine.connect() as connection:
            return self._from_row(self._row(connection, escalation_id))

    def list(self, status: Optional[str] = None, queue: Optional[str] = None,
             kommune: Optional[str] = None, limit: int = 200, oldest_first: bool = False,
             claimed_by: Optional[str] = None) -> List[Escalation]:
        """Newest first; `oldest_first` for a queue (the longest waiting first)."""
        order = escalations.c.created_at.asc() if oldest_first else escalations.c.created_at.desc()
        query = sa.select(escalations).order_by(order).limit(limit)
        if claimed_by:
            query = query.where(escalations.c.claimed_by == claimed_by)
        if status:
            query = query.where(escalations.c.status == status)
        if queue:
            query = query.where(escalations.c.queue == queue)
        if kommune:
            query = query.where(escalations.c.kommune == kommune)
        with self.engine.connect() as connection:
            return [self._from_row(r) for r in connection.execute(query)]

    def open_for_conversation(self, conversation_id: str) -> Optional[Escalation]:
        query = (sa.select(escalations)
                 .where(escalations.c.conversation_id == conversation_id, escalations.c.status != "resolved")
                 .order_by(escalations.c.created_at.desc()).limit(1))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return self._from_row(row) if row else None

    def queue_position(self, escalation: Escalation) -> int:
        """1 for the first in line; 0 once claimed."""
        if escalation.status != "open":
            return 0
        same_kommune = (escalations.c.kommune == escalation.kommune if escalation.kommune is not None
                        else escalations.c.kommune.is_(None))  # each kommune's queue is its own
        query = sa.select(sa.func.count()).select_from(escalations).where(
            escalations.c.queue == escalation.queue, escalations.c.status == "open", same_kommune,
            escalations.c.created_at <= escalation.created_at)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def staff_replied(self, escalation_id: str) -> bool:
        """Has a member of staff written to the citizen in the chat?"""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(escalation_events.c.id).where(
                escalation_events.c.escalation_id == escalation_id,
                escalation_events.c.kind == "reply").limit(1)).first() is not None

    def history(self, escalation_id: str) -> List[Dict[str, Any]]:
        query = (sa.select(escalation_events).where(escalation_events.c.escalation_id == escalation_id)
                 .order_by(escalation_events.c.id))
        with self.engine.connect() as connection:
            return [{"kind": r.kind, "actor": r.actor, "at": as_utc(r.at).isoformat(),
                     "detail": json.loads(r.detail) if r.detail else None} for r in connection.execute(query)]

    # --- helpers -------------------------------------------------------------
    def _event(self, connection, escalation_id: str, kind: str, actor: str, at: datetime,
               detail: Optional[Dict[str, Any]] = None) -> None:
        connection.execute(escalation_events.insert().values(
            escalation_id=escalation_id, kind=kind, actor=actor, at=as_utc(at),
            detail=json.dumps(detail) if detail else None))

    def _row(self, connection, escalation_id: str):
        row = connection.execute(sa.select(escalations).where(escalations.c.id == escalation_id)).first()
        if row is None:
            raise NotFound(escalation_id)
        return row

    def _raise_for(self, connection, escalation_id: str, why: str) -> None:
        """NotFound when it is missing, else Conflict with the Danish reason."""
        self._row(connection, escalation_id)
        raise Conflict(why)

    @staticmethod
    def _from_row(row) -> Escalation:
        return Escalation(
            id=row.id, conversation_id=row.conversation_id, reason=row.reason, area=row.area,
            kommune=row.kommune, mode=row.mode, queue=row.queue, status=row.status,
            claimed_by=row.claimed_by, outcome=row.outcome, callback_phone=row.callback_phone,
            callback_time=row.callback_time, callback_name=row.callback_name, question=row.question,
            language=row.language, created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at),
        )

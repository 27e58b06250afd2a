"""A citizen's conversation, bound to the browser that started it.

The web service starts every conversation (`start`): it makes the
conversation's id and an unguessable secret (256 random bits), fixes the
conversation's kommune, and keeps only the secret's SHA-256. The secret goes
to the browser once, in the answer to the first message; every later message,
poll for staff replies, callback, rating and data request must carry it
(`verify`), and it is never handed out again. Knowing a conversation's id
(staff and analysts see it) gives nobody anything on the citizen's side, and
the kommune cannot be changed afterwards.

It also keeps which answers (solutions, topics) the conversation was shown:
only those can be rated. And the data-subject requests filed from the
conversation (a copy, or erasure): the kommune's administrator sees them and
carries them out (bot/routes/admin.py); the citizen is told the request's
reference, never needs the conversation's id.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa

from borgerguide.clock import as_utc, utcnow

ANONYMISED = "slettet"
EXPORT, ERASE = "export", "erase"
KINDS = (EXPORT, ERASE)
OPEN, DONE = "open", "done"
_REFERENCE_CHARS = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L: read aloud on the phone

metadata = sa.MetaData()
conversations = sa.Table(
    "citizen_conversations", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("kommune", sa.String(64)),  # fixed when the conversation starts; NULL: the national default
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
)
answers = sa.Table(
    "conversation_answers", metadata,  # the solutions and topics the conversation was shown
    sa.Column("conversation_id", sa.String(64), primary_key=True),
    sa.Column("area", sa.String(60), primary_key=True),
)
data_requests = sa.Table(
    "data_requests", metadata,
    sa.Column("reference", sa.String(12), primary_key=True),  # what the citizen is told, e.g. K7QD-M2XA
    sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
    sa.Column("kommune", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),  # export, erase
    sa.Column("status", sa.String(10), nullable=False),  # open, done
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("handled_by", sa.String(100)),
    sa.Column("handled_at", sa.DateTime(timezone=True)),
)


@dataclass(frozen=True)
class Conversation:
    id: str
    kommune: Optional[str]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _reference() -> str:
    chars = "".join(secrets.choice(_REFERENCE_CHARS) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def _request(row: Any) -> Dict[str, Any]:
    return {"reference": row.reference, "kind": row.kind, "status": row.status, "kommune": row.kommune,
            "created_at": as_utc(row.created_at).isoformat(), "handled_by": row.handled_by,
            "handled_at": as_utc(row.handled_at).isoformat() if row.handled_at else None}


class Conversations:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    # --- the conversation and its secret ---------------------------------------------
    def start(self, kommune: Optional[str]) -> Tuple[Conversation, str]:
        """A new conversation of `kommune`, and its secret (only ever returned here)."""
        conversation = Conversation(secrets.token_hex(16), kommune)
        secret = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(conversations.insert().values(
                id=conversation.id, secret_hash=_hash(secret), kommune=kommune, started_at=utcnow()))
        return conversation, secret

    def verify(self, conversation_id: Any, secret: Any) -> Optional[Conversation]:
        """The conversation when `secret` is its secret, else None."""
        if not isinstance(conversation_id, str) or not isinstance(secret, str) or len(conversation_id) > 64 \
                or not 0 < len(secret) <= 100:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(conversations).where(conversations.c.id == conversation_id)).first()
        expected = row.secret_hash if row is not None else _hash("")
        if not hmac.compare_digest(expected, _hash(secret)) or row is None:
            return None
        return Conversation(row.id, row.kommune)

    def kommune_of(self, conversation_id: str) -> Tuple[bool, Optional[str]]:
        """(known, kommune) of a conversation the web service started."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(conversations.c.kommune)
                                     .where(conversations.c.id == conversation_id)).first()
        return (row is not None, row[0] if row is not None else None)

    # --- what it was shown (what may be rated) ---------------------------------------
    def shown(self, conversation_id: str, areas: Iterable[str]) -> None:
        wanted = {str(area)[:60] for area in areas if area}
        if not wanted:
            return
        with self.engine.begin() as connection:
            known = {r[0] for r in connection.execute(sa.select(answers.c.area).where(
                answers.c.conversation_id == conversation_id, answers.c.area.in_(wanted)))}
            for area in sorted(wanted - known):
                try:
                    with connection.begin_nested():
                        connection.execute(answers.insert().values(conversation_id=conversation_id, area=area))
                except sa.exc.IntegrityError:
                    pass  # the same answer recorded by a message of this conversation at the same moment

    def was_shown(self, conversation_id: str, area: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(answers.c.area).where(
                answers.c.conversation_id == conversation_id, answers.c.area == area)).first() is not None

    # --- data-subject requests -------------------------------------------------------
    def file_request(self, conversation: Conversation, kind: str) -> Dict[str, Any]:
        """A request for a copy or erasure of the conversation; an open request
        of the same kind is given back instead of a second one."""
        if kind not in KINDS:
            raise ValueError(kind)
        if conversation.kommune is None:
            raise ValueError("no kommune")
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(data_requests).where(
                data_requests.c.conversation_id == conversation.id, data_requests.c.kind == kind,
                data_requests.c.status == OPEN)).first()
            if row is not None:
                return _request(row)
            reference = _reference()
            connection.execute(data_requests.insert().values(
                reference=reference, conversation_id=conversation.id, kommune=conversation.kommune, kind=kind,
                status=OPEN, created_at=utcnow()))
            return _request(connection.execute(sa.select(data_requests).where(
                data_requests.c.reference == reference)).one())

    def requests_of(self, conversation_id: str) -> List[Dict[str, Any]]:
        """A conversation's own requests (the citizen's view)."""
        query = sa.select(data_requests).where(data_requests.c.conversation_id == conversation_id) \
            .order_by(data_requests.c.created_at)
        with self.engine.connect() as connection:
            return [_request(r) for r in connection.execute(query)]

    def requests(self, kommune: str, limit: int = 200) -> List[Dict[str, Any]]:
        """A kommune's requests, open ones first, newest first."""
        query = sa.select(data_requests).where(data_requests.c.kommune == kommune).order_by(
            (data_requests.c.status == OPEN).desc(), data_requests.c.created_at.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [_request(r) for r in connection.execute(query)]

    def request(self, kommune: str, reference: str) -> Optional[Tuple[Dict[str, Any], str]]:
        """A kommune's request and the id of its conversation (for carrying it out), or None."""
        if not isinstance(reference, str) or len(reference) > 12:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(data_requests).where(
                data_requests.c.reference == reference.strip().upper(), data_requests.c.kommune == kommune)).first()
        return (_request(row), row.conversation_id) if row is not None else None

    def close_request(self, kommune: str, reference: str, actor: str) -> bool:
        """An open request marked as carried out (once)."""
        with self.engine.begin() as connection:
            return connection.execute(data_requests.update().where(
                data_requests.c.reference == reference, data_requests.c.kommune == kommune,
                data_requests.c.status == OPEN).values(status=DONE, handled_by=actor, handled_at=utcnow())
            ).rowcount == 1


def forget(connection: Any, conversation_ids: List[str]) -> Dict[str, int]:
    """(Erasure and retention, in their transaction) the conversations' secrets
    and answers go; their data requests stay as a record, without the conversation."""
    done = {"conversations": 0, "data_requests_anonymised": 0}
    for chunk in range(0, len(conversation_ids), 500):
        part = conversation_ids[chunk:chunk + 500]
        done["conversations"] += connection.execute(conversations.delete().where(
            conversations.c.id.in_(part))).rowcount
        connection.execute(answers.delete().where(answers.c.conversation_id.in_(part)))
        done["data_requests_anonymised"] += connection.execute(data_requests.update().where(
            data_requests.c.conversation_id.in_(part)).values(conversation_id=ANONYMISED)).rowcount
    return done

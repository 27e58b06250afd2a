"""Saved replies: the texts Borgerservice sends again and again ("Du kan
bestille tid her: ..."), per kommune, written and edited by its staff. A
cross-kommune account's replies (kommune `*`) are offered in every kommune."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from borgerguide.clock import as_utc, utcnow
from borgerguide.db import add_missing_columns
from borgerguide.errors import BadInput, NotFound
from borgerguide.languages import default_language, known_language, staff_name
from borgerguide.tenancy import ALL_KOMMUNER, Scope

TITLE_CHARS = 80
TEXT_CHARS = 2000

metadata = sa.MetaData()
saved_replies = sa.Table(
    "saved_replies", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kommune", sa.String(64), nullable=False, index=True),  # a kommune id, or "*" (every kommune)
    sa.Column("title", sa.String(TITLE_CHARS), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("language", sa.String(8)),  # the language it is written in (None: the default language)
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class SavedReply:
    id: int
    kommune: str
    title: str
    text: str
    updated_by: str
    updated_at: str
    language: str = "da"

    def public(self) -> Dict[str, Any]:
        return {**asdict(self), "language_name": staff_name(self.language)}


def _language(value: Any) -> str:
    if value in (None, ""):
        return default_language()
    language = known_language(value)
    if language is None:
        raise BadInput("Vælg et af de sprog, Borgerguiden taler.")
    return language


def _checked(title: str, text: str) -> tuple:
    title, text = " ".join(str(title or "").split()), str(text or "").strip()
    if not title or len(title) > TITLE_CHARS:
        raise BadInput(f"Giv svaret en titel på 1-{TITLE_CHARS} tegn.")
    if not text or len(text) > TEXT_CHARS:
        raise BadInput(f"Svaret skal være 1-{TEXT_CHARS} tegn.")
    return title, text


class SavedReplies:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)
        add_missing_columns(engine, saved_replies)

    def for_kommune(self, kommune: Optional[str], language: Optional[str] = None) -> List[SavedReply]:
        """The replies offered on a kommune's escalation: its own and the shared
        ones; those in the conversation's `language` first."""
        wanted = [ALL_KOMMUNER] + ([kommune] if kommune else [])
        query = sa.select(saved_replies).where(saved_replies.c.kommune.in_(wanted)).order_by(
            saved_replies.c.title, saved_replies.c.id)
        with self.engine.connect() as connection:
            replies = [self._from_row(r) for r in connection.execute(query)]
        first = language or default_language()
        return sorted(replies, key=lambda reply: reply.language != first)  # stable: by title within each

    def editable(self, scope: Scope) -> List[SavedReply]:
        """The replies an account may edit: its kommune's (every one for a cross-kommune account)."""
        query = sa.select(saved_replies).where(scope.where(saved_replies.c.kommune)).order_by(
            saved_replies.c.title, saved_replies.c.id)
        with self.engine.connect() as connection:
            return [self._from_row(r) for r in connection.execute(query)]

    def add(self, scope: Scope, title: str, text: str, actor: str, language: Any = None) -> SavedReply:
        title, text = _checked(title, text)
        written_in = _language(language)
        with self.engine.begin() as connection:
            result = connection.execute(saved_replies.insert().values(
                kommune=scope.kommune, title=title, text=text, language=written_in, updated_by=actor,
                updated_at=utcnow()))
            reply_id = int(result.inserted_primary_key[0])
        return self.get(reply_id, scope)

    def update(self, reply_id: int, scope: Scope, title: str, text: str, actor: str,
               language: Any = None) -> SavedReply:
        title, text = _checked(title, text)
        written_in = _language(language)
        self.get(reply_id, scope)  # NotFound when it is not the account's to edit
        with self.engine.begin() as connection:
            connection.execute(saved_replies.update().where(saved_replies.c.id == reply_id).values(
                title=title, text=text, language=written_in, updated_by=actor, updated_at=utcnow()))
        return self.get(reply_id, scope)

    def remove(self, reply_id: int, scope: Scope) -> None:
        self.get(reply_id, scope)
        with self.engine.begin() as connection:
            connection.execute(saved_replies.delete().where(saved_replies.c.id == reply_id))

    def get(self, reply_id: int, scope: Scope) -> SavedReply:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(saved_replies).where(
                saved_replies.c.id == reply_id, scope.where(saved_replies.c.kommune))).first()
        if row is None:
            raise NotFound("Det gemte svar findes ikke.")
        return self._from_row(row)

    @staticmethod
    def _from_row(row: Any) -> SavedReply:
        return SavedReply(id=row.id, kommune=row.kommune, title=row.title, text=row.text,
                          updated_by=row.updated_by, updated_at=as_utc(row.updated_at).isoformat(),
                          language=row.language or default_language())

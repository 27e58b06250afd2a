"""Citizens' satisfaction ratings from the widget (1-5 and an optional
comment, redacted before it is stored), for the analysts' pages.

One rating per conversation and answer (an area the conversation was shown,
or the conversation as a whole): `once` is unique, so two ratings at the same
moment cannot both be stored."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from borgerguide.db import add_missing_columns
from borgerguide.errors import BadInput, Conflict
from borgerguide.redaction import redact

metadata = sa.MetaData()
ratings = sa.Table(
    "ratings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("kommune", sa.String(64)),
    sa.Column("area", sa.String(40)),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.String(1000)),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("once", sa.String(300)),  # "<conversation>|<area>": one rating each (NULL once anonymised)
)
ONCE = sa.Index("ratings_once", ratings.c.once, unique=True)


class AlreadyRated(Conflict):
    """This conversation has rated this answer."""


class Ratings:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)
        add_missing_columns(engine, ratings)
        ONCE.create(engine, checkfirst=True)

    def add(self, conversation_id: str, score: int, comment: Optional[str], kommune: Optional[str],
            area: Optional[str]) -> None:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise BadInput("Vælg en vurdering fra 1 til 5.")
        comment = redact((comment or "").strip())[:1000] or None
        try:
            with self.engine.begin() as connection:
                connection.execute(ratings.insert().values(
                    conversation_id=conversation_id, kommune=kommune, area=area, score=score, comment=comment,
                    at=datetime.now(timezone.utc), once=f"{conversation_id}|{area or ''}"[:300]))
        except sa.exc.IntegrityError:
            raise AlreadyRated("Du har allerede bedømt denne samtale. Tak for det!")

    def summary(self, kommune: Optional[str] = None) -> List[Dict[str, Any]]:
        """Count and average per area (and kommune), for analysts."""
        query = sa.select(ratings.c.kommune, ratings.c.area, sa.func.count().label("count"),
                          sa.func.avg(ratings.c.score).label("average")).group_by(ratings.c.kommune, ratings.c.area)
        if kommune:
            query = query.where(ratings.c.kommune == kommune)
        with self.engine.connect() as connection:
            return [{"kommune": r.kommune, "area": r.area, "count": r.count, "average": round(float(r.average), 2)}
                    for r in connection.execute(query)]

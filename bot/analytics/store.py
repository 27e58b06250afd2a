"""The analysts' figures: their tables and how they are read.

bot.analytics.projection.AnalyticsProjection derives them from the conversations'
event stream (the same stream the escalations come from) and maintains,
incrementally and in one transaction per batch:

- `conversation_facts`: one row per conversation (kommune, start, area,
  messages, fallbacks, solution cards, hand-off);
- `daily_rollup`: the conversations' contributions summed per day, kommune,
  area and hand-off reason/area. A changed conversation moves its old
  contribution out and its new one in, so the overview reads a few hundred
  rollup rows, never the events;
- `unresolved`: every citizen message that ended in fallback, out of scope,
  low confidence, a correction by the citizen or a hand-off, with time,
  kommune, predicted intent and confidence, the top-3 ranking and the
  conversation id. The text is redacted (borgerguide.redaction) before it is stored.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa

from borgerguide import contract
from borgerguide.clock import DANISH_TIME, as_utc
from borgerguide.topics import matter_names
from bot.stores.ratings import ratings

# why a citizen's message is unresolved (two of them are named after the bot's message)
REASONS = (contract.FALLBACK, "out_of_scope", "low_confidence", "correction", contract.HANDOFF)
REASONS_DA = {"fallback": "Ikke forstået", "out_of_scope": "Uden for emne",
              "low_confidence": "Usikker forståelse", "correction": "Borgeren rettede botten",
              "handoff": "Overdraget til medarbejder"}
NOISE = "noise"
DEFAULT_LOW_CONFIDENCE = 0.6
CORRECTION_CUE = re.compile(
    r"\b(ikke det|ik det|ikke dét|forkert|misforst\w*|det var ikke|det mente jeg ikke|"
    r"ikke det jeg|det er ikke det)\b", re.IGNORECASE)
SKIP_INTENTS = {"nlu_fallback"}
EVENT_MARKERS = tuple(f'"event":{space}"{kind}"' for kind in ("user", "bot", "pause", "resume")
                      for space in ("", " "))

metadata = sa.MetaData()
facts = sa.Table(
    "conversation_facts", metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("kommune", sa.String(64), nullable=False, default=""),
    sa.Column("day", sa.String(10), nullable=False, index=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("area", sa.String(40), nullable=False, default=""),
    sa.Column("user_messages", sa.Integer, nullable=False, default=0),
    sa.Column("fallbacks", sa.Integer, nullable=False, default=0),
    sa.Column("unresolved", sa.Integer, nullable=False, default=0),
    sa.Column("solutions", sa.Integer, nullable=False, default=0),
    sa.Column("handoffs", sa.Integer, nullable=False, default=0),
    sa.Column("handoff_reason", sa.String(40), nullable=False, default=""),
    sa.Column("handoff_area", sa.String(40), nullable=False, default=""),
    # the last citizen message, so that a correction or a hand-off can point at it
    sa.Column("last_user", sa.Text),
    sa.Column("last_bot_kind", sa.String(20)),
    # paused for a live hand-off: the citizen writes to staff, not to the bot
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
)


def _rollup_table(name: str, *keys: str) -> sa.Table:
    lengths = {"day": 10, "month": 7, "kommune": 64, "area": 40, "handoff_reason": 40, "handoff_area": 40}
    return sa.Table(name, metadata,
                    *[sa.Column(k, sa.String(lengths[k]), primary_key=True) for k in keys],
                    *[sa.Column(v, sa.Integer, nullable=False) for v in ROLLUP_VALUES])


ROLLUP_KEY = ("day", "kommune", "area", "handoff_reason", "handoff_area")
ROLLUP_VALUES = ("conversations", "contained", "handed_off", "user_messages", "fallbacks", "unresolved")
# three granularities of the same sums, so that a page reads few rows for any period:
# per day and kommune (totals, the daily chart), per day with every dimension (the
# edges of a period), per month with every dimension (the whole months of a period)
rollup = _rollup_table("daily_rollup", *ROLLUP_KEY)
monthly = _rollup_table("monthly_rollup", "month", *ROLLUP_KEY[1:])
day_kommune = _rollup_table("day_kommune_rollup", "day", "kommune")
ROLLUPS = (
    (rollup, lambda key: key),
    (monthly, lambda key: (key[0][:7],) + key[1:]),
    (day_kommune, lambda key: key[:2]),
)
unresolved = sa.Table(
    "unresolved", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("day", sa.String(10), nullable=False, index=True),
    sa.Column("kommune", sa.String(64), nullable=False, default=""),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(60)),
    sa.Column("confidence", sa.Float),
    sa.Column("ranking", sa.Text),  # JSON: top 3 [{"name", "confidence"}]
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("detail", sa.String(60)),
    sa.Column("label", sa.String(60)),
    sa.Column("labelled_by", sa.String(100)),
    sa.Column("labelled_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("event_id", "reason", name="uq_unresolved_event_reason"),
)
SCHEMA_VERSION = 3  # raise when the derived tables change: they are recomputed
schema = sa.Table("analytics_schema", metadata, sa.Column("version", sa.Integer, nullable=False))


def service_areas() -> Dict[str, str]:
    """Service intent or topic id -> short Danish name (content/areas.yml, content/topics/)."""
    return matter_names()


# --- reading -----------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kommune: Optional[str] = None

    @property
    def days(self) -> Tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def _where(table: sa.Table, period: Period) -> List[Any]:
    first, last = period.days
    where = [table.c.day >= first, table.c.day <= last]
    if period.kommune:
        where.append(table.c.kommune == period.kommune)
    return where


def _months(period: Period) -> Tuple[List[str], List[Tuple[str, str]]]:
    """The whole months inside the period, and the day ranges around them."""
    next_month = (period.start.replace(day=28) + timedelta(days=4)).replace(day=1)
    first_month = period.start if period.start.day == 1 else next_month
    months, cursor = [], first_month
    while True:
        following = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        if following - timedelta(days=1) > period.end:
            break
        months.append(cursor.isoformat()[:7])
        cursor = following
    if not months:
        return [], [period.days]
    edges = []
    if period.start < first_month:
        edges.append((period.start.isoformat(), (first_month - timedelta(days=1)).isoformat()))
    if cursor <= period.end:
        edges.append((cursor.isoformat(), period.end.isoformat()))
    return months, edges


def overview(engine: sa.engine.Engine, period: Period) -> Dict[str, Any]:
    """The overview's figures for a period (and kommune), from the rollups:
    totals and days from the day/kommune sums; areas and hand-offs from the
    monthly sums for whole months and the daily sums for the days around them."""
    months, edges = _months(period)

    def sums(table: sa.Table):
        return [sa.func.coalesce(sa.func.sum(table.c[name]), 0).label(name) for name in ROLLUP_VALUES]

    def kommune_filter(table: sa.Table) -> List[Any]:
        return [table.c.kommune == period.kommune] if period.kommune else []

    def grouped(connection, column: str) -> List[Dict[str, Any]]:
        """Sums by one dimension over the whole period (monthly + edge days)."""
        totals: Dict[str, Dict[str, Any]] = {}
        queries = []
        if months:
            queries.append(sa.select(monthly.c[column], *sums(monthly)).where(
                monthly.c.month.in_(months), *kommune_filter(monthly)).group_by(monthly.c[column]))
        for first, last in edges:
            queries.append(sa.select(rollup.c[column], *sums(rollup)).where(
                rollup.c.day >= first, rollup.c.day <= last, *kommune_filter(rollup)).group_by(rollup.c[column]))
        for query in queries:
            for r in connection.execute(query):
                row = dict(r._mapping)
                target = totals.setdefault(row[column], {column: row[column], **{v: 0 for v in ROLLUP_VALUES}})
                for v in ROLLUP_VALUES:
                    target[v] += int(row[v])
        return sorted(totals.values(), key=lambda r: r[column])

    where = _where(day_kommune, period)
    with engine.connect() as connection:
        total = {k: int(v) for k, v in connection.execute(sa.select(*sums(day_kommune)).where(*where)).first()
                 ._mapping.items()}
        per_day = [dict(r._mapping) for r in connection.execute(
            sa.select(day_kommune.c.day, *sums(day_kommune)).where(*where)
            .group_by(day_kommune.c.day).order_by(day_kommune.c.day))]
        per_kommune = [dict(r._mapping) for r in connection.execute(
            sa.select(day_kommune.c.kommune, *sums(day_kommune)).where(*where).group_by(day_kommune.c.kommune))]
        per_area = grouped(connection, "area")
        per_reason = grouped(connection, "handoff_reason")
        per_handoff_area = grouped(connection, "handoff_area")
        unresolved_by_reason = [dict(r._mapping) for r in connection.execute(
            sa.select(unresolved.c.reason, sa.func.count().label("count"))
            .where(*_where(unresolved, period)).group_by(unresolved.c.reason))]
    names = service_areas()

    def rate(part: int, whole: int) -> Optional[float]:
        return round(part / whole, 4) if whole else None

    def area_rows(rows: List[Dict[str, Any]], key: str) -> List[Dict[str, Any]]:
        out = [{**r, "name": names.get(r[key], r[key] or "Ukendt"),
                "containment": rate(r["contained"], r["conversations"])} for r in rows]
        return sorted(out, key=lambda r: -r["conversations"])

    return {
        "period": {"from": period.days[0], "to": period.days[1], "kommune": period.kommune},
        "conversations": total["conversations"],
        "contained": total["contained"],
        "containment": rate(total["contained"], total["conversations"]),
        "handoffs": total["handed_off"],
        "handoff_rate": rate(total["handed_off"], total["conversations"]),
        "user_messages": total["user_messages"],
        "fallbacks": total["fallbacks"],
        "fallback_rate": rate(total["fallbacks"], total["user_messages"]),
        "unresolved": total["unresolved"],
        "per_day": [{"day": r["day"], "conversations": r["conversations"], "contained": r["contained"],
                     "handoffs": r["handed_off"], "fallbacks": r["fallbacks"]} for r in per_day],
        "per_kommune": [{**r, "kommune": r["kommune"] or "ukendt",
                         "containment": rate(r["contained"], r["conversations"])}
                        for r in sorted(per_kommune, key=lambda r: -r["conversations"])],
        "top_areas": area_rows([r for r in per_area if r["area"]], "area"),
        "handoffs_by_reason": [{"reason": r["handoff_reason"], "count": r["handed_off"]}
                               for r in per_reason if r["handoff_reason"] and r["handed_off"]],
        "handoffs_by_area": [{"area": r["handoff_area"], "name": names.get(r["handoff_area"], r["handoff_area"]),
                              "count": r["handed_off"]}
                             for r in sorted(per_handoff_area, key=lambda r: -r["handed_off"])
                             if r["handoff_area"] and r["handed_off"]],
        "unresolved_by_reason": {r["reason"]: r["count"] for r in unresolved_by_reason},
    }


def satisfaction(engine: sa.engine.Engine, period: Period) -> Dict[str, Any]:
    """Ratings (1-5) and comments per area and kommune in the period."""
    first = datetime.combine(period.start, datetime.min.time(), DANISH_TIME)
    last = datetime.combine(period.end, datetime.max.time(), DANISH_TIME)
    where = [ratings.c.at >= first.astimezone(timezone.utc), ratings.c.at <= last.astimezone(timezone.utc)]
    if period.kommune:
        where.append(ratings.c.kommune == period.kommune)
    names = service_areas()
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(ratings.c.area, ratings.c.kommune, sa.func.count().label("count"),
                      sa.func.avg(ratings.c.score).label("average"))
            .where(*where).group_by(ratings.c.area, ratings.c.kommune)).all()
        comments = connection.execute(
            sa.select(ratings.c.at, ratings.c.area, ratings.c.kommune, ratings.c.score, ratings.c.comment)
            .where(*where, ratings.c.comment.isnot(None)).order_by(ratings.c.at.desc()).limit(50)).all()
        total = connection.execute(sa.select(sa.func.count(), sa.func.avg(ratings.c.score)).where(*where)).first()
    return {
        "count": int(total[0] or 0),
        "average": round(float(total[1]), 2) if total[1] is not None else None,
        "per_area": [{"area": r.area or "", "name": names.get(r.area or "", r.area or "Ukendt"),
                      "kommune": r.kommune or "ukendt", "count": r.count, "average": round(float(r.average), 2)}
                     for r in rows],
        "comments": [{"at": as_utc(r.at).isoformat(), "area": r.area, "kommune": r.kommune, "score": r.score,
                      "comment": r.comment} for r in comments],
    }


@dataclass
class Message:
    id: int
    conversation_id: str
    at: datetime
    kommune: str
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    ranking: List[Dict[str, Any]]
    reason: str
    detail: Optional[str]
    label: Optional[str]

    def public(self) -> Dict[str, Any]:
        return {"id": self.id, "conversation_id": self.conversation_id, "at": self.at.isoformat(),
                "kommune": self.kommune, "text": self.text, "intent": self.intent,
                "confidence": self.confidence, "ranking": self.ranking, "reason": self.reason,
                "detail": self.detail, "label": self.label}


def unresolved_messages(engine: sa.engine.Engine, period: Period, reason: Optional[str] = None,
                        labelled: Optional[bool] = False, limit: int = 2000) -> List[Message]:
    """The unresolved messages of a period, newest first (unlabelled by default)."""
    query = sa.select(unresolved).where(*_where(unresolved, period)).order_by(unresolved.c.id.desc()).limit(limit)
    if reason:
        query = query.where(unresolved.c.reason == reason)
    if labelled is False:
        query = query.where(unresolved.c.label.is_(None))
    elif labelled is True:
        query = query.where(unresolved.c.label.isnot(None))
    with engine.connect() as connection:
        return [Message(r.id, r.conversation_id, as_utc(r.at), r.kommune, r.text, r.intent, r.confidence,
                        json.loads(r.ranking or "[]"), r.reason, r.detail, r.label)
                for r in connection.execute(query)]


def label(engine: sa.engine.Engine, ids: Iterable[int], intent: str, who: str, kommune: Optional[str] = None) -> int:
    """Labels messages with an intent (or `noise`), only those of `kommune`
    when one is given; returns how many."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    where = [unresolved.c.id.in_(ids)] + ([unresolved.c.kommune == kommune] if kommune else [])
    with engine.begin() as connection:
        result = connection.execute(unresolved.update().where(*where).values(
            label=intent, labelled_by=who, labelled_at=datetime.now(timezone.utc)))
    return result.rowcount


def unlabel(engine: sa.engine.Engine, ids: Iterable[int], kommune: Optional[str] = None) -> int:
    where = [unresolved.c.id.in_(list(ids))] + ([unresolved.c.kommune == kommune] if kommune else [])
    with engine.begin() as connection:
        result = connection.execute(unresolved.update().where(*where).values(
            label=None, labelled_by=None, labelled_at=None))
    return result.rowcount

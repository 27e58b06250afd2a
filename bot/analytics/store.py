"""The analysts' figures: their tables and how they are read.

bot.analytics.projection.AnalyticsProjection derives them from the
conversations' event stream (the same stream the escalations come from) and
maintains, incrementally and in one transaction per batch:

- `conversation_facts`: one row per conversation (kommune, start, area,
  language, messages, messages not understood, solution cards, hand-off);
- `daily_rollup` (and its monthly and per-kommune sums): the conversations'
  contributions summed per day, kommune, area, hand-off reason/area and
  language. A changed conversation moves its old contribution out and its new
  one in, so the overview reads a few hundred rollup rows, never the events;
- `hourly_rollup`: conversations started and hand-offs asked for per day,
  kommune and hour (Danish time): when citizens write, to plan staffing;
- `unresolved`: every citizen message the bot gave no next step for (the
  rule: bot.analytics.projection), with time, kommune, predicted intent and
  confidence, the top-3 ranking and the conversation id. The text is
  redacted (borgerguide.redaction) before it is stored.

Written by the web service itself, not derived from the stream:
- `link_clicks`: how often a card's self-service link was opened, per day,
  kommune and area; a count, never tied to a conversation or a person.

Hand-off waiting times and outcomes are read from the escalations
(bot.stores.escalations), which staff work on.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa

from borgerguide import contract
from borgerguide.clock import DANISH_TIME, as_utc, danish_day
from bot.analytics import names
from bot.stores.escalations import escalation_events, escalations
from bot.stores.ratings import ratings

# why a citizen's message is unresolved: the bot gave no next step for it
# (bot.analytics.projection decides; docs/analytics.md)
NOT_UNDERSTOOD = contract.FALLBACK  # the bot said it did not understand
OUT_OF_SCOPE = "out_of_scope"  # the bot said it cannot help with that
NO_ANSWER = "no_answer"  # the bot answered nothing, or an error on our side
CORRECTION = "correction"  # the citizen said the bot's answer was not it
REASONS = (NOT_UNDERSTOOD, OUT_OF_SCOPE, NO_ANSWER, CORRECTION)
REASONS_DA = {NOT_UNDERSTOOD: "Ikke forstået", OUT_OF_SCOPE: "Uden for det, botten kan hjælpe med",
              NO_ANSWER: "Intet svar (fejl eller tavshed)", CORRECTION: "Borgeren rettede botten"}
# the names of reasons earlier versions recorded (kept on messages analysts labelled)
REASON_NAMES = {**REASONS_DA, "low_confidence": "Usikker forståelse (tidligere regel)",
                contract.HANDOFF: "Overdraget til medarbejder (tidligere regel)"}
NOISE = "noise"
DEFAULT_LOW_CONFIDENCE = 0.6
CORRECTION_CUE = re.compile(
    r"\b(ikke det|ik det|ikke dét|forkert|misforst\w*|det var ikke|det mente jeg ikke|"
    r"ikke det jeg|det er ikke det)\b", re.IGNORECASE)
SKIP_INTENTS = {"nlu_fallback"}
CORE_FALLBACK = "action_default_fallback"  # Rasa's own fallback (config.yml): it says nothing here
LISTEN = "action_listen"  # the bot's turn is over: it waits for the citizen
TURN_ACTIONS = (CORE_FALLBACK, LISTEN)
EVENT_MARKERS = tuple(f'"event":{space}"{kind}"' for kind in ("user", "bot", "pause", "resume")
                      for space in ("", " ")) + tuple(f'"{name}"' for name in TURN_ACTIONS)

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
    sa.Column("handoff_at", sa.DateTime(timezone=True)),
    sa.Column("lang", sa.String(10), nullable=False, default=""),
    # the last citizen message, so that a correction or a hand-off can point at it
    sa.Column("last_user", sa.Text),
    sa.Column("last_bot_kind", sa.String(20)),
    # paused for a live hand-off: the citizen writes to staff, not to the bot
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
)


def _rollup_table(name: str, *keys: str) -> sa.Table:
    lengths = {"day": 10, "month": 7, "kommune": 64, "area": 40, "handoff_reason": 40, "handoff_area": 40,
               "lang": 10}
    return sa.Table(name, metadata,
                    *[sa.Column(k, sa.String(lengths[k]), primary_key=True) for k in keys],
                    *[sa.Column(v, sa.Integer, nullable=False) for v in ROLLUP_VALUES])


ROLLUP_KEY = ("day", "kommune", "area", "handoff_reason", "handoff_area", "lang")
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
HOUR_VALUES = ("conversations", "handoffs")
hourly = sa.Table(
    "hourly_rollup", metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("kommune", sa.String(64), primary_key=True),
    sa.Column("hour", sa.Integer, primary_key=True),  # 0-23, Danish time
    *[sa.Column(v, sa.Integer, nullable=False) for v in HOUR_VALUES],
)
DERIVED = (rollup, monthly, day_kommune, hourly, facts)  # recomputed from the stream when they change
clicks = sa.Table(
    "link_clicks", metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("kommune", sa.String(64), primary_key=True),
    sa.Column("area", sa.String(60), primary_key=True),
    sa.Column("clicks", sa.Integer, nullable=False),
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
SCHEMA_VERSION = 4  # raise when the derived tables change: they are recomputed
schema = sa.Table("analytics_schema", metadata, sa.Column("version", sa.Integer, nullable=False))


def service_areas() -> Dict[str, str]:
    """Service intent or topic id -> short Danish name (content/areas.yml, content/topics/)."""
    return names.area_names()


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
        # a row all of whose conversations moved to another one is no row
        return sorted((r for r in totals.values() if any(r[v] for v in ROLLUP_VALUES)), key=lambda r: r[column])

    where = _where(day_kommune, period)
    with engine.connect() as connection:
        total = {k: int(v) for k, v in connection.execute(sa.select(*sums(day_kommune)).where(*where)).first()
                 ._mapping.items()}
        per_day = [dict(r._mapping) for r in connection.execute(
            sa.select(day_kommune.c.day, *sums(day_kommune)).where(*where)
            .group_by(day_kommune.c.day).order_by(day_kommune.c.day))]
        per_kommune = [dict(r._mapping) for r in connection.execute(
            sa.select(day_kommune.c.kommune, *sums(day_kommune)).where(*where).group_by(day_kommune.c.kommune))
            if r.conversations]
        per_area = grouped(connection, "area")
        per_reason = grouped(connection, "handoff_reason")
        per_handoff_area = grouped(connection, "handoff_area")
        per_lang = grouped(connection, "lang")
        hours = connection.execute(
            sa.select(hourly.c.day, hourly.c.hour, sa.func.sum(hourly.c.conversations), sa.func.sum(hourly.c.handoffs))
            .where(*_where(hourly, period)).group_by(hourly.c.day, hourly.c.hour)).all()
        unresolved_by_reason = [dict(r._mapping) for r in connection.execute(
            sa.select(unresolved.c.reason, sa.func.count().label("count"))
            .where(*_where(unresolved, period)).group_by(unresolved.c.reason))]
        clicked = connection.execute(
            sa.select(clicks.c.area, sa.func.sum(clicks.c.clicks)).where(*_where(clicks, period))
            .group_by(clicks.c.area)).all()
    areas = names.area_names()
    languages = names.language_names()

    def area_rows(rows: List[Dict[str, Any]], key: str) -> List[Dict[str, Any]]:
        out = [{**r, "name": areas.get(r[key], r[key]) if r[key] else names.NO_AREA,
                "containment": rate(r["contained"], r["conversations"])} for r in rows]
        return sorted(out, key=lambda r: (not r[key], -r["conversations"]))

    per_hour: List[Dict[str, Any]] = [{"hour": hour, "name": f"{hour:02d}", "conversations": 0, "handoffs": 0}
                                      for hour in range(24)]
    per_weekday: List[Dict[str, Any]] = [{"weekday": day, "name": name, "conversations": 0, "handoffs": 0}
                                         for day, name in enumerate(names.WEEKDAYS)]
    for day, hour, started, handoffs in hours:
        for row in (per_hour[int(hour)], per_weekday[date.fromisoformat(day).weekday()]):
            row["conversations"] += int(started or 0)
            row["handoffs"] += int(handoffs or 0)
    clicks_by_area = {area: int(count or 0) for area, count in clicked}
    contained_by_area = {r["area"]: r["contained"] for r in per_area}
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
        "per_hour": per_hour,
        "per_weekday": per_weekday,
        "per_kommune": [{**r, "kommune": r["kommune"] or "ukendt",
                         "containment": rate(r["contained"], r["conversations"])}
                        for r in sorted(per_kommune, key=lambda r: -r["conversations"])],
        "top_areas": area_rows(per_area, "area"),
        "handoffs_by_reason": [{"reason": r["handoff_reason"], "name": contract.HANDOFF_REASONS.get(
                                    r["handoff_reason"], r["handoff_reason"]), "count": r["handed_off"]}
                               for r in per_reason if r["handoff_reason"] and r["handed_off"]],
        "handoffs_by_area": [{"area": r["handoff_area"], "name": r["name"], "count": r["handed_off"]}
                             for r in sorted(area_rows(per_handoff_area, "handoff_area"),
                                             key=lambda r: (not r["handoff_area"], -r["handed_off"]))
                             if r["handed_off"]],
        "languages": [{"lang": r["lang"], "name": languages.get(r["lang"], r["lang"]),
                       "conversations": r["conversations"], "share": rate(r["conversations"], total["conversations"])}
                      for r in sorted(per_lang, key=lambda r: -r["conversations"]) if r["conversations"]],
        "clicks": sum(clicks_by_area.values()),
        "clicks_by_area": [{"area": area, "name": areas.get(area, area), "clicks": count,
                            "contained": contained_by_area.get(area, 0)}
                           for area, count in sorted(clicks_by_area.items(), key=lambda item: -item[1])],
        "unresolved_by_reason": {r["reason"]: r["count"] for r in unresolved_by_reason},
    }


def rate(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


def satisfaction(engine: sa.engine.Engine, period: Period) -> Dict[str, Any]:
    """Ratings (1-5) and comments per area and kommune in the period."""
    first, last = _moments(period)
    where = [ratings.c.at >= first, ratings.c.at <= last]
    if period.kommune:
        where.append(ratings.c.kommune == period.kommune)
    areas = names.area_names()
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
        "per_area": [{"area": r.area or "", "name": areas.get(r.area or "", r.area) if r.area else names.NO_AREA,
                      "kommune": r.kommune or "ukendt", "count": r.count, "average": round(float(r.average), 2)}
                     for r in rows],
        "comments": [{"at": as_utc(r.at).isoformat(), "area": r.area, "kommune": r.kommune, "score": r.score,
                      "name": areas.get(r.area, r.area) if r.area else names.NO_AREA,
                      "comment": r.comment} for r in comments],
    }


def _moments(period: Period) -> Tuple[datetime, datetime]:
    """The period's first and last moment (Danish days), in UTC."""
    first = datetime.combine(period.start, datetime.min.time(), DANISH_TIME)
    last = datetime.combine(period.end, datetime.max.time(), DANISH_TIME)
    return first.astimezone(timezone.utc), last.astimezone(timezone.utc)


def percentile(values: List[float], share: float) -> Optional[float]:
    """The nearest-rank percentile (share 0.5: the median; 0.9: nine in ten waited at most this)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _waits(values: List[float]) -> Dict[str, Any]:
    median, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return {"count": len(values), "median_seconds": median, "p90_seconds": p90,
            "median_minutes": round(median / 60, 1) if median is not None else None,
            "p90_minutes": round(p90 / 60, 1) if p90 is not None else None}


def handoffs(engine: sa.engine.Engine, period: Period) -> Dict[str, Any]:
    """The hand-offs asked for in the period: how long citizens waited until
    a member of staff took them (median, 90th percentile; per mode: chat or
    callback) and how they ended (the outcome staff chose when closing).
    One closed without being taken counts as taken when it was closed."""
    first, last = _moments(period)
    where = [escalations.c.created_at >= first, escalations.c.created_at <= last]
    if period.kommune:
        where.append(escalations.c.kommune == period.kommune)
    taken = (sa.select(escalation_events.c.escalation_id, sa.func.min(escalation_events.c.at).label("at"))
             .where(escalation_events.c.kind.in_(("claimed", "assigned", "resolved")))
             .group_by(escalation_events.c.escalation_id).subquery())
    query = (sa.select(escalations.c.mode, escalations.c.status, escalations.c.outcome, escalations.c.created_at,
                       taken.c.at).select_from(escalations.outerjoin(taken, taken.c.escalation_id == escalations.c.id))
             .where(*where))
    waits: Dict[str, List[float]] = {}
    outcomes: Dict[str, int] = {}
    waiting = 0
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    for mode, status, outcome, created_at, taken_at in rows:
        if taken_at is None:
            waiting += 1
        else:
            seconds = max(0.0, (as_utc(taken_at) - as_utc(created_at)).total_seconds())
            waits.setdefault("", []).append(seconds)
            waits.setdefault(mode, []).append(seconds)
        key = (outcome or "") if status == "resolved" else ""
        outcomes[key] = outcomes.get(key, 0) + 1
    return {
        "count": len(rows),
        "waiting": waiting,
        "wait": _waits(waits.get("", [])),
        "wait_by_mode": [{"mode": mode, "name": names.MODES.get(mode, mode), **_waits(waits[mode])}
                         for mode in sorted(m for m in waits if m)],
        "outcomes": [{"outcome": key, "name": names.OUTCOMES.get(key, key), "count": count}
                     for key, count in sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))],
    }


def record_click(engine: sa.engine.Engine, kommune: Optional[str], answer: str, at: datetime) -> None:
    """Counts one opening of a card's self-service link, under the area of the
    answer (solution or topic) shown: no conversation, no person, a count."""
    key = {"day": danish_day(at), "kommune": kommune or "", "area": names.area_of_answer(answer)[:60]}
    where = [clicks.c[name] == value for name, value in key.items()]
    for _ in range(2):  # a row made by another request at the same moment: add to it
        try:
            with engine.begin() as connection:
                if connection.execute(clicks.update().where(*where).values(clicks=clicks.c.clicks + 1)).rowcount:
                    return
                connection.execute(clicks.insert().values(**key, clicks=1))
                return
        except sa.exc.IntegrityError:
            continue


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

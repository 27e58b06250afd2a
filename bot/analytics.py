"""The analysts' figures, derived from the conversation event stream.

`AnalyticsSync` reads new rows of the event broker's `events` table (the same
stream the escalations come from; in production a consumer fills it from
RabbitMQ) and maintains, incrementally and in one transaction per batch:

- `conversation_facts`: one row per conversation (kommune, start, area,
  messages, fallbacks, solution cards, hand-off);
- `daily_rollup`: the conversations' contributions summed per day, kommune,
  area and hand-off reason/area. A changed conversation moves its old
  contribution out and its new one in, so the overview reads a few hundred
  rollup rows, never the events;
- `unresolved`: every citizen message that ended in fallback, out of scope,
  low confidence, a correction by the citizen or a hand-off, with time,
  kommune, predicted intent and confidence, the top-3 ranking and the
  conversation id. The text is redacted (bot.redaction) before it is stored.

Its position is stored with the data in the same transaction, so a restart
continues exactly where it stopped; `rebuild()` recomputes everything from the
stream (reproducible).
"""
from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import sqlalchemy as sa

from bot.redaction import redact

logger = logging.getLogger(__name__)

REASONS = ("fallback", "out_of_scope", "low_confidence", "correction", "handoff")
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
SCHEMA_VERSION = 2  # raise when the derived tables change: they are recomputed

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
positions = sa.Table(
    "analytics_position", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)
def danish_day(moment: datetime) -> str:
    from actions.opening_hours import DANISH_TIME

    return moment.astimezone(DANISH_TIME).date().isoformat()


def service_areas() -> Dict[str, str]:
    """Service intent -> short Danish name (content/areas.yml)."""
    from actions.content import content_dir, read_yaml

    return dict(read_yaml(content_dir() / "areas.yml").get("areas") or {})


def events_table(engine: sa.engine.Engine) -> sa.Table:
    """The event broker's table (Rasa's SQL broker: id, sender_id, data; the
    RabbitMQ consumer, bot.event_consumer, adds a unique digest)."""
    table = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("sender_id", sa.String(255)), sa.Column("data", sa.Text),
                     sa.Column("digest", sa.String(64)))
    table.metadata.create_all(engine)
    return table


@dataclass
class Fact:
    conversation_id: str
    kommune: str
    day: str
    started_at: datetime
    last_at: datetime
    area: str = ""
    user_messages: int = 0
    fallbacks: int = 0
    unresolved: int = 0
    solutions: int = 0
    handoffs: int = 0
    handoff_reason: str = ""
    handoff_area: str = ""
    last_user: Optional[Dict[str, Any]] = None
    last_bot_kind: Optional[str] = None
    paused: bool = False
    stored: bool = field(default=False, compare=False)

    def contribution(self) -> Tuple[Tuple[str, ...], Tuple[int, ...]]:
        key = (self.day, self.kommune, self.area, self.handoff_reason, self.handoff_area)
        contained = int(self.solutions > 0 and self.handoffs == 0)
        return key, (1, contained, int(self.handoffs > 0), self.user_messages, self.fallbacks, self.unresolved)

    def row(self) -> Dict[str, Any]:
        return {"conversation_id": self.conversation_id, "kommune": self.kommune, "day": self.day,
                "started_at": self.started_at, "last_at": self.last_at, "area": self.area,
                "user_messages": self.user_messages, "fallbacks": self.fallbacks,
                "unresolved": self.unresolved, "solutions": self.solutions, "handoffs": self.handoffs,
                "handoff_reason": self.handoff_reason, "handoff_area": self.handoff_area,
                "last_user": json.dumps(self.last_user, ensure_ascii=False) if self.last_user else None,
                "last_bot_kind": self.last_bot_kind, "paused": self.paused}

    @classmethod
    def from_row(cls, row) -> "Fact":
        return cls(conversation_id=row.conversation_id, kommune=row.kommune, day=row.day,
                   started_at=_utc(row.started_at), last_at=_utc(row.last_at), area=row.area,
                   user_messages=row.user_messages, fallbacks=row.fallbacks, unresolved=row.unresolved,
                   solutions=row.solutions, handoffs=row.handoffs, handoff_reason=row.handoff_reason,
                   handoff_area=row.handoff_area,
                   last_user=json.loads(row.last_user) if row.last_user else None,
                   last_bot_kind=row.last_bot_kind, paused=bool(row.paused), stored=True)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def top3(parse_data: Dict[str, Any]) -> List[Dict[str, Any]]:
    ranking = [r for r in (parse_data.get("intent_ranking") or [])
               if isinstance(r, dict) and r.get("name") not in SKIP_INTENTS]
    return [{"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 4)} for r in ranking[:3]]


class _Taken(Exception):
    """Another reader processed this batch."""


class AnalyticsSync:
    """Turns new events into facts, rollups and unresolved messages."""

    def __init__(self, engine: sa.engine.Engine, events_engine: sa.engine.Engine,
                 low_confidence: float = DEFAULT_LOW_CONFIDENCE, name: str = "analytics") -> None:
        self.engine = engine
        self.events_engine = events_engine
        self.low_confidence = low_confidence
        self.name = name
        self._lock = threading.Lock()
        metadata.create_all(engine)
        self.events = events_table(events_engine)
        self.areas = set(service_areas())
        self._check_schema()

    def _check_schema(self) -> None:
        """Tables derived by an older version are recomputed from the stream."""
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(positions.c.position).where(positions.c.name == "schema")).first()
            if row and row[0] == SCHEMA_VERSION:
                return
            if row is not None or connection.execute(sa.select(facts.c.conversation_id).limit(1)).first():
                logger.warning("The analysts' tables are from an older version: recomputing them from the events")
                for table in (rollup, monthly, day_kommune, facts):
                    connection.execute(table.delete())
                connection.execute(unresolved.delete().where(unresolved.c.label.is_(None)))
                connection.execute(positions.delete().where(positions.c.name == self.name))
            connection.execute(positions.delete().where(positions.c.name == "schema"))
            connection.execute(positions.insert().values(name="schema", position=SCHEMA_VERSION))

    # --- position --------------------------------------------------------------
    def position(self) -> int:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(positions.c.position).where(positions.c.name == self.name)).first()
        return int(row[0]) if row else 0

    def pending(self) -> int:
        """How many events are not processed yet."""
        with self.events_engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(self.events)
                                          .where(self.events.c.id > self.position())).scalar() or 0)

    # --- processing ------------------------------------------------------------
    def run_once(self, batch: int = 5000) -> int:
        """Processes up to `batch` new events; returns how many were read."""
        start = self.position()
        query = sa.select(self.events.c.id, self.events.c.sender_id, self.events.c.data).where(self.events.c.id > start).order_by(self.events.c.id).limit(batch)
        with self.events_engine.connect() as connection:
            rows = list(connection.execute(query))
        if not rows:
            return 0
        try:
            with self._lock, self.engine.begin() as connection:
                # claim the batch first: of two readers (threads, or web services
                # sharing the database) exactly one moves the position on
                if not self._advance(connection, start, rows[-1].id):
                    raise _Taken()
                self._apply(connection, rows)
        except (_Taken, sa.exc.IntegrityError):
            return 0  # another reader took this batch; the next call reads on from there
        return len(rows)

    def run(self, progress: Optional[Callable[[int], None]] = None, batch: int = 5000) -> int:
        """Processes everything that is new; `progress(n)` after each batch."""
        total = 0
        while True:
            done = self.run_once(batch)
            if not done:
                return total
            total += done
            if progress:
                progress(done)

    def rebuild(self, progress: Optional[Callable[[int], None]] = None) -> int:
        """Recomputes everything from the event stream; labels are kept
        for messages that are found again."""
        with self.engine.begin() as connection:
            labels = {(r.event_id, r.reason): (r.label, r.labelled_by, r.labelled_at)
                      for r in connection.execute(sa.select(unresolved).where(unresolved.c.label.isnot(None)))}
            for table in (unresolved, rollup, monthly, day_kommune, facts):
                connection.execute(table.delete())
            connection.execute(positions.delete().where(positions.c.name == self.name))
        total = self.run(progress)
        with self.engine.begin() as connection:
            for (event_id, reason), (label, by, at) in labels.items():
                connection.execute(unresolved.update().where(
                    unresolved.c.event_id == event_id, unresolved.c.reason == reason).values(
                    label=label, labelled_by=by, labelled_at=at))
        return total

    def _advance(self, connection, start: int, position: int) -> bool:
        updated = connection.execute(positions.update().where(
            positions.c.name == self.name, positions.c.position == start).values(position=position))
        if updated.rowcount == 1:
            return True
        if start == 0 and not connection.execute(
                sa.select(positions.c.name).where(positions.c.name == self.name)).first():
            connection.execute(positions.insert().values(name=self.name, position=position))
            return True
        return False

    def _apply(self, connection, rows) -> None:
        parsed: List[Tuple[int, str, Dict[str, Any]]] = []
        for row in rows:
            data = row.data or ""
            # most events (slots, actions, listen) don't matter here: skip them unparsed
            if not any(marker in data for marker in EVENT_MARKERS):
                continue
            try:
                event = json.loads(data)
            except ValueError:
                logger.warning("event %s is not JSON; skipped", row.id)
                continue
            if isinstance(event, dict) and event.get("event") in ("user", "bot", "pause", "resume"):
                parsed.append((row.id, row.sender_id, event))
        if not parsed:
            return
        senders = sorted({sender for _, sender, _ in parsed})
        loaded: Dict[str, Fact] = {}
        for chunk in range(0, len(senders), 500):
            query = sa.select(facts).where(facts.c.conversation_id.in_(senders[chunk:chunk + 500]))
            loaded.update({r.conversation_id: Fact.from_row(r) for r in connection.execute(query)})
        before = {sender: fact.contribution() for sender, fact in loaded.items()}
        new_unresolved: List[Dict[str, Any]] = []
        for event_id, sender, event in parsed:
            at = datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc)
            fact = loaded.get(sender)
            if fact is None:
                fact = loaded[sender] = Fact(sender, "", danish_day(at), at, at)
            fact.last_at = max(fact.last_at, at)
            if event["event"] in ("pause", "resume"):
                fact.paused = event["event"] == "pause"
            elif event["event"] == "user":
                self._user(fact, event_id, event, at, new_unresolved)
            else:
                self._bot(fact, event_id, event, at, new_unresolved)
        # the conversations' rows
        for sender, fact in loaded.items():
            if fact.stored:
                connection.execute(facts.update().where(facts.c.conversation_id == sender).values(**fact.row()))
            else:
                connection.execute(facts.insert().values(**fact.row()))
        # the rollup: old contributions out, new ones in
        deltas: Dict[Tuple[str, ...], List[int]] = {}
        for sender, fact in loaded.items():
            key, values = fact.contribution()
            if sender in before:
                old_key, old_values = before[sender]
                if old_key == key and old_values == values:
                    continue
                row = deltas.setdefault(old_key, [0] * len(ROLLUP_VALUES))
                for i, v in enumerate(old_values):
                    row[i] -= v
            row = deltas.setdefault(key, [0] * len(ROLLUP_VALUES))
            for i, v in enumerate(values):
                row[i] += v
        for table, project in ROLLUPS:
            projected: Dict[Tuple[str, ...], List[int]] = {}
            for key, values in deltas.items():
                row = projected.setdefault(project(key), [0] * len(ROLLUP_VALUES))
                for i, v in enumerate(values):
                    row[i] += v
            names = [c.name for c in table.primary_key.columns]
            for key, values in projected.items():
                if not any(values):
                    continue
                where = [table.c[name] == value for name, value in zip(names, key)]
                updated = connection.execute(table.update().where(*where).values(
                    **{name: table.c[name] + value for name, value in zip(ROLLUP_VALUES, values)}))
                if updated.rowcount == 0:
                    connection.execute(table.insert().values(**dict(zip(names, key)),
                                                             **dict(zip(ROLLUP_VALUES, values))))
        if new_unresolved:
            existing = {(r.event_id, r.reason) for r in connection.execute(
                sa.select(unresolved.c.event_id, unresolved.c.reason).where(
                    unresolved.c.event_id.in_({u["event_id"] for u in new_unresolved})))}
            rows_to_add = [u for u in new_unresolved if (u["event_id"], u["reason"]) not in existing]
            if rows_to_add:
                connection.execute(unresolved.insert(), rows_to_add)

    def _user(self, fact: Fact, event_id: int, event: Dict[str, Any], at: datetime,
              out: List[Dict[str, Any]]) -> None:
        metadata = event.get("metadata") or {}
        kommune = metadata.get("kommune") if isinstance(metadata, dict) else None
        if isinstance(kommune, str) and kommune and not fact.kommune:
            fact.kommune = kommune[:64]
        text = str(event.get("text") or "")
        if fact.paused:  # written to a member of staff: not the bot's to understand
            return
        if text.startswith("/"):  # a button: the citizen chose, nothing to understand
            intent = text[1:].split("{", 1)[0]
            if intent in self.areas:
                fact.area = intent
            fact.last_user = None
            return
        fact.user_messages += 1
        parse_data = event.get("parse_data") or {}
        intent_data = parse_data.get("intent") or {}
        name = intent_data.get("name")
        confidence = float(intent_data.get("confidence") or 0)
        ranking = top3(parse_data)
        predicted = ranking[0] if ranking else {"name": name, "confidence": confidence}
        record = {"event_id": event_id, "text": redact(text)[:2000], "at": at.timestamp(),
                  "intent": predicted.get("name"), "confidence": predicted.get("confidence"),
                  "ranking": ranking}
        # a correction points at the message the bot misunderstood
        correction = (name == "deny" and fact.last_bot_kind == "solution") or bool(CORRECTION_CUE.search(text))
        if correction and fact.last_user:
            self._record(fact, fact.last_user, "correction", None, out)
        if name == "nlu_fallback":
            fact.fallbacks += 1
            self._record(fact, record, "fallback", None, out)
        elif name == "out_of_scope":
            self._record(fact, record, "out_of_scope", None, out)
        elif confidence < self.low_confidence:
            self._record(fact, record, "low_confidence", None, out)
        if name in self.areas and confidence >= self.low_confidence:
            fact.area = name
        fact.last_user = record

    def _bot(self, fact: Fact, event_id: int, event: Dict[str, Any], at: datetime,
             out: List[Dict[str, Any]]) -> None:
        custom = (event.get("data") or {}).get("custom")
        if not isinstance(custom, dict):
            if event.get("text") and not (event.get("metadata") or {}).get("staff"):
                fact.last_bot_kind = "text" if fact.last_bot_kind != "solution" else fact.last_bot_kind
            return
        kind = custom.get("type")
        if kind == "solution":
            fact.solutions += 1
            fact.last_bot_kind = "solution"
        elif kind == "handoff":
            fact.handoffs += 1
            if not fact.handoff_reason:
                fact.handoff_reason = str(custom.get("reason") or "requested_by_citizen")[:40]
                area = custom.get("area")
                fact.handoff_area = str(area)[:40] if area else (fact.area or "")
            if fact.last_user:
                self._record(fact, fact.last_user, "handoff", str(custom.get("reason") or "")[:60], out)
            fact.last_bot_kind = "handoff"
        elif kind:
            fact.last_bot_kind = str(kind)[:20]

    def _record(self, fact: Fact, message: Dict[str, Any], reason: str, detail: Optional[str],
                out: List[Dict[str, Any]]) -> None:
        recorded = message.setdefault("recorded", [])  # kept with the conversation's last message
        if reason in recorded:
            return
        recorded.append(reason)
        at = datetime.fromtimestamp(message["at"], timezone.utc)
        fact.unresolved += 1
        out.append({"event_id": message["event_id"], "conversation_id": fact.conversation_id, "at": at,
                    "day": danish_day(at), "kommune": fact.kommune, "text": message["text"],
                    "intent": message.get("intent"), "confidence": message.get("confidence"),
                    "ranking": json.dumps(message.get("ranking") or [], ensure_ascii=False),
                    "reason": reason, "detail": detail})


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
    first_month = period.start if period.start.day == 1 else (period.start.replace(day=28) + timedelta(days=4)).replace(day=1)
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
    from bot.ratings import ratings
    from actions.opening_hours import DANISH_TIME

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
        "comments": [{"at": _utc(r.at).isoformat(), "area": r.area, "kommune": r.kommune, "score": r.score,
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
        return [Message(r.id, r.conversation_id, _utc(r.at), r.kommune, r.text, r.intent, r.confidence,
                        json.loads(r.ranking or "[]"), r.reason, r.detail, r.label)
                for r in connection.execute(query)]


def label(engine: sa.engine.Engine, ids: Iterable[int], intent: str, who: str) -> int:
    """Labels messages with an intent (or `noise`); returns how many."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    with engine.begin() as connection:
        result = connection.execute(unresolved.update().where(unresolved.c.id.in_(ids)).values(
            label=intent, labelled_by=who, labelled_at=datetime.now(timezone.utc)))
    return result.rowcount


def unlabel(engine: sa.engine.Engine, ids: Iterable[int]) -> int:
    with engine.begin() as connection:
        result = connection.execute(unresolved.update().where(unresolved.c.id.in_(list(ids))).values(
            label=None, labelled_by=None, labelled_at=None))
    return result.rowcount

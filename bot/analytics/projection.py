"""The analysts' projection: the conversations' event stream -> facts,
rollups and unresolved messages (bot.analytics.store)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import sqlalchemy as sa

from borgerguide import contract
from borgerguide.clock import as_utc, danish_day
from borgerguide.kommuner import DEFAULT_ID, resolve_kommune
from borgerguide.redaction import redact
from borgerguide.topics import TOPIC_ENTITY, TOPIC_INTENT
from bot.analytics.store import (
    CORRECTION_CUE, DEFAULT_LOW_CONFIDENCE, EVENT_MARKERS, ROLLUP_VALUES, ROLLUPS, SKIP_INTENTS, day_kommune,
    SCHEMA_VERSION, facts, metadata as analytics_metadata, monthly, rollup, schema, service_areas, unresolved,
)
from bot.projections import Projection

logger = logging.getLogger(__name__)



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
                   started_at=as_utc(row.started_at), last_at=as_utc(row.last_at), area=row.area,
                   user_messages=row.user_messages, fallbacks=row.fallbacks, unresolved=row.unresolved,
                   solutions=row.solutions, handoffs=row.handoffs, handoff_reason=row.handoff_reason,
                   handoff_area=row.handoff_area,
                   last_user=json.loads(row.last_user) if row.last_user else None,
                   last_bot_kind=row.last_bot_kind, paused=bool(row.paused), stored=True)


def top3(parse_data: Dict[str, Any]) -> List[Dict[str, Any]]:
    ranking = [r for r in (parse_data.get("intent_ranking") or [])
               if isinstance(r, dict) and r.get("name") not in SKIP_INTENTS]
    return [{"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 4)} for r in ranking[:3]]



class AnalyticsProjection(Projection):
    """Turns new events into facts, rollups and unresolved messages."""

    name = "analytics"

    def __init__(self, engine: sa.engine.Engine, events_engine: sa.engine.Engine,
                 low_confidence: float = DEFAULT_LOW_CONFIDENCE) -> None:
        analytics_metadata.create_all(engine)
        super().__init__(engine, events_engine)
        self.low_confidence = low_confidence
        self.areas = set(service_areas())
        self._check_schema()

    def _check_schema(self) -> None:
        """Tables derived by an older version are recomputed from the stream."""
        with self.engine.begin() as connection:
            version = connection.execute(sa.select(schema.c.version)).scalar()
            if version == SCHEMA_VERSION:
                return
            if version is not None or connection.execute(sa.select(facts.c.conversation_id).limit(1)).first():
                logger.warning("The analysts' tables are from an older version: recomputing them from the events")
                for table in (rollup, monthly, day_kommune, facts):
                    connection.execute(table.delete())
                connection.execute(unresolved.delete().where(unresolved.c.label.is_(None)))
                self.cursor.reset(connection)
            connection.execute(schema.delete())
            connection.execute(schema.insert().values(version=SCHEMA_VERSION))

    def rebuild(self, progress: Optional[Callable[[int], None]] = None) -> int:
        """Recomputes everything from the event stream; labels are kept
        for messages that are found again."""
        with self.engine.begin() as connection:
            labels = {(r.event_id, r.reason): (r.label, r.labelled_by, r.labelled_at)
                      for r in connection.execute(sa.select(unresolved).where(unresolved.c.label.isnot(None)))}
            for table in (unresolved, rollup, monthly, day_kommune, facts):
                connection.execute(table.delete())
            self.cursor.reset(connection)
        total = self.run(progress)
        with self.engine.begin() as connection:
            for (event_id, reason), (label, by, at) in labels.items():
                connection.execute(unresolved.update().where(
                    unresolved.c.event_id == event_id, unresolved.c.reason == reason).values(
                    label=label, labelled_by=by, labelled_at=at))
        return total

    def apply(self, connection: Any, rows: List[Any]) -> int:
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
            return len(rows)
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
                fact = loaded[sender] = Fact(sender, DEFAULT_ID, danish_day(at), at, at)
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
            for group, sums in deltas.items():
                row = projected.setdefault(project(group), [0] * len(ROLLUP_VALUES))
                for i, v in enumerate(sums):
                    row[i] += v
            names = [c.name for c in table.primary_key.columns]
            for group, sums in projected.items():
                if not any(sums):
                    continue
                where = [table.c[name] == value for name, value in zip(names, group, strict=True)]
                updated = connection.execute(table.update().where(*where).values(
                    **{name: table.c[name] + value for name, value in zip(ROLLUP_VALUES, sums, strict=True)}))
                if updated.rowcount == 0:
                    connection.execute(table.insert().values(**dict(zip(names, group, strict=True)),
                                                             **dict(zip(ROLLUP_VALUES, sums, strict=True))))
        if new_unresolved:
            existing = {(r.event_id, r.reason) for r in connection.execute(
                sa.select(unresolved.c.event_id, unresolved.c.reason).where(
                    unresolved.c.event_id.in_({u["event_id"] for u in new_unresolved})))}
            rows_to_add = [u for u in new_unresolved if (u["event_id"], u["reason"]) not in existing]
            if rows_to_add:
                connection.execute(unresolved.insert(), rows_to_add)
        return len(rows)

    def _user(self, fact: Fact, event_id: int, event: Dict[str, Any], at: datetime,
              out: List[Dict[str, Any]]) -> None:
        metadata = event.get("metadata") or {}
        named = metadata.get("kommune") if isinstance(metadata, dict) else None
        if named is not None and fact.kommune == DEFAULT_ID:
            fact.kommune = resolve_kommune(named)  # as the dialogue and the escalations record it
        text = str(event.get("text") or "")
        if fact.paused:  # written to a member of staff: not the bot's to understand
            return
        if text.startswith("/"):  # a button: the citizen chose, nothing to understand
            intent, _, entities = text[1:].partition("{")
            if intent == TOPIC_INTENT:  # /topic{"topic": "affald"}
                try:
                    intent = str(json.loads("{" + entities).get(TOPIC_ENTITY) or intent)
                except (ValueError, AttributeError):
                    pass
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
        correction = (name == "deny" and fact.last_bot_kind == contract.SOLUTION) or bool(CORRECTION_CUE.search(text))
        if correction and fact.last_user:
            self._record(fact, fact.last_user, "correction", None, out)
        if name == "nlu_fallback":
            fact.fallbacks += 1
            self._record(fact, record, contract.FALLBACK, None, out)
        elif name == "out_of_scope":
            self._record(fact, record, "out_of_scope", None, out)
        elif confidence < self.low_confidence:
            self._record(fact, record, "low_confidence", None, out)
        if name == TOPIC_INTENT:  # a topic: its id is the area (the entity says which)
            name = next((str(e.get("value")) for e in parse_data.get("entities") or []
                         if e.get("entity") == TOPIC_ENTITY), name)
        if name in self.areas and confidence >= self.low_confidence:
            fact.area = name
        fact.last_user = record

    def _bot(self, fact: Fact, event_id: int, event: Dict[str, Any], at: datetime,
             out: List[Dict[str, Any]]) -> None:
        custom = contract.event_payload(event)
        if custom is None:
            if event.get("text") and not (event.get("metadata") or {}).get("staff"):
                fact.last_bot_kind = "text" if fact.last_bot_kind != contract.SOLUTION else fact.last_bot_kind
            return
        kind = custom.get("type")
        if kind == contract.SOLUTION:
            fact.solutions += 1
            fact.last_bot_kind = contract.SOLUTION
        elif kind == contract.HANDOFF:
            fact.handoffs += 1
            if not fact.handoff_reason:
                fact.handoff_reason = str(custom.get("reason") or contract.REQUESTED_BY_CITIZEN)[:40]
                area = custom.get("area")
                fact.handoff_area = str(area)[:40] if area else (fact.area or "")
            if fact.last_user:
                self._record(fact, fact.last_user, contract.HANDOFF, str(custom.get("reason") or "")[:60], out)
            fact.last_bot_kind = contract.HANDOFF
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

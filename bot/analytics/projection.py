"""The analysts' projection: the conversations' event stream -> facts,
rollups and unresolved messages (bot.analytics.store).

When is a citizen's message unresolved? When the bot gave no next step for
it: not by the NLU's confidence, but by what the bot's answer to it (the
events of that turn, until the citizen's next message) says:

- `fallback` (Ikke forstået): the answer carries the channel's `fallback`
  payload (actions: `not_understood`, the open question not understood) or
  Rasa's own core fallback ran (`action_default_fallback`). The menu, the
  Borgerservice line, a person and the nearest matters offered with it are
  the safety net every message not understood gets, not a step for this one.
- `out_of_scope` (Uden for det, botten kan hjælpe med): the answer is the
  response `utter_out_of_scope` ("Det kan jeg desværre ikke hjælpe med").
- `no_answer` (Intet svar): the turn ended (`action_listen`, or the citizen
  wrote again) with no message from the bot, or with the `fault` payload (an
  error on our side).
- `correction` (Borgeren rettede botten): the citizen's next message said the
  answer was wrong ("nej det var ikke det", or `deny` right after a card).

Everything else had a next step: a card, an answer, a referral, a question
back ("Mener du ...?", "Hvad drejer det sig om?"), a greeting, the hand-off a
citizen asked for, the acute help. So "hej", "jeg skal flytte til Odense" and
"jeg vil tale med en medarbejder" are not unresolved, however sure the NLU
was. Button presses (the citizen chose) and messages written to staff while
the bot is paused are never unresolved.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import sqlalchemy as sa

from borgerguide import contract
from borgerguide.clock import DANISH_TIME, as_utc, as_utc_or_none, danish_day
from borgerguide.kommuner import DEFAULT_ID, resolve_kommune
from borgerguide.languages import LANGUAGE_ENTITY, conversation_language, default_language, known_language
from borgerguide.redaction import redact
from borgerguide.topics import TOPIC_ENTITY, TOPIC_INTENT
from bot.analytics.store import (
    CORE_FALLBACK, CORRECTION, CORRECTION_CUE, DEFAULT_LOW_CONFIDENCE, DERIVED, EVENT_MARKERS, HOUR_VALUES,
    NO_ANSWER, NOT_UNDERSTOOD, OUT_OF_SCOPE, ROLLUP_VALUES, ROLLUPS, SCHEMA_VERSION, SKIP_INTENTS, TURN_ACTIONS,
    facts, hourly, metadata as analytics_metadata, schema, service_areas, unresolved,
)
from bot.projections import Projection

logger = logging.getLogger(__name__)

OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"
Key = Tuple[Any, ...]
Contribution = Dict[Key, Tuple[int, ...]]


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
    handoff_at: Optional[datetime] = None
    lang: str = ""
    last_user: Optional[Dict[str, Any]] = None
    last_bot_kind: Optional[str] = None
    paused: bool = False
    stored: bool = field(default=False, compare=False)

    def contribution(self, default_lang: str) -> Contribution:
        """What the conversation adds to the rollups (key -> ROLLUP_VALUES)."""
        key = (self.day, self.kommune, self.area, self.handoff_reason, self.handoff_area, self.lang or default_lang)
        contained = int(self.solutions > 0 and self.handoffs == 0)
        return {key: (1, contained, int(self.handoffs > 0), self.user_messages, self.fallbacks, self.unresolved)}

    def hours(self) -> Contribution:
        """What it adds to the hourly rollup: its start, and its hand-off (HOUR_VALUES)."""
        out: Dict[Key, List[int]] = {}
        started = self.started_at.astimezone(DANISH_TIME)
        out.setdefault((self.day, self.kommune, started.hour), [0, 0])[0] += 1
        if self.handoff_at is not None:
            asked = self.handoff_at.astimezone(DANISH_TIME)
            out.setdefault((danish_day(self.handoff_at), self.kommune, asked.hour), [0, 0])[1] += 1
        return {key: tuple(values) for key, values in out.items()}

    def row(self) -> Dict[str, Any]:
        return {"conversation_id": self.conversation_id, "kommune": self.kommune, "day": self.day,
                "started_at": self.started_at, "last_at": self.last_at, "area": self.area,
                "user_messages": self.user_messages, "fallbacks": self.fallbacks,
                "unresolved": self.unresolved, "solutions": self.solutions, "handoffs": self.handoffs,
                "handoff_reason": self.handoff_reason, "handoff_area": self.handoff_area,
                "handoff_at": self.handoff_at, "lang": self.lang,
                "last_user": json.dumps(self.last_user, ensure_ascii=False) if self.last_user else None,
                "last_bot_kind": self.last_bot_kind, "paused": self.paused}

    @classmethod
    def from_row(cls, row) -> "Fact":
        return cls(conversation_id=row.conversation_id, kommune=row.kommune, day=row.day,
                   started_at=as_utc(row.started_at), last_at=as_utc(row.last_at), area=row.area,
                   user_messages=row.user_messages, fallbacks=row.fallbacks, unresolved=row.unresolved,
                   solutions=row.solutions, handoffs=row.handoffs, handoff_reason=row.handoff_reason,
                   handoff_area=row.handoff_area, handoff_at=as_utc_or_none(row.handoff_at), lang=row.lang,
                   last_user=json.loads(row.last_user) if row.last_user else None,
                   last_bot_kind=row.last_bot_kind, paused=bool(row.paused), stored=True)


def top3(parse_data: Dict[str, Any]) -> List[Dict[str, Any]]:
    ranking = [r for r in (parse_data.get("intent_ranking") or [])
               if isinstance(r, dict) and r.get("name") not in SKIP_INTENTS]
    return [{"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 4)} for r in ranking[:3]]


def add(deltas: Dict[Key, List[int]], contribution: Contribution, sign: int, width: int) -> None:
    for key, values in contribution.items():
        row = deltas.setdefault(key, [0] * width)
        for i, value in enumerate(values):
            row[i] += sign * value


def write_sums(connection: Any, table: sa.Table, names: Tuple[str, ...], deltas: Dict[Key, List[int]]) -> None:
    """Adds the sums to the table's rows (keyed by its primary key), creating the missing ones."""
    keys = [c.name for c in table.primary_key.columns]
    for group, sums in deltas.items():
        if not any(sums):
            continue
        where = [table.c[name] == value for name, value in zip(keys, group, strict=True)]
        updated = connection.execute(table.update().where(*where).values(
            **{name: table.c[name] + value for name, value in zip(names, sums, strict=True)}))
        if updated.rowcount == 0:
            connection.execute(table.insert().values(**dict(zip(keys, group, strict=True)),
                                                     **dict(zip(names, sums, strict=True))))


class AnalyticsProjection(Projection):
    """Turns new events into facts, rollups and unresolved messages."""

    name = "analytics"

    def __init__(self, engine: sa.engine.Engine, events_engine: sa.engine.Engine,
                 low_confidence: float = DEFAULT_LOW_CONFIDENCE) -> None:
        analytics_metadata.create_all(engine)
        super().__init__(engine, events_engine)
        self.low_confidence = low_confidence  # below it a message does not set the conversation's area
        self.areas = set(service_areas())
        self.default_lang = default_language()
        self._check_schema()

    def _check_schema(self) -> None:
        """Tables derived by an older version are made anew and recomputed from the stream."""
        with self.engine.begin() as connection:
            version = connection.execute(sa.select(schema.c.version)).scalar()
            if version == SCHEMA_VERSION:
                return
            if version is not None or connection.execute(sa.select(facts.c.conversation_id).limit(1)).first():
                logger.warning("The analysts' tables are from an older version: recomputing them from the events")
                for table in DERIVED:
                    table.drop(connection, checkfirst=True)
                analytics_metadata.create_all(connection, tables=list(DERIVED))
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
            for table in (unresolved, *DERIVED):
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
            if not isinstance(event, dict):
                continue
            kind = event.get("event")
            if kind in ("user", "bot", "pause", "resume") or (kind == "action" and event.get("name") in TURN_ACTIONS):
                parsed.append((row.id, row.sender_id, event))
        if not parsed:
            return len(rows)
        senders = sorted({sender for _, sender, _ in parsed})
        loaded: Dict[str, Fact] = {}
        for chunk in range(0, len(senders), 500):
            query = sa.select(facts).where(facts.c.conversation_id.in_(senders[chunk:chunk + 500]))
            loaded.update({r.conversation_id: Fact.from_row(r) for r in connection.execute(query)})
        before = {sender: (fact.contribution(self.default_lang), fact.hours()) for sender, fact in loaded.items()}
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
            elif event["event"] == "bot":
                self._bot(fact, event, at, new_unresolved)
            elif event.get("name") == CORE_FALLBACK:  # Rasa's own fallback: it answered nothing
                self._unanswered(fact, NOT_UNDERSTOOD, new_unresolved)
            else:  # the turn is over
                self._unanswered(fact, NO_ANSWER, new_unresolved)
        # the conversations' rows
        for sender, fact in loaded.items():
            if fact.stored:
                connection.execute(facts.update().where(facts.c.conversation_id == sender).values(**fact.row()))
            else:
                connection.execute(facts.insert().values(**fact.row()))
        # the rollups: old contributions out, new ones in
        deltas: Dict[Key, List[int]] = {}
        hour_deltas: Dict[Key, List[int]] = {}
        for sender, fact in loaded.items():
            now = (fact.contribution(self.default_lang), fact.hours())
            if before.get(sender) == now:
                continue
            if sender in before:
                add(deltas, before[sender][0], -1, len(ROLLUP_VALUES))
                add(hour_deltas, before[sender][1], -1, len(HOUR_VALUES))
            add(deltas, now[0], 1, len(ROLLUP_VALUES))
            add(hour_deltas, now[1], 1, len(HOUR_VALUES))
        for table, project in ROLLUPS:
            projected: Dict[Key, List[int]] = {}
            for group, sums in deltas.items():
                add(projected, {project(group): tuple(sums)}, 1, len(ROLLUP_VALUES))
            write_sums(connection, table, ROLLUP_VALUES, projected)
        write_sums(connection, hourly, HOUR_VALUES, hour_deltas)
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
        self._unanswered(fact, NO_ANSWER, out)  # the previous message's turn ended without a word from the bot
        metadata = event.get("metadata") or {}
        if not isinstance(metadata, dict):
            metadata = {}
        named = metadata.get("kommune")
        if named is not None and fact.kommune == DEFAULT_ID:
            fact.kommune = resolve_kommune(named)  # as the dialogue and the escalations record it
        text = str(event.get("text") or "")
        if fact.paused:  # written to a member of staff: not the bot's to understand
            fact.last_user = None
            return
        if text.startswith("/"):  # a button: the citizen chose, nothing to understand
            intent, _, chosen = text[1:].partition("{")
            if intent == TOPIC_INTENT:  # /topic{"topic": "affald"}
                try:
                    intent = str(json.loads("{" + chosen).get(TOPIC_ENTITY) or intent)
                except (ValueError, AttributeError):
                    pass
            if intent in self.areas:
                fact.area = intent
            fact.last_user = None
            return
        fact.user_messages += 1
        parse_data = event.get("parse_data") or {}
        entities = [e for e in parse_data.get("entities") or [] if isinstance(e, dict)]
        self._language(fact, metadata, entities)
        intent_data = parse_data.get("intent") or {}
        name = intent_data.get("name")
        confidence = float(intent_data.get("confidence") or 0)
        ranking = top3(parse_data)
        predicted = ranking[0] if ranking else {"name": name, "confidence": confidence}
        record = {"event_id": event_id, "text": redact(text)[:2000], "at": at.timestamp(),
                  "intent": predicted.get("name"), "confidence": predicted.get("confidence"),
                  "ranking": ranking, "answered": False}
        # a correction points at the message the bot misunderstood
        correction = (name == "deny" and fact.last_bot_kind == contract.SOLUTION) or bool(CORRECTION_CUE.search(text))
        if correction and fact.last_user:
            self._record(fact, fact.last_user, CORRECTION, None, out)
        if name == TOPIC_INTENT:  # a topic: its id is the area (the entity says which)
            name = next((str(e.get("value")) for e in entities if e.get("entity") == TOPIC_ENTITY), name)
        if name in self.areas and confidence >= self.low_confidence:
            fact.area = name
        fact.last_user = record

    def _language(self, fact: Fact, metadata: Dict[str, Any], entities: List[Dict[str, Any]]) -> None:
        """The conversation's language: the citizen's choice in the widget or
        what a message surely said; a first message's guess until then."""
        said = [str(e["value"]) for e in entities
                if e.get("entity") == LANGUAGE_ENTITY and known_language(e.get("value"))]
        sure = known_language(metadata.get("lang")) or (said[0] if said else None)
        if sure:
            fact.lang = sure
        elif not fact.lang:
            fact.lang = conversation_language(None, entities)

    def _bot(self, fact: Fact, event: Dict[str, Any], at: datetime, out: List[Dict[str, Any]]) -> None:
        metadata = event.get("metadata") or {}
        if isinstance(metadata, dict) and metadata.get("staff"):
            return  # a member of staff wrote it
        if fact.last_user:
            fact.last_user["answered"] = True
        if isinstance(metadata, dict) and metadata.get("utter_action") == OUT_OF_SCOPE_RESPONSE and fact.last_user:
            self._record(fact, fact.last_user, OUT_OF_SCOPE, None, out)
        custom = contract.event_payload(event)
        if custom is None:
            if event.get("text"):
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
                fact.handoff_at = at
            fact.last_bot_kind = contract.HANDOFF
        elif kind:
            fact.last_bot_kind = str(kind)[:20]
        if kind == contract.FALLBACK and fact.last_user:
            self._record(fact, fact.last_user, NOT_UNDERSTOOD, None, out)
        elif kind == contract.FAULT and fact.last_user:
            self._record(fact, fact.last_user, NO_ANSWER, None, out)

    def _unanswered(self, fact: Fact, reason: str, out: List[Dict[str, Any]]) -> None:
        """The citizen's last message got no word from the bot."""
        if fact.last_user and not fact.last_user.get("answered"):
            self._record(fact, fact.last_user, reason, None, out)
            fact.last_user["answered"] = True

    def _record(self, fact: Fact, message: Dict[str, Any], reason: str, detail: Optional[str],
                out: List[Dict[str, Any]]) -> None:
        recorded = message.setdefault("recorded", [])  # kept with the conversation's last message
        if reason in recorded:
            return
        recorded.append(reason)
        at = datetime.fromtimestamp(message["at"], timezone.utc)
        if reason == NOT_UNDERSTOOD:
            fact.fallbacks += 1
        fact.unresolved += 1
        out.append({"event_id": message["event_id"], "conversation_id": fact.conversation_id, "at": at,
                    "day": danish_day(at), "kommune": fact.kommune, "text": message["text"],
                    "intent": message.get("intent"), "confidence": message.get("confidence"),
                    "ranking": json.dumps(message.get("ranking") or [], ensure_ascii=False),
                    "reason": reason, "detail": detail})

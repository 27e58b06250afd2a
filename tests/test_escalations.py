"""The escalation store and its derivation from the event stream."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from bot.projections import EscalationProjection
from bot.stores.escalations import Conflict, EscalationStore, NotFound
from bot.transcript import transcript


@pytest.fixture
def store(tmp_path):
    return EscalationStore(sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}", future=True))


@pytest.fixture
def events_engine(tmp_path):
    return sa.create_engine(f"sqlite:///{tmp_path / 'events.db'}", future=True)


def add_event(engine, sender, event):
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO events (sender_id, data) VALUES (:s, :d)"),
                           {"s": sender, "d": json.dumps(event)})


def handoff_event(escalation_id, timestamp=1_700_000_000.0, **extra):
    return {"event": "bot", "timestamp": timestamp, "text": None,
            "data": {"custom": {"type": "handoff", "escalation_id": escalation_id, "reason": "requested_by_citizen",
                                "area": "mitid", "mode": "live", "queue": "borgerservice", "kommune": "aarhus",
                                **extra}}}


def test_sync_derives_escalations_once_and_survives_a_restart(store, events_engine):
    sync = EscalationProjection(store, events_engine)
    add_event(events_engine, "c1", {"event": "user", "timestamp": 1.0, "text": "hej"})
    add_event(events_engine, "c1", handoff_event("esc_A"))
    assert sync.run_once() == 1
    assert sync.run_once() == 0
    add_event(events_engine, "c2", handoff_event("esc_B", 1_700_000_100.0))
    add_event(events_engine, "c2", handoff_event("esc_B", 1_700_000_100.0))  # the same event twice
    restarted = EscalationProjection(store, events_engine)
    assert restarted.run_once() == 1
    assert [e.id for e in store.list()] == ["esc_B", "esc_A"]
    assert store.get("esc_A").conversation_id == "c1"
    assert store.get("esc_A").kommune == "aarhus"


def test_bad_events_are_skipped(store, events_engine):
    sync = EscalationProjection(store, events_engine)
    with events_engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO events (sender_id, data) VALUES ('c', 'not json')"))
    add_event(events_engine, "c", handoff_event("no-prefix"))
    assert sync.run_once() == 0
    assert sync.position() == 2


def test_claim_reply_forward_resolve(store):
    at = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    store.create_from_handoff("c1", handoff_event("esc_A")["data"]["custom"], at)
    store.create_from_handoff("c2", handoff_event("esc_B")["data"]["custom"], at.replace(minute=5))
    assert store.queue_position(store.get("esc_B")) == 2
    with pytest.raises(Conflict):
        store.record_reply("esc_A", "anna", "hej")
    store.claim("esc_A", "anna")
    with pytest.raises(Conflict):
        store.claim("esc_A", "bo")
    with pytest.raises(Conflict):
        store.record_reply("esc_A", "bo", "hej")
    store.record_reply("esc_A", "anna", "hej")
    assert store.queue_position(store.get("esc_B")) == 1
    forwarded = store.forward("esc_A", "anna", "pladsanvisning")
    assert (forwarded.status, forwarded.queue, forwarded.claimed_by) == ("open", "pladsanvisning", None)
    with pytest.raises(ValueError):
        store.resolve("esc_A", "anna", "maybe")
    assert store.resolve("esc_A", "anna", "solved").status == "resolved"
    with pytest.raises(Conflict):
        store.resolve("esc_A", "anna", "solved")
    with pytest.raises(NotFound):
        store.claim("esc_nope", "anna")
    assert [h["kind"] for h in store.history("esc_A")] == ["created", "claimed", "reply", "forwarded", "resolved"]


def test_transcript_is_redacted_and_names_staff():
    tracker = {"events": [
        {"event": "user", "text": "mit cpr er 010203-1234", "timestamp": 1},
        {"event": "bot", "text": "Jeg giver samtalen videre. Ring 89 40 22 22", "timestamp": 2},
        {"event": "bot", "text": "Hej, det er Anna", "metadata": {"staff": "anna"}, "timestamp": 3},
        {"event": "bot", "data": {"custom": {"type": "solution", "title": "Pas"}}, "timestamp": 4},
        {"event": "action", "name": "action_listen"},
    ]}
    assert transcript(tracker) == [
        {"who": "borger", "text": "mit cpr er [CPR]", "at": 1},
        {"who": "bot", "text": "Jeg giver samtalen videre. Ring 89 40 22 22", "at": 2},  # the bot's own text
        {"who": "medarbejder (anna)", "text": "Hej, det er [NAVN]", "at": 3},  # staff may name the citizen
        {"who": "bot", "text": "[solution: Pas]", "at": 4},
    ]

"""The escalation store and its derivation from the event stream."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from bot.projections import EscalationProjection
from bot.stores.escalations import Conflict, EscalationStore, NotFound
from bot.transcript import citizen_messages, question, transcript


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
    closed = store.resolve("esc_A", "bo", "solved")  # open again after the forward: closing it takes it first
    assert (closed.status, closed.claimed_by) == ("resolved", "bo")
    with pytest.raises(Conflict):
        store.resolve("esc_A", "anna", "solved")
    with pytest.raises(NotFound):
        store.claim("esc_nope", "anna")
    assert [h["kind"] for h in store.history("esc_A")] == ["created", "claimed", "reply", "forwarded", "claimed",
                                                          "resolved"]
    assert store.staff_replied("esc_A") and not store.staff_replied("esc_B")


def test_assign_note_and_question(store):
    at = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
    store.create_from_handoff("c1", handoff_event("esc_A")["data"]["custom"], at)
    store.create_from_handoff("c2", handoff_event("esc_B")["data"]["custom"], at.replace(minute=5))
    assert [e.id for e in store.list(status="open", oldest_first=True)] == ["esc_A", "esc_B"], "longest waiting first"
    given = store.assign("esc_A", "anna", "bo")
    assert (given.status, given.claimed_by) == ("claimed", "bo")
    assert [e.id for e in store.list(claimed_by="bo")] == ["esc_A"]
    store.add_note("esc_A", "anna", "Ringer igen kl. 14")
    with pytest.raises(ValueError):
        store.add_note("esc_A", "anna", "   ")
    assert store.history("esc_A")[-1] == {"kind": "note", "actor": "anna", "at": store.history("esc_A")[-1]["at"],
                                          "detail": {"text": "Ringer igen kl. 14"}}
    store.set_question("esc_A", "jeg har mistet mit sundhedskort")
    store.set_question("esc_A", "noget andet")  # kept once set
    assert store.get("esc_A").question == "jeg har mistet mit sundhedskort"
    store.resolve("esc_A", "bo", "solved")
    with pytest.raises(Conflict):
        store.assign("esc_A", "anna", "bo")


def test_transcript_is_redacted_and_names_staff():
    tracker = {"events": [
        {"event": "user", "text": "mit cpr er 010203-1234", "timestamp": 1},
        {"event": "bot", "text": "Jeg giver samtalen videre. Ring 89 40 22 22", "timestamp": 2},
        {"event": "bot", "text": "Hej, det er Anna. Er du Jens?", "metadata": {"staff": "anna"}, "timestamp": 3},
        {"event": "bot", "data": {"custom": {"type": "solution", "solution_id": "pas", "title": "Pas",
                                             "url": "https://x.dk", "login": "MitID"}}, "timestamp": 4},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "data": {"custom": handoff_event("esc_A")["data"]["custom"]}, "timestamp": 5},
        {"event": "bot", "data": {"custom": {"type": "fallback", "attempt": 1}}, "timestamp": 6},
        {"event": "bot", "text": "Vælg et emne:", "data": {"buttons": [{"title": "Flytning", "payload": "/report_move"}]},
         "timestamp": 7},
        {"event": "user", "text": "/report_move", "timestamp": 8},
    ]}
    assert transcript(tracker) == [
        {"id": 0, "kind": "citizen", "who": "borger", "text": "mit cpr er [CPR]", "at": 1},
        {"id": 1, "kind": "bot", "who": "bot", "text": "Jeg giver samtalen videre. Ring 89 40 22 22", "at": 2},
        # staff may name the citizen (redacted), but their own name is not personal data of the citizen
        {"id": 2, "kind": "staff", "who": "medarbejder (anna)", "staff": "anna", "text": "Hej, det er Anna. Er du [NAVN]?",
         "at": 3},
        {"id": 3, "kind": "bot", "who": "bot", "text": "Viste kortet »Pas«.", "at": 4},
        {"id": 5, "kind": "bot", "who": "bot", "at": 5,
         "text": "Samtalen blev givet videre til Borgerservice (Borgeren bad om en medarbejder)."},
        {"id": 7, "kind": "bot", "who": "bot", "text": "Vælg et emne:", "at": 7},
        {"id": 8, "kind": "citizen", "who": "borger", "text": "Flytning", "at": 8},  # the button's title
    ]
    assert [line["id"] for line in transcript(tracker, start=3)] == [3, 5, 7, 8]


def test_the_question_is_what_the_citizen_asked_before_the_handoff():
    def user(text, intent):
        return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}
    tracker = {"events": [
        user("hej", "greet"), user("jeg har mistet mit sundhedskort, cpr 010203-1234", "health_card"),
        user("/affirm", "affirm"), user("jeg vil tale med en medarbejder", "request_human"),
        {"event": "bot", "data": {"custom": handoff_event("esc_A")["data"]["custom"]}},
        user("hallo?", "nlu_fallback"),
    ]}
    assert question(tracker, "esc_A") == "jeg har mistet mit sundhedskort, cpr [CPR]"
    assert question({"events": [user("hej", "greet")]}) == "hej", "only small talk: what there is"
    assert question({"events": []}) == ""


def test_the_citizens_messages_have_ids_from_a_cursor():
    tracker = {"events": [
        {"event": "user", "text": "hej"}, {"event": "bot", "text": "Hej!", "timestamp": 1.0},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": "Hej, det er Anna", "metadata": {"staff": "anna"}, "timestamp": 2.0},
    ]}
    assert citizen_messages(tracker) == [{"id": 1, "timestamp": 1.0, "text": "Hej!"},
                                         {"id": 3, "timestamp": 2.0, "text": "Hej, det er Anna", "staff": True}]
    assert citizen_messages(tracker, 2) == citizen_messages(tracker)[1:]
    assert citizen_messages(tracker, 4) == []

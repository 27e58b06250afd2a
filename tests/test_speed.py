"""launch/speed.py changes how Rasa writes, not what: after real
conversations through the embedded stack, the SQL event broker's table holds
exactly the tracker's events, in order, once each; the SQLite files are in
WAL mode; and a bad answer from an action server is still refused by the
compiled validator."""
from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from conftest import TOKEN, get_json, send


def test_the_event_broker_gets_every_tracker_event_once_in_order(stack):
    senders = [f"speed-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    for sender in senders:
        for text in ("hej", "jeg skal flytte", "inden for danmark", "næste", "tak"):
            send(stack, sender, text)
    with sqlite3.connect(stack.events_db) as connection:
        for sender in senders:
            published = [json.loads(row[0]) for row in connection.execute(
                "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]
            stored = get_json(f"{stack.rasa_url}/conversations/{sender}/tracker?token={TOKEN}")["events"]
            assert [(e["event"], e["timestamp"]) for e in published] == \
                [(e["event"], e["timestamp"]) for e in stored], sender
            assert len(stored) > 20


def test_the_embedded_sqlite_files_use_write_ahead_logging(stack):
    send(stack, f"speed-{uuid.uuid4().hex[:10]}", "hej")
    for path in (stack.events_db, stack.tracker_db):
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal", path


def test_the_compiled_validator_still_refuses_a_bad_action_answer():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    import launch.speed

    launch.speed.install_compiled_action_schema()
    action = RemoteAction("action_route_service", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [{"no_event_key": 1}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})

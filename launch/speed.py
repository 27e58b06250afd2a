"""Where Rasa 3.6 spends a citizen's message, and what is done about it.

Measured with py-spy under 20 concurrent conversations (benchmarks/load.py
--pyspy; benchmarks/README.md): of the Rasa event loop's time per message,
38 % went to the SQL event broker, 17 % to checking the action server's
answer against a JSON schema, 20 % to the NLU, 11 % to reading the tracker.
The event loop is single-threaded, so each of these delays every
conversation. Three changes, none of which changes what is stored or
answered:

1. One commit per turn for the events. Rasa's `SQLTrackerStore.save` first
   reads the whole tracker again (`stream_events`: retrieve, deserialise,
   diff) only to find the new events, then publishes each one to the event
   broker, and the SQL broker commits each in its own transaction (8-16 per
   message). Here `save` counts the stored events once (Rasa's own
   `_additional_events`), publishes exactly those new events, and the SQL
   broker writes them in one transaction. The rows are the same, in the same
   order; other brokers (RabbitMQ) get the same `publish` calls as before.
2. The action server's answer is validated with a validator built once.
   Rasa calls `jsonschema.validate`, which checks the schema itself against
   the meta-schema on every call before it validates the answer.
3. SQLite (the embedded profile) in write-ahead-log mode with
   `synchronous=NORMAL` and a busy timeout: a commit no longer waits for the
   disk, and the web service reading the event table does not block Rasa
   writing it. A crash of the process loses nothing; a power cut may lose the
   last moments (the production profile uses PostgreSQL). Its connections
   are pooled (both are borgerguide.db's settings, for every process):
   SQLAlchemy 1.4 opens (and closes) a new connection to a SQLite file for
   every session, which was 6 % of the time per message.

Then (second profile): the turn's events are written with one bulk INSERT
per table instead of one ORM object each.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List


def publish_all(broker: Any, bodies: List[Dict[str, Any]]) -> None:
    """The new events of one turn to the event broker, in order."""
    from rasa.core.brokers.sql import SQLEventBroker

    if not bodies:
        return
    if isinstance(broker, SQLEventBroker):
        with broker.session_scope() as session:
            session.execute(broker.SQLBrokerEvent.__table__.insert(),
                            [{"sender_id": body.get("sender_id"), "data": json.dumps(body)} for body in bodies])
            session.commit()
        return
    for body in bodies:
        broker.publish(body)


def install_one_commit_per_turn() -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    from launch.privacy import stored_event
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    if getattr(SQLTrackerStore.save, "borgerguide", False):
        return

    async def save(self, tracker) -> None:
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))  # not stored yet, in order
            stored = [stored_event(e.as_dict()) for e in events]  # the citizen's text redacted (launch/privacy.py)
            if self.event_broker is not None:
                publish_all(self.event_broker, [{"sender_id": tracker.sender_id, **data} for data in stored])
            rows = []
            for event, data in zip(events, stored, strict=True):
                rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                             "timestamp": data.get("timestamp"),
                             "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                             "action_name": data.get("name"), "data": json.dumps(data)})
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)  # in order: ids follow the list
            session.commit()

    save.borgerguide = True  # type: ignore[attr-defined]
    SQLTrackerStore.save = save


def install_compiled_action_schema() -> None:
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions import action as action_module
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "borgerguide", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, here
    validator = validator_class(schema)

    def _validate_action_result(self, result: Dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as error:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from "
                f"the Action endpoint is valid. For more information about the format visit "
                f"{action_module.DOCS_BASE_URL}/custom-actions")
            raise error

    _validate_action_result.borgerguide = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result


def install() -> None:
    install_one_commit_per_turn()
    install_compiled_action_schema()

"""What Rasa keeps of a citizen's message: the redacted text.

The dialogue needs the text only while the turn is processed (the actions
read it from the tracker in memory); what is stored afterwards, in the
tracker store (SQLite or PostgreSQL) and in the event broker's stream (the
SQL table or RabbitMQ), is the same event with the text redacted
(borgerguide.redaction): `text` and `parse_data.text`. The parse result the
dialogue uses (intent, entities, ranking) is kept. A button's payload
(`/intent{...}`) is not citizen text and stays as it is.

launch/speed.py's `save` writes every event through `stored_event()`.
"""
from __future__ import annotations

from typing import Any, Dict

from borgerguide.redaction import redact


def _redacted(text: Any) -> Any:
    if not isinstance(text, str) or text.startswith("/"):
        return text
    return redact(text)


def stored_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """The event as it may be stored: a `user` event's text redacted."""
    if data.get("event") != "user":
        return data
    stored = {**data, "text": _redacted(data.get("text"))}
    parse_data = data.get("parse_data")
    if isinstance(parse_data, dict) and "text" in parse_data:
        stored["parse_data"] = {**parse_data, "text": _redacted(parse_data.get("text"))}
    return stored

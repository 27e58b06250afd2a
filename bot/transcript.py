"""A conversation as staff and analysts read it: citizen, bot and staff lines
of a Rasa tracker, personal data redacted (in what the citizen and staff wrote)."""
from __future__ import annotations

from typing import Any, Dict, List

from borgerguide.redaction import redact


def transcript(tracker: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Citizen, bot and staff lines of a Rasa tracker, personal data redacted."""
    lines = []
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        text = event.get("text") or ""
        custom = (event.get("data") or {}).get("custom")
        if kind == "user":
            who = "borger"
        elif (event.get("metadata") or {}).get("staff"):
            who = f"medarbejder ({event['metadata']['staff']})"
        else:
            who = "bot"
        if not text and isinstance(custom, dict):
            text = f"[{custom.get('type', 'besked')}: {custom.get('title') or custom.get('reason') or ''}]".strip()
        if not text:
            continue
        # the citizen's and staff's lines may hold personal data; the bot's own never do
        lines.append({"who": who, "text": text if who == "bot" else redact(text), "at": event.get("timestamp")})
    return lines

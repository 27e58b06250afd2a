"""A conversation as its people read it, from the Rasa tracker's events.

Every event's position in the tracker's list of all events is its id: events
are only ever appended (Rasa's SQL tracker store reads them in the order they
were stored, and the service's own messages are stamped by Rasa under the
conversation's lock), so "the messages from id n on" is a cursor that neither
loses nor repeats a message, across reloads and web-service instances.

- `citizen_messages`: what the widget shows: the bot's, the staff's and the
  service's messages from a cursor on.
- `transcript`: what staff and analysts read: citizen, bot, staff and service
  lines in plain Danish, personal data redacted in what the citizen and staff
  wrote (but not a member of staff's own name in their own lines).
- `question`: the redacted preview of what the citizen asked (the inbox).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

from borgerguide import contract
from borgerguide.redaction import redact
from bot.rasa_client import SERVICE

# what is not "the question": greetings, yes/no, thanks, the request for a person
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "request_human", "restart", "bot_challenge"})
QUESTION_CHARS = 300
_PROTECTED = "\ue000"
_WORD = re.compile(r"[^\W\d_]{2,}")


def _events(tracker: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [e for e in tracker.get("events") or [] if isinstance(e, dict)]


def _metadata(event: Mapping[str, Any]) -> Dict[str, Any]:
    metadata = event.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


# --- the citizen's view ----------------------------------------------------------

def citizen_messages(tracker: Mapping[str, Any], start: int = 0) -> List[Dict[str, Any]]:
    """The messages the citizen sees, from event `start` on, each with its id."""
    messages = []
    events = _events(tracker)
    for index in range(max(start, 0), len(events)):
        event = events[index]
        if event.get("event") != "bot":
            continue
        message: Dict[str, Any] = {"id": index, "timestamp": event.get("timestamp")}
        if event.get("text"):
            message["text"] = event["text"]
        data = event.get("data") or {}
        for key in ("buttons", "custom"):
            if data.get(key):
                message[key] = data[key]
        if _metadata(event).get("staff"):
            message["staff"] = True
        if len(message) > 2:
            messages.append(message)
    return messages


def cursor_of(tracker: Mapping[str, Any]) -> int:
    """Where the next event will be: the cursor after everything read."""
    return len(_events(tracker))


# --- staff and analysts ------------------------------------------------------------

def _keep_own_name(text: str, staff: str) -> str:
    """Redacts a member of staff's line, but not their own name (they may
    introduce themselves; the citizen's name, a number or an address they
    write is redacted like the citizen's own text)."""
    names = {part.lower() for part in _WORD.findall(staff or "")}
    kept: List[str] = []

    def protect(match: re.Match) -> str:
        kept.append(match.group())
        return _PROTECTED
    guarded = _WORD.sub(lambda m: protect(m) if m.group().lower() in names else m.group(), text)
    redacted = redact(guarded)
    for word in kept:
        redacted = redacted.replace(_PROTECTED, word, 1)
    return redacted


def _button_title(events: Sequence[Mapping[str, Any]], index: int, payload: str) -> Optional[str]:
    """The title of the button the citizen pressed (the bot's last buttons before it)."""
    for event in reversed(events[:index]):
        if event.get("event") != "bot":
            continue
        for button in (event.get("data") or {}).get("buttons") or []:
            if isinstance(button, dict) and button.get("payload") == payload:
                return str(button.get("title") or "") or None
    return None


def _custom_text(custom: Mapping[str, Any], reasons: Mapping[str, str]) -> str:
    """A structured message in a line of Danish (no type names, no ids)."""
    payload = contract.parse(custom)
    if isinstance(payload, contract.Handoff):
        return f"Samtalen blev givet videre til Borgerservice ({reasons.get(payload.reason, 'en medarbejder')})."
    if isinstance(payload, (contract.SolutionCard, contract.ReferralCard)):
        return f"Viste kortet »{payload.title}«."
    if isinstance(payload, contract.Notice):
        return f"Driftsmeddelelse: {payload.text}"
    lines = custom.get("lines")
    if isinstance(lines, list):  # the acute help: numbers to call
        numbers = [f"{line.get('name')}: {line.get('phone')}" for line in lines
                   if isinstance(line, dict) and line.get("name") and line.get("phone")]
        local = custom.get("local") if isinstance(custom.get("local"), dict) else {}
        if local and local.get("name"):
            numbers.append(f"{local['name']}: {local.get('phone') or 'intet nummer'}")
        return "Viste numre til akut hjælp: " + "; ".join(numbers) + "." if numbers else ""
    return ""  # fallback, clarify, ...: the text beside them says it


def transcript(tracker: Mapping[str, Any], start: int = 0,
               reasons: Optional[Mapping[str, str]] = None) -> List[Dict[str, Any]]:
    """The conversation's lines from event `start` on: `id`, `kind` (citizen,
    bot, staff, service), `who` (borger, bot, medarbejder (name)), `staff`
    (the member of staff's name on their lines), `text`, `at`."""
    reasons = contract.HANDOFF_REASONS if reasons is None else reasons
    events = _events(tracker)
    lines = []
    for index in range(max(start, 0), len(events)):
        event = events[index]
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        text = str(event.get("text") or "")
        staff = str(_metadata(event).get("staff") or "")
        line: Dict[str, Any] = {"id": index, "at": event.get("timestamp")}
        if kind == "user":
            if text.startswith("/"):  # a button: its title, as the citizen saw it
                text = _button_title(events, index, text) or "(valgte en knap)"
            line.update(kind="citizen", who="borger", text=redact(text))
        elif staff:
            line.update(kind="staff", who=f"medarbejder ({staff})", staff=staff, text=_keep_own_name(text, staff))
        else:
            custom = (event.get("data") or {}).get("custom")
            if not text and isinstance(custom, dict):
                text = _custom_text(custom, reasons)
            service = bool(_metadata(event).get(SERVICE))
            line.update(kind="service" if service else "bot", who="bot", text=text)  # the bot's own: no personal data
        if line["text"]:
            lines.append(line)
    return lines


def question(tracker: Mapping[str, Any], escalation_id: Optional[str] = None) -> str:
    """What the citizen asked before the hand-off `escalation_id`, redacted:
    their last few messages that are more than a greeting, a yes or the
    request for a person (up to 300 characters)."""
    asked: List[str] = []
    fallback = ""
    for event in _events(tracker):
        handoff = contract.parse(contract.event_payload(event))
        if isinstance(handoff, contract.Handoff) and handoff.escalation_id == escalation_id:
            break
        if event.get("event") != "user":
            continue
        text = " ".join(str(event.get("text") or "").split())
        if not text or text.startswith("/"):
            continue
        fallback = text
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in SMALL_TALK:
            asked.append(text)
    chosen = " · ".join(asked[-3:]) or fallback
    chosen = redact(chosen)
    return chosen if len(chosen) <= QUESTION_CHARS else chosen[:QUESTION_CHARS - 1].rstrip() + "…"

"""An escalation as Borgerservice staff read it: plain Danish, no ids or
English values on screen (the area's and topic's Danish names come from
content/areas.yml and content/topics/; a short case number only where staff
may need to quote it)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from borgerguide import contract
from borgerguide.clock import danish_minute
from borgerguide.kommuner import registry
from borgerguide.languages import default_language, staff_name
from borgerguide.topics import matter_names

STATUSES_DA = {"open": "Venter", "claimed": "I gang", "resolved": "Afsluttet"}
OUTCOMES_DA = {"solved": "Løst", "callback_done": "Ringet op", "referred": "Henvist videre",
               "no_answer": "Borgeren svarede ikke", "other": "Andet"}
MODES_DA = {contract.LIVE: "Chat nu", contract.CALLBACK: "Ring op"}
# the inbox's views: (status filter, only mine)
VIEWS = {"venter": ("open", False), "mine": ("claimed", True), "i-gang": ("claimed", False),
         "afsluttet": ("resolved", False), "alle": (None, False)}
VIEW_NAMES = {"venter": "Venter", "mine": "Mine", "i-gang": "I gang", "afsluttet": "Afsluttede", "alle": "Alle"}


def area_names() -> Dict[str, str]:
    """Service area (intent) or topic id -> its short Danish name."""
    return matter_names()


def area_name(area: Optional[str], names: Optional[Mapping[str, str]] = None) -> str:
    if not area:
        return "Intet område valgt"
    return (names if names is not None else area_names()).get(area, "Andet emne")


def case_number(escalation_id: str) -> str:
    """A short number staff can read aloud and search for: the last six
    characters of the escalation's id (random), as "ABC-123"."""
    tail = escalation_id[-6:].upper()
    return f"{tail[:3]}-{tail[3:]}"


def waiting_text(seconds: int) -> str:
    minutes = max(int(seconds), 0) // 60
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} t {rest} min" if rest else f"{hours} t"
    return f"{hours // 24} d {hours % 24} t"


def kommune_name(kommune: Optional[str]) -> str:
    info = registry().get(kommune or "")
    return info.name if info else "Ukendt kommune"


def case(public: Dict[str, Any], names: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The escalation's public view plus what the pages show, in Danish."""
    shown = dict(public)
    shown.update(
        area_name=area_name(public.get("area"), names),
        reason_text=contract.HANDOFF_REASONS.get(public.get("reason") or "", "Borgeren bad om hjælp"),
        status_text=STATUSES_DA.get(public.get("status") or "", "Ukendt"),
        mode_text=MODES_DA.get(public.get("mode") or "", "Chat"),
        queue_name=contract.QUEUES.get(public.get("queue") or "", "Borgerservice"),
        outcome_text=OUTCOMES_DA.get(public.get("outcome") or "", ""),
        kommune_name=kommune_name(public.get("kommune")),
        number=case_number(str(public.get("id") or "")),
        waited=waiting_text(int(public.get("waiting_seconds") or 0)),
        # the conversation's language in Danish; `foreign` when it is not the default (staff answer in it)
        language_code=public.get("language") or default_language(),
        language_name=staff_name(public.get("language") or default_language()),
        foreign=bool(public.get("language")) and public.get("language") != default_language(),
    )
    return shown


def matches(shown: Mapping[str, Any], query: str) -> bool:
    """Does the search text occur in what staff see of the case (the
    question, the area, the case number, the conversation id, who has it)?"""
    needle = " ".join(query.lower().split())
    if not needle:
        return True
    haystack = " ".join(str(shown.get(key) or "") for key in (
        "question", "area_name", "reason_text", "number", "id", "conversation_id", "claimed_by", "kommune_name",
        "queue_name", "language_name")).lower()
    return needle in haystack or needle.replace("-", "") in haystack.replace("-", "")


def history_line(entry: Mapping[str, Any], viewer: Optional[str] = None) -> Dict[str, str]:
    """One history entry as a sentence: {"at", "text"} (an internal note: "note")."""
    actor = str(entry.get("actor") or "")
    who = "dig" if viewer and actor == viewer else actor  # "taget af dig"
    detail = entry.get("detail") or {}
    kind = entry.get("kind")
    if kind == "created":
        text = "Borgerguiden gav samtalen videre til Borgerservice"
    elif kind == "claimed":
        text = f"Taget af {who}"
    elif kind == "reply":
        text = f"Svar sendt til borgeren af {who}"
    elif kind == "forwarded":
        text = f"Sendt videre til køen {contract.QUEUES.get(str(detail.get('queue')), 'en anden kø')} af {who}"
    elif kind == "assigned":
        to = str(detail.get("to") or "")
        text = f"Givet til {'dig' if viewer and to == viewer else to} af {who}"
    elif kind == "resolved":
        text = f"Afsluttet af {who}: {OUTCOMES_DA.get(str(detail.get('outcome')), 'andet')}"
    elif kind == "callback_requested":
        when = str(detail.get("time") or "hurtigst muligt")
        text = f"Borgeren bad om at blive ringet op ({when[:1].lower() + when[1:]})"
    elif kind == "callback_offered":
        text = "Borgeren fik tilbudt at blive ringet op (ingen tog henvendelsen i tide)"
    elif kind == "note":
        text = f"Intern note fra {who}"
    else:
        text = "Ændret"
    return {"at": danish_minute(str(entry.get("at"))), "text": text}


def notes(history: List[Mapping[str, Any]], viewer: Optional[str] = None) -> List[Dict[str, str]]:
    """The internal notes, oldest first: {"at", "who", "text"}."""
    return [{"at": danish_minute(str(h.get("at"))), "who": "Du" if viewer and h.get("actor") == viewer
             else str(h.get("actor") or ""), "text": str((h.get("detail") or {}).get("text") or "")}
            for h in history if h.get("kind") == "note"]


def speaker(line: Mapping[str, Any], viewer: Optional[str]) -> str:
    """Who said a transcript line, as staff read it."""
    kind = line.get("kind")
    if kind == "citizen":
        return "Borger"
    if kind == "staff":
        return "Du" if viewer and line.get("staff") == viewer else f"Medarbejder ({line.get('staff')})"
    return "Borgerguiden"


def short_time(timestamp: Any) -> str:
    """A Rasa timestamp (seconds) as the Danish time "HH:MM"."""
    try:
        return danish_minute(datetime.fromtimestamp(float(timestamp)).astimezone().isoformat())[-5:]
    except (TypeError, ValueError, OverflowError, OSError):
        return ""

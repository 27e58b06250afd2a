"""The channel contract (../shared/spec/channel-events.md): the structured
messages the bot sends besides text, as typed payloads.

They travel as Rasa `custom` payloads. Every other module builds them with
these types and reads them with `parse()`, so the names of the message types,
the hand-off reasons and the queues are written down here only.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

# --- the message types -------------------------------------------------------------
SOLUTION = "solution"
REFERRAL = "referral"
HANDOFF = "handoff"
FALLBACK = "fallback"
NOTICE = "notice"
FAULT = "fault"  # the bot's own: Rasa could not process the message (launch/rasa_server.py)
CLARIFY = "clarify"  # the bot's own: "Mener du ...?" between two next steps
ANSWER = "answer"  # the bot's own: a follow-up question about a matter answered (docs/answers.md)
QUESTION = "question"  # the bot's own: the bot asks the one question that changes the answer
CONTACT = "contact"  # the bot's own: the kommune's Borgerservice contact was given
ACUTE_HELP = "acute"  # the bot's own: acute help (crisis lines, the kommune's social emergency phone)

# --- hand-off --------------------------------------------------------------------------
# reason -> what staff read in the inbox
HANDOFF_REASONS: Dict[str, str] = {
    "requested_by_citizen": "Borgeren bad om en medarbejder",
    "repeated_fallback": "Botten forstod ikke borgeren",
    "solution_not_working": "Borgeren sidder fast i en løsning",
    "acute": "Borgeren har brug for akut hjælp",
}
REQUESTED_BY_CITIZEN = "requested_by_citizen"
REPEATED_FALLBACK = "repeated_fallback"
SOLUTION_NOT_WORKING = "solution_not_working"
ACUTE = "acute"
# queue -> its name in the inbox
QUEUES: Dict[str, str] = {
    "borgerservice": "Borgerservice",
    "pladsanvisning": "Pladsanvisning",
    "ydelse": "Ydelse",
    "byggesag": "Byggesag",
    "sundhed": "Sundhed",
}
DEFAULT_QUEUE = "borgerservice"
LIVE = "live"
CALLBACK = "callback"
MODES = (LIVE, CALLBACK)
# fault reasons
STORE_UNAVAILABLE = "store_unavailable"
INTERNAL = "internal"

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ESCALATION_PREFIX = "esc_"
LANG_CODE = re.compile(r"^[a-z]{2,3}$")


def new_escalation_id(now: Optional[float] = None) -> str:
    """`esc_` + a ULID: 48-bit milliseconds + 80 random bits, sortable by time."""
    millis = int((now if now is not None else time.time()) * 1000)
    value = (millis << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return ESCALATION_PREFIX + "".join(reversed(chars))


def _text(value: Any, name: str, limit: int = 200, required: bool = True) -> Optional[str]:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError(f"{name} must be a text of 1-{limit} characters")
    return value


@dataclass(frozen=True)
class Handoff:
    """A hand-off to staff; the escalation staff see is derived from it."""

    escalation_id: str
    reason: str
    area: Optional[str]
    mode: str
    queue: str = DEFAULT_QUEUE
    kommune: Optional[str] = None
    topic: Optional[str] = None
    lang: Optional[str] = None  # the conversation's language (content/languages.yml), for staff

    def __post_init__(self) -> None:
        if self.lang is not None and not LANG_CODE.match(self.lang):
            raise ValueError("lang must be a language code such as 'da'")
        if not self.escalation_id.startswith(ESCALATION_PREFIX) or len(self.escalation_id) > 40:
            raise ValueError("escalation_id must be esc_ + a ULID")
        if self.reason not in HANDOFF_REASONS:
            raise ValueError(f"unknown hand-off reason {self.reason!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.queue not in QUEUES:
            raise ValueError(f"unknown queue {self.queue!r}")

    def to_dict(self) -> Dict[str, Any]:
        payload: Dict[str, Any] = {
            "type": HANDOFF, "escalation_id": self.escalation_id, "reason": self.reason,
            "area": self.area, "mode": self.mode, "queue": self.queue, "kommune": self.kommune,
        }
        if self.topic:
            payload["topic"] = self.topic
        if self.lang:
            payload["lang"] = self.lang
        return payload

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Handoff":
        area = data.get("area")
        kommune = data.get("kommune")
        topic = data.get("topic")
        lang = data.get("lang")
        return cls(
            escalation_id=str(_text(data.get("escalation_id"), "escalation_id", 40)),
            reason=str(data.get("reason") or ""),
            area=str(area)[:40] if area else None,
            mode=str(data.get("mode") or ""),
            queue=str(data.get("queue") or DEFAULT_QUEUE),
            kommune=str(kommune)[:64] if kommune else None,
            topic=str(topic)[:40] if topic else None,
            lang=lang if isinstance(lang, str) and LANG_CODE.match(lang) else None,
        )


@dataclass(frozen=True)
class SolutionCard:
    """The solution card: the self-service solution that fits the citizen."""

    solution_id: str
    title: str
    url: str
    login: str
    steps: Tuple[str, ...]
    help: Mapping[str, bool]
    variant: Optional[str] = None
    topic: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        card: Dict[str, Any] = {
            "type": SOLUTION, "solution_id": self.solution_id, "title": self.title, "url": self.url,
            "login": self.login, "steps": list(self.steps), "help": dict(self.help),
        }
        if self.variant:
            card["variant"] = self.variant
        if self.topic:
            card["topic"] = self.topic
        return card

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SolutionCard":
        return cls(
            solution_id=str(_text(data.get("solution_id"), "solution_id", 60)),
            title=str(_text(data.get("title"), "title")),
            url=str(_text(data.get("url"), "url", 500)),
            login=str(data.get("login") or ""),
            steps=tuple(str(s) for s in data.get("steps") or ()),
            help={str(k): bool(v) for k, v in (data.get("help") or {}).items()},
            variant=data.get("variant") or None,
            topic=data.get("topic") or None,
        )


@dataclass(frozen=True)
class ReferralCard:
    """Another authority handles it: who, and its entry point."""

    topic: str
    authority: str
    title: str
    url: Optional[str] = None
    login: Optional[str] = None
    phone: Optional[str] = None
    steps: Tuple[str, ...] = ()
    authority_name: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        card: Dict[str, Any] = {"type": REFERRAL, "topic": self.topic, "authority": self.authority,
                                "title": self.title}
        if self.authority_name:
            card["authority_name"] = self.authority_name
        if self.url:
            card["url"] = self.url
        if self.login:
            card["login"] = self.login
        if self.phone:
            card["phone"] = self.phone
        card["steps"] = list(self.steps)
        return card

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ReferralCard":
        return cls(
            topic=str(_text(data.get("topic"), "topic", 60)),
            authority=str(_text(data.get("authority"), "authority", 60)),
            title=str(_text(data.get("title"), "title")),
            url=data.get("url") or None, login=data.get("login") or None, phone=data.get("phone") or None,
            steps=tuple(str(s) for s in data.get("steps") or ()),
            authority_name=data.get("authority_name") or None,
        )


@dataclass(frozen=True)
class Fallback:
    """The bot did not understand (each one is an unresolved message)."""

    attempt: int

    def to_dict(self) -> Dict[str, Any]:
        return {"type": FALLBACK, "attempt": self.attempt}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Fallback":
        attempt = data.get("attempt")
        if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
            raise ValueError("attempt must be a positive number")
        return cls(attempt)


@dataclass(frozen=True)
class Notice:
    """An operational notice (driftsmeddelelse), told before the card."""

    notice_id: int
    text: str
    areas: Tuple[str, ...]
    ends_at: str  # ISO time

    def to_dict(self) -> Dict[str, Any]:
        return {"type": NOTICE, "notice_id": self.notice_id, "text": self.text, "areas": list(self.areas),
                "ends_at": self.ends_at}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Notice":
        return cls(int(data["notice_id"]), str(_text(data.get("text"), "text", 500)),
                   tuple(str(a) for a in data.get("areas") or ()), str(data.get("ends_at") or ""))


@dataclass(frozen=True)
class Fault:
    """Rasa could not process the message; nothing of it was saved."""

    reason: str = INTERNAL

    def to_dict(self) -> Dict[str, Any]:
        return {"type": FAULT, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Fault":
        return cls(str(data.get("reason") or INTERNAL))


@dataclass(frozen=True)
class Clarify:
    """ "Mener du ...?": the bot asks between two next steps instead of guessing."""

    options: Tuple[str, ...] = field(default_factory=tuple)  # intent or topic ids

    def to_dict(self) -> Dict[str, Any]:
        return {"type": CLARIFY, "options": list(self.options)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Clarify":
        return cls(tuple(str(o) for o in data.get("options") or ()))


@dataclass(frozen=True)
class Answer:
    """A follow-up question about a matter, answered: `question` is a question
    type of content/questions.yml, `matter` a solution or topic id; `source`
    the page the answer's facts come from (None for a general answer);
    `kind` national | kommune | general | unknown."""

    question: str
    matter: str
    kind: str
    source: Optional[str] = None
    source_title: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        payload: Dict[str, Any] = {"type": ANSWER, "question": self.question, "matter": self.matter,
                                   "kind": self.kind, "source": self.source}
        if self.source_title:
            payload["source_title"] = self.source_title
        return payload

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Answer":
        return cls(str(_text(data.get("question"), "question", 40)), str(_text(data.get("matter"), "matter", 60)),
                   str(data.get("kind") or ""), data.get("source") or None, data.get("source_title") or None)


@dataclass(frozen=True)
class Question:
    """The bot asks the one question that changes the answer (`asks`: e.g.
    move_direction) about a service area (`area`); buttons go with its text."""

    asks: str
    area: str

    def to_dict(self) -> Dict[str, Any]:
        return {"type": QUESTION, "asks": self.asks, "area": self.area}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Question":
        return cls(str(_text(data.get("asks"), "asks", 40)), str(_text(data.get("area"), "area", 60)))


@dataclass(frozen=True)
class Contact:
    """The kommune's Borgerservice contact was given (phone, address, hours)."""

    kommune: Optional[str] = None
    phone: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"type": CONTACT, "kommune": self.kommune, "phone": self.phone}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Contact":
        return cls(data.get("kommune") or None, data.get("phone") or None)


@dataclass(frozen=True)
class HelpLine:
    name: str
    phone: str
    when: str = ""


@dataclass(frozen=True)
class AcuteHelp:
    """Acute help: the crisis lines to call now, and the kommune's social
    emergency phone (`local`; where the kommune has not set one, `local` is
    Borgerservice's phone if any, and `national` the line that reaches the
    social emergency service at any hour: the police, 114)."""

    lines: Tuple[HelpLine, ...]
    local: Optional[HelpLine] = None
    national: Optional[HelpLine] = None

    def to_dict(self) -> Dict[str, Any]:
        def line(value: HelpLine) -> Dict[str, str]:
            return {"name": value.name, "phone": value.phone, "when": value.when}

        return {"type": ACUTE_HELP, "lines": [line(x) for x in self.lines],
                "local": line(self.local) if self.local else None,
                "national": line(self.national) if self.national else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AcuteHelp":
        def line(value: Any) -> HelpLine:
            return HelpLine(str(_text(value.get("name"), "name")), str(_text(value.get("phone"), "phone", 40)),
                            str(value.get("when") or ""))

        local, national = data.get("local"), data.get("national")
        return cls(tuple(line(x) for x in data.get("lines") or ()), line(local) if local else None,
                   line(national) if national else None)


Payload = Union[Handoff, SolutionCard, ReferralCard, Fallback, Notice, Fault, Clarify, Answer, Question, Contact,
                AcuteHelp]
TYPES = {HANDOFF: Handoff, SOLUTION: SolutionCard, REFERRAL: ReferralCard, FALLBACK: Fallback,
         NOTICE: Notice, FAULT: Fault, CLARIFY: Clarify, ANSWER: Answer, QUESTION: Question, CONTACT: Contact,
         ACUTE_HELP: AcuteHelp}


def parse(custom: Any) -> Optional[Payload]:
    """The typed payload of a custom message; None for another or a broken one."""
    if not isinstance(custom, Mapping):
        return None
    kind = TYPES.get(str(custom.get("type")))
    if kind is None:
        return None
    try:
        return kind.from_dict(custom)  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError):
        return None


def customs(messages: Iterable[Any]) -> List[Dict[str, Any]]:
    """The custom payloads among the bot's messages (Rasa REST channel answers)."""
    return [m["custom"] for m in messages if isinstance(m, Mapping) and isinstance(m.get("custom"), dict)]


def kinds(messages: Iterable[Any]) -> Sequence[str]:
    return [str(c.get("type")) for c in customs(messages)]


def event_payload(event: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The custom payload of a Rasa `bot` event (the tracker and the event stream)."""
    if event.get("event") != "bot":
        return None
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, dict) else None

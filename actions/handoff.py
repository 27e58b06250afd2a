"""Hand-off to Borgerservice staff: the `handoff` channel event.

The action server only sends the event (see ../shared/spec/channel-events.md)
and pauses the conversation when staff can take it live. The escalation that
staff see is derived from the conversation's event stream by the web service
(bot/escalations.py), never written here on the side.
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional

from actions.kommuner import Kommune
from actions.opening_hours import DANISH_TIME, status

REASONS = ("requested_by_citizen", "repeated_fallback", "solution_not_working")
DEFAULT_QUEUE = "borgerservice"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_escalation_id(now: Optional[float] = None) -> str:
    """`esc_` + a ULID: 48-bit milliseconds + 80 random bits, sortable by time."""
    millis = int((now if now is not None else time.time()) * 1000)
    value = (millis << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "esc_" + "".join(reversed(chars))


def live_possible(kommune: Kommune, now: Optional[datetime] = None) -> bool:
    """Live chat with staff within the kommune's opening hours (phone hours
    where given); callback otherwise, and where the hours are not known."""
    if os.environ.get("BORGERGUIDE_HANDOFF_MODE") in ("live", "callback"):
        return os.environ["BORGERGUIDE_HANDOFF_MODE"] == "live"
    hours = dict(kommune.borgerservice)
    if hours.get("phone_hours"):
        hours["opening_hours"] = hours["phone_hours"]
    current = status(hours, now or datetime.now(DANISH_TIME))
    return bool(current and current.open_now)


@dataclass(frozen=True)
class Handoff:
    escalation_id: str
    reason: str
    area: Optional[str]
    mode: str
    queue: str
    kommune: str

    def payload(self) -> Dict[str, Any]:
        return {
            "type": "handoff",
            "escalation_id": self.escalation_id,
            "reason": self.reason,
            "area": self.area,
            "mode": self.mode,
            "queue": self.queue,
            "kommune": self.kommune,
        }

    def text(self, kommune: Kommune) -> str:
        if self.mode == "live":
            return ("Jeg giver samtalen videre til en medarbejder i Borgerservice. "
                    "Bliv her i chatten, så svarer en medarbejder dig her.")
        phone = kommune.borgerservice.get("phone")
        call = f" Du kan også selv ringe på {phone}." if phone else ""
        return ("Der er ingen medarbejder i chatten lige nu. Vi kan ringe dig op: "
                "udfyld formularen med dit telefonnummer og hvornår det passer dig." + call)


def make_handoff(reason: str, area: Optional[str], kommune: Kommune, now: Optional[datetime] = None) -> Handoff:
    if reason not in REASONS:
        raise ValueError(f"unknown hand-off reason {reason!r}")
    mode = "live" if live_possible(kommune, now) else "callback"
    return Handoff(new_escalation_id(), reason, area, mode, DEFAULT_QUEUE, kommune.id)

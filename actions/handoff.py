"""Hand-off to Borgerservice staff: live or callback, and its text.

The action server only sends the `handoff` event (borgerguide.contract) and
pauses the conversation when staff can take it live. The escalation staff see
is created by the web service from that event (bot/), never written here.
"""
from __future__ import annotations

import os
from datetime import datetime
from typing import Optional

from borgerguide import contract
from borgerguide.clock import DANISH_TIME
from borgerguide.kommuner import Kommune
from borgerguide.languages import Texts
from borgerguide.opening_hours import status


def live_possible(kommune: Kommune, now: Optional[datetime] = None) -> bool:
    """Live chat with staff within the kommune's opening hours (phone hours
    where given); callback otherwise, and where the hours are not known."""
    if os.environ.get("BORGERGUIDE_HANDOFF_MODE") in contract.MODES:
        return os.environ["BORGERGUIDE_HANDOFF_MODE"] == contract.LIVE
    hours = dict(kommune.borgerservice)
    if hours.get("phone_hours"):
        hours["opening_hours"] = hours["phone_hours"]
    current = status(hours, now or datetime.now(DANISH_TIME))
    return bool(current and current.open_now)


def make_handoff(reason: str, area: Optional[str], kommune: Kommune, now: Optional[datetime] = None,
                 topic: Optional[str] = None, lang: Optional[str] = None) -> contract.Handoff:
    mode = contract.LIVE if live_possible(kommune, now) else contract.CALLBACK
    return contract.Handoff(contract.new_escalation_id(), reason, area, mode, contract.DEFAULT_QUEUE,
                            kommune.id, topic, lang)


def handoff_text(handoff: contract.Handoff, kommune: Kommune, t: Texts) -> str:
    if handoff.mode == contract.LIVE:
        return t.t("handoff.live")
    phone = kommune.borgerservice.get("phone")
    return t.t("handoff.callback") + (" " + t.t("handoff.call_yourself", phone=phone) if phone else "")

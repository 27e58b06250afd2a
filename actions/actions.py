"""The custom actions. They stay thin: the catalogue, the kommune content and
the routing rules are plain modules; these classes glue them to the dialogue.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import load_catalogue
from actions.content import content_dir, read_yaml
from actions.kommuner import Kommune, load_kommune
from actions.routing import SERVICE_INTENTS, route

logger = logging.getLogger(__name__)

MAX_TOPIC_BUTTONS = 3


def kommune_for(tracker: Tracker) -> Kommune:
    """The kommune the channel named (`metadata.kommune`), else the default."""
    metadata = tracker.latest_message.get("metadata") or {}
    kommune_id = metadata.get("kommune")
    if not kommune_id:
        session_metadata = tracker.get_slot("session_started_metadata") or {}
        kommune_id = session_metadata.get("kommune")
    return load_kommune(kommune_id if isinstance(kommune_id, str) else None)


def area_names() -> Dict[str, str]:
    return read_yaml(content_dir() / "areas.yml")["areas"]


def topic_buttons(intent_ranking: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """Buttons for the most likely service areas of the last message."""
    names = area_names()
    buttons = []
    for candidate in intent_ranking:
        name = candidate.get("name")
        if name in SERVICE_INTENTS and name in names:
            buttons.append({"title": names[name], "payload": f"/{name}"})
        if len(buttons) == MAX_TOPIC_BUTTONS:
            break
    return buttons


class ActionRouteService(Action):
    """Shows the solution card of a service intent, or asks what fits."""

    def name(self) -> Text:
        return "action_route_service"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        if intent not in SERVICE_INTENTS:
            logger.warning("action_route_service called for intent %r", intent)
            dispatcher.utter_message(response="utter_fallback")
            return []
        decision = route(intent, message.get("text") or "", message.get("entities") or [])
        events: List[EventType] = [SlotSet("area", intent), SlotSet("fallback_count", 0)]
        if decision.ask:
            dispatcher.utter_message(response=decision.ask)
            return events
        solution = load_catalogue().get(decision.solution_id)
        kommune = kommune_for(tracker)
        overrides = kommune.solution_overrides(solution.id)
        dispatcher.utter_message(text=overrides.get("intro", solution.intro))
        dispatcher.utter_message(json_message=solution.card(overrides))
        if tracker.get_slot("relation") and solution.help.get("fuldmagt"):
            dispatcher.utter_message(
                text="Gør du det for en anden? Så kan I bruge en digital fuldmagt. "
                "Man må aldrig bruge en andens MitID.",
                buttons=[{"title": "Om fuldmagt", "payload": "/power_of_attorney"}],
            )
        return events + [SlotSet("solution_id", solution.id)]


class ActionFallback(Action):
    """The bot did not understand: ask again and offer the likely areas."""

    def name(self) -> Text:
        return "action_fallback"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        attempt = int(tracker.get_slot("fallback_count") or 0) + 1
        buttons = topic_buttons(tracker.latest_message.get("intent_ranking") or [])
        if attempt == 1:
            dispatcher.utter_message(response="utter_fallback", buttons=buttons)
        else:
            buttons = buttons + [
                {"title": "Kontakt Borgerservice", "payload": "/contact_borgerservice"},
                {"title": "Tal med en medarbejder", "payload": "/request_human"},
            ]
            dispatcher.utter_message(response="utter_fallback_again", buttons=buttons)
        dispatcher.utter_message(json_message={"type": "fallback", "attempt": attempt})
        return [SlotSet("fallback_count", attempt)]


class ActionSolutionNotWorking(Action):
    """The citizen is stuck in a solution: offer the ways out."""

    def name(self) -> Text:
        return "action_solution_not_working"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(
            response="utter_solution_not_working",
            buttons=[
                {"title": "Jeg kan ikke logge ind med MitID", "payload": "/mitid"},
                {"title": "En anden skal hjælpe mig (fuldmagt)", "payload": "/power_of_attorney"},
                {"title": "Kontakt Borgerservice", "payload": "/contact_borgerservice"},
                {"title": "Tal med en medarbejder", "payload": "/request_human"},
            ],
        )
        return []


class ActionRequestHuman(Action):
    """The citizen wants a person: say honestly how to reach one."""

    def name(self) -> Text:
        return "action_request_human"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        kommune = kommune_for(tracker)
        dispatcher.utter_message(response="utter_request_human", contact=kommune.contact_text())
        return []


class ActionContactBorgerservice(Action):
    """Phone, address, opening hours and booking of the citizen's kommune."""

    def name(self) -> Text:
        return "action_contact_borgerservice"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        kommune = kommune_for(tracker)
        dispatcher.utter_message(response="utter_contact_borgerservice", contact=kommune.contact_text())
        return []



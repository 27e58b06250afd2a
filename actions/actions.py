"""The custom actions. They stay thin: the catalogue, the kommune content and
the routing rules are plain modules; these classes glue them to the dialogue.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import handoff_text, make_handoff
from borgerguide import contract
from borgerguide.catalogue import Solution, load_catalogue
from borgerguide.content import content_dir, read_yaml
from borgerguide.kommuner import Kommune, load_kommune
from borgerguide.notices import active as active_notices
from actions.routing import (
    ANSWER_SLOTS,
    SERVICE_INTENTS,
    Route,
    faq_topic,
    helping_someone_else,
    route,
)

logger = logging.getLogger(__name__)

MAX_TOPIC_BUTTONS = 3
# Consecutive turns the bot did not understand before it hands over:
FALLBACKS_BEFORE_HANDOFF = 2        # low-confidence fallbacks ("failed twice")
NOT_UNDERSTOOD_BEFORE_HANDOFF = 3   # fallbacks and out-of-scope answers together
DID_IT_WORK = "did_it_work"
AFTER_CARD_BUTTONS = [
    {"title": "Vis mig trin for trin", "payload": "/next_step"},
    {"title": "Det virker ikke", "payload": "/solution_not_working"},
]
STUCK_BUTTONS = [
    {"title": "Jeg kan ikke logge ind med MitID", "payload": "/mitid"},
    {"title": "En anden skal hjælpe mig (fuldmagt)", "payload": "/power_of_attorney"},
    {"title": "Kontakt Borgerservice", "payload": "/contact_borgerservice"},
    {"title": "Tal med en medarbejder", "payload": "/request_human"},
]
FULDMAGT_NOTE = (
    "Gør du det for en anden? Så kan I bruge en digital fuldmagt. "
    "Man må aldrig bruge en andens MitID."
)


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


def helping(tracker: Tracker) -> bool:
    """Is the citizen acting for someone else (a relative named, "for min mor")?"""
    return bool(tracker.get_slot("relation")) or helping_someone_else(tracker.latest_message.get("text") or "")


def surface_fuldmagt(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(text=FULDMAGT_NOTE, buttons=[{"title": "Om fuldmagt", "payload": "/power_of_attorney"}])


def current_solution(tracker: Tracker) -> Optional[Solution]:
    solution_id = tracker.get_slot("solution_id")
    if not solution_id:
        return None
    return load_catalogue().solutions.get(solution_id)


def answer_faq(dispatcher: CollectingDispatcher, solution: Solution, topic: str) -> None:
    """Answers cost/duration/deadline/prepare from the catalogue, never invents."""
    answer = solution.faq.get(topic)
    if answer:
        dispatcher.utter_message(text=answer)
    else:
        dispatcher.utter_message(response="utter_faq_unknown")


def context_answers(tracker: Tracker, intent: str) -> Dict[str, Any]:
    """Earlier answers, while a question about `intent` is open."""
    if tracker.get_slot("pending_intent") != intent:
        return {}
    return {name: tracker.get_slot(name) for name in ANSWER_SLOTS if tracker.get_slot(name)}


def show_solution(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    solution: Solution,
    variant: Optional[str],
    area: str,
) -> List[EventType]:
    """Sends the text and the card; returns the slot events that go with it."""
    kommune = kommune_for(tracker)
    tell_notices(dispatcher, kommune, area)
    overrides = kommune.solution_overrides(solution.id)
    dispatcher.utter_message(text=solution.intro_for(variant, overrides))
    dispatcher.utter_message(json_message=solution.card(overrides, variant))
    if solution.help.get("fuldmagt") and helping(tracker):
        surface_fuldmagt(dispatcher)
    dispatcher.utter_message(text="Sig til, hvis du vil tage det trin for trin.", buttons=AFTER_CARD_BUTTONS)
    events: List[EventType] = []
    if tracker.get_slot("solution_id") not in (None, solution.id):
        events += [
            SlotSet("previous_solution", tracker.get_slot("solution_id")),
            SlotSet("previous_variant", tracker.get_slot("variant")),
        ]
    return events + [
        SlotSet("area", area),
        SlotSet("solution_id", solution.id),
        SlotSet("variant", variant),
        SlotSet("step", 0),
        SlotSet("pending_intent", None),
        SlotSet("asked", None),
        SlotSet("fallback_count", 0),
        SlotSet("stuck_area", None),
    ]


def tell_notices(dispatcher: CollectingDispatcher, kommune: Kommune, area: str) -> None:
    """Active operational notices for the kommune and area, before the card."""
    try:
        notices = active_notices(kommune.id, area)
    except Exception:  # noqa: BLE001 - the notices store must never stop the guidance
        logger.exception("Could not read operational notices")
        return
    for notice in notices:
        dispatcher.utter_message(text=f"Driftsmeddelelse: {notice.text}")
        dispatcher.utter_message(json_message=notice.payload().to_dict())


def follow_route(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str, decision: Route
) -> List[EventType]:
    if decision.ask:
        dispatcher.utter_message(response=decision.ask)
        if helping(tracker):
            surface_fuldmagt(dispatcher)
        return [SlotSet("area", intent), SlotSet("pending_intent", intent), SlotSet("fallback_count", 0)]
    solution = load_catalogue().get(str(decision.solution_id))
    return show_solution(dispatcher, tracker, solution, decision.variant, intent)


def answer_in_context(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """A message the NLU did not place may still answer the open question or
    ask about the current solution ("hvad koster det?"). None if not."""
    text = tracker.latest_message.get("text") or ""
    pending = tracker.get_slot("pending_intent")
    if pending in SERVICE_INTENTS and text:
        decision = route(pending, text, tracker.latest_message.get("entities") or [],
                         context_answers(tracker, pending))
        if decision.solution_id:
            return follow_route(dispatcher, tracker, pending, decision)
    solution = current_solution(tracker)
    topic = faq_topic(text)
    if solution and topic:
        answer_faq(dispatcher, solution, topic)
        return []
    return None


class ActionRouteService(Action):
    """Shows the solution card of a service intent, or asks what fits."""

    def name(self) -> Text:
        return "action_route_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        if intent not in SERVICE_INTENTS:
            logger.warning("action_route_service called for intent %r", intent)
            dispatcher.utter_message(response="utter_fallback")
            return []
        text = message.get("text") or ""
        decision = route(intent, text, message.get("entities") or [], context_answers(tracker, intent))
        shown = current_solution(tracker)
        topic = faq_topic(text)
        if topic and shown and (decision.solution_id == shown.id or (decision.ask and shown.intent == intent)):
            # a question about the card already shown: answer it, no new card
            answer_faq(dispatcher, shown, topic)
            return [SlotSet("fallback_count", 0)]
        events = follow_route(dispatcher, tracker, intent, decision)
        if topic and decision.solution_id:
            answer_faq(dispatcher, load_catalogue().get(decision.solution_id), topic)
        return events


class ActionNextStep(Action):
    """One step of the current solution at a time; then "Lykkedes det?"."""

    def name(self) -> Text:
        return "action_next_step"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        solution = current_solution(tracker)
        if solution is None:
            dispatcher.utter_message(response="utter_no_solution_yet")
            return []
        overrides = kommune_for(tracker).solution_overrides(solution.id)
        steps = solution.steps_for(tracker.get_slot("variant"), overrides)
        step = int(tracker.get_slot("step") or 0)
        if step >= len(steps):
            dispatcher.utter_message(response="utter_did_it_work")
            return [SlotSet("asked", DID_IT_WORK)]
        dispatcher.utter_message(text=f"Trin {step + 1} af {len(steps)}: {steps[step]}")
        if step + 1 == len(steps):
            dispatcher.utter_message(response="utter_did_it_work")
            return [SlotSet("step", step + 1), SlotSet("asked", DID_IT_WORK)]
        dispatcher.utter_message(
            text="Skriv \"næste\", når du er klar.",
            buttons=[{"title": "Næste trin", "payload": "/next_step"},
                     {"title": "Det virker ikke", "payload": "/solution_not_working"}],
        )
        return [SlotSet("step", step + 1)]


def stuck(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Troubleshooting for the current solution, then the ways out."""
    solution = current_solution(tracker)
    if solution and solution.troubleshooting:
        tips = "\n".join(f"- {tip}" for tip in solution.troubleshooting)
        dispatcher.utter_message(text=f"Det er træls, når det driller. Prøv dette:\n{tips}")
        dispatcher.utter_message(text="Hjalp det ikke? Vælg det, der passer:", buttons=STUCK_BUTTONS)
    else:
        dispatcher.utter_message(response="utter_solution_not_working", buttons=STUCK_BUTTONS)
    if helping(tracker):
        surface_fuldmagt(dispatcher)
    return [SlotSet("asked", None), SlotSet("stuck_area", tracker.get_slot("area") or "ukendt")]


class ActionSolutionNotWorking(Action):
    """The citizen is stuck in a solution: troubleshooting and ways out."""

    def name(self) -> Text:
        return "action_solution_not_working"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return stuck(dispatcher, tracker)


class ActionYesNo(Action):
    """Ja/nej, read in the light of the last question the bot asked."""

    def name(self) -> Text:
        return "action_yes_no"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("asked") == DID_IT_WORK:
            if intent == "affirm":
                dispatcher.utter_message(response="utter_glad")
                return [SlotSet("asked", None)]
            return stuck(dispatcher, tracker)
        answered = answer_in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        dispatcher.utter_message(response="utter_affirm" if intent == "affirm" else "utter_deny")
        return []


class ActionGoBack(Action):
    """Back to the solution shown before the current one."""

    def name(self) -> Text:
        return "action_go_back"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        previous = tracker.get_slot("previous_solution")
        catalogue = load_catalogue()
        if not previous or previous not in catalogue.solutions:
            dispatcher.utter_message(response="utter_nothing_to_go_back_to")
            return []
        solution = catalogue.get(previous)
        return show_solution(dispatcher, tracker, solution, tracker.get_slot("previous_variant"), solution.intent)


class ActionOutOfScope(Action):
    """Out of scope, unless it answers the open question in context."""

    def name(self) -> Text:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        answered = answer_in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        dispatcher.utter_message(response="utter_out_of_scope")
        if helping(tracker):
            surface_fuldmagt(dispatcher)
        if count >= NOT_UNDERSTOOD_BEFORE_HANDOFF:
            return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)
        return [SlotSet("fallback_count", count)]


class ActionFallback(Action):
    """The bot did not understand: ask again and offer the likely areas."""

    def name(self) -> Text:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        answered = answer_in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        attempt = int(tracker.get_slot("fallback_count") or 0) + 1
        buttons = topic_buttons(tracker.latest_message.get("intent_ranking") or [])
        if attempt == 1:
            dispatcher.utter_message(response="utter_fallback", buttons=buttons)
            dispatcher.utter_message(json_message=contract.Fallback(attempt).to_dict())
            if helping(tracker):  # acting for someone else: fuldmagt, whatever the NLU made of it
                surface_fuldmagt(dispatcher)
            return [SlotSet("fallback_count", attempt)]
        dispatcher.utter_message(response="utter_fallback_again", buttons=buttons)
        dispatcher.utter_message(json_message=contract.Fallback(attempt).to_dict())
        return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    """Sends the `handoff` event; pauses the bot when staff take it live."""
    kommune = kommune_for(tracker)
    handoff = make_handoff(reason, tracker.get_slot("area"), kommune)
    dispatcher.utter_message(text=handoff_text(handoff, kommune))
    dispatcher.utter_message(json_message=handoff.to_dict())
    events: List[EventType] = [
        SlotSet("escalation_id", handoff.escalation_id),
        SlotSet("fallback_count", 0),
        SlotSet("asked", None),
    ]
    if handoff.mode == contract.LIVE:
        events.append(ConversationPaused())
    return events


class ActionHandoff(Action):
    """The citizen wants a person: hand the conversation to staff."""

    def name(self) -> Text:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        stuck_before = tracker.get_slot("stuck_area") is not None
        reason = contract.SOLUTION_NOT_WORKING if stuck_before else contract.REQUESTED_BY_CITIZEN
        return hand_off(dispatcher, tracker, reason)


class ActionContactBorgerservice(Action):
    """Phone, address, opening hours and booking of the citizen's kommune."""

    def name(self) -> Text:
        return "action_contact_borgerservice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kommune = kommune_for(tracker)
        dispatcher.utter_message(response="utter_contact_borgerservice", contact=kommune.contact_text())
        return []

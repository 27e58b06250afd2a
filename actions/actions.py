"""The custom actions. They stay thin: the catalogue, the kommune content and
the routing rules are plain modules; these classes glue them to the dialogue.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Union

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import handoff_text, make_handoff
from borgerguide import contract
from borgerguide.catalogue import Solution, load_catalogue
from borgerguide.content import content_dir, read_yaml
from borgerguide.kommuner import Kommune, load_kommune
from borgerguide.notices import active as active_notices
from borgerguide.topics import TOPIC_ENTITY, Topic, authorities, load_topics, topic_of, topic_payload
from actions.routing import (
    ANSWER_SLOTS,
    SERVICE_INTENTS,
    Route,
    acute,
    faq_topic,
    helping_someone_else,
    no_answer,
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
HUMAN_BUTTON = {"title": "Tal med en medarbejder", "payload": "/request_human"}
ACUTE_TOPIC = "akut_hjaelp"
# "Mener du ...?": asked when the two most likely next steps are this close
# (and the first is not sure), instead of guessing (benchmarks/README.md).
CLARIFY_MARGIN = 0.25
CLARIFY_SURE = 0.8
CLARIFY_SECOND = 0.1
# ... and this close for a pair the catalogue declares easily confused
# (a topic's `confusable`: kørestol / kørekort, børnecheck / folkepension)
CLARIFY_MARGIN_CONFUSABLE = 0.5
Entry = Union[Solution, Topic]


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


def next_step_button(intent_name: str) -> Optional[Dict[str, str]]:
    """The button for a next step of the ranking: a service area
    (`report_move`) or a topic (`topic_affald`); None for anything else."""
    if intent_name in SERVICE_INTENTS:
        names = area_names()
        return {"title": names.get(intent_name, intent_name), "payload": f"/{intent_name}"}
    topic = load_topics().get(topic_of(intent_name))
    if topic is not None:
        return {"title": topic.name, "payload": topic_payload(topic.id)}
    return None


def likely_next_steps(intent_ranking: List[Dict[str, Any]]) -> List[Tuple[str, float, Dict[str, str]]]:
    """(intent name, confidence, button) of the next steps in the ranking, most likely first."""
    steps = []
    for candidate in intent_ranking:
        button = next_step_button(str(candidate.get("name") or ""))
        if button is not None:
            steps.append((str(candidate["name"]), float(candidate.get("confidence") or 0), button))
    return steps


def topic_buttons(intent_ranking: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """Buttons for the most likely service areas and topics of the last message."""
    return [button for _, _, button in likely_next_steps(intent_ranking)[:MAX_TOPIC_BUTTONS]]


def clarification(tracker: Tracker) -> Optional[List[Tuple[str, float, Dict[str, str]]]]:
    """The two next steps to ask between ("Mener du ...?"), when the message
    is truly between them; None when the bot may go ahead."""
    message = tracker.latest_message
    if str(message.get("text") or "").startswith("/"):
        return None  # a button: the citizen chose
    steps = likely_next_steps(message.get("intent_ranking") or [])
    if len(steps) < 2:
        return None
    (first_name, first, _), (second_name, second, _) = steps[0], steps[1]
    margin = CLARIFY_MARGIN_CONFUSABLE if confusable(first_name, second_name) else CLARIFY_MARGIN
    if first >= CLARIFY_SURE or second < CLARIFY_SECOND or first - second >= margin:
        return None
    return steps[:2]


def confusable(one: str, other: str) -> bool:
    """Does the catalogue declare these two next steps (intent names: a
    service intent or `topic_<id>`) easily confused, in either direction?"""
    topics = load_topics()
    ids = [topic_of(one) or one, topic_of(other) or other]
    for this, that in (ids, ids[::-1]):
        topic = topics.get(this)
        if topic is not None and that in topic.confusable:
            return True
    return False


def ask_which(dispatcher: CollectingDispatcher, tracker: Tracker,
              steps: List[Tuple[str, float, Dict[str, str]]]) -> List[EventType]:
    """One short question with buttons instead of a guess (and fuldmagt at
    once when the citizen acts for someone else, whichever they choose)."""
    options = [name if name in SERVICE_INTENTS else f"topic:{topic_of(name)}" for name, _, _ in steps]
    dispatcher.utter_message(text="Mener du en af disse?", buttons=[button for _, _, button in steps] + [HUMAN_BUTTON])
    dispatcher.utter_message(json_message=contract.Clarify(tuple(options)).to_dict())
    if helping(tracker):
        surface_fuldmagt(dispatcher)
    return [SlotSet("fallback_count", 0)]


def topic_in(tracker: Tracker) -> Optional[Topic]:
    """The topic the message is about (the entity `topic`), if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == TOPIC_ENTITY:
            return load_topics().get(str(entity.get("value")))
    return None


def acute_help(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Help now: the crisis lines and the kommune's social emergency contact,
    then the way to a person. Said first, before anything else."""
    topic = load_topics().get(ACUTE_TOPIC)
    kommune = kommune_for(tracker)
    lines = [f"- {line.name}: {line.phone}" + (f" ({line.when})" if line.when else "")
             for line in (topic.help_lines if topic else ())]
    social = kommune.borgerservice.get("social_emergency_phone")
    local = (f"Din kommunes socialvagt: {social}." if social else
             f"Ring til {kommune.name if kommune.website else 'din kommune'}, og bed om at tale med en socialrådgiver.")
    dispatcher.utter_message(text="Du kan få hjælp nu. Er du i fare, så ring 112.\n" + "\n".join(lines) + "\n" + local,
                             buttons=[{"title": "Tal med en medarbejder nu", "payload": "/request_human"}])
    return [SlotSet("area", ACUTE_TOPIC)]


def helping(tracker: Tracker) -> bool:
    """Is the citizen acting for someone else (a relative named, "for min mor")?"""
    return bool(tracker.get_slot("relation")) or helping_someone_else(tracker.latest_message.get("text") or "")


def surface_fuldmagt(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(text=FULDMAGT_NOTE, buttons=[{"title": "Om fuldmagt", "payload": "/power_of_attorney"}])


def entry_for(entry_id: Optional[str]) -> Optional[Entry]:
    """A solution of the catalogue or a topic, by id."""
    if not entry_id:
        return None
    return load_catalogue().solutions.get(entry_id) or load_topics().get(entry_id)


def current_solution(tracker: Tracker) -> Optional[Entry]:
    """The solution or topic whose card was shown last."""
    return entry_for(tracker.get_slot("solution_id"))


def area_of(entry: Entry) -> str:
    """A service area's intent, or a topic's id (the `area` of hand-offs and analytics)."""
    return entry.intent if isinstance(entry, Solution) else entry.id


def overrides_for(entry: Entry, kommune: Kommune) -> Dict[str, Any]:
    """The kommune's own url, steps, FAQ answers ... for a solution or a topic."""
    if isinstance(entry, Topic):
        return dict(kommune.topic_overrides(entry.id))
    return dict(kommune.solution_overrides(entry.id))


def card_for(entry: Entry, kommune: Kommune, variant: Optional[str]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(the kommune's overrides, the card) of a solution or a topic."""
    overrides = overrides_for(entry, kommune)
    if isinstance(entry, Topic):
        name = authorities().get(entry.authority, {}).get("name")
        return overrides, entry.card(overrides, kommune.own_page, name)
    return overrides, entry.card(overrides, variant)


def answer_faq(dispatcher: CollectingDispatcher, solution: Entry, topic: str,
               kommune: Optional[Kommune] = None) -> None:
    """Answers cost/duration/deadline/prepare from the kommune's own answer or
    the catalogue; never invents one."""
    overrides = overrides_for(solution, kommune) if kommune is not None else {}
    answer = (overrides.get("faq") or {}).get(topic) or solution.faq.get(topic)
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
    solution: Entry,
    variant: Optional[str],
    area: str,
) -> List[EventType]:
    """Sends the text and the card (of a solution or a topic); returns the
    slot events that go with it."""
    kommune = kommune_for(tracker)
    tell_notices(dispatcher, kommune, area)
    overrides, card = card_for(solution, kommune, variant)
    dispatcher.utter_message(text=solution.intro_for(variant, overrides))
    dispatcher.utter_message(json_message=card)
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
        answer_faq(dispatcher, solution, topic, kommune_for(tracker))
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
        first: List[EventType] = acute_help(dispatcher, tracker) if acute(text) else []
        decision = route(intent, text, message.get("entities") or [], context_answers(tracker, intent))
        shown = current_solution(tracker)
        topic = faq_topic(text)
        if topic and shown and (decision.solution_id == shown.id or (decision.ask and area_of(shown) == intent)):
            # a question about the card already shown: answer it, no new card
            answer_faq(dispatcher, shown, topic, kommune_for(tracker))
            return first + [SlotSet("fallback_count", 0)]
        between = clarification(tracker)
        if between and not first:
            return ask_which(dispatcher, tracker, between)
        events = follow_route(dispatcher, tracker, intent, decision)
        if topic and decision.solution_id:
            answer_faq(dispatcher, load_catalogue().get(decision.solution_id), topic, kommune_for(tracker))
        return first + events


class ActionRouteTopic(Action):
    """A topic of the wider citizen service: its solution card (the kommune
    handles it) or referral card (another authority does). Acute help first."""

    def name(self) -> Text:
        return "action_route_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        topic = topic_in(tracker)
        if topic is None:
            return ActionFallback().run(dispatcher, tracker, domain)
        text = tracker.latest_message.get("text") or ""
        if topic.acute or acute(text):
            events = acute_help(dispatcher, tracker)
            confidence = float((tracker.latest_message.get("intent") or {}).get("confidence") or 0)
            if not topic.acute and confidence < CLARIFY_SURE:
                # the words say acute, the classifier is unsure what else: no guessed card beside the help
                topic = load_topics().get(ACUTE_TOPIC) or topic
            if topic.acute:
                return events + show_solution(dispatcher, tracker, topic, None, topic.id)
        else:
            events = []
        shown = current_solution(tracker)
        question = faq_topic(text)
        if question and shown is not None and shown.id == topic.id:
            answer_faq(dispatcher, shown, question, kommune_for(tracker))
            return events + [SlotSet("fallback_count", 0)]
        between = clarification(tracker)
        if between and not events:
            return ask_which(dispatcher, tracker, between)
        events += show_solution(dispatcher, tracker, topic, None, topic.id)
        if question:
            answer_faq(dispatcher, topic, question, kommune_for(tracker))
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
        solution = entry_for(tracker.get_slot("previous_solution"))
        if solution is None:
            dispatcher.utter_message(response="utter_nothing_to_go_back_to")
            return []
        return show_solution(dispatcher, tracker, solution, tracker.get_slot("previous_variant"), area_of(solution))


class ActionOutOfScope(Action):
    """Out of scope, unless it answers the open question in context."""

    def name(self) -> Text:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if acute(tracker.latest_message.get("text") or ""):
            return acute_help(dispatcher, tracker)
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
        if acute(tracker.latest_message.get("text") or ""):
            return acute_help(dispatcher, tracker)
        answered = answer_in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        attempt = int(tracker.get_slot("fallback_count") or 0) + 1
        between = clarification(tracker)
        if between:  # between two next steps: ask, rather than "not understood"
            return ask_which(dispatcher, tracker, between)
        buttons = topic_buttons(tracker.latest_message.get("intent_ranking") or [])
        if attempt == 1:
            dispatcher.utter_message(response="utter_fallback", buttons=buttons)
            dispatcher.utter_message(json_message=contract.Fallback(attempt).to_dict())
            if helping(tracker):  # acting for someone else: fuldmagt, whatever the NLU made of it
                surface_fuldmagt(dispatcher)
            # never a dead end: the kommune's Borgerservice and a person are always a way on
            contact = kommune_for(tracker).contact_text()
            dispatcher.utter_message(text=f"Du kan også få hjælp af Borgerservice. {contact}", buttons=[HUMAN_BUTTON])
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
        if tracker.get_slot("area") == ACUTE_TOPIC:
            reason = contract.ACUTE
        elif tracker.get_slot("stuck_area") is not None:
            reason = contract.SOLUTION_NOT_WORKING
        else:
            reason = contract.REQUESTED_BY_CITIZEN
        return hand_off(dispatcher, tracker, reason)


class ActionContactBorgerservice(Action):
    """Phone, address, opening hours and booking of the citizen's kommune."""

    def name(self) -> Text:
        return "action_contact_borgerservice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kommune = kommune_for(tracker)
        dispatcher.utter_message(response="utter_contact_borgerservice", contact=kommune.contact_text())
        if no_answer(tracker.latest_message.get("text") or ""):
            # "they never answer my e-mail": the phone, and a person here and now
            dispatcher.utter_message(text="Det er træls at vente på svar. Du kan ringe til Borgerservice, "
                                          "eller du kan skrive med en medarbejder her.", buttons=[HUMAN_BUTTON])
        return []

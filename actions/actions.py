"""The custom actions. They stay thin: the catalogue, the answer base, the
kommune content and the routing rules are plain modules; these classes glue
them to the dialogue. Every action that reads free text first asks
`in_context()` (actions/conversation.py): the conversation's matter, its open
question and who it is for decide how a short follow-up is read.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple, Union

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import (
    CONTEXT_INTENTS,
    FALLBACK_INTENT,
    NAMED_SURE,
    Reading,
    corrected_matter,
    followup_question,
    in_light_of,
    ranked_matters,
    read,
    related,
)
from actions.handoff import handoff_text, make_handoff
from actions.nearest import nearest_matters, vocabulary
from actions.reading import asked_question, booking, correction, gibberish
from actions.routing import (
    ANSWER_SLOTS,
    SERVICE_INTENTS,
    Route,
    acute,
    no_answer,
    route,
)
from borgerguide import contract
from borgerguide.answers import answer_for
from borgerguide.catalogue import Solution, load_catalogue
from borgerguide.content import content_dir, read_yaml
from borgerguide.kommuner import Kommune, load_kommune
from borgerguide.notices import active as active_notices
from borgerguide.topics import Topic, authorities, load_topics, topic_payload

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
CONTACT_BUTTON = {"title": "Kontakt Borgerservice", "payload": "/contact_borgerservice"}
FULDMAGT_BUTTON = {"title": "Om fuldmagt", "payload": "/power_of_attorney"}
MENU_BUTTON = {"title": "Se hvad jeg kan hjælpe med", "payload": "/greet"}
CALL_ME_BUTTON = {"title": "Bliv ringet op af Borgerservice", "payload": "/request_human"}
ACUTE_TOPIC = "akut_hjaelp"
# a wish for a person, not a question about booking a time
PERSON_WORDS = re.compile(r"medarbejder|menneske|person|ringe?s? (mig )?op|ringer mig|snakke med|tale med|et rigtigt")
# the variant of a solution for the citizen's child (content/solutions.yml `variants.barn`)
CHILD_VARIANT = "barn"
# "Mener du ...?": asked when the two most likely next steps are this close
# (and the first is not sure), both plausible, and related in the catalogue
# (content/groups.yml, a topic's `confusable`), instead of guessing
# (benchmarks/README.md).
CLARIFY_MARGIN = 0.25
CLARIFY_SURE = 0.8
CLARIFY_SECOND = 0.2
# ... and this close for a pair the catalogue declares easily confused
# (a topic's `confusable`: kørestol / kørekort, børnecheck / folkepension)
CLARIFY_MARGIN_CONFUSABLE = 0.5
# a question without a matter: the matter the classifier sees down to this
QUESTION_MATTER_FLOOR = 0.15
# the ranking's matters offered on a fallback down to this confidence
FALLBACK_OFFER_FLOOR = 0.2
Entry = Union[Solution, Topic]
ANSWER_BUTTONS: Dict[str, List[Dict[str, str]]] = {
    "no_digital": [CALL_ME_BUTTON, FULDMAGT_BUTTON, CONTACT_BUTTON],
    "status": [CONTACT_BUTTON, HUMAN_BUTTON],
    "complaint": [CONTACT_BUTTON, HUMAN_BUTTON],
    "contact": [HUMAN_BUTTON],
}


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


def matter_button(matter: str) -> Optional[Dict[str, str]]:
    """The button for a matter: a service area (`report_move`) or a topic id."""
    if matter in SERVICE_INTENTS:
        return {"title": area_names().get(matter, matter), "payload": f"/{matter}"}
    topic = load_topics().get(matter)
    if topic is not None:
        return {"title": topic.name, "payload": topic_payload(topic.id)}
    return None


def clarify_option(matter: str) -> str:
    return matter if matter in SERVICE_INTENTS else f"topic:{matter}"


def clarification(reading: Reading) -> Optional[List[Tuple[str, float]]]:
    """The two matters to ask between ("Mener du ...?"), when the message is
    truly between two plausible and related ones; None when the bot may go ahead."""
    if reading.button:
        return None  # a button: the citizen chose
    steps = ranked_matters(reading)
    if len(steps) < 2:
        return None
    (first_name, first), (second_name, second) = steps[0], steps[1]
    if first >= CLARIFY_SURE or second < CLARIFY_SECOND or not related(first_name, second_name):
        return None
    margin = CLARIFY_MARGIN_CONFUSABLE if confusable(first_name, second_name) else CLARIFY_MARGIN
    if first - second >= margin:
        return None
    return steps[:2]


def confusable(one: str, other: str) -> bool:
    """Does a topic declare these two matters easily confused, in either direction?"""
    topics = load_topics()
    for this, that in ((one, other), (other, one)):
        topic = topics.get(this)
        if topic is not None and that in topic.confusable:
            return True
    return False


def ask_which(dispatcher: CollectingDispatcher, steps: List[Tuple[str, float]]) -> List[EventType]:
    """One short question with buttons instead of a guess."""
    buttons = [b for b in (matter_button(m) for m, _ in steps) if b]
    dispatcher.utter_message(text="Mener du en af disse?", buttons=buttons + [HUMAN_BUTTON])
    dispatcher.utter_message(json_message=contract.Clarify(tuple(clarify_option(m) for m, _ in steps)).to_dict())
    return [SlotSet("fallback_count", 0)]


def nearest_buttons(reading: Reading, limit: int = MAX_TOPIC_BUTTONS) -> List[Dict[str, str]]:
    """Buttons for the matters closest to what the citizen wrote: the
    classifier's plausible ones, then the closest in the words themselves."""
    matters: List[str] = [m for m, c in ranked_matters(reading) if c >= FALLBACK_OFFER_FLOOR]
    for intent_name, _ in nearest_matters(reading.text, SERVICE_INTENTS, limit=limit):
        matter = intent_name if intent_name in SERVICE_INTENTS else intent_name[len("topic_"):]
        if matter not in matters:
            matters.append(matter)
    return [b for b in (matter_button(m) for m in matters[:limit]) if b]


def acute_help(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Help now, in one short message: the crisis lines and the kommune's
    social emergency phone as numbers to tap, and a person at once."""
    topic = load_topics().get(ACUTE_TOPIC)
    kommune = kommune_for(tracker)
    lines = tuple(topic.help_lines if topic else ())
    social = kommune.borgerservice.get("social_emergency_phone")
    if social:
        local: Optional[contract.HelpLine] = contract.HelpLine(f"Socialvagten i {kommune.name}", str(social),
                                                               "akut hjælp fra kommunen")
        where = "din kommunes socialvagt"
    elif kommune.borgerservice.get("phone"):
        local = contract.HelpLine(f"Borgerservice i {kommune.name}", str(kommune.borgerservice["phone"]),
                                  "bed om at tale med en socialrådgiver")
        where = "kommunen"
    else:
        local, where = None, "din kommune"
    dispatcher.utter_message(
        text=f"Du kan få hjælp nu. Er du i fare, så ring 112. Du kan også ringe til {where} eller en af "
             "linjerne herunder, eller skrive med en medarbejder her.",
        buttons=[{"title": "Tal med en medarbejder nu", "payload": "/request_human"}])
    dispatcher.utter_message(json_message=contract.AcuteHelp(lines, local).to_dict())
    return [SlotSet("area", ACUTE_TOPIC)]


def helping_adult(reading: Reading) -> bool:
    """Does this message say the citizen acts for another adult ("for min mor")?"""
    return reading.person == "adult"


def surface_fuldmagt(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(text=FULDMAGT_NOTE, buttons=[FULDMAGT_BUTTON])


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


def name_of(entry: Entry) -> str:
    return area_names().get(entry.intent, entry.title) if isinstance(entry, Solution) else entry.name


def overrides_for(entry: Entry, kommune: Kommune) -> Dict[str, Any]:
    """The kommune's own url, steps, FAQ answers ... for a solution or a topic."""
    if isinstance(entry, Topic):
        return dict(kommune.topic_overrides(entry.id))
    return dict(kommune.solution_overrides(entry.id))


def page_of(entry: Entry, kommune: Kommune) -> str:
    """The page a citizen reads about the matter (the kommune's own where it set one)."""
    overrides = overrides_for(entry, kommune)
    if isinstance(entry, Topic):
        return str(overrides.get("url") or entry.url or kommune.own_page)
    return str(overrides.get("url") or entry.url)


def card_for(entry: Entry, kommune: Kommune, variant: Optional[str]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(the kommune's overrides, the card) of a solution or a topic."""
    overrides = overrides_for(entry, kommune)
    if isinstance(entry, Topic):
        name = authorities().get(entry.authority, {}).get("name")
        return overrides, entry.card(overrides, kommune.own_page, name)
    return overrides, entry.card(overrides, variant)


def authority_contact(entry: Entry) -> Optional[str]:
    """Who handles a referral topic, with its phone where the catalogue has it."""
    if not isinstance(entry, Topic) or not entry.referral:
        return None
    name = authorities().get(entry.authority, {}).get("name") or entry.authority
    if entry.phone and entry.phone_verified:
        return f"Det er {name}, der behandler det. Du kan ringe til dem på {entry.phone}."
    return f"Det er {name}, der behandler det. Du finder deres kontaktoplysninger på deres side."


def give_answer(dispatcher: CollectingDispatcher, tracker: Tracker, entry: Entry, question: str,
                person: Optional[str] = None) -> List[EventType]:
    """Answers a follow-up question about a matter from the answer base (the
    kommune's own answer, else the national one with its source, else the
    general one, else an honest "ved jeg ikke"), with the way on that fits."""
    kommune = kommune_for(tracker)
    person = person or tracker.get_slot("person")
    overrides = overrides_for(entry, kommune)
    page = page_of(entry, kommune)
    answer = answer_for(entry.id, question, overrides.get("faq"), overrides.get("url") or kommune.own_page,
                        child=person == "child")
    text = answer.text
    if question == "contact" and answer.kind in ("general", "unknown"):
        text = " ".join(filter(None, [authority_contact(entry), text]))
    buttons = list(ANSWER_BUTTONS.get(question, []))
    if question == "for_other" and person != "child" and entry.help.get("fuldmagt"):
        buttons.append(FULDMAGT_BUTTON)
    if question == "no_digital" and not entry.help.get("fuldmagt"):
        buttons = [b for b in buttons if b is not FULDMAGT_BUTTON]
    dispatcher.utter_message(text=text, buttons=buttons or None)
    dispatcher.utter_message(json_message={**contract.Answer(question, entry.id, answer.kind, answer.source,
                                                             answer.source_title).to_dict(), "page": page})
    if not answer.known or question in ("contact", "no_digital", "in_person", "status"):
        contact = kommune.contact_text()
        dispatcher.utter_message(text=f"Borgerservice: {contact}")
        dispatcher.utter_message(json_message=contract.Contact(kommune.id, kommune.borgerservice.get("phone"))
                                 .to_dict())
    events: List[EventType] = [SlotSet("last_question", question), SlotSet("fallback_count", 0)]
    if person and person != tracker.get_slot("person"):
        events.append(SlotSet("person", person))
    if (question == "for_other" and person == "child" and isinstance(entry, Solution)
            and CHILD_VARIANT in entry.variants and tracker.get_slot("variant") != CHILD_VARIANT):
        events += show_solution(dispatcher, tracker, entry, CHILD_VARIANT, entry.intent, person=person,
                                after_buttons=False)
    return events


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
    person: Optional[str] = None,
    after_buttons: bool = True,
) -> List[EventType]:
    """Sends the text and the card (of a solution or a topic); returns the
    slot events that go with it."""
    kommune = kommune_for(tracker)
    tell_notices(dispatcher, kommune, area)
    overrides, card = card_for(solution, kommune, variant)
    dispatcher.utter_message(text=solution.intro_for(variant, overrides))
    dispatcher.utter_message(json_message=card)
    if solution.help.get("fuldmagt") and person == "adult":
        surface_fuldmagt(dispatcher)
    if after_buttons:
        dispatcher.utter_message(text="Sig til, hvis du vil tage det trin for trin, eller spørg mig om det.",
                                 buttons=AFTER_CARD_BUTTONS)
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


def ask(dispatcher: CollectingDispatcher, area: str, response: str, again: bool = False) -> List[EventType]:
    """Asks the one question that changes the answer (buttons; words work too)."""
    if again:
        dispatcher.utter_message(text="Så er jeg tilbage ved mit spørgsmål:")
    dispatcher.utter_message(response=response)
    dispatcher.utter_message(json_message=contract.Question(response.replace("utter_ask_", ""), area).to_dict())
    return [SlotSet("area", area), SlotSet("pending_intent", area), SlotSet("fallback_count", 0)]


def follow_route(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str, decision: Route, reading: Reading
) -> List[EventType]:
    if decision.ask:
        return ask(dispatcher, intent, decision.ask)
    solution = load_catalogue().get(str(decision.solution_id))
    person = reading.person or tracker.get_slot("person")
    events = show_solution(dispatcher, tracker, solution, decision.variant, intent, person=reading.person)
    if reading.person and reading.person != tracker.get_slot("person"):
        events.append(SlotSet("person", reading.person))
    if reading.question:
        events += give_answer(dispatcher, tracker, solution, reading.question, person)
    return events


def go_to(dispatcher: CollectingDispatcher, tracker: Tracker, matter: str, reading: Reading) -> List[EventType]:
    """To a matter named by the citizen (a service area or a topic): its card,
    or the area's question; with the answer to a question the message asks."""
    if matter in SERVICE_INTENTS:
        decision = route(matter, reading.text, list(reading.entities), context_answers(tracker, matter))
        return follow_route(dispatcher, tracker, matter, decision, reading)
    topic = load_topics()[matter]
    if topic.acute:
        return acute_help(dispatcher, tracker) + topic_events(tracker, topic)
    events = show_solution(dispatcher, tracker, topic, None, topic.id, person=reading.person)
    if reading.question:
        events += give_answer(dispatcher, tracker, topic, reading.question, reading.person)
    return events


def topic_events(tracker: Tracker, topic: Topic) -> List[EventType]:
    """The context of a topic answered without a card (acute help)."""
    return [SlotSet("solution_id", topic.id), SlotSet("variant", None), SlotSet("pending_intent", None),
            SlotSet("fallback_count", 0)]


def default_solution(area: str) -> Solution:
    """The area's first solution: what a question about the area is answered for
    while the bot's own question is still open."""
    return load_catalogue().for_intent(area)[0]


def in_context(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """A message read in the light of the conversation (docstring of
    actions/conversation.py). None when the action goes on as usual."""
    reading = read(tracker.latest_message)
    if reading.button or not reading.text:
        return None
    current = current_solution(tracker)
    current_area = area_of(current) if current is not None else None
    pending = tracker.get_slot("pending_intent")
    if correction(reading.text):
        corrected = correct_course(dispatcher, tracker, reading, current, current_area or pending)
        if corrected is not None:
            return corrected
    if pending in SERVICE_INTENTS:
        return answer_the_open_question(dispatcher, tracker, reading, pending)
    if current is not None and current_area is not None:
        reading = in_light_of(reading, current_area)
        refined = refinement(dispatcher, tracker, reading, current)
        if refined is not None:
            return refined
        question = followup_question(reading, current_area, isinstance(current, Topic) and current.referral)
        if question:
            return give_answer(dispatcher, tracker, current, question, reading.person)
    return None


def correct_course(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading,
                   current: Optional[Entry], area: Optional[str]) -> Optional[List[EventType]]:
    """"nej, jeg mente kørekortet": to what the correction names. Within the
    same area ("nej, vi flytter TIL Danmark") the area's own routing decides."""
    ranked = ranked_matters(reading)
    if area in SERVICE_INTENTS and ranked and ranked[0][0] == area:
        decision = route(area, reading.text, list(reading.entities), {})
        shown = (current.id, tracker.get_slot("variant")) if current is not None else None
        if decision.solution_id and (decision.solution_id, decision.variant) != shown:
            return follow_route(dispatcher, tracker, area, decision, reading)
    target = corrected_matter(reading, area)
    if target is None:
        near = [m for m, _ in nearest_matters(reading.text, SERVICE_INTENTS, limit=2, floor=0.35)]
        target = next((matter_of_intent(m) for m in near if matter_of_intent(m) != area), None)
    return go_to(dispatcher, tracker, target, reading) if target else None


def matter_of_intent(intent_name: str) -> str:
    return intent_name if intent_name in SERVICE_INTENTS else intent_name[len("topic_"):]


def answer_the_open_question(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading,
                             pending: str) -> Optional[List[EventType]]:
    """While the bot's own question is open: an answer in words answers it; a
    question about the area is answered, and the bot asks again; words it
    cannot place get the question again, not a dead end."""
    context = context_answers(tracker, pending)
    decision = route(pending, reading.text, list(reading.entities), context)
    if decision.solution_id:
        return follow_route(dispatcher, tracker, pending, decision, reading)
    waiting = str(route(pending, "", [], context).ask or decision.ask)
    question = followup_question(reading, pending, False)
    if question:
        events = give_answer(dispatcher, tracker, default_solution(pending), question, reading.person)
        return events + ask(dispatcher, pending, waiting, again=True)
    other = reading.matter not in (None, pending) and reading.confidence >= NAMED_SURE
    if other or reading.intent not in (FALLBACK_INTENT, "out_of_scope"):
        return None
    dispatcher.utter_message(text="Det forstod jeg ikke helt. Vælg en af knapperne, eller skriv det "
                                  "med dine egne ord.")
    dispatcher.utter_message(json_message=contract.Fallback(1).to_dict())
    count = int(tracker.get_slot("fallback_count") or 0) + 1
    if count >= FALLBACKS_BEFORE_HANDOFF:
        return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)
    return ask(dispatcher, pending, waiting)[:-1] + [SlotSet("fallback_count", count)]


def refinement(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading,
               current: Entry) -> Optional[List[EventType]]:
    """Words that change which variant of the current solution fits ("jeg har
    ingen smartphone" after the MitID card): that variant's card."""
    if not isinstance(current, Solution) or reading.matter not in (current.intent, None) or not current.variants:
        return None
    if reading.intent not in (current.intent, *CONTEXT_INTENTS) and not asked_question(reading.intent):
        return None
    decision = route(current.intent, reading.text, list(reading.entities), {})
    if decision.solution_id == current.id and decision.variant and decision.variant != tracker.get_slot("variant"):
        return follow_route(dispatcher, tracker, current.intent, decision, reading)
    return None


def question_without_matter(dispatcher: CollectingDispatcher, tracker: Tracker,
                            reading: Reading) -> List[EventType]:
    """"hvad koster det?" with nothing shown yet: the matter the classifier
    sees, else the question back with the nearest matters."""
    for matter, confidence in ranked_matters(reading):
        if confidence >= QUESTION_MATTER_FLOOR:
            return go_to(dispatcher, tracker, matter, reading)
    buttons = nearest_buttons(reading)
    dispatcher.utter_message(text="Det svarer jeg gerne på. Hvad drejer det sig om? Skriv det med et par ord, "
                                  "fx \"pas\" eller \"flytning\"" + (", eller vælg:" if buttons else "."),
                             buttons=buttons + [CONTACT_BUTTON])
    return [SlotSet("fallback_count", 0)]


class ActionRouteService(Action):
    """Shows the solution card of a service intent, or asks what fits."""

    def name(self) -> Text:
        return "action_route_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message)
        intent = reading.intent
        if intent not in SERVICE_INTENTS:
            logger.warning("action_route_service called for intent %r", intent)
            dispatcher.utter_message(response="utter_fallback")
            return []
        first: List[EventType] = acute_help(dispatcher, tracker) if acute(reading.text) else []
        handled = in_context(dispatcher, tracker)
        if handled is not None:
            return first + handled
        between = clarification(reading)
        if between and not first:
            return ask_which(dispatcher, between)
        decision = route(intent, reading.text, list(reading.entities), context_answers(tracker, intent))
        return first + follow_route(dispatcher, tracker, intent, decision, reading)


class ActionRouteTopic(Action):
    """A topic of the wider citizen service: its solution card (the kommune
    handles it) or referral card (another authority does). Acute help first."""

    def name(self) -> Text:
        return "action_route_topic"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message)
        topic = load_topics().get(reading.topic or "")
        if topic is None:
            return ActionFallback().run(dispatcher, tracker, domain)
        if topic.acute or acute(reading.text):
            events = acute_help(dispatcher, tracker)
            if topic.acute or reading.confidence < CLARIFY_SURE:
                # the words say acute, the classifier is unsure what else: no guessed card beside the help
                acute_topic = load_topics().get(ACUTE_TOPIC) or topic
                return events + topic_events(tracker, acute_topic)
            return events + show_solution(dispatcher, tracker, topic, None, topic.id, person=reading.person)
        handled = in_context(dispatcher, tracker)
        if handled is not None:
            return handled
        between = clarification(reading)
        if between:
            return ask_which(dispatcher, between)
        return go_to(dispatcher, tracker, topic.id, reading)


class ActionFollowup(Action):
    """A follow-up question without a subject ("hvad koster det?"): answered
    for the current matter; with none yet, for the matter the message is
    nearest to, or the bot asks what it is about."""

    def name(self) -> Text:
        return "action_followup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message)
        if acute(reading.text):
            return acute_help(dispatcher, tracker)
        handled = in_context(dispatcher, tracker)
        if handled is not None:
            return handled
        return question_without_matter(dispatcher, tracker, reading)


class ActionNextStep(Action):
    """One step of the current solution at a time; then "Lykkedes det?"."""

    def name(self) -> Text:
        return "action_next_step"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        solution = current_solution(tracker)
        if solution is None:
            dispatcher.utter_message(response="utter_no_solution_yet")
            return []
        overrides = overrides_for(solution, kommune_for(tracker))
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
    return [SlotSet("asked", None), SlotSet("stuck_area", tracker.get_slot("area") or "ukendt")]


class ActionSolutionNotWorking(Action):
    """The citizen is stuck in a solution: troubleshooting and ways out."""

    def name(self) -> Text:
        return "action_solution_not_working"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message)
        if reading.question in ("no_digital", "status", "complaint") and current_solution(tracker) is not None:
            handled = in_context(dispatcher, tracker)
            if handled is not None:
                return handled
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
            if not correction(tracker.latest_message.get("text") or ""):
                return stuck(dispatcher, tracker)
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        if tracker.get_slot("asked") == DID_IT_WORK:
            return stuck(dispatcher, tracker)
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


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading) -> List[EventType]:
    """The bot did not understand: say so, offer what is closest to the
    message, Borgerservice and a person; the second time in a row, a person."""
    attempt = int(tracker.get_slot("fallback_count") or 0) + 1
    buttons = nearest_buttons(reading)
    if attempt >= FALLBACKS_BEFORE_HANDOFF:
        dispatcher.utter_message(response="utter_fallback_again", buttons=buttons or None)
        dispatcher.utter_message(json_message=contract.Fallback(attempt).to_dict())
        return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)
    if buttons:
        dispatcher.utter_message(response="utter_fallback", buttons=buttons)
    else:
        dispatcher.utter_message(response="utter_fallback_nothing_near", buttons=[MENU_BUTTON])
    dispatcher.utter_message(json_message=contract.Fallback(attempt).to_dict())
    if helping_adult(reading):  # acting for someone else: fuldmagt, whatever the NLU made of it
        surface_fuldmagt(dispatcher)
    # never a dead end: the kommune's Borgerservice and a person are always a way on
    contact = kommune_for(tracker).contact_text()
    dispatcher.utter_message(text=f"Du kan også få hjælp af Borgerservice. {contact}", buttons=[HUMAN_BUTTON])
    return [SlotSet("fallback_count", attempt)]


class ActionOutOfScope(Action):
    """Out of scope, unless it answers the open question in context."""

    def name(self) -> Text:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message)
        if acute(reading.text):
            return acute_help(dispatcher, tracker)
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        if gibberish(reading.text, vocabulary()):
            return not_understood(dispatcher, tracker, reading)
        count = int(tracker.get_slot("fallback_count") or 0) + 1
        dispatcher.utter_message(response="utter_out_of_scope")
        if helping_adult(reading):
            surface_fuldmagt(dispatcher)
        if count >= NOT_UNDERSTOOD_BEFORE_HANDOFF:
            return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)
        return [SlotSet("fallback_count", count)]


class ActionFallback(Action):
    """The bot did not understand: ask again and offer the nearest matters."""

    def name(self) -> Text:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message)
        if acute(reading.text):
            return acute_help(dispatcher, tracker)
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        between = clarification(reading)
        if between:  # between two next steps: ask, rather than "not understood"
            return ask_which(dispatcher, between)
        if reading.question and current_solution(tracker) is None:
            return question_without_matter(dispatcher, tracker, reading)
        return not_understood(dispatcher, tracker, reading)


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
        text = tracker.latest_message.get("text") or ""
        if booking(text) and not PERSON_WORDS.search(text.lower()) and current_solution(tracker) is not None:
            answered = in_context(dispatcher, tracker)
            if answered is not None:
                return answered
        if tracker.get_slot("area") == ACUTE_TOPIC:
            reason = contract.ACUTE
        elif tracker.get_slot("stuck_area") is not None:
            reason = contract.SOLUTION_NOT_WORKING
        else:
            reason = contract.REQUESTED_BY_CITIZEN
        return hand_off(dispatcher, tracker, reason)


class ActionContactBorgerservice(Action):
    """Phone, address, opening hours and booking of the citizen's kommune
    (and, about a matter another authority handles, who to call there)."""

    def name(self) -> Text:
        return "action_contact_borgerservice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        kommune = kommune_for(tracker)
        dispatcher.utter_message(response="utter_contact_borgerservice", contact=kommune.contact_text())
        dispatcher.utter_message(json_message=contract.Contact(kommune.id, kommune.borgerservice.get("phone"))
                                 .to_dict())
        if no_answer(text):
            # "they never answer my e-mail": the phone, and a person here and now
            dispatcher.utter_message(text="Det er træls at vente på svar. Du kan ringe til Borgerservice, "
                                          "eller du kan skrive med en medarbejder her.", buttons=[HUMAN_BUTTON])
        return [SlotSet("fallback_count", 0)]


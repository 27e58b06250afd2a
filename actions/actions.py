"""The custom actions. They stay thin: the catalogue, the answer base, the
kommune content and the routing rules are plain modules; these classes glue
them to the dialogue. Every action that reads free text first asks
`in_context()` (actions/conversation.py): the conversation's matter, its open
question and who it is for decide how a short follow-up is read.
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
import logging
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Text, Tuple, Union

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
    switches,
)
from actions.handoff import handoff_text, make_handoff
from actions.nearest import nearest_matters, vocabulary
from actions.reading import booking, correction, gibberish, names_fuldmagt
from actions.routing import (
    ANSWER_SLOTS,
    DAYCARE_NEED_CUES,
    SERVICE_INTENTS,
    Route,
    acute,
    first_cue,
    no_answer,
    route,
)
from borgerguide import contract
from borgerguide.catalogue import Solution, load_catalogue
from borgerguide.kommuner import Kommune, load_kommune, phone_digits
from borgerguide.languages import Texts, conversation_language, default_language, texts
from borgerguide.notices import active as active_notices
from borgerguide.topics import Topic, load_topics, topic_payload
from borgerguide.translations import View, answer_in, area_name, authority_name, card, solution_view, topic_view

logger = logging.getLogger(__name__)

MAX_TOPIC_BUTTONS = 3
# Consecutive turns the bot did not understand before it hands over:
FALLBACKS_BEFORE_HANDOFF = 2        # low-confidence fallbacks ("failed twice")
NOT_UNDERSTOOD_BEFORE_HANDOFF = 3   # fallbacks and out-of-scope answers together
DID_IT_WORK = "did_it_work"
# the buttons the bot offers, by the key of their title in content/lang/<code>/messages.yml
BUTTONS = {
    "step_by_step": "/next_step", "not_working": "/solution_not_working", "mitid_login": "/mitid",
    "someone_else": "/power_of_attorney", "contact": "/contact_borgerservice", "human": "/request_human",
    "human_now": "/request_human", "fuldmagt": "/power_of_attorney", "menu": "/greet",
    "call_me": "/request_human", "next_step": "/next_step",
}
AFTER_CARD = ("step_by_step", "not_working")
STUCK = ("mitid_login", "someone_else", "contact", "human")
ACUTE_TOPIC = "akut_hjaelp"
VERY_SURE = 0.9  # a matter the classifier names this surely leaves an open question (turns_away)
NATIONAL_SOCIAL_LINE = "114"  # the police, through whom a kommune's social on-call is reached out of hours
# a wish for a person, not a question about booking a time
PERSON_WORDS = re.compile(r"medarbejder|menneske|person|ringe?s? (mig )?op|ringer mig|snakke med|tale med|et rigtigt"
                          r"|talk to|speak to|speak with|human|someone|staff|людин|оператор|працівник|поговорити")
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
ANSWER_BUTTONS: Dict[str, Tuple[str, ...]] = {
    "no_digital": ("call_me", "fuldmagt", "contact"),
    "status": ("contact", "human"),
    "complaint": ("contact", "human"),
    "contact": ("human",),
}


class GuideAction(Action, metaclass=ABCMeta):
    """An action of the guide: it responds; a first message's language, only
    guessed, becomes the conversation's (the slot), so that it holds.
    Abstract, so that rasa-sdk does not register it as an action of its own."""

    @abstractmethod
    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                domain: Dict[Text, Any]) -> List[EventType]:
        """The action's own answer."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events = self.respond(dispatcher, tracker, domain)
        lang = lang_of(tracker)
        if not tracker.get_slot("language") and lang != default_language() and not any(
                isinstance(e, dict) and e.get("name") == "language" for e in events):
            events = events + [SlotSet("language", lang)]
        return events


def kommune_for(tracker: Tracker) -> Kommune:
    """The kommune the channel named (`metadata.kommune`), else the default."""
    metadata = tracker.latest_message.get("metadata") or {}
    kommune_id = metadata.get("kommune")
    if not kommune_id:
        session_metadata = tracker.get_slot("session_started_metadata") or {}
        kommune_id = session_metadata.get("kommune")
    return load_kommune(kommune_id if isinstance(kommune_id, str) else None)


def lang_of(tracker: Tracker) -> str:
    """The conversation's language: the slot (the citizen's choice or what
    their words surely say), else a first message's guess, else Danish."""
    return conversation_language(tracker.get_slot("language"), tracker.latest_message.get("entities") or [])


def say(tracker: Tracker) -> Texts:
    """What the bot says in its own words, in the conversation's language."""
    return texts(lang_of(tracker))


def button(t: Texts, key: str) -> Dict[str, str]:
    return {"title": t.t(f"button.{key}"), "payload": BUTTONS[key]}


def buttons_of(t: Texts, keys: Iterable[str]) -> List[Dict[str, str]]:
    return [button(t, key) for key in keys]


def matter_button(matter: str, lang: str) -> Optional[Dict[str, str]]:
    """The button for a matter: a service area (`report_move`) or a topic id."""
    if matter in SERVICE_INTENTS:
        return {"title": area_name(matter, lang), "payload": f"/{matter}"}
    topic = load_topics().get(matter)
    if topic is not None:
        return {"title": topic_view(topic, lang).name, "payload": topic_payload(topic.id)}
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


def ask_which(dispatcher: CollectingDispatcher, tracker: Tracker, steps: List[Tuple[str, float]],
              person: Optional[str] = None) -> List[EventType]:
    """One short question with buttons instead of a guess (and, acting for
    another adult, fuldmagt at once, whichever they choose)."""
    t = say(tracker)
    buttons = [b for b in (matter_button(m, t.lang) for m, _ in steps) if b]
    dispatcher.utter_message(text=t.t("clarify.question"), buttons=buttons + [button(t, "human")])
    dispatcher.utter_message(json_message=contract.Clarify(tuple(clarify_option(m) for m, _ in steps)).to_dict())
    if person == "adult":
        surface_fuldmagt(dispatcher, t)
    return [SlotSet("fallback_count", 0)]


def nearest_buttons(reading: Reading, lang: str, limit: int = MAX_TOPIC_BUTTONS) -> List[Dict[str, str]]:
    """Buttons for the matters closest to what the citizen wrote: the
    classifier's plausible ones, then the closest in the words themselves."""
    matters: List[str] = [m for m, c in ranked_matters(reading) if c >= FALLBACK_OFFER_FLOOR]
    for intent_name, _ in nearest_matters(reading.text, SERVICE_INTENTS, limit=limit):
        matter = intent_name if intent_name in SERVICE_INTENTS else intent_name[len("topic_"):]
        if matter not in matters:
            matters.append(matter)
    return [b for b in (matter_button(m, lang) for m in matters[:limit]) if b]


def acute_help(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Help now, in one short message: the crisis lines and the kommune's
    social emergency phone as numbers to tap, and a person at once."""
    topic = load_topics().get(ACUTE_TOPIC)
    kommune = kommune_for(tracker)
    t = say(tracker)
    lines = tuple(topic.help_lines if topic else ())
    social = kommune.borgerservice.get("social_emergency_phone")
    national: Optional[contract.HelpLine] = None
    local: Optional[contract.HelpLine] = None
    if social:
        local = contract.HelpLine(t.t("acute.social_line", kommune=kommune.name), str(social),
                                  t.t("acute.social_when"))
        where = t.t("acute.where_social")
    else:  # no number of the kommune's own: the social on-call through the police (content/lang/da/messages.yml)
        national = contract.HelpLine(t.t("acute.national_line"), NATIONAL_SOCIAL_LINE, t.t("acute.national_when"))
        lines = tuple(line for line in lines if phone_digits(line.phone) != NATIONAL_SOCIAL_LINE)
        where = t.t("acute.where_national")
        if kommune.borgerservice.get("phone"):
            local = contract.HelpLine(t.t("acute.borgerservice_line", kommune=kommune.name),
                                      str(kommune.borgerservice["phone"]), t.t("acute.borgerservice_when"))
    dispatcher.utter_message(text=t.t("acute.text", where=where), buttons=[button(t, "human_now")])
    dispatcher.utter_message(json_message=contract.AcuteHelp(lines, local, national).to_dict())
    return [SlotSet("area", ACUTE_TOPIC)]


def helping_adult(reading: Reading) -> bool:
    """Does this message say the citizen acts for another adult ("for min mor")?"""
    return reading.person == "adult"


def surface_fuldmagt(dispatcher: CollectingDispatcher, t: Texts) -> None:
    dispatcher.utter_message(text=t.t("fuldmagt.note"), buttons=[button(t, "fuldmagt")])


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


def kommune_answers(overrides: Mapping[str, Any], lang: str) -> Mapping[str, Any]:
    """The kommune's own answers in the conversation's language (`faq` in
    Danish, `lang.<code>.faq` in another): never its Danish ones in English."""
    if lang == default_language():
        return overrides.get("faq") or {}
    return ((overrides.get("lang") or {}).get(lang) or {}).get("faq") or {}


def page_of(entry: Entry, kommune: Kommune) -> str:
    """The page a citizen reads about the matter (the kommune's own where it set one)."""
    overrides = overrides_for(entry, kommune)
    if isinstance(entry, Topic):
        return str(overrides.get("url") or entry.url or kommune.own_page)
    return str(overrides.get("url") or entry.url)


def view_of(entry: Entry, lang: str, overrides: Mapping[str, Any]) -> View:
    """A solution's or topic's texts in the conversation's language."""
    if isinstance(entry, Topic):
        return topic_view(entry, lang, overrides)
    return solution_view(entry, lang, overrides)


def card_for(entry: Entry, kommune: Kommune, variant: Optional[str], lang: str) -> Tuple[View, Dict[str, Any]]:
    """(the texts, the card) of a solution or a topic, in `lang`, with the kommune's own."""
    overrides = overrides_for(entry, kommune)
    view = view_of(entry, lang, overrides)
    authority = authority_name(entry.authority, lang) if isinstance(entry, Topic) else None
    return view, card(view, entry, kommune.own_page, overrides, variant, authority)


def authority_contact(entry: Entry, t: Texts) -> Optional[str]:
    """Who handles a referral topic, with its phone where the catalogue has it."""
    if not isinstance(entry, Topic) or not entry.referral:
        return None
    name = authority_name(entry.authority, t.lang)
    if entry.phone and entry.phone_verified:
        return t.t("authority.phone", name=name, phone=entry.phone)
    return t.t("authority.page", name=name)


def give_answer(dispatcher: CollectingDispatcher, tracker: Tracker, entry: Entry, question: str,
                person: Optional[str] = None) -> List[EventType]:
    """Answers a follow-up question about a matter from the answer base (the
    kommune's own answer, else the national one with its source, else the
    general one, else an honest "ved jeg ikke"), with the way on that fits."""
    kommune = kommune_for(tracker)
    t = say(tracker)
    person = person or tracker.get_slot("person")
    overrides = overrides_for(entry, kommune)
    page = page_of(entry, kommune)
    answer = answer_in(entry.id, question, t.lang, kommune_answers(overrides, t.lang),
                       overrides.get("url") or kommune.own_page, child=person == "child")
    text = answer.text
    if question == "contact" and answer.kind in ("general", "unknown"):
        text = " ".join(filter(None, [authority_contact(entry, t), text]))
    keys = list(ANSWER_BUTTONS.get(question, ()))
    if question == "for_other" and person != "child" and entry.help.get("fuldmagt"):
        keys.append("fuldmagt")
    if question == "no_digital" and not entry.help.get("fuldmagt"):
        keys.remove("fuldmagt")
    dispatcher.utter_message(text=text, buttons=buttons_of(t, keys) or None)
    dispatcher.utter_message(json_message={**contract.Answer(question, entry.id, answer.kind, answer.source,
                                                             answer.source_title).to_dict(), "page": page})
    if not answer.known or question in ("contact", "no_digital", "in_person", "status"):
        contact = kommune.contact_text(lang=t.lang)
        dispatcher.utter_message(text=t.t("contact.prefix", contact=contact))
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
    t = say(tracker)
    tell_notices(dispatcher, kommune, area, t)
    view, payload = card_for(solution, kommune, variant, t.lang)
    dispatcher.utter_message(text=view.intro_for(variant))
    dispatcher.utter_message(json_message=payload)
    if view.danish_only:
        dispatcher.utter_message(text=t.t("card.danish_only"), buttons=buttons_of(t, ("contact", "fuldmagt")))
    if solution.help.get("fuldmagt") and person == "adult":
        surface_fuldmagt(dispatcher, t)
    if after_buttons:
        dispatcher.utter_message(text=t.t("card.after"), buttons=buttons_of(t, AFTER_CARD))
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


def tell_notices(dispatcher: CollectingDispatcher, kommune: Kommune, area: str, t: Texts) -> None:
    """Active operational notices for the kommune and area, before the card."""
    try:
        notices = active_notices(kommune.id, area)
    except Exception:  # noqa: BLE001 - the notices store must never stop the guidance
        logger.exception("Could not read operational notices")
        return
    for notice in notices:
        dispatcher.utter_message(text=t.t("notice.prefix", text=notice.text))
        dispatcher.utter_message(json_message=notice.payload().to_dict())


def ask(dispatcher: CollectingDispatcher, tracker: Tracker, area: str, response: str, again: bool = False,
        person: Optional[str] = None) -> List[EventType]:
    """Asks the one question that changes the answer (buttons; words work too);
    acting for another adult in an area where a fuldmagt helps, that too."""
    t = say(tracker)
    if again:
        dispatcher.utter_message(text=t.t("question.again"))
    dispatcher.utter_message(response=response)
    dispatcher.utter_message(json_message=contract.Question(response.replace("utter_ask_", ""), area).to_dict())
    if person == "adult" and any(s.help.get("fuldmagt") for s in load_catalogue().for_intent(area)):
        surface_fuldmagt(dispatcher, t)
    return [SlotSet("area", area), SlotSet("pending_intent", area), SlotSet("fallback_count", 0)]


def follow_route(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str, decision: Route, reading: Reading
) -> List[EventType]:
    if decision.ask:
        return ask(dispatcher, tracker, intent, decision.ask, person=reading.person)
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
        decision = route(matter, reading.text, list(reading.entities), context_answers(tracker, matter), reading.lang)
        return follow_route(dispatcher, tracker, matter, decision, reading)
    topic = load_topics()[matter]
    if topic.acute:
        return acute_help(dispatcher, tracker) + acute_card(dispatcher, tracker, topic)
    events = show_solution(dispatcher, tracker, topic, None, topic.id, person=reading.person)
    if reading.question:
        events += give_answer(dispatcher, tracker, topic, reading.question, reading.person)
    return events


def acute_card(dispatcher: CollectingDispatcher, tracker: Tracker, topic: Topic) -> List[EventType]:
    """The acute topic's card after the help: what to do, without a second
    text or the self-service buttons (the help message has the way to a person)."""
    _, payload = card_for(topic, kommune_for(tracker), None, lang_of(tracker))
    # its link is a page to read, not a self-service to go through in a crisis
    payload = {**payload, "page_title": say(tracker).t("acute.read_more")}
    dispatcher.utter_message(json_message=payload)
    return [SlotSet("solution_id", topic.id), SlotSet("variant", None), SlotSet("pending_intent", None),
            SlotSet("fallback_count", 0)]


def default_solution(area: str) -> Solution:
    """The area's first solution: what a question about the area is answered for
    while the bot's own question is still open."""
    return load_catalogue().for_intent(area)[0]


def in_context(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """A message read in the light of the conversation (docstring of
    actions/conversation.py). None when the action goes on as usual."""
    reading = read(tracker.latest_message, lang_of(tracker))
    if reading.button or not reading.text:
        return None
    current = current_solution(tracker)
    current_area = area_of(current) if current is not None else None
    pending = tracker.get_slot("pending_intent")
    if correction(reading.text, reading.lang):
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
    if area in SERVICE_INTENTS:
        # within the area first: its own routing reads what the words now say
        decision = route(area, reading.text, list(reading.entities), {}, reading.lang)
        shown = (current.id, tracker.get_slot("variant")) if current is not None else None
        if decision.solution_id and (decision.solution_id, decision.variant) != shown:
            return follow_route(dispatcher, tracker, area, decision, reading)
    if current is not None and reading.person in ("child", "adult") and not (reading.named - {area}):
        # "nej, det er min fars post": the same matter, for someone else
        return give_answer(dispatcher, tracker, current, "for_other", reading.person)
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
    if turns_away(reading, pending, answers_in_words(reading, pending)) and not for_someone_else(reading, pending):
        return None  # "jeg har mistet mit sundhedskort" while MitID's question is open: the health card
    context = context_answers(tracker, pending)
    decision = route(pending, reading.text, list(reading.entities), context, reading.lang)
    if decision.solution_id:
        return follow_route(dispatcher, tracker, pending, decision, reading)
    waiting = str(route(pending, "", [], context).ask or decision.ask)
    question = followup_question(reading, pending, False)
    if question:
        events = give_answer(dispatcher, tracker, default_solution(pending), question, reading.person)
        return events + ask(dispatcher, tracker, pending, str(decision.ask or waiting), again=True)
    if decision.ask and decision.ask != waiting:
        # the words answered part of it ("en ny plads"): the next question
        return remember_answers(reading) + ask(dispatcher, tracker, pending, decision.ask)
    other = reading.matter not in (None, pending) and switches(reading)
    if other or reading.intent not in (FALLBACK_INTENT, "out_of_scope"):
        return None
    dispatcher.utter_message(text=say(tracker).t("question.not_understood"))
    dispatcher.utter_message(json_message=contract.Fallback(1).to_dict())
    count = int(tracker.get_slot("fallback_count") or 0) + 1
    if count >= FALLBACKS_BEFORE_HANDOFF:
        return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)
    return ask(dispatcher, tracker, pending, waiting)[:-1] + [SlotSet("fallback_count", count)]


def turns_away(reading: Reading, pending: str, answers: bool = False) -> bool:
    """Does a message leave the open question for another matter? When the
    classifier is sure of another matter and its words name that one, not the
    open question's area; or when it is very sure, and a word names both
    ("mistet" names MitID and the health card: "jeg har mistet mit gule
    sundhedskort" leaves the open MitID question). A message whose words
    answer the open question (`answers`: "I'm employed, I work in a
    kindergarten") leaves it only where the classifier is very sure."""
    if reading.matter in (None, pending) or reading.matter not in reading.named:
        return False
    if answers:
        return reading.confidence >= VERY_SURE
    return (reading.confidence >= NAMED_SURE and pending not in reading.named) or reading.confidence >= VERY_SURE


def answers_in_words(reading: Reading, pending: str) -> bool:
    """Do the message's own words (not earlier answers) answer the open
    question of `pending`, or part of it?"""
    words = route(pending, reading.text, list(reading.entities), {}, reading.lang)
    return bool(words.solution_id) or bool(words.ask and words.ask != route(pending, "", [], {}).ask)


def for_someone_else(reading: Reading, pending: str) -> bool:
    """"can my brother do it for me?" while another area's question is open:
    a question about that area (done by someone else), not the fuldmagt card,
    unless the words name the fuldmagt."""
    return reading.intent == "power_of_attorney" and pending != "power_of_attorney" \
        and not names_fuldmagt(reading.text)


def remember_answers(reading: Reading) -> List[EventType]:
    """The answers the words gave, for the question that follows (the slots
    that route() reads as context while the question is open)."""
    need = first_cue(reading.text, DAYCARE_NEED_CUES)
    return [SlotSet("dagtilbud_behov", need)] if need else []


def refinement(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading,
               current: Entry) -> Optional[List[EventType]]:
    """Words that change which variant of the current solution fits ("jeg har
    ingen smartphone" after the MitID card): that variant's card."""
    if not isinstance(current, Solution) or reading.matter not in (current.intent, None) or not current.variants:
        return None
    if reading.intent not in (current.intent, *CONTEXT_INTENTS):
        return None
    decision = route(current.intent, reading.text, list(reading.entities), {}, reading.lang)
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
    t = say(tracker)
    buttons = nearest_buttons(reading, t.lang)
    dispatcher.utter_message(text=t.t("question.which_matter_choose" if buttons else "question.which_matter"),
                             buttons=buttons + [button(t, "contact")])
    return [SlotSet("fallback_count", 0)]


class ActionRouteService(GuideAction):
    """Shows the solution card of a service intent, or asks what fits."""

    def name(self) -> Text:
        return "action_route_service"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message, lang_of(tracker))
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
            return ask_which(dispatcher, tracker, between, reading.person)
        decision = route(intent, reading.text, list(reading.entities), context_answers(tracker, intent),
                         reading.lang)
        return first + follow_route(dispatcher, tracker, intent, decision, reading)


class ActionRouteTopic(GuideAction):
    """A topic of the wider citizen service: its solution card (the kommune
    handles it) or referral card (another authority does). Acute help first."""

    def name(self) -> Text:
        return "action_route_topic"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message, lang_of(tracker))
        topic = load_topics().get(reading.topic or "")
        if topic is None:
            return ActionFallback().respond(dispatcher, tracker, domain)
        open_answer = None
        if topic.acute and not acute(reading.text) and reading.confidence < CLARIFY_SURE:
            # an unsure guess of acute help and words that say nothing acute: read in
            # the conversation first ("to norway, my husband got a job in oslo"
            # answers the open question; "but I have no pc" asks about the card)
            open_answer = in_context(dispatcher, tracker)
        if open_answer is not None:
            return open_answer
        if topic.acute or acute(reading.text):
            events = acute_help(dispatcher, tracker)
            if topic.acute or reading.confidence < CLARIFY_SURE:
                # the words say acute, the classifier is unsure what else: no guessed card beside the help
                acute_topic = load_topics().get(ACUTE_TOPIC) or topic
                return events + acute_card(dispatcher, tracker, acute_topic)
            return events + show_solution(dispatcher, tracker, topic, None, topic.id, person=reading.person)
        handled = in_context(dispatcher, tracker)
        if handled is not None:
            return handled
        between = clarification(reading)
        if between:
            return ask_which(dispatcher, tracker, between, reading.person)
        return go_to(dispatcher, tracker, topic.id, reading)


class ActionNextStep(GuideAction):
    """One step of the current solution at a time; then "Lykkedes det?"."""

    def name(self) -> Text:
        return "action_next_step"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        solution = current_solution(tracker)
        if solution is None:
            dispatcher.utter_message(response="utter_no_solution_yet")
            return []
        overrides = overrides_for(solution, kommune_for(tracker))
        steps = view_of(solution, lang_of(tracker), overrides).steps_for(tracker.get_slot("variant"))
        step = int(tracker.get_slot("step") or 0)
        if step >= len(steps):
            dispatcher.utter_message(response="utter_did_it_work")
            return [SlotSet("asked", DID_IT_WORK)]
        t = say(tracker)
        dispatcher.utter_message(text=t.t("step.text", number=step + 1, total=len(steps), step=steps[step]))
        if step + 1 == len(steps):
            dispatcher.utter_message(response="utter_did_it_work")
            return [SlotSet("step", step + 1), SlotSet("asked", DID_IT_WORK)]
        dispatcher.utter_message(text=t.t("step.next"), buttons=buttons_of(t, ("next_step", "not_working")))
        return [SlotSet("step", step + 1)]


def stuck(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Troubleshooting for the current solution, then the ways out."""
    solution = current_solution(tracker)
    t = say(tracker)
    troubleshooting = view_of(solution, t.lang, {}).troubleshooting if solution else ()
    if troubleshooting:
        tips = "\n".join(f"- {tip}" for tip in troubleshooting)
        dispatcher.utter_message(text=t.t("stuck.tips", tips=tips))
        dispatcher.utter_message(text=t.t("stuck.choose"), buttons=buttons_of(t, STUCK))
    else:
        dispatcher.utter_message(response="utter_solution_not_working", buttons=buttons_of(t, STUCK))
    return [SlotSet("asked", None), SlotSet("stuck_area", tracker.get_slot("area") or "ukendt")]


class ActionSolutionNotWorking(GuideAction):
    """The citizen is stuck in a solution: troubleshooting and ways out."""

    def name(self) -> Text:
        return "action_solution_not_working"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message, lang_of(tracker))
        current = current_solution(tracker)
        if tracker.get_slot("pending_intent"):
            answered = in_context(dispatcher, tracker)
            if answered is not None:
                return answered
        if reading.question in ("no_digital", "status", "complaint", "contact") and current is not None:
            # "det virker ikke, jeg har ingen computer": a question about the matter, not a fault
            return give_answer(dispatcher, tracker, current, reading.question, reading.person)
        return stuck(dispatcher, tracker)


class ActionYesNo(GuideAction):
    """Ja/nej, read in the light of the last question the bot asked."""

    def name(self) -> Text:
        return "action_yes_no"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("asked") == DID_IT_WORK:
            if intent == "affirm":
                dispatcher.utter_message(response="utter_glad")
                return [SlotSet("asked", None)]
            if not correction(tracker.latest_message.get("text") or "", lang_of(tracker)):
                return stuck(dispatcher, tracker)
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        if tracker.get_slot("asked") == DID_IT_WORK:
            return stuck(dispatcher, tracker)
        dispatcher.utter_message(response="utter_affirm" if intent == "affirm" else "utter_deny")
        return []


class ActionGoBack(GuideAction):
    """Back to the solution shown before the current one."""

    def name(self) -> Text:
        return "action_go_back"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        solution = entry_for(tracker.get_slot("previous_solution"))
        if solution is None:
            dispatcher.utter_message(response="utter_nothing_to_go_back_to")
            return []
        return show_solution(dispatcher, tracker, solution, tracker.get_slot("previous_variant"), area_of(solution))


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading) -> List[EventType]:
    """The bot did not understand: say so, offer what is closest to the
    message, Borgerservice and a person; the second time in a row, a person."""
    attempt = int(tracker.get_slot("fallback_count") or 0) + 1
    t = say(tracker)
    buttons = nearest_buttons(reading, t.lang)
    if attempt >= FALLBACKS_BEFORE_HANDOFF:
        dispatcher.utter_message(response="utter_fallback_again", buttons=buttons or None)
        dispatcher.utter_message(json_message=contract.Fallback(attempt).to_dict())
        return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)
    if buttons:
        dispatcher.utter_message(response="utter_fallback", buttons=buttons)
    else:
        dispatcher.utter_message(response="utter_fallback_nothing_near", buttons=[button(t, "menu")])
    dispatcher.utter_message(json_message=contract.Fallback(attempt).to_dict())
    if helping_adult(reading):  # acting for someone else: fuldmagt, whatever the NLU made of it
        surface_fuldmagt(dispatcher, t)
    # never a dead end: the kommune's Borgerservice and a person are always a way on
    contact = kommune_for(tracker).contact_text(lang=t.lang)
    dispatcher.utter_message(text=t.t("fallback.contact", contact=contact), buttons=[button(t, "human")])
    return [SlotSet("fallback_count", attempt)]


class ActionOutOfScope(GuideAction):
    """Out of scope, unless it answers the open question in context."""

    def name(self) -> Text:
        return "action_out_of_scope"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message, lang_of(tracker))
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
            surface_fuldmagt(dispatcher, say(tracker))
        if count >= NOT_UNDERSTOOD_BEFORE_HANDOFF:
            return hand_off(dispatcher, tracker, contract.REPEATED_FALLBACK)
        return [SlotSet("fallback_count", count)]


class ActionFallback(GuideAction):
    """The bot did not understand: ask again and offer the nearest matters."""

    def name(self) -> Text:
        return "action_fallback"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reading = read(tracker.latest_message, lang_of(tracker))
        if acute(reading.text):
            return acute_help(dispatcher, tracker)
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        between = clarification(reading)
        if between:  # between two next steps: ask, rather than "not understood"
            return ask_which(dispatcher, tracker, between, reading.person)
        if reading.question and current_solution(tracker) is None:
            return question_without_matter(dispatcher, tracker, reading)
        return not_understood(dispatcher, tracker, reading)


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    """Sends the `handoff` event; pauses the bot when staff take it live."""
    kommune = kommune_for(tracker)
    handoff = make_handoff(reason, tracker.get_slot("area"), kommune, lang=lang_of(tracker))
    dispatcher.utter_message(text=handoff_text(handoff, kommune, say(tracker)))
    dispatcher.utter_message(json_message=handoff.to_dict())
    events: List[EventType] = [
        SlotSet("escalation_id", handoff.escalation_id),
        SlotSet("fallback_count", 0),
        SlotSet("asked", None),
    ]
    if handoff.mode == contract.LIVE:
        events.append(ConversationPaused())
    return events


class ActionHandoff(GuideAction):
    """The citizen wants a person: hand the conversation to staff."""

    def name(self) -> Text:
        return "action_handoff"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        current = current_solution(tracker)
        if booking(text, lang_of(tracker)) and not PERSON_WORDS.search(text.lower()) and current is not None:
            answered = in_context(dispatcher, tracker)
            if answered is not None:
                return answered
        reading = read(tracker.latest_message, lang_of(tracker))
        if reading.question == "contact" and current is not None and not PERSON_WORDS.search(text.lower()):
            # "who can I call about it?" after a card: who to call about that matter, not a hand-off
            return give_answer(dispatcher, tracker, current, "contact", reading.person)
        if tracker.get_slot("area") == ACUTE_TOPIC:
            reason = contract.ACUTE
        elif tracker.get_slot("stuck_area") is not None:
            reason = contract.SOLUTION_NOT_WORKING
        else:
            reason = contract.REQUESTED_BY_CITIZEN
        return hand_off(dispatcher, tracker, reason)


class ActionContactBorgerservice(GuideAction):
    """Phone, address, opening hours and booking of the citizen's kommune
    (and, about a matter another authority handles, who to call there)."""

    def name(self) -> Text:
        return "action_contact_borgerservice"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        answered = in_context(dispatcher, tracker)
        if answered is not None:
            return answered
        kommune = kommune_for(tracker)
        dispatcher.utter_message(response="utter_contact_borgerservice",
                                 contact=kommune.contact_text(lang=lang_of(tracker)))
        dispatcher.utter_message(json_message=contract.Contact(kommune.id, kommune.borgerservice.get("phone"))
                                 .to_dict())
        if no_answer(text):
            # "they never answer my e-mail": the phone, and a person here and now
            t = say(tracker)
            dispatcher.utter_message(text=t.t("contact.no_answer"), buttons=[button(t, "human")])
        return [SlotSet("fallback_count", 0)]


"""What the conversation is about, and a message read in its light.

The conversation's context lives in slots: the current matter (`solution_id`,
the solution or topic whose card was shown last; `area`), the open question
(`pending_intent`), who it is for (`person`: self, child or adult) and what
was asked last (`last_question`). `in_context()` runs first in every action
that reads free text: a correction changes course, an answer in words
answers the open question, and a question without a subject is answered for
the current matter. What it does not take, the action handles as before.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, FrozenSet, List, Mapping, Optional, Tuple

from actions.reading import (
    asks_contact_details,
    booking,
    moving,
    names_fuldmagt,
    names_kommune,
    no_digital,
    person_in,
    question_in,
)
from actions.routing import SERVICE_INTENTS
from borgerguide.content import content_dir, read_yaml
from borgerguide.cues import question as asked_in
from borgerguide.topics import TOPIC_ENTITY, TOPIC_INTENT, load_topics, topic_of

# entities of nlu_components/followups.py: the question type, the matters named
QUESTION_ENTITY = "question"
SUBJECT_ENTITY = "subject"

FALLBACK_INTENT = "nlu_fallback"
# intents that carry no matter of their own: their words are read in context
CONTEXT_INTENTS = frozenset({FALLBACK_INTENT, "out_of_scope", "affirm", "deny", "next_step"})
# A matter the classifier names this surely is a switch to it (below: a
# question about the current matter, if the words ask one).
NAMED_SURE = 0.5
# "nej, jeg mente X": X from the ranking down to this confidence
CORRECTION_FLOOR = 0.05
# The current matter among the two most likely, this close to the first: the
# message is read as about the current matter (context before a new guess).
CONTEXT_MARGIN = 0.3
# topics that are a way to do something without the digital: after another
# matter's card, "ingen computer" is a question about that matter
NO_DIGITAL_TOPICS = frozenset({"flytning_uden_digital", "blanketter"})


@dataclass(frozen=True)
class Reading:
    """One citizen message: the NLU result and what its words say."""

    text: str
    intent: str
    confidence: float
    ranking: Tuple[Mapping[str, Any], ...]
    entities: Tuple[Mapping[str, Any], ...]
    question: Optional[str] = None      # the question type it asks
    person: Optional[str] = None        # who it is for, if it says
    button: bool = False                # a button's payload, not typed text
    topic: Optional[str] = None         # the topic entity (intent `topic`)
    named: FrozenSet[str] = frozenset()  # the matters its words name (entities `subject`)
    lang: str = "da"                     # the conversation's language

    @property
    def matter(self) -> Optional[str]:
        """The matter the classifier reads: a service intent or topic id."""
        if self.intent in SERVICE_INTENTS:
            return self.intent
        if self.intent == TOPIC_INTENT:
            return self.topic
        return None


def read(message: Mapping[str, Any], lang: str = "da") -> Reading:
    text = str(message.get("text") or "")
    intent = message.get("intent") or {}
    name = str(intent.get("name") or "")
    entities = tuple(message.get("entities") or ())
    topic = next((str(e.get("value")) for e in entities if e.get("entity") == TOPIC_ENTITY and e.get("value")), None)
    button = text.startswith("/")
    classified = next((str(e["value"]) for e in entities if e.get("entity") == QUESTION_ENTITY and e.get("value")),
                      None)
    question = None if button else (question_in(text) or asked_in(lang, text) or classified)
    named = frozenset(matter for matter in (matter_of(str(e.get("value") or "")) for e in entities
                                            if e.get("entity") == SUBJECT_ENTITY) if matter)
    return Reading(text=text, intent=name, confidence=float(intent.get("confidence") or 0),
                   ranking=tuple(message.get("intent_ranking") or ()), entities=entities, question=question,
                   person=None if button else person_in(text, entities, lang), button=button, topic=topic,
                   named=named, lang=lang)


def matter_of(intent_name: str) -> Optional[str]:
    """A ranking entry's matter: `passport` -> passport, `topic_affald` -> affald."""
    if intent_name in SERVICE_INTENTS:
        return intent_name
    topic = topic_of(intent_name)
    return topic if topic in load_topics() else None


def ranked_matters(reading: Reading) -> List[Tuple[str, float]]:
    """(matter, confidence) of the ranking, most likely first."""
    result = []
    for candidate in reading.ranking:
        matter = matter_of(str(candidate.get("name") or ""))
        if matter:
            result.append((matter, float(candidate.get("confidence") or 0)))
    return result


def corrected_matter(reading: Reading, current_area: Optional[str]) -> Optional[str]:
    """"nej, jeg mente kørekortet": the matter the correction names, if it
    names one other than the current: one its words name first (the
    classifier's likeliest of them), else the classifier's next best."""
    ranked = [(m, c) for m, c in ranked_matters(reading) if m != current_area]
    named = [m for m, _ in ranked if m in reading.named] or sorted(reading.named - {current_area or ""})
    if named:
        return named[0]
    return next((m for m, c in ranked if c >= CORRECTION_FLOOR), None)


def in_light_of(reading: Reading, current_area: Optional[str]) -> Reading:
    """The reading with the current matter as its matter when the classifier
    has it among the two most likely, close to the first: a short message in
    a conversation about a straffeattest that might also be about a
    bopælsattest is about the straffeattest."""
    if current_area is None or reading.matter in (None, current_area):
        return reading
    ranked = ranked_matters(reading)[:2]
    confidences = dict(ranked)
    if current_area in confidences and ranked[0][1] - confidences[current_area] < CONTEXT_MARGIN:
        intent = current_area if current_area in SERVICE_INTENTS else TOPIC_INTENT
        topic = None if current_area in SERVICE_INTENTS else current_area
        return replace(reading, intent=intent, confidence=confidences[current_area], topic=topic)
    return reading


def followup_question(reading: Reading, current_area: str, current_is_referral: bool) -> Optional[str]:
    """The question this message asks about the current matter (an area or
    topic id), or None when it is about something else (or nothing)."""
    intent = reading.intent
    if intent == "power_of_attorney" and current_area != "power_of_attorney" and not names_fuldmagt(reading.text):
        return "for_other"
    if intent == "mitid" and current_area != "mitid" and no_digital(reading.text, reading.lang):
        return "no_digital"
    if reading.matter in NO_DIGITAL_TOPICS and current_area != reading.matter \
            and no_digital(reading.text, reading.lang) and not moving(reading.text):
        return "no_digital"
    if intent == "contact_borgerservice":
        if asks_contact_details(reading.text, reading.lang):
            return "contact" if current_is_referral and not names_kommune(reading.text, reading.lang) else None
        if booking(reading.text, reading.lang):
            return "in_person"
        return asked(reading)
    if reading.matter == current_area or intent in CONTEXT_INTENTS:
        return asked(reading)
    if reading.matter and not switches(reading):
        # it asks, and its words name no other matter: about the current matter
        return asked(reading)
    return None


def asked(reading: Reading) -> Optional[str]:
    """The question a message asks about a matter: its question type, or, when
    it only says who it is for ("det er til min far"), doing it for another."""
    return reading.question or ("for_other" if reading.person in ("child", "adult") else None)


def switches(reading: Reading) -> bool:
    """Does the message turn to the matter the classifier reads (rather than
    ask about the current one)? When its words name that matter, unless it
    asks about the current one and the classifier is unsure ("це для онука,
    я бабуся": "бабуся" names care for the elderly, the classifier half
    believes it); or, when it asks nothing, when the classifier is sure."""
    if reading.matter is None:
        return False
    if reading.matter in reading.named:
        return reading.confidence >= NAMED_SURE or not asked(reading)
    return not asked(reading) and reading.confidence >= NAMED_SURE


@lru_cache(maxsize=4)
def _groups(path_mtime: Tuple[str, float]) -> Tuple[FrozenSet[str], ...]:
    data = read_yaml(content_dir() / "groups.yml")
    return tuple(frozenset(str(m) for m in members or ()) for members in (data.get("groups") or {}).values())


def groups() -> Tuple[FrozenSet[str], ...]:
    path = content_dir() / "groups.yml"
    return _groups((str(path), path.stat().st_mtime))


def related(one: str, other: str) -> bool:
    """Are two matters (service intents or topic ids) easily confused: the
    same family of content/groups.yml, or a topic's `confusable`?"""
    topics = load_topics()
    for this, that in ((one, other), (other, one)):
        topic = topics.get(this)
        if topic is not None and that in topic.confusable:
            return True
    return any(one in group and other in group for group in groups())

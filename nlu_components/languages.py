"""The language a message is written in (docs/languages.md).

First in the pipeline. The citizen's choice in the widget comes as the
message's metadata `lang`; otherwise the words decide, with Lingua (a
detector whose models ship in its wheel: nothing is downloaded), limited to
the languages of content/languages.yml and their neighbours. A short message,
or one that is mostly Danish names of things ("MitID", "sundhedskort",
"Borgerservice"), says nothing about the language: then no language is set,
and the conversation keeps the one it has (the slot `language` takes the
entity `language` only when a message sets it).

The message's language is also kept for the classifiers after this one
(`language` in the message's data): a message in another language than
Danish is classified by the word classifier alone (nlu_components/ensemble.py),
which has learnt every language; DIET has learnt Danish only.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from borgerguide.cues import entries_of
from borgerguide.languages import (DANISH, GUESS_ENTITY, LANGUAGE_ENTITY, known_language, lang_file, languages,
                                  text_dir)

logger = logging.getLogger(__name__)
MESSAGE_LANGUAGE = "borgerguide_language"  # the message's data, for the classifiers after this one
WORDS_FILE = Path(__file__).resolve().parent.parent / "borgerguide" / "data" / "danish_names.txt"
PLACES_FILE = WORDS_FILE.with_name("places.txt")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# neighbours the detector must know so that they are not taken for a supported
# language, and which supported language a citizen writing them is served in
NEIGHBOURS = {"GERMAN": None, "RUSSIAN": "uk"}
MIN_LETTERS = 12     # fewer letters (after the Danish names) say nothing about the language
MIN_WORDS = 3
SURE = 0.5           # the detector's confidence from which a first message has a language
SWITCH = 0.75        # ... and from which a message changes the conversation's language
# Danish words no other language of ours writes: a message with one of them is
# Danish at heart, whatever English words it borrows ("den siger session expired")
DANISH_WORDS = frozenset("""jeg den det der er har og mit kan ikke til paa på hvad hvordan hvorfor hvor skal vil
med mig dig hun vi os jer være vaere blev bliver også ogsaa eller fordi hvis når naar så saa nu af hej tak""".split())


# English words Danish never writes (not "i", "to", "at", "for", "under": Danish
# words too): two of them, and no Danish word, make a message English even
# where the detector is unsure of a short or misspelt one ("europan helth card
# order online?" is not, "do I have to pay dog tax" is)
ENGLISH_WORDS = frozenset("""the how what where when why which does did doing my your you is are was were have has
would should could please want need apply order this that these there their they with from about been can't cant dont
don't doesnt isnt im i'm my our we us get got new lost online card help do of and if it much many will be""".split())


def english_at_heart(words: List[str]) -> bool:
    found = set(words)
    return len(found & ENGLISH_WORDS) >= 2 and not found & DANISH_WORDS


LATIN_FILE = "latin.txt"   # content/lang/<code>/: the language's words as typed in Latin letters


def word_lines(path: Path) -> List[str]:
    """A word list's lines, lower case, without blank lines and # comments."""
    return [line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def latin_words() -> Dict[str, FrozenSet[str]]:
    """Per language written in another alphabet, its words as citizens type
    them in Latin letters without its keyboard ("pryvit", "treba", "dyakuyu":
    content/lang/<code>/latin.txt; a test keeps Danish and English words out)."""
    found = {}
    for code in languages():
        path = text_dir(code) / LATIN_FILE
        if code != DANISH and path.exists():
            found[code] = frozenset(w for w in word_lines(path) if len(w) > 2 and w not in DANISH_WORDS | ENGLISH_WORDS)
    return found


def latin_letters_of(words: List[str]) -> Optional[str]:
    """The language two of whose Latin-letter words the message has, more
    than it has Danish words ("dobryi den, treba ..." has "den")."""
    found = set(words)
    danish = len(found & DANISH_WORDS)
    for code, known in latin_words().items():
        own = len(found & known)
        if own >= 2 and own > danish:
            return code
    return None


@lru_cache(maxsize=1)
def danish_names() -> FrozenSet[str]:
    """Danish names of things and places citizens write in any language
    (MitID, sundhedskort, ...; the kommuner and towns of places.txt; the
    towns and districts of every language's cues, `places`): they say
    nothing about the language ("from østerbro out to valby" is English)."""
    names = set(word_lines(WORDS_FILE))
    names |= {word for line in word_lines(PLACES_FILE) for word in WORD.findall(line)}
    for code in languages():
        places = entries_of(lang_file(code, "cues.yml").get("places"), "places") if code != DANISH else {}
        for phrases in places.values():
            for phrase in phrases if isinstance(phrases, list) else [phrases]:
                names |= set(WORD.findall(str(phrase).lower()))
    return frozenset(names - DANISH_WORDS)


@lru_cache(maxsize=1)
def detector() -> Tuple[Any, Dict[str, Optional[str]]]:
    """Lingua's detector for the languages of content/languages.yml and the neighbours,
    and the language code each of its answers stands for."""
    from lingua import Language, LanguageDetectorBuilder

    codes: Dict[str, Optional[str]] = {}
    chosen = []
    for served, language in languages().items():
        if language.detect and hasattr(Language, language.detect):
            chosen.append(getattr(Language, language.detect))
            codes[language.detect] = served
    for name, neighbour in NEIGHBOURS.items():
        if hasattr(Language, name) and name not in codes:
            chosen.append(getattr(Language, name))
            codes[name] = known_language(neighbour)
    built = LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()
    return built, codes


def cyrillic_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if "CYRILLIC" in unicodedata.name(ch, "")) / len(letters)


def detect(text: str, guess: bool = False) -> Tuple[Optional[str], float]:
    """(the language a message is written in, confidence); (None, 0) when the
    words do not say (short, names only, or a language not served). With
    `guess`, a short message gets the detector's best answer too."""
    words = [w for w in WORD.findall(text.lower()) if w not in danish_names()]
    letters = sum(len(w) for w in words)
    cyrillic = [w for w in words if cyrillic_share(w) >= 0.5]
    if cyrillic and sum(len(w) for w in cyrillic) >= 3 and known_language("uk"):
        return "uk", 1.0  # Danish is never written in Cyrillic: any Cyrillic word says Ukrainian
    transliterated = latin_letters_of(words)
    if transliterated:
        return transliterated, SWITCH  # "pryvit, treba zminyty adresu": Ukrainian in Latin letters
    if len(words) < (2 if guess else MIN_WORDS) or (not guess and letters < MIN_LETTERS):
        return None, 0.0
    built, codes = detector()
    scores: Dict[str, float] = {}
    for value in built.compute_language_confidence_values(" ".join(words)):
        code = codes.get(value.language.name)
        if code is not None:
            scores[code] = scores.get(code, 0.0) + value.value
    best = max(scores, key=lambda code: scores[code]) if scores else None
    if (best is None or best != "en" or scores[best] < SWITCH) and known_language("en") \
            and english_at_heart(WORD.findall(text.lower().replace("'", ""))):
        return "en", SWITCH
    if best is None:
        return None, 0.0
    return (best, scores[best]) if guess or scores[best] >= SURE else (None, scores[best])


def message_language(text: str, chosen: Any) -> Tuple[Optional[str], bool]:
    """(the message's language, whether it sets the conversation's language):
    the citizen's choice in the widget, unless the words are very surely
    another language; else what the words very surely say; else the
    detector's guess, which does not set it (a first message uses it)."""
    detected, confidence = detect(text)
    choice = known_language(chosen)
    words = WORD.findall(text.lower())
    if detected and detected != DANISH and DANISH_WORDS & set(words) and not latin_letters_of(words):
        # borrowed words in a Danish sentence (not "dobryi den, treba ...": Ukrainian
        # in Latin letters has weighed its Danish words); but where the citizen chose another
        # language, a Danish word in it ("what is prøvelse af ...") does not undo the choice
        detected, confidence = DANISH, SWITCH if choice in (None, DANISH) else SURE
    if detected and detected != choice and confidence >= SWITCH:
        return detected, True
    if choice:
        return choice, True
    if detected:
        return detected, False
    guess, confidence = detect(text, guess=True)
    return (guess if confidence >= SURE else None), False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """The message's language (data `borgerguide_language`), and the entity
    `language` where the message sets the conversation's language."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetector":
        detector()  # the language models load with the model, not with the first citizen's message
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            if text.startswith("/"):
                continue  # a button
            metadata = message.get("metadata") or {}
            language, sets = message_language(text, metadata.get("lang") if isinstance(metadata, dict) else None)
            message.set(MESSAGE_LANGUAGE, language if sets else None)
            if language:
                entities = [e for e in message.get(ENTITIES, [])
                            if e.get("entity") not in (LANGUAGE_ENTITY, GUESS_ENTITY)]
                entities.append({"entity": LANGUAGE_ENTITY if sets else GUESS_ENTITY, "value": language, "start": 0,
                                 "end": len(text), "extractor": "LanguageDetector"})
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

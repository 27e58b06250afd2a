"""Follow-up questions: which question a message asks, and which matter it names.

After a card a citizen asks "hvad koster det?", "hvor lang tid tager det?",
"jeg har ikke nogen computer": a question about the matter just shown. This
component, first in the pipeline, reads two things from the words alone:

- the **question type** (cost, duration, deadline, prepare, in_person,
  no_digital, children, complaint, status; docs/answers.md), by a small
  classifier over character n-grams trained on the follow-up examples
  (data/nlu/followups.yml, intents `ask_<type>`) and on every other example
  labelled by the question it asks, if any (actions/reading.py's cues); it
  becomes the entity `question`;
- the **subject words**: word stems, in any alphabet, that a few matters' examples
  (a service area or topic_<id>) use most and the conversation examples hardly
  ever; the matters they name become entities `subject`. A word that many
  matters use alike ("søge", "для", "money", "lost") names none. A message that
  names no matter asks about the current one.

The follow-up examples train this classifier only: they are taken out of the
training data before the intent classifier (DIET) sees it, so the intents of
../shared/spec/intents.yml and their boundaries stay as they were.
"""
from __future__ import annotations

import json
import pickle
import re
import unicodedata
from collections import Counter, defaultdict
from typing import Any, Dict, Iterable, List, Optional, Set, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from borgerguide.content import content_dir, read_yaml
from borgerguide.languages import DANISH
from borgerguide.cues import question as asked_in
from borgerguide.questions import question_in

ASK_PREFIX = "ask_"
TOPIC_PREFIX = "topic_"
QUESTION_ENTITY = "question"
SUBJECT_ENTITY = "subject"
NONE = "none"
STEM = 6          # a word's first letters: flytter / flyttet / flytte share "flytte"
MIN_COUNT = 2     # a stem is a subject word only where a matter uses it this often
SHARE = 0.5       # ... and the matters that use it hold this share of its uses
LEAD = 0.25       # a matter it names uses it at least this share as often as the matter using it most
MOST = 3          # a stem that names more matters than this names none ("søge", "для")
ELSEWHERE = 0.1   # nor one the examples of no matter use this share as often as the matters do
WORD = re.compile(r"[^\W\d_]{3,}")  # letters of any alphabet (Ukrainian: Cyrillic)
WORDS_FILE = "subject_words.json"
MODEL_FILE = "question_classifier.pkl"


def service_intents() -> Set[str]:
    """The service areas (content/areas.yml); the other matters are topic_<id>."""
    return {str(a) for a in read_yaml(content_dir() / "areas.yml")["areas"]}


def fold(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def stems(text: str) -> Set[str]:
    return {fold(word)[:STEM] for word in WORD.findall(text.lower())}


def is_matter(intent: str, services: Iterable[str]) -> bool:
    return intent.startswith(TOPIC_PREFIX) or intent in services


def learn_subject_words(examples: Iterable[Tuple[str, str]], services: Set[str]) -> Dict[str, List[str]]:
    """stem -> the matters (intent names) it names, from (intent, text) pairs."""
    by_matter: Dict[str, Counter] = defaultdict(Counter)
    elsewhere: Counter = Counter()
    for intent, text in examples:
        for stem in stems(text):
            if is_matter(intent, services):
                by_matter[stem][intent] += 1
            else:
                elsewhere[stem] += 1
    words = {}
    for stem, counts in by_matter.items():
        total = sum(counts.values())
        if elsewhere[stem] > ELSEWHERE * total:
            continue
        top = max(counts.values())
        matters = [m for m, n in counts.items() if n >= MIN_COUNT and n >= LEAD * top]
        if matters and len(matters) <= MOST and sum(counts[m] for m in matters) / total >= SHARE:
            words[stem] = sorted(matters)
    return words


def example_language(message: Message) -> str:
    """The language a training example is written in (its intent's metadata), Danish by default."""
    metadata = message.get("metadata") or {}
    intent_metadata = metadata.get("intent") if isinstance(metadata, dict) else None
    return str(intent_metadata.get("language") or DANISH) if isinstance(intent_metadata, dict) else DANISH


def question_label(intent: str, text: str, lang: str = DANISH) -> str:
    """The question type an example asks: its intent's for `ask_<type>`, else
    what its words ask (borgerguide.questions; in another language its own
    phrases, content/lang/<code>/cues.yml), else none."""
    if intent.startswith(ASK_PREFIX):
        return intent[len(ASK_PREFIX):]
    return question_in(text) or asked_in(lang, text) or NONE


# a featurizer too: Rasa's recipe passes the training data through process_training_data
# only for tokenizers and featurizers, and that is where the follow-up examples are held back
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
                           DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FollowupQuestions(GraphComponent):
    """Entities `question` (the question type) and `subject` (named matters)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # the question type only from this probability on
        return {"threshold": 0.5}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 words: Optional[Dict[str, List[str]]] = None, classifier: Any = None) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.words = words or {}
        self.classifier = classifier

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FollowupQuestions":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "FollowupQuestions":
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / WORDS_FILE).read_text(encoding="utf-8"))
                with open(directory / MODEL_FILE, "rb") as handle:
                    classifier = pickle.load(handle)  # noqa: S301 - our own model file
        except (ValueError, FileNotFoundError):
            words, classifier = {}, None
        return cls(config, model_storage, resource, words, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        messages = training_data.intent_examples
        examples = [(str(m.get(INTENT)), str(m.get(TEXT) or "")) for m in messages]
        self.words = learn_subject_words([e for e in examples if not e[0].startswith(ASK_PREFIX)],
                                         service_intents())
        labels = [question_label(intent, text, example_language(m))
                  for (intent, text), m in zip(examples, messages, strict=True)]
        self.classifier = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=fold,
                            min_df=2),
            LogisticRegression(C=10.0, max_iter=2000, random_state=0),
        )
        self.classifier.fit([text for _, text in examples], labels)
        with self.model_storage.write_to(self.resource) as directory:
            (directory / WORDS_FILE).write_text(json.dumps(self.words, ensure_ascii=False, sort_keys=True),
                                                encoding="utf-8")
            with open(directory / MODEL_FILE, "wb") as handle:
                pickle.dump(self.classifier, handle)
        return self.resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The follow-up examples train this component only, and the examples in
        other languages than Danish only the word classifiers: DIET, after this
        component, learns the Danish intents (docs/languages.md)."""
        kept = [m for m in training_data.training_examples
                if not str(m.get(INTENT) or "").startswith(ASK_PREFIX) and example_language(m) == DANISH]
        return TrainingData(kept, entity_synonyms=training_data.entity_synonyms,
                            regex_features=training_data.regex_features,
                            lookup_tables=training_data.lookup_tables, responses=training_data.responses)

    def question(self, text: str) -> Optional[Tuple[str, float]]:
        if self.classifier is None or not text.strip():
            return None
        probabilities = self.classifier.predict_proba([text])[0]
        best = int(probabilities.argmax())
        label = str(self.classifier.classes_[best])
        if label == NONE or probabilities[best] < float(self.config["threshold"]):
            return None
        return label, float(probabilities[best])

    def subjects(self, text: str) -> List[str]:
        named: Set[str] = set()
        for stem in stems(text):
            named.update(self.words.get(stem, ()))
        return sorted(named)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            if text.startswith("/"):
                continue  # a button
            entities = [e for e in message.get(ENTITIES, [])
                        if e.get("entity") not in (QUESTION_ENTITY, SUBJECT_ENTITY)]
            found = self.question(text)
            if found:
                entities.append({"entity": QUESTION_ENTITY, "value": found[0], "start": 0, "end": len(text),
                                 "confidence_entity": round(found[1], 3), "extractor": "FollowupQuestions"})
            for matter in self.subjects(text):
                entities.append({"entity": SUBJECT_ENTITY, "value": matter, "start": 0, "end": len(text),
                                 "extractor": "FollowupQuestions"})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

"""A second opinion on the intent, from the words themselves, in every language.

`WordIntentClassifier` (early in the pipeline, where it still sees every
example: Danish and the other languages of docs/languages.md) learns the
intents with a logistic regression over character n-grams and words (TF-IDF,
æ/ø/å folded) and keeps its ranking in the message's data. `IntentBlend`
(after DIET) decides: a message in Danish (or in no clear language) gets each
intent's confidence as `diet_weight` x DIET's + the rest x the regression's; a
message in another language gets the regression's alone (DIET has learnt
Danish only). The blend beat both alone on the Danish held-out and
open-traffic sets (benchmarks/README.md). The regression trains in well under
a minute (saga).
"""
from __future__ import annotations

import pickle
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from borgerguide.languages import DANISH
from borgerguide.questions import fold
from nlu_components.followups import ASK_PREFIX
from nlu_components.languages import MESSAGE_LANGUAGE

MODEL_FILE = "word_intents.pkl"
WORD_RANKING = "borgerguide_word_ranking"  # the message's data: the regression's ranking
RANKING_LENGTH = 20
OTHER_LANGUAGE_POWER = 2.0  # IntentBlend's other_language_power (below)


def fast(model: Any) -> Any:
    """The regression's weights in column order: one message's sparse features
    times their transpose then need no copy of the whole matrix (~80,000 x 77)
    per message (31 ms -> 2 ms a message; the same probabilities)."""
    import numpy as np

    if model is not None and hasattr(model, "steps"):
        regression = model.steps[-1][1]
        regression.coef_ = np.asfortranarray(regression.coef_)
    return model


# a featurizer too: Rasa's recipe runs tokenizers' and featurizers' process() in
# training, and this one must train before the Danish-only data reaches DIET
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
                           DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class WordIntentClassifier(GraphComponent):
    """A TF-IDF logistic regression over the intents of every language."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 20.0}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Any = None) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "WordIntentClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "WordIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                with open(directory / MODEL_FILE, "rb") as handle:
                    model = pickle.load(handle)  # noqa: S301 - our own model file
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, fast(model))

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        examples = [m for m in training_data.intent_examples
                    if m.get(TEXT) and not str(m.get(INTENT)).startswith(ASK_PREFIX)]
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=fold, min_df=2),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, preprocessor=fold),
        )
        self.model = make_pipeline(features, LogisticRegression(
            C=float(self.config["C"]), solver="saga", max_iter=200, tol=1e-3, random_state=0))
        self.model.fit([str(m.get(TEXT)) for m in examples], [str(m.get(INTENT)) for m in examples])
        fast(self.model)
        with self.model_storage.write_to(self.resource) as directory:
            with open(directory / MODEL_FILE, "wb") as handle:
                pickle.dump(self.model, handle)
        return self.resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def ranking(self, text: str) -> List[Dict[str, Any]]:
        if self.model is None or not text:
            return []
        pairs = sorted(zip(self.model.classes_, self.model.predict_proba([text])[0], strict=True),
                       key=lambda pair: -pair[1])
        return [{"name": str(name), "confidence": float(p)} for name, p in pairs[:RANKING_LENGTH * 2]]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            if not text.startswith("/"):  # a button: its intent is given
                message.set(WORD_RANKING, self.ranking(text))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentBlend(GraphComponent):
    """DIET's ranking and the word classifier's, blended by the message's language."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # other_language_power: a message in another language is ranked by the
        # word classifier alone, whose probabilities over ~150 intents are
        # flat; raised to this power and normalised they are sharpened, so a
        # clear first choice passes the fallback threshold (1: as they are)
        return {"diet_weight": 0.3, "ranking_length": RANKING_LENGTH, "other_language_power": OTHER_LANGUAGE_POWER}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentBlend":
        return cls(config)

    def blend(self, diet: List[Dict[str, Any]], words: List[Dict[str, Any]],
              language: Optional[str]) -> List[Dict[str, Any]]:
        weight = float(self.config["diet_weight"]) if language in (None, DANISH) else 0.0
        scores: Dict[str, float] = {}
        for entry in diet:
            scores[str(entry["name"])] = weight * float(entry.get("confidence") or 0)
        for entry in words:
            name = str(entry["name"])
            scores[name] = scores.get(name, 0.0) + (1 - weight) * float(entry.get("confidence") or 0)
        power = float(self.config.get("other_language_power", OTHER_LANGUAGE_POWER))
        if weight == 0.0 and power != 1.0 and scores:
            raised = {name: score ** power for name, score in scores.items()}
            total = sum(raised.values()) or 1.0
            scores = {name: score / total for name, score in raised.items()}
        best = sorted(scores.items(), key=lambda item: -item[1])[: int(self.config["ranking_length"])]
        return [{"name": name, "confidence": round(score, 6)} for name, score in best]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            words = message.get(WORD_RANKING)
            if not words:
                continue
            ranking = self.blend(message.get(INTENT_RANKING_KEY) or [], words, message.get(MESSAGE_LANGUAGE))
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

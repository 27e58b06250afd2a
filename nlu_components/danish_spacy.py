"""spaCy Danish for Rasa, with a fallback where `da_core_news_sm` is missing.

`da_core_news_sm` is published outside PyPI, so on machines that only reach
PyPI it cannot be installed. Then this component builds spaCy's blank Danish
language with the lookup lemmatizer from `spacy-lookups-data` instead, says so
once in the log, and records in the trained model which pipeline it was
trained with (a small JSON file in the model archive). When a model is loaded
with a different pipeline than it was trained with, that is logged as a
warning, because lemmas (and so the features) differ.

Use in config.yml:

    - name: nlu_components.danish_spacy.DanishSpacyNLP
      model: da_core_news_sm
    - name: SpacyTokenizer
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

logger = logging.getLogger(__name__)

FALLBACK_PIPELINE = "da_blank+lookup_lemmatizer"
RECORD_FILE = "spacy_pipeline.json"

_fallback_logged = False


def load_danish_pipeline(model_name: Text) -> SpacyModel:
    """Loads `model_name`; falls back to blank Danish with lookup lemmas."""
    import spacy

    global _fallback_logged
    try:
        return SpacyNLP.load_model(model_name)
    except Exception as error:  # rasa raises InvalidModelError for a missing model
        if not _fallback_logged:
            logger.warning(
                "spaCy pipeline '%s' is not installed (%s). Falling back to "
                "spaCy's blank Danish language with the lookup lemmatizer from "
                "spacy-lookups-data.",
                model_name,
                type(error).__name__,
            )
            _fallback_logged = True
    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the Danish lookup table from spacy-lookups-data
    return SpacyModel(model=nlp, model_name=FALLBACK_PIPELINE)


def pipeline_record(model: SpacyModel) -> Dict[Text, Any]:
    """What is written into the trained model about the spaCy pipeline."""
    import spacy

    nlp = model.model
    return {
        "pipeline": model.model_name,
        "spacy_version": spacy.about.__version__,
        "lang": nlp.lang,
        "components": list(nlp.pipe_names),
        "package_version": nlp.meta.get("version"),
    }


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="DanishSpacyNLP",
)
class DanishSpacyNLP(SpacyNLP):
    """`SpacyNLP` that falls back to blank Danish and records its pipeline."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DanishSpacyNLP:
        model_name = config.get("model") or "da_core_news_sm"
        model = load_danish_pipeline(model_name)
        record = pipeline_record(model)
        trained_with = cls.read_record(model_storage, resource)
        if trained_with is None:
            # Training: the model storage is new, so record what we train with.
            with model_storage.write_to(resource) as directory:
                (directory / RECORD_FILE).write_text(
                    json.dumps(record, indent=2), encoding="utf-8"
                )
            logger.info("Training with spaCy pipeline '%s'.", record["pipeline"])
        elif trained_with.get("pipeline") != record["pipeline"]:
            logger.warning(
                "This model was trained with spaCy pipeline '%s' but runs with "
                "'%s' now; lemmas differ, so accuracy may drop. Retrain the model.",
                trained_with.get("pipeline"),
                record["pipeline"],
            )
        return cls(model, {**cls.get_default_config(), **config})

    @staticmethod
    def read_record(
        model_storage: ModelStorage, resource: Resource
    ) -> Optional[Dict[Text, Any]]:
        """The pipeline record of a trained model, or None before training."""
        try:
            with model_storage.read_from(resource) as directory:
                return json.loads((directory / RECORD_FILE).read_text("utf-8"))
        except (ValueError, OSError):
            return None

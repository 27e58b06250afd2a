"""Topics as one intent for the dialogue, many for the classifier.

The training data labels each topic of the wider citizen service
`topic_<id>` (data/nlu/topics/<id>.yml), so the classifier sees every topic
beside every service intent and learns their boundaries (a wheelchair vs a
driving licence, child benefit vs pension). The dialogue knows one intent,
`topic`, with the entity `topic` naming which: adding a topic needs no new
intent, rule or code, only its catalogue entry and its examples
(docs/topics.md). This component runs after the classifiers; it leaves
`intent_ranking` as the classifier made it (the bot reads it when a message
is between two topics).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from borgerguide.topics import TOPIC_ENTITY, TOPIC_INTENT, topic_of


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TopicIntents(GraphComponent):
    """`topic_<id>` -> intent `topic` with the entity `topic` = <id>."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TopicIntents":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            topic = topic_of(str(intent.get("name") or ""))
            if not topic:
                continue
            message.set(INTENT, {**intent, "name": TOPIC_INTENT}, add_to_output=True)
            text = str(message.get(TEXT) or "")
            entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != TOPIC_ENTITY]
            entities.append({"entity": TOPIC_ENTITY, "value": topic, "start": 0, "end": len(text),
                             "confidence_entity": intent.get("confidence"), "extractor": "TopicIntents"})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

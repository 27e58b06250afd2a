"""The bot's own button payloads: the only input that may choose an intent.

A payload (`/intent` or `/intent{"entity": "value"}`, Rasa's intent shortcut)
sets the intent and entities directly, so the chat API accepts only what the
bot itself offers: `/<intent>` for an intent of domain.yml (the actions build
such buttons from intent names), a payload with entities only when
domain.yml's responses contain exactly that button (same intent, same
entities and values), and a topic's button (`/topic{"topic": "<id>"}` for a
topic of content/topics/). Anything else is refused.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Optional, Tuple

import yaml

from borgerguide.topics import TOPIC_ENTITY, TOPIC_INTENT, load_topics

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
SHORTCUT = re.compile(r"/(?P<intent>[a-z_]{2,40})(?P<entities>\{.*\})?", re.DOTALL)

Entities = FrozenSet[Tuple[str, str]]


def split(payload: str) -> Optional[Tuple[str, Entities]]:
    """`/intent{...}` -> (intent, entities); None when it is not that shape."""
    match = SHORTCUT.fullmatch(payload)
    if not match:
        return None
    entities: Dict[str, Any] = {}
    if match.group("entities"):
        try:
            entities = json.loads(match.group("entities"))
        except ValueError:
            return None
        if not isinstance(entities, dict) or not all(isinstance(v, str) for v in entities.values()):
            return None
    return match.group("intent"), frozenset(entities.items())


@lru_cache(maxsize=4)
def known(domain_path: Path = DOMAIN) -> Tuple[FrozenSet[str], FrozenSet[Tuple[str, Entities]]]:
    """The domain's intents, and the buttons with entities its responses offer."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    intents = frozenset(i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", []))
    buttons = set()
    for variants in (domain.get("responses") or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                # responses are templates: "{{" in domain.yml is a literal "{"
                payload = str(button.get("payload", "")).replace("{{", "{").replace("}}", "}")
                parts = split(payload)
                if parts and parts[1]:
                    buttons.add(parts)
    return intents, frozenset(buttons)


def is_bot_payload(payload: str) -> bool:
    parts = split(payload)
    if parts is None:
        return False
    intents, buttons = known()
    intent, entities = parts
    if intent not in intents:
        return False
    if intent == TOPIC_INTENT and len(entities) == 1:  # a topic's button (borgerguide.topics.topic_payload)
        (entity, value), = entities
        return entity == TOPIC_ENTITY and value in load_topics()
    return not entities or (intent, entities) in buttons

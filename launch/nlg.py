"""The domain's responses in the conversation's language (docs/languages.md).

`domain.yml` holds the responses in Danish; `content/lang/<code>/responses.yml`
holds each other language's text and button titles under the same names. This
natural language generator (endpoints: `nlg: type: launch.nlg.LanguageNLG`)
renders a response as Rasa's own does, then, in a conversation in another
language, puts that language's text and titles in (the buttons' payloads stay).
A response the language lacks is given in English, else Danish, and logged.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from borgerguide.languages import DANISH, Defaults, conversation_language, fallbacks, lang_file, mapping, warn_once

logger = logging.getLogger(__name__)


def translated(response: Dict[str, Any], name: str, lang: str, values: Dict[str, Any]) -> Dict[str, Any]:
    """A rendered Danish response with `lang`'s text and button titles."""
    for code in fallbacks(lang):
        if code == DANISH:
            break
        own = mapping(mapping(lang_file(code, "responses.yml")).get(name))
        if not own.get("text"):
            continue
        if code != lang:
            warn_once(lang, f"responses.yml:{name}")
        result = dict(response)
        result["text"] = str(own["text"]).format_map(Defaults(values))
        titles = list(own.get("buttons") or [])
        if response.get("buttons") and len(titles) == len(response["buttons"]):
            result["buttons"] = [{**b, "title": str(t)} for b, t in zip(response["buttons"], titles, strict=True)]
        return result
    warn_once(lang, f"responses.yml:{name}")
    return response


class LanguageNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's templated responses, in the conversation's language. A templated
    generator itself: Rasa's agent gives only those the domain's responses when
    it loads the model (it is made before, with no domain); anything else would
    answer every response with nothing."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response is None:
            return None
        lang = conversation_language(tracker.get_slot("language"), tracker.latest_message.entities
                                     if tracker.latest_message else [])
        if lang == DANISH:
            return response
        values = {**tracker.current_slot_values(), **kwargs}
        return translated(response, utter_action, lang, values)

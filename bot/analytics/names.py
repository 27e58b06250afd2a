"""The Danish names the analysts read: every intent, topic and area (a
label, a chart's bar, a CSV cell), the languages, the reasons a message is
unresolved and how hand-offs end. From content: content/areas.yml (service
areas), content/topics/<id>.yml (topics), content/analytics.yml (the other
intents, the languages)."""
from __future__ import annotations

from typing import Dict, Optional

from borgerguide.catalogue import load_catalogue
from borgerguide.content import content_dir, read_yaml
from borgerguide.languages import languages
from borgerguide.topics import TOPIC_PREFIX, matter_names
from bot.staff_view import MODES_DA, OUTCOMES_DA

NO_AREA = "Uden område"  # a conversation the bot never placed in an area
UNKNOWN_KOMMUNE = "Ukendt kommune"
WEEKDAYS = ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag", "Søndag")
MODES = MODES_DA
# how a hand-off ended (as staff chose it when closing), and one that has not ended
OUTCOMES = {**OUTCOMES_DA, "": "Ikke afsluttet endnu"}


def _analytics_content() -> Dict[str, Dict[str, str]]:
    path = content_dir() / "analytics.yml"
    data = read_yaml(path) if path.exists() else {}
    return {key: {str(k): str(v) for k, v in (data.get(key) or {}).items()} for key in ("intents", "languages")}


def area_names() -> Dict[str, str]:
    """Service intent or topic id -> its short Danish name."""
    return matter_names()


def area_of_answer(answer: str) -> str:
    """The area of an answer the bot showed: a solution's service intent
    (`flytning` -> `report_move`); a topic is its own area."""
    solution = load_catalogue().solutions.get(answer)
    return solution.intent if solution is not None else answer


def intent_names() -> Dict[str, str]:
    """Every label an analyst may give or read -> its Danish name: the service
    intents, each topic's training intent (`topic_<id>`), the other intents."""
    names = dict(_analytics_content()["intents"])
    for key, name in area_names().items():
        names[key] = name
        names[TOPIC_PREFIX + key] = name
    return names


def intent_name(intent: Optional[str], names: Optional[Dict[str, str]] = None) -> str:
    """The Danish name of an intent, topic or area ("" when there is none)."""
    if not intent:
        return ""
    names = intent_names() if names is None else names
    return names.get(intent) or names.get(intent.removeprefix(TOPIC_PREFIX)) or intent.replace("_", " ")


def language_names() -> Dict[str, str]:
    """Language code -> its Danish name (else its own name)."""
    danish = _analytics_content()["languages"]
    return {code: danish.get(code, language.name) for code, language in languages().items()}

"""Which solution fits the citizen, or which question to ask first.

Pure functions of the NLU result (intent, entities, text), so that the rules
of each area can be tested without a tracker.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional

# Service intents with exactly one solution.
SINGLE_SOLUTION = {
    "health_card": "sundhedskort",
    "eu_health_card": "eu_sygesikringskort",
    "choose_doctor": "laegevalg",
    "daycare_enrolment": "opskrivning_dagtilbud",
    "school_enrolment": "skoleindskrivning",
    "sickness_benefit": "sygedagpenge",
    "building_permit": "byg_og_miljoe",
    "assistive_aids": "kropsbaarne_hjaelpemidler",
    "marriage": "aegteskab",
    "state_pension": "folkepension",
    "housing_benefit": "boligstoette",
    "passport": "pas",
    "driving_licence": "koerekort",
    "mitid": "mitid",
    "power_of_attorney": "fuldmagt",
}
SERVICE_INTENTS = frozenset(SINGLE_SOLUTION) | {"report_move", "digital_post"}

DENMARK = {"danmark", "dk", "denmark", "danmarks"}
ORIGIN_WORDS = ("fra", "from")
DESTINATION_WORDS = ("til", "i", "to", "mod", "ned", "op", "over")

ABROAD_CUES = re.compile(r"\b(udland\w*|udrejse\w*|udrejse|emigrer\w*|abroad)\b")
TO_DENMARK_CUES = re.compile(
    r"\b(til|hjem til|tilbage til|to) (danmark|dk|denmark)\b|\bindrejse\w*|\bfra udlandet\b"
)
EXEMPTION_CUES = re.compile(
    r"fritag|fritaget|papir|brev(e|ene)? (med|i|paa) posten|slippe for|"
    r"afmeld|vil ikke have digital|kan ikke bruge digital"
)
READING_CUES = re.compile(
    r"\b(laes\w*|las|finde|finder|mangler|brev\w*|mit\.?dk|e-?boks|app\w*|indbakke|"
    r"besked\w*|notifikation\w*|post fra)\b"
)


@dataclass(frozen=True)
class Route:
    """Either a solution to show, or a response that asks a question."""

    solution_id: Optional[str] = None
    ask: Optional[str] = None


def fold(text: str) -> str:
    """Lower case, æ/ø/å as ae/oe/aa, accents removed: for keyword cues."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def first_value(entities: Iterable[Mapping[str, Any]], name: str) -> Optional[str]:
    for entity in entities:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def _marker_before(text: str, entity: Mapping[str, Any]) -> Optional[str]:
    start = entity.get("start")
    if not isinstance(start, int):
        return None
    words = fold(text[:start]).split()
    if not words:
        return None
    if words[-1] in ORIGIN_WORDS:
        return "origin"
    if words[-1] in DESTINATION_WORDS:
        return "destination"
    return None


def move_solution(text: str, entities: List[Mapping[str, Any]]) -> Optional[str]:
    """flytning / udrejse / indrejse from what the citizen said, or None."""
    direction = first_value(entities, "flytte_retning")
    if direction == "udrejse":
        return "udrejse"
    if direction == "indrejse":
        return "indrejse"
    if direction == "indenlands":
        return "flytning"
    folded = fold(text)
    lands = [
        e for e in entities
        if e.get("entity") == "land" and fold(str(e.get("value", ""))) not in DENMARK
    ]
    if lands:
        markers = {_marker_before(text, e) for e in lands}
        if markers == {"origin"}:
            return "indrejse"
        return "udrejse"
    if TO_DENMARK_CUES.search(folded):
        return "indrejse"
    if ABROAD_CUES.search(folded):
        return "udrejse"
    if first_value(entities, "kommune"):
        return "flytning"
    return None


def digital_post_solution(text: str, entities: List[Mapping[str, Any]]) -> Optional[str]:
    need = first_value(entities, "post_behov")
    if need == "fritagelse":
        return "fritagelse_digital_post"
    if need in ("laese", "mangler"):
        return "digital_post"
    folded = fold(text)
    if EXEMPTION_CUES.search(folded):
        return "fritagelse_digital_post"
    if READING_CUES.search(folded):
        return "digital_post"
    return None


def route(intent: str, text: str, entities: List[Dict[str, Any]]) -> Route:
    """The route for a service intent (see SERVICE_INTENTS)."""
    if intent in SINGLE_SOLUTION:
        return Route(solution_id=SINGLE_SOLUTION[intent])
    if intent == "report_move":
        solution = move_solution(text or "", entities)
        return Route(solution_id=solution) if solution else Route(ask="utter_ask_move_direction")
    if intent == "digital_post":
        solution = digital_post_solution(text or "", entities)
        return Route(solution_id=solution) if solution else Route(ask="utter_ask_post_need")
    raise ValueError(f"not a service intent: {intent}")

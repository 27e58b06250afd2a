"""Synthetic Rasa events in the event broker's table (id, sender_id, data), in
the shape Rasa 3.6 writes them (user, bot, action, slot events), for the
analytics benchmark and the analytics unit tests. Deterministic by seed."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Optional, Tuple

AREAS = ["report_move", "health_card", "eu_health_card", "choose_doctor", "daycare_enrolment",
         "school_enrolment", "sickness_benefit", "building_permit", "assistive_aids", "marriage",
         "state_pension", "housing_benefit", "passport", "driving_licence", "digital_post", "mitid",
         "power_of_attorney"]
KOMMUNER = ["aarhus", "koebenhavn", "odense", "aalborg", "esbjerg", "vejle", "randers", "horsens"]
UNKNOWN = ["hvornår henter i storskrald", "hul i vejen ved skolen", "skal min hund registreres",
           "jeg har ikke fået mit valgkort", "der er rotter i haven", "min skraldespand blev ikke tømt",
           "beboerlicens til parkering", "naboen larmer om natten", "asdf", "hvad koster en fiskekort"]


# What citizens write for each area (a few ways each, typos and missing æøå
# included), so that the demo data's unresolved groups read like real ones.
REQUESTS = {
    "report_move": ["jeg skal flytte", "hvordan melder jeg flytning", "ny adresse fra 1. marts", "flytter til aarhus"],
    "health_card": ["mistet mit sundhedskort", "nyt gult kort", "sundheds kort er knækket"],
    "eu_health_card": ["blåt kort til ferien", "blaat sygesikringskort", "eu kort til spanien"],
    "choose_doctor": ["skifte læge", "ny laege tak", "kan jeg vælge en anden læge"],
    "daycare_enrolment": ["vuggestueplads til min søn", "skrive op til børnehave", "dagpleje pladsanvisning"],
    "school_enrolment": ["skoleindskrivning", "min datter skal starte i 0. klasse", "skifte skole"],
    "sickness_benefit": ["sygedagpenge", "jeg er syg og har ingen løn", "sygemelding fra job"],
    "building_permit": ["byggetilladelse til carport", "må jeg bygge et skur", "tilbygning ansøgning"],
    "assistive_aids": ["rollator til min far", "hjælpemidler", "kørestol søge"],
    "marriage": ["vi skal giftes", "bryllup på rådhuset", "prøvelsesattest"],
    "state_pension": ["folkepension", "hvornår kan jeg få pension", "søge folkepension"],
    "housing_benefit": ["boligstøtte", "boligydelse til pensionist", "hjælp til husleje"],
    "passport": ["mit pas er udløbet", "nyt pas til barn", "pas fornyelse"],
    "driving_licence": ["kørekort fornyelse", "mistet kørekort", "korekort udløbet"],
    "digital_post": ["kan ikke finde brevet", "digital post", "fritagelse for digital post"],
    "mitid": ["mitid virker ikke", "ny telefon mitid", "mit id spærret"],
    "power_of_attorney": ["fuldmagt til min mor", "hjælpe min far med digital post", "give fuldmagt"],
}


def user(text: str, intent: str, confidence: float, at: float, kommune: str,
         ranking: Optional[List[Tuple[str, float]]] = None) -> Dict[str, Any]:
    ranking = ranking or [(intent, confidence), ("greet", round((1 - confidence) / 2, 4)),
                          ("out_of_scope", round((1 - confidence) / 4, 4))]
    return {"event": "user", "timestamp": at, "metadata": {"kommune": kommune}, "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": [],
                           "text": text, "message_id": f"m{int(at * 1000)}",
                           "metadata": {"kommune": kommune},
                           "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]},
            "input_channel": "rest", "message_id": f"m{int(at * 1000)}"}


def bot(at: float, text: str = "", custom: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {"event": "bot", "timestamp": at, "metadata": {"utter_action": "utter_x"}, "text": text or None,
            "data": {"elements": None, "quick_replies": None, "buttons": None, "attachment": None,
                     "image": None, "custom": custom}}


def action(name: str, at: float) -> Dict[str, Any]:
    return {"event": "action", "timestamp": at, "metadata": {}, "name": name, "policy": "RulePolicy",
            "confidence": 1.0, "action_text": None, "hide_rule_turn": False}


def slot(name: str, value: Any, at: float) -> Dict[str, Any]:
    return {"event": "slot", "timestamp": at, "metadata": {}, "name": name, "value": value}


def conversation(rng: random.Random, sender: str, start: datetime) -> List[Dict[str, Any]]:
    """One conversation's events: greeting, a request, sometimes a fallback,
    a correction or a hand-off, a solution card."""
    at = start.timestamp()
    kommune = rng.choice(KOMMUNER)
    area = rng.choice(AREAS)
    events = [{"event": "action", "timestamp": at, "name": "action_session_start", "metadata": {}},
              {"event": "session_started", "timestamp": at, "metadata": {}},
              action("action_listen", at)]

    def turn(message: Dict[str, Any], replies: List[Dict[str, Any]], action_name: str) -> None:
        nonlocal at
        at += rng.uniform(2, 40)
        message["timestamp"] = at
        events.append(message)
        events.append(action(action_name, at + 0.1))
        events.append(slot("variant", None, at + 0.1))
        for reply in replies:
            reply["timestamp"] = at + 0.2
            events.append(reply)
        events.append(action("action_listen", at + 0.3))

    turn(user("hej", "greet", 0.99, at, kommune), [bot(at, "Hej! Hvad kan jeg hjælpe med?")], "utter_greet")
    roll = rng.random()
    if roll < 0.15:
        turn(user(rng.choice(UNKNOWN), "nlu_fallback", 0.4, at, kommune, [("nlu_fallback", 0.4), (area, 0.31),
                                                                            ("out_of_scope", 0.2)]),
             [bot(at, "Det forstod jeg ikke.", {"type": "fallback", "attempt": 1})], "action_fallback")
    turn(user(rng.choice(REQUESTS[area]), area, rng.uniform(0.5, 0.99), at, kommune),
         [bot(at, "Sådan gør du:"), bot(at, "", {"type": "solution", "solution_id": area, "title": area})],
         "action_route_service")
    if roll > 0.9:
        turn(user("nej det var ikke det", "deny", 0.95, at, kommune), [bot(at, "Undskyld.")], "utter_sorry")
    if roll > 0.8:
        turn(user("jeg vil tale med en medarbejder", "request_human", 0.97, at, kommune),
             [bot(at, "Jeg sender dig videre.", {"type": "handoff", "escalation_id": f"esc_{sender}",
                                                 "reason": "requested_by_citizen", "area": area,
                                                 "mode": "live", "queue": "borgerservice"})],
             "action_handoff")
    else:
        turn(user("tak", "thank", 0.99, at, kommune), [bot(at, "Selv tak.")], "utter_thank")
    return events


def generate(count: int, seed: int = 7, days: int = 60,
             end: Optional[datetime] = None) -> Iterator[Tuple[str, str]]:
    """(sender_id, data) rows until `count` events are produced."""
    rng = random.Random(seed)
    end = end or datetime.now(timezone.utc)
    produced = 0
    number = 0
    while produced < count:
        number += 1
        sender = f"gen-{seed}-{number:08d}"
        start = end - timedelta(seconds=rng.uniform(0, days * 86400))
        for event in conversation(rng, sender, start):
            if produced >= count:
                return
            produced += 1
            yield sender, json.dumps(event, ensure_ascii=False)

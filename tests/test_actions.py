"""The custom actions, run on trackers built from tests/fixtures/tracker.json."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionContactBorgerservice,
    ActionFallback,
    ActionRequestHuman,
    ActionRouteService,
    ActionSolutionNotWorking,
)
from actions.catalogue import load_catalogue

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "tracker.json").read_text())


def tracker(intent=None, text="", entities=(), slots=None, metadata=None, ranking=()):
    state = copy.deepcopy(FIXTURE)
    state["latest_message"].update(
        text=text,
        intent={"name": intent, "confidence": 0.9},
        entities=list(entities),
        metadata=metadata or {},
        intent_ranking=list(ranking),
    )
    state["slots"].update(slots or {})
    return Tracker.from_dict(state)


def run(action, state):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, state, {})
    return events, dispatcher.messages


def test_route_service_shows_the_card_for_a_single_solution_intent():
    events, messages = run(ActionRouteService(), tracker("health_card", "mistet sundhedskort"))
    solution = load_catalogue().get("sundhedskort")
    assert events == [
        SlotSet("area", "health_card"),
        SlotSet("fallback_count", 0),
        SlotSet("solution_id", "sundhedskort"),
    ]
    assert [m["text"] for m in messages] == [solution.intro, None]
    assert messages[1]["custom"] == solution.card()
    assert messages[1]["custom"]["solution_id"] == "sundhedskort"


def test_route_service_asks_where_the_move_goes():
    events, messages = run(ActionRouteService(), tracker("report_move", "jeg skal flytte"))
    assert events == [SlotSet("area", "report_move"), SlotSet("fallback_count", 0)]
    assert [m["response"] for m in messages] == ["utter_ask_move_direction"]


def test_route_service_answers_a_move_abroad_without_asking():
    text = "vi flytter til Tyskland"
    entities = [{"entity": "land", "value": "Tyskland", "start": 15, "end": 23}]
    events, messages = run(ActionRouteService(), tracker("report_move", text, entities))
    assert events[-1] == SlotSet("solution_id", "udrejse")
    assert messages[1]["custom"]["solution_id"] == "udrejse"


def test_route_service_surfaces_fuldmagt_when_acting_for_a_relative():
    state = tracker("health_card", "min mor har mistet sit sundhedskort", slots={"relation": "mor"})
    _, messages = run(ActionRouteService(), state)
    assert len(messages) == 3
    assert "fuldmagt" in messages[2]["text"]
    assert messages[2]["buttons"] == [{"title": "Om fuldmagt", "payload": "/power_of_attorney"}]


def test_route_service_refuses_a_conversation_intent():
    events, messages = run(ActionRouteService(), tracker("greet", "hej"))
    assert events == []
    assert [m["response"] for m in messages] == ["utter_fallback"]


RANKING = [
    {"name": "nlu_fallback", "confidence": 0.6},
    {"name": "mitid", "confidence": 0.3},
    {"name": "greet", "confidence": 0.1},
    {"name": "digital_post", "confidence": 0.05},
    {"name": "passport", "confidence": 0.03},
    {"name": "marriage", "confidence": 0.01},
]


def test_fallback_first_attempt_offers_the_likely_areas():
    events, messages = run(ActionFallback(), tracker("nlu_fallback", "blablabla", ranking=RANKING))
    assert events == [SlotSet("fallback_count", 1)]
    assert messages[0]["response"] == "utter_fallback"
    assert messages[0]["buttons"] == [
        {"title": "MitID", "payload": "/mitid"},
        {"title": "Digital Post", "payload": "/digital_post"},
        {"title": "Pas", "payload": "/passport"},
    ]
    assert messages[1]["custom"] == {"type": "fallback", "attempt": 1}


def test_fallback_second_attempt_offers_borgerservice_and_a_person():
    state = tracker("nlu_fallback", "xyz", ranking=RANKING, slots={"fallback_count": 1})
    events, messages = run(ActionFallback(), state)
    assert events == [SlotSet("fallback_count", 2)]
    assert messages[0]["response"] == "utter_fallback_again"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[-2:] == ["/contact_borgerservice", "/request_human"]
    assert messages[1]["custom"] == {"type": "fallback", "attempt": 2}


def test_solution_not_working_offers_mitid_fuldmagt_and_borgerservice():
    events, messages = run(ActionSolutionNotWorking(), tracker("solution_not_working", "det virker ikke"))
    assert events == []
    assert messages[0]["response"] == "utter_solution_not_working"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/mitid", "/power_of_attorney", "/contact_borgerservice", "/request_human",
    ]


@pytest.mark.parametrize("action", [ActionRequestHuman(), ActionContactBorgerservice()])
def test_contact_uses_the_national_default_without_a_kommune(action):
    _, messages = run(action, tracker("contact_borgerservice", "telefonnummer"))
    assert "borger.dk" in messages[0]["contact"]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ukendt-kommune", "", None, 42])
def test_an_unknown_or_hostile_kommune_falls_back_to_the_default(bad):
    _, messages = run(ActionContactBorgerservice(), tracker("contact_borgerservice", "x", metadata={"kommune": bad}))
    assert "Du finder din kommunes Borgerservice på borger.dk." in messages[0]["contact"]

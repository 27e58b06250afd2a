"""Routing: which solution fits, or which question to ask."""
from __future__ import annotations

import pytest

from actions.routing import SERVICE_INTENTS, SINGLE_SOLUTION, Route, fold, route


def ent(name, value, text, start=None):
    return {"entity": name, "value": value, "start": start, "end": None if start is None else start + len(value)}


def at(text, name, value, word=None):
    word = word or value
    start = text.index(word)
    return {"entity": name, "value": value, "start": start, "end": start + len(word)}


@pytest.mark.parametrize("intent, solution", sorted(SINGLE_SOLUTION.items()))
def test_single_solution_intents_go_straight_to_their_card(intent, solution):
    assert route(intent, "hjælp", []) == Route(solution_id=solution)


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("jeg skal flytte", [], Route(ask="utter_ask_move_direction")),
        ("flytning", [], Route(ask="utter_ask_move_direction")),
        ("vi flytter til Tyskland", [at("vi flytter til Tyskland", "land", "Tyskland")], Route(solution_id="udrejse")),
        ("jeg flytter fra Polen til Aarhus", [at("jeg flytter fra Polen til Aarhus", "land", "Polen"),
                                             at("jeg flytter fra Polen til Aarhus", "kommune", "Aarhus")],
         Route(solution_id="indrejse")),
        ("flytter til Odense", [at("flytter til Odense", "kommune", "Odense")], Route(solution_id="flytning")),
        ("skal flytte til udlandet", [], Route(solution_id="udrejse")),
        ("vi flytter hjem til danmark", [], Route(solution_id="indrejse")),
        ("x", [ent("flytte_retning", "indenlands", "x")], Route(solution_id="flytning")),
        ("x", [ent("flytte_retning", "udrejse", "x")], Route(solution_id="udrejse")),
        ("x", [ent("flytte_retning", "indrejse", "x")], Route(solution_id="indrejse")),
        ("flytter til Danmark", [at("flytter til Danmark", "land", "Danmark")], Route(solution_id="indrejse")),
    ],
)
def test_moving(text, entities, expected):
    assert route("report_move", text, entities) == expected


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("digital post", [], Route(ask="utter_ask_post_need")),
        ("jeg vil have mine breve på papir", [], Route(solution_id="fritagelse_digital_post")),
        ("kan jeg blive fritaget for digital post", [], Route(solution_id="fritagelse_digital_post")),
        ("jeg kan ikke finde brevet fra kommunen", [], Route(solution_id="digital_post")),
        ("hvordan læser jeg min post på mit.dk", [], Route(solution_id="digital_post")),
        ("x", [ent("post_behov", "fritagelse", "x")], Route(solution_id="fritagelse_digital_post")),
        ("x", [ent("post_behov", "laese", "x")], Route(solution_id="digital_post")),
    ],
)
def test_digital_post(text, entities, expected):
    assert route("digital_post", text, entities) == expected


def test_every_service_intent_is_routed():
    assert len(SERVICE_INTENTS) == 17
    for intent in SERVICE_INTENTS:
        decision = route(intent, "", [])
        assert decision.solution_id or decision.ask


def test_unknown_intent_is_refused():
    with pytest.raises(ValueError):
        route("greet", "hej", [])


def test_fold():
    assert fold("Ærø Følle Åbenrå Café") == "aeroe foelle aabenraa cafe"

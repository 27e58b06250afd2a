"""Routing: which solution fits, or which question to ask."""
from __future__ import annotations

import pytest

from actions.routing import (
    SERVICE_INTENTS,
    SINGLE_SOLUTION,
    Route,
    child_months,
    fold,
    route,
)


def ent(name, value, text, start=None):
    return {"entity": name, "value": value, "start": start, "end": None if start is None else start + len(value)}


def at(text, name, value, word=None):
    word = word or value
    start = text.index(word)
    return {"entity": name, "value": value, "start": start, "end": start + len(word)}


ASKING = {"sickness_benefit", "daycare_enrolment", "mitid"}


@pytest.mark.parametrize("intent, solution", sorted((i, s) for i, s in SINGLE_SOLUTION.items() if i not in ASKING))
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
        # a free-text answer to "Hvor flytter du hen?" (the NLU may extract "danmark" unmapped)
        ("inden for danmark", [at("inden for danmark", "flytte_retning", "danmark")], Route(solution_id="flytning")),
        ("indenfor dk", [], Route(solution_id="flytning")),
        ("bare her i landet", [], Route(solution_id="flytning")),
        ("indenlands", [], Route(solution_id="flytning")),
        ("vi flytter inden for samme kommune", [], Route(solution_id="flytning")),
        ("vi flytter fra Danmark til Sverige", [at("vi flytter fra Danmark til Sverige", "land", "Sverige")],
         Route(solution_id="udrejse")),
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
        ("jeg kan ikke finde brevet fra kommunen", [], Route(solution_id="digital_post", variant="mangler")),
        ("x", [ent("post_behov", "mangler", "x")], Route(solution_id="digital_post", variant="mangler")),
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


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("sygedagpenge", [], Route(ask="utter_ask_employment")),
        ("jeg er syg og arbejdsløs", [], Route(solution_id="sygedagpenge", variant="ledig")),
        ("min arbejdsgiver siger jeg skal søge", [], Route(solution_id="sygedagpenge", variant="lønmodtager")),
        ("jeg har eget firma og er syg", [], Route(solution_id="sygedagpenge", variant="selvstændig")),
        ("x", [ent("beskaeftigelse", "ledig", "x")], Route(solution_id="sygedagpenge", variant="ledig")),
    ],
)
def test_sickness_benefit_asks_about_work_situation(text, entities, expected):
    assert route("sickness_benefit", text, entities) == expected


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("pasning", [], Route(ask="utter_ask_daycare_need")),
        ("skrive op til pasning", [], Route(ask="utter_ask_child_age")),
        ("skriv min søn op til vuggestue", [], Route(solution_id="opskrivning_dagtilbud", variant="ny_under_3")),
        ("plads i børnehave", [], Route(solution_id="opskrivning_dagtilbud", variant="ny_3_til_6")),
        ("min datter på 4 år skal skrives op", [ent("barn_alder", "4 år", "x")],
         Route(solution_id="opskrivning_dagtilbud", variant="ny_3_til_6")),
        ("opsige pladsen i børnehaven", [], Route(solution_id="opskrivning_dagtilbud", variant="opsig")),
        ("vi vil skifte til en anden vuggestue", [], Route(solution_id="opskrivning_dagtilbud", variant="skift")),
        ("x", [ent("dagtilbud_behov", "ny", "x"), ent("barn_alder", "under 3", "x")],
         Route(solution_id="opskrivning_dagtilbud", variant="ny_under_3")),
    ],
)
def test_daycare_asks_what_and_the_childs_age(text, entities, expected):
    assert route("daycare_enrolment", text, entities) == expected


@pytest.mark.parametrize(
    "text, expected_variant",
    [
        ("mitid", None),
        ("mit mitid er spærret", "spaerret"),
        ("jeg har mistet min kodeviser", "spaerret"),
        ("jeg har fået ny telefon", "ny_telefon"),
        ("jeg har ikke en smartphone", "ingen_smartphone"),
        ("hvordan får jeg mitid", "ny"),
    ],
)
def test_mitid_asks_what_the_problem_is(text, expected_variant):
    expected = Route(solution_id="mitid", variant=expected_variant) if expected_variant else Route(ask="utter_ask_mitid_need")
    assert route("mitid", text, []) == expected


@pytest.mark.parametrize(
    "text, variant",
    [
        ("hvordan giver jeg min søn fuldmagt", None),
        ("min mor har ikke mitid", "papir"),
        ("hvordan trækker jeg en fuldmagt tilbage", "tilbagekald"),
        ("kan jeg læse min fars digital post", "digital_post"),
    ],
)
def test_fuldmagt_variants(text, variant):
    assert route("power_of_attorney", text, []) == Route(solution_id="fuldmagt", variant=variant)


def test_an_open_question_uses_earlier_answers_but_the_latest_message_wins():
    context = {"dagtilbud_behov": "ny"}
    assert route("daycare_enrolment", "han er 2 år", [ent("barn_alder", "2 år", "x")], context) == Route(
        solution_id="opskrivning_dagtilbud", variant="ny_under_3")
    assert route("daycare_enrolment", "nej vi vil opsige", [], context).variant == "opsig"
    assert route("report_move", "ja", [], {"flytte_retning": "udrejse"}) == Route(solution_id="udrejse")


@pytest.mark.parametrize(
    "age, months",
    [("2 år", 24), ("8 mdr", 8), ("halvandet år", 18), ("3", 36), ("under 3", 12), ("3-6", 48), ("", None), ("lille", None)],
)
def test_child_months(age, months):
    assert child_months(age) == months


@pytest.mark.parametrize(
    "intent, text, context, expected",
    [
        # free-text answers to the bot's own questions (issue #18)
        ("report_move", "til Vejle", {}, Route(solution_id="flytning")),
        ("report_move", "vi skal til aalborg", {}, Route(solution_id="flytning")),
        ("report_move", "vi flytter til norge", {}, Route(solution_id="udrejse")),
        ("report_move", "jeg kommer fra polen", {}, Route(solution_id="indrejse")),
        ("sickness_benefit", "jeg er ansat", {}, Route(solution_id="sygedagpenge", variant="lønmodtager")),
        ("sickness_benefit", "jeg arbejder i netto", {}, Route(solution_id="sygedagpenge", variant="lønmodtager")),
        ("sickness_benefit", "er blevet fyret", {}, Route(solution_id="sygedagpenge", variant="ledig")),
        ("sickness_benefit", "har eget firma", {}, Route(solution_id="sygedagpenge", variant="selvstændig")),
        ("daycare_enrolment", "hun er to år", {"dagtilbud_behov": "ny"},
         Route(solution_id="opskrivning_dagtilbud", variant="ny_under_3")),
        ("daycare_enrolment", "hun er 4", {"dagtilbud_behov": "ny"},
         Route(solution_id="opskrivning_dagtilbud", variant="ny_3_til_6")),
        ("daycare_enrolment", "halvandet år", {"dagtilbud_behov": "ny"},
         Route(solution_id="opskrivning_dagtilbud", variant="ny_under_3")),
        ("daycare_enrolment", "jeg vil have en plads", {"dagtilbud_behov": "ny"}, Route(ask="utter_ask_child_age")),
        ("mitid", "jeg har mistet min telefon", {}, Route(solution_id="mitid", variant="spaerret")),
        ("digital_post", "vil have brevene på papir", {}, Route(solution_id="fritagelse_digital_post")),
    ],
)
def test_answers_in_words(intent, text, context, expected):
    assert route(intent, text, [], context) == expected


@pytest.mark.parametrize("age, months", [("to år", 24), ("et halvt år", 6), ("1½ år", 18), ("fem år", 60)])
def test_child_months_in_words(age, months):
    assert child_months(age) == months

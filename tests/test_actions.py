"""The custom actions, run on trackers built from tests/fixtures/tracker.json."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    ActionContactBorgerservice,
    ActionFallback,
    ActionGoBack,
    ActionNextStep,
    ActionOutOfScope,
    ActionHandoff,
    ActionRouteService,
    ActionSolutionNotWorking,
    ActionYesNo,
)
from borgerguide.answers import answer_for, question_types
from borgerguide.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
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


def card_events(area, solution_id, variant=None):
    return [
        SlotSet("area", area), SlotSet("solution_id", solution_id), SlotSet("variant", variant),
        SlotSet("step", 0), SlotSet("pending_intent", None), SlotSet("asked", None),
        SlotSet("fallback_count", 0), SlotSet("stuck_area", None),
    ]


def run(action, state):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, state, {})
    return events, dispatcher.messages


def test_route_service_shows_the_card_for_a_single_solution_intent():
    events, messages = run(ActionRouteService(), tracker("health_card", "mistet sundhedskort"))
    solution = load_catalogue().get("sundhedskort")
    assert events == card_events("health_card", "sundhedskort")
    assert [m["text"] for m in messages] == [solution.intro, None,
                                             "Sig til, hvis du vil tage det trin for trin, eller spørg mig om det."]
    assert messages[1]["custom"] == solution.card()
    assert messages[1]["custom"]["solution_id"] == "sundhedskort"
    assert messages[2]["buttons"] == [{"title": "Vis mig trin for trin", "payload": "/next_step"},
                                      {"title": "Det virker ikke", "payload": "/solution_not_working"}]


def test_route_service_asks_where_the_move_goes():
    events, messages = run(ActionRouteService(), tracker("report_move", "jeg skal flytte"))
    assert events == [SlotSet("area", "report_move"), SlotSet("pending_intent", "report_move"),
                      SlotSet("fallback_count", 0)]
    assert [m["response"] for m in messages] == ["utter_ask_move_direction", None]
    assert messages[1]["custom"] == {"type": "question", "asks": "move_direction", "area": "report_move"}


def test_route_service_answers_a_move_abroad_without_asking():
    text = "vi flytter til Tyskland"
    entities = [{"entity": "land", "value": "Tyskland", "start": 15, "end": 23}]
    events, messages = run(ActionRouteService(), tracker("report_move", text, entities))
    assert events == card_events("report_move", "udrejse")
    assert messages[1]["custom"]["solution_id"] == "udrejse"


def test_route_service_surfaces_fuldmagt_when_acting_for_a_relative():
    state = tracker("health_card", "min mor har mistet sit sundhedskort", slots={"relation": "mor"})
    _, messages = run(ActionRouteService(), state)
    assert len(messages) == 4
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


def test_fallback_first_attempt_offers_only_what_is_near_the_message():
    events, messages = run(ActionFallback(), tracker("nlu_fallback", "blablabla", ranking=RANKING))
    assert events == [SlotSet("fallback_count", 1)]
    assert messages[0]["response"] == "utter_fallback"
    # the classifier's plausible area, not the unlikely tail of the ranking (Digital Post, Pas)
    assert messages[0]["buttons"] == [{"title": "MitID", "payload": "/mitid"}]
    assert messages[1]["custom"] == {"type": "fallback", "attempt": 1}
    assert not any("fuldmagt" in (m.get("text") or "") for m in messages)


def test_fallback_offers_the_matters_nearest_to_the_words():
    ranking = [{"name": "nlu_fallback", "confidence": 0.7}, {"name": "marriage", "confidence": 0.05}]
    _, messages = run(ActionFallback(), tracker("nlu_fallback", "parkeringslicens til min nye bil", ranking=ranking))
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles and "Bryllup og vielse" not in titles
    assert any("arkering" in title for title in titles), titles


def test_gibberish_is_not_understood_rather_than_refused():
    _, messages = run(ActionOutOfScope(), tracker("out_of_scope", "asdfgh jklæø"))
    assert messages[0]["response"] in ("utter_fallback", "utter_fallback_nothing_near")
    assert customs_of(messages, "fallback") == [{"type": "fallback", "attempt": 1}]


def test_fallback_second_attempt_hands_over_to_staff():
    state = tracker("nlu_fallback", "xyz", ranking=RANKING, slots={"fallback_count": 1, "area": "mitid"})
    events, messages = run(ActionFallback(), state)
    assert messages[0]["response"] == "utter_fallback_again"
    assert messages[1]["custom"] == {"type": "fallback", "attempt": 2}
    handoff = messages[3]["custom"]
    assert handoff["type"] == "handoff" and handoff["reason"] == "repeated_fallback"
    assert handoff["area"] == "mitid" and handoff["mode"] == "callback" and handoff["queue"] == "borgerservice"
    assert events == [SlotSet("escalation_id", handoff["escalation_id"]), SlotSet("fallback_count", 0),
                      SlotSet("asked", None)]


def test_out_of_scope_three_times_hands_over():
    text = "hvem vinder fodboldkampen i aften"
    _, messages = run(ActionOutOfScope(), tracker("out_of_scope", text, slots={"fallback_count": 1}))
    assert customs_of(messages, "handoff") == []
    _, messages = run(ActionOutOfScope(), tracker("out_of_scope", text, slots={"fallback_count": 2}))
    assert customs_of(messages, "handoff")[0]["reason"] == "repeated_fallback"


def customs_of(messages, kind):
    return [m["custom"] for m in messages if m.get("custom") and m["custom"].get("type") == kind]


def test_handoff_requested_by_the_citizen_outside_hours_offers_a_callback():
    events, messages = run(ActionHandoff(), tracker("request_human", "jeg vil tale med en medarbejder"))
    handoff = customs_of(messages, "handoff")[0]
    assert handoff["reason"] == "requested_by_citizen" and handoff["mode"] == "callback"
    assert handoff["escalation_id"].startswith("esc_") and len(handoff["escalation_id"]) == 30
    assert "ringe dig op" in messages[0]["text"]
    assert ConversationPaused() not in events


def test_handoff_after_being_stuck_and_live_pauses_the_bot(monkeypatch):
    monkeypatch.setenv("BORGERGUIDE_HANDOFF_MODE", "live")
    events, messages = run(ActionHandoff(), tracker("request_human", "medarbejder", slots={"stuck_area": "report_move"}))
    handoff = customs_of(messages, "handoff")[0]
    assert handoff["reason"] == "solution_not_working" and handoff["mode"] == "live"
    assert events[-1] == ConversationPaused()


def test_solution_not_working_offers_mitid_fuldmagt_and_borgerservice():
    events, messages = run(ActionSolutionNotWorking(), tracker("solution_not_working", "det virker ikke"))
    assert events == [SlotSet("asked", None), SlotSet("stuck_area", "ukendt")]
    assert messages[0]["response"] == "utter_solution_not_working"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/mitid", "/power_of_attorney", "/contact_borgerservice", "/request_human",
    ]


def test_contact_uses_the_national_default_without_a_kommune():
    _, messages = run(ActionContactBorgerservice(), tracker("contact_borgerservice", "telefonnummer"))
    assert "borger.dk" in messages[0]["contact"]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ukendt-kommune", "", None, 42])
def test_an_unknown_or_hostile_kommune_falls_back_to_the_default(bad):
    _, messages = run(ActionContactBorgerservice(), tracker("contact_borgerservice", "x", metadata={"kommune": bad}))
    assert "Du finder din kommunes Borgerservice på borger.dk." in messages[0]["contact"]


def test_solution_not_working_gives_the_areas_troubleshooting_first():
    state = tracker("solution_not_working", "det virker ikke", slots={"solution_id": "flytning"})
    _, messages = run(ActionSolutionNotWorking(), state)
    for tip in load_catalogue().get("flytning").troubleshooting:
        assert tip in messages[0]["text"]
    assert [b["payload"] for b in messages[1]["buttons"]][0] == "/mitid"


def test_solution_not_working_for_a_relative_offers_fuldmagt():
    _, messages = run(ActionSolutionNotWorking(), tracker("solution_not_working", "det virker ikke for min mor"))
    assert "/power_of_attorney" in [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_route_service_uses_the_variant_steps():
    _, messages = run(ActionRouteService(), tracker("sickness_benefit", "jeg er ledig og syg"))
    solution = load_catalogue().get("sygedagpenge")
    assert messages[0]["text"] == solution.variants["ledig"]["intro"]
    assert messages[1]["custom"]["steps"] == solution.variants["ledig"]["steps"]
    assert messages[1]["custom"]["variant"] == "ledig"


def test_an_open_question_is_answered_with_the_earlier_answer():
    state = tracker("daycare_enrolment", "han er 2 år", entities=[{"entity": "barn_alder", "value": "2 år"}],
                    slots={"pending_intent": "daycare_enrolment", "dagtilbud_behov": "ny"})
    events, messages = run(ActionRouteService(), state)
    assert messages[1]["custom"]["variant"] == "ny_under_3"
    assert SlotSet("pending_intent", None) in events


def test_a_cost_question_about_the_shown_card_is_answered_without_a_new_card():
    state = tracker("report_move", "hvad koster det at melde flytning", slots={"solution_id": "flytning"})
    events, messages = run(ActionRouteService(), state)
    expected = answer_for("flytning", "cost")
    assert expected.kind == "national" and expected.source
    assert messages[0]["text"] == expected.text
    assert customs_of(messages, "answer")[0] == {
        "type": "answer", "question": "cost", "matter": "flytning", "kind": "national", "source": expected.source,
        "source_title": expected.source_title, "page": load_catalogue().get("flytning").url}
    assert customs_of(messages, "solution") == []
    assert events == [SlotSet("last_question", "cost"), SlotSet("fallback_count", 0)]


def test_an_unknown_answer_is_not_invented(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "answers" / "mitid.yml").unlink(missing_ok=True)
    monkeypatch.setenv("BORGERGUIDE_CONTENT_DIR", str(content))
    state = tracker("out_of_scope", "hvad koster det", slots={"solution_id": "mitid"})
    _, messages = run(ActionOutOfScope(), state)
    assert messages[0]["text"] == question_types()["cost"].unknown
    assert customs_of(messages, "answer")[0]["kind"] == "unknown"
    assert customs_of(messages, "answer")[0]["source"] is None
    assert "Borgerservice" in messages[2]["text"], "an honest 'ved ikke' gives Borgerservice"


def test_out_of_scope_without_context():
    _, messages = run(ActionOutOfScope(), tracker("out_of_scope", "hvordan bliver vejret"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]


def test_fallback_can_answer_the_open_question():
    state = tracker("nlu_fallback", "til udlandet", slots={"pending_intent": "report_move"})
    _, messages = run(ActionFallback(), state)
    assert messages[1]["custom"]["solution_id"] == "udrejse"


def test_next_step_walks_through_and_asks_if_it_worked():
    steps = load_catalogue().get("pas").steps
    slots = {"solution_id": "pas", "step": 0}
    for index, step in enumerate(steps):
        slots["step"] = index
        events, messages = run(ActionNextStep(), tracker("next_step", "næste", slots=slots))
        assert messages[0]["text"] == f"Trin {index + 1} af {len(steps)}: {step}"
        assert SlotSet("step", index + 1) in events
    assert messages[-1]["response"] == "utter_did_it_work"
    assert SlotSet("asked", "did_it_work") in events


def test_next_step_without_a_solution():
    _, messages = run(ActionNextStep(), tracker("next_step", "næste"))
    assert [m["response"] for m in messages] == ["utter_no_solution_yet"]


def test_yes_after_did_it_work_is_glad_and_no_is_the_stuck_path():
    slots = {"asked": "did_it_work", "solution_id": "flytning"}
    _, messages = run(ActionYesNo(), tracker("affirm", "ja", slots=slots))
    assert [m["response"] for m in messages] == ["utter_glad"]
    _, messages = run(ActionYesNo(), tracker("deny", "nej", slots=slots))
    assert "Prøv dette" in messages[0]["text"]


def test_yes_no_without_a_question():
    _, messages = run(ActionYesNo(), tracker("deny", "nej"))
    assert [m["response"] for m in messages] == ["utter_deny"]


def test_go_back_shows_the_previous_solution():
    slots = {"solution_id": "pas", "previous_solution": "mitid", "previous_variant": "ny_telefon"}
    events, messages = run(ActionGoBack(), tracker("go_back", "tilbage", slots=slots))
    assert messages[1]["custom"]["solution_id"] == "mitid"
    assert messages[1]["custom"]["variant"] == "ny_telefon"
    assert SlotSet("previous_solution", "pas") in events
    _, messages = run(ActionGoBack(), tracker("go_back", "tilbage"))
    assert [m["response"] for m in messages] == ["utter_nothing_to_go_back_to"]


def test_an_active_notice_is_told_before_the_card(tmp_path, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from borgerguide import notices

    monkeypatch.setenv("BORGERGUIDE_DB", f"sqlite:///{tmp_path / 'n.db'}")
    now = datetime.now(timezone.utc)
    notices.publish("MitID har driftsforstyrrelser", ["mitid"], now - timedelta(minutes=5), now + timedelta(hours=1))
    notices.publish("Gammel besked", ["mitid"], now - timedelta(hours=5), now - timedelta(hours=1))
    notices.publish("Kun Odense", ["*"], now - timedelta(minutes=5), now + timedelta(hours=1), kommune="odense")
    _, messages = run(ActionRouteService(), tracker("mitid", "mit mitid er spærret"))
    assert messages[0]["text"] == "Driftsmeddelelse: MitID har driftsforstyrrelser"
    assert messages[1]["custom"]["type"] == "notice"
    assert messages[3]["custom"]["solution_id"] == "mitid"
    assert not any("Gammel" in (m.get("text") or "") or "Odense" in (m.get("text") or "") for m in messages)
    _, messages = run(ActionRouteService(), tracker("passport", "pas"))
    assert messages[1]["custom"]["type"] == "solution", "a notice for mitid does not concern passports"


@pytest.mark.parametrize("action, intent", [(ActionFallback(), "nlu_fallback"), (ActionOutOfScope(), "out_of_scope")])
def test_not_understood_but_helping_a_relative_still_surfaces_fuldmagt(action, intent):
    _, messages = run(action, tracker(intent, "hvordan hjælper jeg min mor med det digitale", ranking=RANKING))
    assert any("fuldmagt" in (m.get("text") or "") for m in messages)


def test_the_action_server_registers_every_action_of_the_domain_and_nothing_else():
    """rasa-sdk registers every subclass of Action it finds: a base class
    without a name must be abstract, or the action server does not start."""
    import yaml
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {name for name in domain["actions"] if name.startswith("action_")}
    assert custom <= set(executor.actions), sorted(custom - set(executor.actions))

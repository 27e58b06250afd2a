"""The wider citizen service (../shared/spec/topics.yml) against the real Rasa
server and action server: every topic's card or referral is reachable from a
citizen's own words, carries what the catalogue says and nothing invented; the
acute topic comes first; what the bot does not know still gets a next step."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest
import yaml

from borgerguide.kommuner import load_kommune
from borgerguide.topics import load_topics, topic_payload
from conftest import ROOT, customs, send

SPEC_PATH = ROOT.parent / "shared" / "spec" / "topics.yml"
PROBES: Dict[str, List[str]] = yaml.safe_load((ROOT / "tests" / "nlu" / "topic_probes.yml").read_text("utf-8"))
KOMMUNE = "aarhus"


def talk(stack, text: str, sender: Optional[str] = None) -> Tuple[str, List[Dict[str, Any]]]:
    sender = sender or f"topic-{uuid.uuid4().hex[:12]}"
    return sender, send(stack, sender, text, {"kommune": KOMMUNE})


def topic_card(messages: List[Dict[str, Any]], topic_id: str) -> Optional[Dict[str, Any]]:
    cards = [c for kind in ("solution", "referral") for c in customs(messages, kind) if c.get("topic") == topic_id]
    return cards[0] if cards else None


def reach(stack, topic_id: str, text: str) -> Tuple[Optional[Dict[str, Any]], List[Dict[str, Any]]]:
    """The topic's card for a citizen's message: directly, or after one
    "Mener du ...?" answered with the topic's button, as a citizen would."""
    sender, messages = talk(stack, text)
    card = topic_card(messages, topic_id)
    asked = customs(messages, "clarify")
    if card is None and asked and f"topic:{topic_id}" in asked[0]["options"]:
        buttons = [b for m in messages for b in m.get("buttons") or []]
        assert topic_payload(topic_id) in [b["payload"] for b in buttons], buttons
        _, messages = talk(stack, topic_payload(topic_id), sender)
        card = topic_card(messages, topic_id)
    return card, messages


def test_every_topic_of_the_spec_is_in_the_catalogue_with_its_authority():
    topics = load_topics()
    if not SPEC_PATH.exists():
        pytest.skip("../shared/spec/topics.yml is not beside this checkout (a fresh clone on its own)")
    spec_topics = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["topics"]
    assert set(spec_topics) <= set(topics)
    for topic_id, spec in spec_topics.items():
        assert topics[topic_id].authority == spec["authority"], topic_id
    assert set(PROBES) == set(topics), "every topic has probe messages"


@pytest.mark.parametrize("topic_id", sorted(load_topics()))
def test_every_topic_card_is_reachable_and_honest(stack, topic_id):
    topic = load_topics()[topic_id]
    reached = [reach(stack, topic_id, text) for text in PROBES[topic_id]]
    cards = [card for card, _ in reached if card is not None]
    assert cards, f"{topic_id}: none of {PROBES[topic_id]} reached its card: " + repr(
        [[m.get("text") or m.get("custom") for m in messages] for _, messages in reached])
    card = cards[0]
    overrides = load_kommune(KOMMUNE).topic_overrides(topic_id)
    assert card["title"] == topic.title and card["steps"] == list(topic.steps_for(None, overrides))
    assert card["login"] == topic.login
    if topic.referral:
        assert card["type"] == "referral" and card["authority"] == topic.authority
        assert card.get("url") == (overrides.get("url") or topic.url), "never an invented URL"
        assert card.get("phone") == (topic.phone if topic.phone_verified else None), "an unverified phone is hidden"
    else:
        assert card["type"] == "solution" and card["solution_id"] == topic_id
        assert card["url"].startswith("https://")
        if topic.url is None and not overrides.get("url"):
            assert card["url"] == load_kommune(KOMMUNE).own_page, "the kommune's own site, not a guess"


def test_acute_help_comes_first_with_the_crisis_lines_and_a_person(stack):
    topic = load_topics()["akut_hjaelp"]
    assert topic.acute and topic.help_lines
    for text in ("jeg har ingen steder at sove i nat", "jeg er bange for min mand, han slår mig"):
        sender, messages = talk(stack, text)
        first = messages[0]
        assert "112" in first["text"], messages
        assert "/request_human" in [b["payload"] for b in first.get("buttons") or []]
        help_ = customs(messages, "acute")[0]
        assert not load_kommune(KOMMUNE).borgerservice.get("social_emergency_phone"), "the case this checks"
        assert help_["national"]["phone"] == "114" and "sociale vagt" in help_["national"]["name"], \
            "no social emergency phone of the kommune's own: a clear national line"
        assert [line["phone"] for line in help_["lines"]] == [line.phone for line in topic.help_lines
                                                              if line.phone != "114"], "114 once, as that line"
        assert help_["local"]["phone"] == load_kommune(KOMMUNE).borgerservice["phone"], "a number to call locally"
        assert "114" in first["text"]
        texts = [m["text"] for m in messages if m.get("text")]
        assert len(texts) == 1, f"one short message: {texts}"
        buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]
        assert "/next_step" not in buttons and "/solution_not_working" not in buttons, buttons
    _, after = talk(stack, "/request_human", sender)
    assert customs(after, "handoff")[0]["reason"] == "acute"


def test_what_the_bot_does_not_know_still_gets_a_next_step(stack):
    kommune = load_kommune(KOMMUNE)
    _, messages = talk(stack, "grmbl xqz fjuuh bhaa")
    text = "\n".join(m.get("text") or "" for m in messages)
    assert kommune.borgerservice.get("phone") in text, "the kommune's Borgerservice contact"
    assert "Tal med en medarbejder" in [b["title"] for m in messages for b in m.get("buttons") or []]


@pytest.mark.parametrize("text", ["hvordan bliver vejret i weekenden", "hvem vinder superligaen i år",
                                  "har du en god opskrift på frikadeller"])
def test_unrelated_questions_get_a_friendly_answer_and_no_card(stack, text):
    _, messages = talk(stack, text)
    assert not customs(messages, "solution") and not customs(messages, "referral")
    assert messages and messages[0].get("text"), messages


def test_the_seeds_own_problems(stack):
    # a lodger has moved out: the kommune must hear it; the citizen is not asked where *they* move to
    card, messages = reach(stack, "fraflytning_anden", "min lejer er flyttet og jeg skal melde det til kommunen")
    assert card is not None, messages
    # the kommune never answers: its contact, and a person here and now
    _, messages = talk(stack, "i svarer aldrig på mine mails, hvordan får jeg fat i jer")
    text = "\n".join(m.get("text") or "" for m in messages)
    assert load_kommune(KOMMUNE).borgerservice.get("phone") in text
    assert "/request_human" in [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_a_message_between_two_next_steps_is_asked_not_guessed():
    """The rule itself (the action on a tracker with the classifier's ranking):
    two close next steps are asked about with both as buttons, no card; a
    clear first choice gets its card; a button is never second-guessed."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import ActionRouteTopic
    from test_actions import tracker

    entity = [{"entity": "topic", "value": "hjaelpemidler"}]

    def run(ranking, text="kørestol eller kørekort"):
        dispatcher = CollectingDispatcher()
        ActionRouteTopic().run(dispatcher, tracker("topic", text, entity, metadata={"kommune": KOMMUNE},
                                                   ranking=ranking), {})
        return dispatcher.messages

    close = [{"name": "topic_hjaelpemidler", "confidence": 0.46}, {"name": "driving_licence", "confidence": 0.38},
             {"name": "greet", "confidence": 0.05}]
    messages = run(close)
    asked = [m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "clarify"]
    assert asked and asked[0]["options"] == ["topic:hjaelpemidler", "driving_licence"]
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert {topic_payload("hjaelpemidler"), "/driving_licence", "/request_human"} <= set(payloads)
    assert not [m for m in messages if (m.get("custom") or {}).get("type") in ("solution", "referral")], "no guess"
    clear = [{"name": "topic_hjaelpemidler", "confidence": 0.93}, {"name": "driving_licence", "confidence": 0.03}]
    assert [m["custom"]["topic"] for m in run(clear) if (m.get("custom") or {}).get("type") == "solution"] == \
        ["hjaelpemidler"]
    # a pair the catalogue declares easily confused is asked about with a wider margin
    assert "state_pension" in load_topics()["boerneydelse"].confusable
    apart = [{"name": "topic_boerneydelse", "confidence": 0.6}, {"name": "state_pension", "confidence": 0.25}]
    asked = [m["custom"] for m in run(apart) if (m.get("custom") or {}).get("type") == "clarify"]
    assert asked and asked[0]["options"] == ["topic:boerneydelse", "state_pension"]
    unrelated = [{"name": "topic_hjaelpemidler", "confidence": 0.6}, {"name": "topic_valg", "confidence": 0.25}]
    assert not [m for m in run(unrelated) if (m.get("custom") or {}).get("type") == "clarify"]
    chosen = run(close, text=topic_payload("hjaelpemidler"))
    assert [m["custom"]["topic"] for m in chosen if (m.get("custom") or {}).get("type") == "solution"] == \
        ["hjaelpemidler"]


def test_acute_words_with_an_unsure_topic_get_the_acute_card_not_a_guess():
    """Acute words and a classifier unsure what else the message is about:
    the help, then the acute topic's card, never a guessed card beside it; a
    confident other topic keeps its card after the help."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import ActionRouteTopic
    from test_actions import tracker

    def cards(confidence):
        state = tracker("topic", "er blevet smidt ud af min kæreste og står på gaden med min taske",
                        [{"entity": "topic", "value": "begravelseshjaelp"}], metadata={"kommune": KOMMUNE})
        state.latest_message["intent"]["confidence"] = confidence
        dispatcher = CollectingDispatcher()
        ActionRouteTopic().run(dispatcher, state, {})
        assert "112" in dispatcher.messages[0]["text"], "the help comes first"
        return [m["custom"].get("topic") for m in dispatcher.messages
                if (m.get("custom") or {}).get("type") in ("solution", "referral")]

    assert cards(0.5) == ["akut_hjaelp"]
    assert cards(0.95) == ["begravelseshjaelp"]


def test_choosing_a_button_of_the_question_gives_its_card(stack):
    sender, _ = talk(stack, "hej")
    _, chosen = talk(stack, topic_payload("hjaelpemidler"), sender)
    assert topic_card(chosen, "hjaelpemidler") is not None

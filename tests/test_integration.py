"""The real Rasa server and action server over HTTP (REST channel)."""
from __future__ import annotations

import uuid

import pytest

from conftest import TOKEN, customs, get_json, make_stack, send

CARD_FOR = [
    ("jeg har mistet mit sundhedskort", "sundhedskort"),
    ("vi flytter til Tyskland til sommer", "udrejse"),
    ("mit pas er udløbet, hvad gør jeg", "pas"),
    ("hvordan søger jeg om boligstøtte", "boligstoette"),
    ("jeg vil gerne skifte læge", "laegevalg"),
    ("hvordan giver jeg min datter fuldmagt", "fuldmagt"),
    ("jeg vil ikke have digital post, kan jeg få brevene på papir", "fritagelse_digital_post"),
]


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("text, solution_id", CARD_FOR)
def test_danish_message_gets_the_solution_card(stack, text, solution_id):
    messages = send(stack, sender(), text)
    cards = customs(messages, "solution")
    assert [c["solution_id"] for c in cards] == [solution_id]
    card = cards[0]
    assert card["url"].startswith("https://") and card["steps"] and card["title"]
    assert set(card["help"]) == {"fuldmagt", "borgerservice"}
    assert messages[0].get("text"), "the card comes with a text message"


def test_moving_asks_first_and_the_button_leads_to_the_card(stack):
    citizen = sender()
    question = send(stack, citizen, "jeg skal flytte")
    assert question[0]["text"] == "Hvor flytter du hen?"
    payloads = [b["payload"] for b in question[0]["buttons"]]
    assert len(payloads) == 3
    card = customs(send(stack, citizen, payloads[1]), "solution")
    assert card[0]["solution_id"] == "udrejse"


def test_the_card_is_stored_in_the_tracker(stack):
    citizen = sender()
    send(stack, citizen, "jeg skal have nyt kørekort")
    tracker = get_json(f"{stack.rasa_url}/conversations/{citizen}/tracker?token={TOKEN}")
    bot_customs = [e["data"]["custom"] for e in tracker["events"]
                   if e["event"] == "bot" and (e.get("data") or {}).get("custom")]
    assert bot_customs[0]["type"] == "solution"
    assert bot_customs[0]["solution_id"] == "koerekort"
    assert tracker["slots"]["solution_id"] == "koerekort"


def test_gibberish_gets_a_fallback_with_choices(stack):
    citizen = sender()
    messages = send(stack, citizen, "qwx zzv plokk trrm")
    fallbacks = customs(messages, "fallback")
    out_of_scope = [m for m in messages if "kan jeg desværre ikke hjælpe med" in (m.get("text") or "")]
    assert fallbacks == [{"type": "fallback", "attempt": 1}] or out_of_scope
    assert any(m.get("buttons") for m in messages)


def test_the_api_needs_the_token(stack):
    import urllib.error
    import urllib.request
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{stack.rasa_url}/conversations/x/tracker", timeout=10)
    assert error.value.code == 401


def test_a_restart_continues_the_conversation(model_path, tmp_path):
    """Stop the Rasa server mid-clarification; the new one continues it."""
    running = make_stack(tmp_path)
    try:
        running.start_actions()
        running.start_rasa(model_path)
        citizen = sender()
        question = send(running, citizen, "jeg skal flytte")
        assert question[0]["text"] == "Hvor flytter du hen?"
        running.stop_one("rasa")
        running.start_rasa(model_path)
        tracker = get_json(f"{running.rasa_url}/conversations/{citizen}/tracker?token={TOKEN}")
        texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
        assert texts == ["jeg skal flytte"]
        assert tracker["slots"]["area"] == "report_move"
        card = customs(send(running, citizen, question[0]["buttons"][0]["payload"]), "solution")
        assert card[0]["solution_id"] == "flytning"
        tracker = get_json(f"{running.rasa_url}/conversations/{citizen}/tracker?token={TOKEN}")
        assert [e.get("text") for e in tracker["events"] if e["event"] == "user"][0] == "jeg skal flytte"
    finally:
        running.stop()

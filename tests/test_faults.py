"""Faults behind the public endpoint `/api/chat`: the action server down,
hung (answers far too late) or restarted, Rasa too slow, and an error inside
an action. Real processes: the session stack's Rasa server (started through
launch/rasa_server.py, action timeout 5 s by default) and action server, which
these tests stop, freeze (SIGSTOP) and restart; they always bring it back."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Tuple

import pytest

from bot.app import create_app
from conftest import TOKEN, Citizen, get_json, web_settings
from launch.rasa_server import DEFAULT_ACTION_TIMEOUT, FAULT_TEXT

NORMAL = "jeg har mistet mit gule sundhedskort"
# the citizen hears back within the action timeout plus Rasa's own work
ANSWER_WITHIN = DEFAULT_ACTION_TIMEOUT + 3.0


def citizen() -> Citizen:
    return Citizen()


@pytest.fixture
async def client(aiohttp_client, stack):
    return await aiohttp_client(create_app(web_settings(stack)))


@pytest.fixture
def actions_back(stack):
    """Whatever a test does to the action server, it runs again afterwards."""
    yield
    process = stack.processes.get("actions")
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGCONT)
        return
    stack.start_actions()


async def chat(client, person: Citizen, **fields: Any) -> Tuple[float, Dict[str, Any]]:
    started = time.monotonic()
    response = await client.post("/api/chat", json=person.body(**fields))
    elapsed = time.monotonic() - started
    assert response.status == 200, await response.text()
    return elapsed, person.keep(await response.json())


def is_fault_answer(messages: List[Dict[str, Any]]) -> bool:
    return [m.get("text") for m in messages] == [FAULT_TEXT] and \
        messages[0]["buttons"] == [{"title": "Tal med en medarbejder", "payload": "/request_human"}]


def solution_ids(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["custom"]["solution_id"] for m in messages
            if isinstance(m.get("custom"), dict) and m["custom"].get("type") == "solution"]


def user_texts(stack, person: Citizen) -> List[str]:
    tracker = get_json(f"{stack.rasa_url}/conversations/{person.sender}/tracker?token={TOKEN}&include_events=ALL")
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


async def test_action_server_down_gives_a_danish_answer_with_a_person_and_then_recovers(client, stack, actions_back):
    sender = citizen()
    stack.stop_one("actions")
    elapsed, answer = await chat(client, sender, message=NORMAL)
    assert is_fault_answer(answer["messages"]), answer
    assert elapsed < ANSWER_WITHIN
    elapsed, answer = await chat(client, sender, message="jeg skal bestille et nyt pas")
    assert is_fault_answer(answer["messages"]) and elapsed < ANSWER_WITHIN, "the next message is answered too"
    stack.start_actions()
    _, answer = await chat(client, sender, message=NORMAL)
    assert solution_ids(answer["messages"]) == ["sundhedskort"]
    assert user_texts(stack, sender) == [NORMAL, "jeg skal bestille et nyt pas", NORMAL], "nothing lost"


async def test_the_hand_off_offer_works_while_the_action_server_is_down(client, stack, actions_back):
    sender = citizen()
    stack.stop_one("actions")
    _, answer = await chat(client, sender, message=NORMAL)
    assert is_fault_answer(answer["messages"])
    elapsed, answer = await chat(client, sender, payload=answer["messages"][0]["buttons"][0]["payload"])
    handoffs = [m["custom"] for m in answer["messages"] if isinstance(m.get("custom"), dict)
                and m["custom"].get("type") == "handoff"]
    assert len(handoffs) == 1 and handoffs[0]["reason"] == "requested_by_citizen", answer
    assert "medarbejder" in answer["messages"][0]["text"]
    assert answer["handoff"] and answer["handoff"]["escalation_id"] == handoffs[0]["escalation_id"], \
        "staff see the escalation"
    assert elapsed < ANSWER_WITHIN


async def test_a_hung_action_server_does_not_hold_the_conversation(client, stack, actions_back):
    """SIGSTOP: the action server accepts connections but answers only when it
    is continued, long after Rasa gave up."""
    sender = citizen()
    _, answer = await chat(client, sender, message="jeg skal flytte")
    assert answer["messages"][0]["text"] == "Hvor flytter du hen?"
    buttons = answer["messages"][0]["buttons"]
    os.killpg(stack.processes["actions"].pid, signal.SIGSTOP)
    try:
        first, answer = await chat(client, sender, payload=buttons[1]["payload"])
        assert is_fault_answer(answer["messages"]), answer
        second, answer = await chat(client, sender, message=NORMAL)
        assert is_fault_answer(answer["messages"]), "the next message is not stuck behind the first"
    finally:
        os.killpg(stack.processes["actions"].pid, signal.SIGCONT)
    assert DEFAULT_ACTION_TIMEOUT - 0.5 < first < ANSWER_WITHIN
    assert second < ANSWER_WITHIN
    _, answer = await chat(client, sender, payload=buttons[1]["payload"])
    assert solution_ids(answer["messages"]) == ["udrejse"], "the clarification goes on where it was"
    assert user_texts(stack, sender) == ["jeg skal flytte", buttons[1]["payload"], NORMAL, buttons[1]["payload"]]


async def test_an_action_server_restart_mid_clarification_loses_nothing(client, stack, actions_back):
    sender = citizen()
    _, answer = await chat(client, sender, message="jeg skal flytte", kommune="aarhus")
    question = answer["messages"][0]
    assert question["text"] == "Hvor flytter du hen?"
    stack.stop_one("actions")
    stack.start_actions()
    _, answer = await chat(client, sender, payload=question["buttons"][0]["payload"], kommune="aarhus")
    assert solution_ids(answer["messages"]) == ["flytning"]
    stack.stop_one("actions")
    stack.start_actions()
    _, answer = await chat(client, sender, message="næste", kommune="aarhus")
    assert answer["messages"] and not is_fault_answer(answer["messages"])
    tracker = get_json(f"{stack.rasa_url}/conversations/{sender.sender}/tracker?token={TOKEN}")
    assert tracker["slots"]["area"] == "report_move" and tracker["slots"]["solution_id"] == "flytning"
    assert user_texts(stack, sender) == ["jeg skal flytte", question["buttons"][0]["payload"], "næste"]


async def test_a_slow_rasa_gets_a_danish_answer_from_the_web_service_in_time(aiohttp_client, stack):
    """A Rasa that accepts the connection and never answers: the web service's
    own timeout (longer than the action timeout) ends the wait."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        settings = dataclasses.replace(web_settings(stack), rasa_url=f"http://127.0.0.1:{port}", rasa_timeout=1.0)
        client = await aiohttp_client(create_app(settings))
        started = time.monotonic()
        response = await client.post("/api/chat", json={"message": NORMAL})
        elapsed = time.monotonic() - started
    assert response.status == 503 and "Prøv igen om lidt" in (await response.json())["error"]
    assert elapsed < 3


def test_the_web_service_waits_longer_for_rasa_than_rasa_for_actions():
    from bot.settings import Settings

    assert Settings().rasa_timeout > DEFAULT_ACTION_TIMEOUT * 2


def test_action_server_errors_never_echo_the_conversation(stack):
    marker = "Mit CPR-nummer er 010203-1234 og jeg bor på Hemmeligvej 7"
    call = {"next_action": "action_route_service", "sender_id": "fault-echo-test",
            "tracker": {"sender_id": "fault-echo-test", "latest_message": marker,
                        "events": [{"event": "user", "text": marker}]},
            "domain": {"intents": [marker]}, "version": "3.6.21"}
    request = urllib.request.Request(f"{stack.action_url}/webhook", data=json.dumps(call).encode(),
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 500
    body = error.value.read().decode()
    assert json.loads(body) == {"error": "action_failed", "action_name": "action_route_service"}
    time.sleep(0.5)
    log = (stack.log_dir / "actions.log").read_text(errors="replace")
    assert "action_route_service' failed" in log
    for secret in ("010203-1234", "Hemmeligvej"):
        assert secret not in body and secret not in log

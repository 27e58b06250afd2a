"""Bad input at the public endpoint `/api/chat`, against the real Rasa server
and action server: each gets a clear Danish answer (a JSON error with a 4xx
status, or a normal answer), nothing is forwarded that should not be, and the
conversation goes on afterwards. Plus the chat API's rate limits."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any, Dict, List, Tuple

import pytest

from bot.app import create_app
from bot.keys import RATE_LIMITS
from bot.ratelimit import ChatRateLimits, Limit, TokenBuckets, client_address
from conftest import TOKEN, Citizen, get_json, web_settings

NORMAL = "jeg har mistet mit gule sundhedskort"
DANISH = ("Skriv", "Beskeden", "Feltet", "Forespørgslen", "valg", "mange beskeder")


def citizen() -> Citizen:
    """A conversation the service starts with the first accepted message (conftest.Citizen)."""
    return Citizen()


@pytest.fixture
async def client(aiohttp_client, stack):
    return await aiohttp_client(create_app(web_settings(stack)))


async def post(client, body: Any) -> Tuple[int, Dict[str, Any]]:
    response = await client.post("/api/chat", json=body)
    assert response.content_type == "application/json"
    return response.status, await response.json()


def tracker(stack, person: Citizen) -> Dict[str, Any]:
    assert person.sender, "the conversation has started"
    return get_json(f"{stack.rasa_url}/conversations/{person.sender}/tracker?token={TOKEN}&include_events=ALL")


def user_events(stack, person: Citizen) -> List[Dict[str, Any]]:
    if person.sender is None:
        return []  # nothing was ever accepted: no conversation at all
    return [e for e in tracker(stack, person)["events"] if e["event"] == "user"]


async def say(client, person: Citizen, **fields) -> Tuple[int, Dict[str, Any]]:
    """A request of the person's conversation (a new one until one is accepted)."""
    status, answer = await post(client, person.body(**fields))
    person.keep(answer)
    return status, answer


def solution_ids(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["custom"]["solution_id"] for m in messages
            if isinstance(m.get("custom"), dict) and m["custom"].get("type") == "solution"]


async def goes_on(client, person: Citizen) -> None:
    """The conversation goes on: a normal message gets the normal card."""
    status, answer = await say(client, person, message=NORMAL)
    assert status == 200, answer
    assert solution_ids(answer["messages"]) == ["sundhedskort"]


def assert_danish_error(status: int, answer: Dict[str, Any], expected_status: int = 400) -> None:
    assert status == expected_status, answer
    assert set(answer) == {"error"}
    assert any(word in answer["error"] for word in DANISH), answer["error"]
    assert "Traceback" not in answer["error"]


@pytest.mark.parametrize("fields", [
    {"message": ""},
    {"message": "   \n\t  "},
    {"message": "\u00a0\u2003"},  # no-break and em space
    {"message": "\x00\x00"},
    {"message": "/"},
    {"message": " / / "},
    {},  # the message field is missing
    {"message": None},
    {"message": 42},
    {"message": ["hej"]},
    {"message": {"text": "hej"}},
    {"message": "x" * 10_000},
    {"message": "hej " * 501},  # 2004 characters
], ids=lambda fields: repr(fields)[:40])
async def test_a_bad_message_gets_a_danish_error_and_the_conversation_goes_on(client, stack, fields):
    person = citizen()
    status, answer = await post(client, {**person.body(), **fields})
    assert_danish_error(status, answer)
    await goes_on(client, person)
    assert [e["text"] for e in user_events(stack, person)] == [NORMAL], "the bad message was not forwarded"
    status, answer = await post(client, {**person.body(), **fields})  # and within a conversation
    assert_danish_error(status, answer)
    assert [e["text"] for e in user_events(stack, person)] == [NORMAL]


@pytest.mark.parametrize("body", [[], ["sender", "message"], "hej", 42, True],
                         ids=lambda body: repr(body))
async def test_json_that_is_not_an_object_is_refused(client, body):
    status, answer = await post(client, body)
    assert_danish_error(status, answer)
    assert "JSON-objekt" in answer["error"]


@pytest.mark.parametrize("sender", [
    "", " ", "short", "x" * 65, "x" * 10_000, "æøå-borger-1", "borger-🙂-123", "../../x", "../../../etc/passwd",
    "..%2F..%2Fx", "web-abcdefgh\n", "web-abc\x00defgh", "web abcdefgh", "<script>alert(1)</script>", 12345678,
    ["web-abcdefgh"],
], ids=lambda sender: repr(sender)[:30])
async def test_absurd_sender_ids_are_refused_without_echo(client, sender):
    response = await client.post("/api/chat", json={"sender": sender, "message": "hej"})
    status, answer = response.status, await response.json()
    assert_danish_error(status, answer)
    assert "sender" in answer["error"]
    if isinstance(sender, str) and len(sender) > 3:
        assert sender not in await response.text()


async def test_a_bad_sender_does_not_stop_the_real_conversation(client, stack):
    person = citizen()
    await goes_on(client, person)
    status, answer = await post(client, {**person.body(message=NORMAL), "sender": "../../" + person.sender})
    assert_danish_error(status, answer)
    await goes_on(client, person)


@pytest.mark.parametrize("text", [
    "/request_human",
    '/inform{"kommune":"aarhus"}',
    '/mitid{"mitid_behov": "ny"}',
    "/ /request_human",  # the leading-slash removal must not leave a shortcut behind
    " \t//request_human",
    "\u2003/request_human",
    "\x00/request_human",
    '/restart',
    '/greet@1.0{"relation": "xyzzy"}',
    '/power_of_attorney{"relation": "xyzzy", "escalation_id": "esc_x"}',
])
async def test_typed_text_never_forces_an_intent_or_sets_a_slot(client, stack, text):
    person = citizen()
    status, answer = await say(client, person, message=text)
    assert status == 200, answer
    assert answer["messages"], "a normal answer"
    state = tracker(stack, person)
    [user] = [e for e in state["events"] if e["event"] == "user"]
    assert not user["text"].lstrip().startswith("/")
    intent = user["parse_data"]["intent"]
    assert intent["confidence"] < 1.0, f"forced intent {intent}"
    assert not any(e.get("extractor") == "RegexMessageHandler" for e in user["parse_data"]["entities"])
    shortcut_entities = json.loads(text[text.index("{"):]) if "{" in text else {}
    for slot, value in shortcut_entities.items():
        assert state["slots"].get(slot) != value, f"typed text set the slot {slot}"
    if intent["name"] == "request_human":
        # the words "request human" do ask for a person, and the classifier may read them so
        # (confidence < 1, no shortcut entities: checked above): then a real hand-off, offered in the answer
        assert [m for m in answer["messages"] if (m.get("custom") or {}).get("type") == "handoff"], answer
        return
    assert not [e for e in state["events"] if e["event"] == "pause"], "typed text handed the conversation over"
    await goes_on(client, person)


@pytest.mark.parametrize("payload", [
    "/inform",  # not an intent of the bot
    '/inform{"kommune": "aarhus"}',
    '/greet{"kommune": "aarhus"}',  # a known intent, but the bot never offers this button
    '/mitid{"mitid_behov": "hack"}',  # a known button with a value the bot never offers
    '/mitid{"mitid_behov": "ny", "relation": "mor"}',
    '/request_human@1.0',
    '/mitid{"mitid_behov": 1}',
    '/greet\n',
    "<img src=x onerror=alert(1)>",
    "request_human",
    "",
    42,
])
async def test_only_the_bots_own_payloads_are_accepted(client, stack, payload):
    person = citizen()
    await say(client, person, message="hej")
    response = await client.post("/api/chat", json={**person.body(), "payload": payload})
    status, answer = response.status, await response.json()
    assert_danish_error(status, answer)
    if isinstance(payload, str) and payload:
        assert payload not in await response.text()
    assert [e["text"] for e in user_events(stack, person)] == ["hej"], "a refused payload is not forwarded"
    status, answer = await say(client, person, payload='/mitid{"mitid_behov": "ny"}')
    assert status == 200 and solution_ids(answer["messages"]) == ["mitid"]
    assert tracker(stack, person)["slots"]["mitid_behov"] == "ny", "the bot's own button does set its slot"


@pytest.mark.parametrize("text, card", [
    ("hej\x00 jeg har\x00 mistet mit gule sundhedskort", "sundhedskort"),
    ("🙈 jeg har mistet mit gule sundhedskort 😀👍🏽", "sundhedskort"),
    ("jeg har mistet mit gule sundhedskort \ud83d", "sundhedskort"),  # a lone surrogate
    ("مرحبا، لقد فقدت بطاقتي الصحية", None),  # Arabic, right to left
    ("\u202ejeg har mistet mit gule sundhedskort\u202c", "sundhedskort"),  # right-to-left override
    ("שלום 😀 עזרה בבקשה", None),
])
async def test_unusual_characters_get_a_normal_answer_and_are_kept(client, stack, text, card):
    person = citizen()
    status, answer = await say(client, person, message=text)
    assert status == 200, answer
    assert answer["messages"] and all(m.get("text") or m.get("custom") for m in answer["messages"])
    if card:
        assert solution_ids(answer["messages"]) == [card]
    [user] = user_events(stack, person)
    assert "\x00" not in user["text"]
    for kept in ("🙈", "👍🏽", "مرحبا", "שלום", "\u202e"):
        if kept in text:
            assert kept in user["text"], "the citizen's text reaches Rasa unchanged"
    await goes_on(client, person)


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)> jeg har mistet mit sundhedskort',
    "<b>hej</b> {{ 7*7 }} ${7*7}",
])
async def test_html_is_never_echoed(client, stack, text):
    person = citizen()
    response = await client.post("/api/chat", json=person.body(message=text))
    assert response.status == 200 and response.content_type == "application/json"
    raw = await response.text()
    person.keep(await response.json())
    for markup in ("<script", "<img", "<b>"):
        assert markup not in raw, raw
    texts = json.dumps([{k: v for k, v in m.items() if k != "recipient_id"}
                        for m in (await response.json())["messages"]])
    assert "49" not in texts, "no template is evaluated"  # (the random sender id may contain 49)
    assert user_events(stack, person)[0]["text"] == text.strip(), "kept as the citizen wrote it"
    await goes_on(client, person)


def raw_post(url: str, data: bytes, timeout: float = 30) -> Tuple[int, str, str]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def test_a_1_mib_body_gets_a_clean_413_from_the_real_server(web):
    body = json.dumps({"message": "x" * (1 << 20)}).encode()
    status, content_type, text = raw_post(f"{web.web_url}/api/chat", body)
    assert status == 413 and content_type.startswith("application/json"), text[:200]
    assert "for lang" in json.loads(text)["error"]
    status, _, text = raw_post(f"{web.web_url}/api/chat", json.dumps({"message": NORMAL}).encode())
    assert status == 200 and solution_ids(json.loads(text)["messages"]) == ["sundhedskort"]


@pytest.mark.parametrize("data", [
    b'{"sender": "SENDER", "message": "hej \xff\xfe \xc3\x28 med"}',  # not UTF-8
    b'{"sender": "SENDER", "message": "hej',  # cut off
    b"\xef\xbb\xbf\x00\x00\x00",
    b"",
])
def test_bytes_that_are_not_json_get_a_danish_400_from_the_real_server(web, stack, data):
    person = citizen()
    status, content_type, text = raw_post(f"{web.web_url}/api/chat", data.replace(b"SENDER", b"bad-abcdefgh"))
    assert status == 400 and content_type.startswith("application/json"), text[:200]
    assert "JSON" in json.loads(text)["error"]
    status, _, text = raw_post(f"{web.web_url}/api/chat", json.dumps({"message": NORMAL}).encode())
    assert status == 200 and solution_ids(person.keep(json.loads(text))["messages"]) == ["sundhedskort"]
    assert [e["text"] for e in user_events(stack, person)] == [NORMAL]


# --- rate limits -----------------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_refill_rate():
    clock = Clock()
    buckets = TokenBuckets(Limit(burst=3, per_second=0.5), clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(2.0)
    assert buckets.take("b") == 0.0, "each key has its own bucket"
    clock.now += 1.0
    assert buckets.take("a") == pytest.approx(1.0)
    clock.now += 1.0
    assert buckets.take("a") == 0.0
    clock.now += 60
    buckets.take("c")
    assert set(buckets.buckets) == {"c"}, "full buckets are forgotten"
    assert TokenBuckets(Limit(0, 0), clock).take("a") == 0.0, "0 turns the limit off"


def test_limits_come_from_the_environment():
    limits = ChatRateLimits.from_env({"BORGERGUIDE_RATE_CONVERSATION_BURST": "5",
                                      "BORGERGUIDE_RATE_CONVERSATION_PER_SECOND": "0.25",
                                      "BORGERGUIDE_RATE_ADDRESS_BURST": "0",
                                      "BORGERGUIDE_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2"})
    assert limits.conversations.limit == Limit(5, 0.25)
    assert not limits.addresses.limit.enabled
    assert limits.trusted_proxies == {"10.0.0.1", "10.0.0.2"}
    assert ChatRateLimits.from_env({}).conversations.limit == ChatRateLimits.CONVERSATION
    with pytest.raises(ValueError):
        ChatRateLimits.from_env({"BORGERGUIDE_RATE_ADDRESS_PER_SECOND": "-1"})


def test_forwarded_for_counts_only_from_our_own_proxies():
    proxies = frozenset({"10.0.0.1"})
    assert client_address("203.0.113.9", "198.51.100.7", proxies) == "203.0.113.9"
    assert client_address("10.0.0.1", "198.51.100.7", proxies) == "198.51.100.7"
    assert client_address("10.0.0.1", "1.1.1.1, 198.51.100.7, 10.0.0.1", proxies) == "198.51.100.7"
    assert client_address("10.0.0.1", None, proxies) == "10.0.0.1"


async def limited_client(aiohttp_client, stack, conversation: Limit, address: Limit):
    app = create_app(web_settings(stack))
    app[RATE_LIMITS] = ChatRateLimits(conversation=conversation, address=address)
    return await aiohttp_client(app)


async def test_too_many_messages_in_one_conversation_get_a_danish_429(aiohttp_client, stack):
    client = await limited_client(aiohttp_client, stack, Limit(3, 0.25), Limit(100, 100))
    person = citizen()
    for _ in range(3):
        status, answer = await say(client, person, message=NORMAL)
        assert status == 200
    response = await client.post("/api/chat", json=person.body(message="hej igen"))
    assert response.status == 429
    assert "Vent lidt" in (await response.json())["error"]
    assert 1 <= int(response.headers["Retry-After"]) <= 4
    status, _ = await say(client, citizen(), message=NORMAL)
    assert status == 200, "another conversation is not held back"
    await asyncio.sleep(int(response.headers["Retry-After"]))
    await goes_on(client, person)
    assert [e["text"] for e in user_events(stack, person)] == [NORMAL] * 4, "the refused message was not forwarded"


async def test_too_many_messages_from_one_address_get_a_danish_429(aiohttp_client, stack):
    client = await limited_client(aiohttp_client, stack, Limit(100, 100), Limit(3, 0.5))
    senders = [citizen() for _ in range(4)]
    statuses = []
    for person in senders:
        statuses.append((await say(client, person, message="hej"))[0])
    assert statuses == [200, 200, 200, 429]
    bad = await client.post("/api/chat", data="ikke json", headers={"Content-Type": "application/json"})
    assert bad.status == 429 and 1 <= int(bad.headers["Retry-After"]) <= 2, "the address limit comes first"
    await asyncio.sleep(int(bad.headers["Retry-After"]))
    await goes_on(client, senders[3])

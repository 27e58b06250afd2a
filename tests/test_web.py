"""The web service (bot/): built from test settings, driven with aiohttp's
test client, talking to the real Rasa server."""
from __future__ import annotations

import pytest

from bot.app import create_app
from bot.routes.citizen import parse_chat_request
from bot.settings import DEV_TOKEN, Settings
from conftest import TOKEN, Citizen, get_json, web_settings
from stack import free_port


@pytest.fixture
async def client(aiohttp_client, stack):
    return await aiohttp_client(create_app(web_settings(stack)))


async def test_health_reports_rasa_its_stores_and_the_database(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "rasa": "ok", "database": "ok"}
    assert (await client.get("/health/live")).status == 200


def test_rasa_reports_its_own_stores(stack):
    assert get_json(f"{stack.rasa_url}/health/stores") == {"status": "ok", "tracker_store": "ok"}


async def test_chat_page_is_served(client):
    response = await client.get("/")
    assert response.status == 200
    assert "Borgerguide" in await response.text()


async def test_chat_returns_the_solution_card(client):
    messages = (await Citizen().say(client, "jeg har mistet mit gule sundhedskort"))["messages"]
    assert [m["custom"]["solution_id"] for m in messages if "custom" in m] == ["sundhedskort"]


async def test_a_button_payload_is_passed_on(client):
    messages = (await Citizen().say(client, payload='/mitid{"mitid_behov": "ny"}'))["messages"]
    assert [m["custom"]["solution_id"] for m in messages if "custom" in m] == ["mitid"]
    assert [m["custom"]["variant"] for m in messages if "custom" in m] == ["ny"]


async def test_typed_text_cannot_force_an_intent(client, stack):
    person = Citizen()
    await person.say(client, '/passport{"relation": "mor"}')
    tracker = get_json(f"{stack.rasa_url}/conversations/{person.sender}/tracker?token={TOKEN}")
    user = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert not user["text"].startswith("/")
    assert user["parse_data"]["intent"]["confidence"] < 1.0, "a forced intent has confidence 1.0"


@pytest.mark.parametrize(
    "body, status",
    [
        ("not json", 400),
        ({"token": "t" * 43, "message": "hej"}, 400),  # a secret without its conversation
        ({"sender": "x", "message": "hej"}, 400),
        ({"sender": "web-abcdefgh", "message": "   "}, 400),
        ({"sender": "web-abcdefgh", "message": "/"}, 400),
        ({"sender": "web-abcdefgh", "message": 42}, 400),
        ({"sender": "web-abcdefgh", "message": "x" * 2001}, 400),
        ({"sender": "web-abcdefgh", "payload": "<img src=x onerror=alert(1)>"}, 400),
        ({"sender": "web-abcdefgh", "payload": "/mitid{\"a\": {\"b\": 1}}"}, 400),
    ],
)
async def test_bad_input_gets_a_clear_danish_message(client, body, status):
    if isinstance(body, str):
        response = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
    else:
        response = await client.post("/api/chat", json=body)
    assert response.status == status
    error = (await response.json())["error"]
    assert error and "Traceback" not in error


async def test_rasa_down_gives_a_clear_message(aiohttp_client, stack):
    import dataclasses

    app = create_app(dataclasses.replace(web_settings(stack), rasa_url=f"http://127.0.0.1:{free_port()}"))
    client = await aiohttp_client(app)
    response = await client.post("/api/chat", json={"message": "hej"})
    assert response.status == 503
    assert "ikke tilgængelig" in (await response.json())["error"]
    response = await client.get("/health")
    assert response.status == 503, "a readiness check fails loudly"
    assert (await response.json())["rasa"] == "unreachable"


def test_parse_keeps_the_kommune_only_when_well_formed():
    assert parse_chat_request({"message": "hej", "kommune": "aarhus"}, 100)["kommune"] == "aarhus"
    assert parse_chat_request({"message": "hej", "kommune": "../x"}, 100)["kommune"] is None
    assert parse_chat_request({"sender": "web-abcdefgh", "token": "t" * 43, "message": "hej"}, 100)["token"] == "t" * 43


def test_settings_refuse_the_dev_token_in_production():
    with pytest.raises(ValueError):
        Settings.from_env({"BORGERGUIDE_ENV": "production", "RASA_TOKEN": DEV_TOKEN})
    with pytest.raises(ValueError):
        Settings.from_env({"BORGERGUIDE_ENV": "production", "RASA_TOKEN": "s3cret"})  # no secret key
    production = Settings.from_env({"BORGERGUIDE_ENV": "production", "RASA_TOKEN": "s3cret",
                                    "BORGERGUIDE_SECRET": "k" * 40})
    assert production.rasa_token == "s3cret" and production.secret == "k" * 40


async def test_foreign_origin_is_refused_and_allowed_sites_get_cors(client):
    body = {"message": "hej", "kommune": "odense"}
    evil = await client.post("/api/chat", json=body, headers={"Origin": "https://evil.example"})
    assert evil.status == 403
    ok = await client.post("/api/chat", json=body, headers={"Origin": "https://www.odense.dk"})
    assert ok.status == 200 and ok.headers["Access-Control-Allow-Origin"] == "https://www.odense.dk"
    wrong_kommune = await client.post("/api/chat", json={**body, "kommune": "aarhus"},
                                      headers={"Origin": "https://www.odense.dk"})
    assert wrong_kommune.status == 403
    preflight = await client.options("/api/chat", headers={"Origin": "https://aarhus.dk",
                                                            "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204 and preflight.headers["Access-Control-Allow-Origin"] == "https://aarhus.dk"


async def test_widget_script_and_demo_page_are_served(client):
    script = await client.get("/widget.js")
    assert script.status == 200 and "attachShadow" in await script.text()
    demo = await client.get("/demo")
    assert 'src="/widget.js" data-kommune="aarhus"' in await demo.text()


def _listening_addresses(port: int):
    """The local addresses (hex, as the kernel lists them) listening on a TCP port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_rasa_and_the_action_server_listen_on_this_machine_only(stack):
    loopback = {"0100007F"}  # 127.0.0.1
    for name, port in (("Rasa", stack.rasa_port), ("action server", stack.action_port)):
        addresses = _listening_addresses(port)
        assert addresses and addresses <= loopback, f"{name} listens on {addresses}"

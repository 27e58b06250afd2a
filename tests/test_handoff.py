"""Hand-off to staff through real processes: citizen message -> handoff event
in the REST reply and in the tracker -> escalation derived from the event
stream -> staff claim and reply -> reply delivered to the citizen -> resolve
-> the bot resumes. Plus auth, CSRF, redaction and concurrent claims."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa

from borgerguide.db import engine_for
from bot.app import create_app
from bot.stores.accounts import Accounts
from bot.routes.staff import RESUME_TEXT
from conftest import TOKEN, Citizen, get_json, web_settings

PASSWORD = "en-lang-adgangskode"


@pytest.fixture(scope="module")
def accounts():
    import os

    accounts = Accounts(engine_for(os.environ["BORGERGUIDE_DB"]))
    for name, role in (("anna", "staff"), ("bo", "staff"), ("carl", "analyst")):
        try:
            accounts.add_user(name, PASSWORD, role, "*")
        except ValueError:
            pass  # created by an earlier test module in this session
    return accounts


@pytest.fixture
async def app(stack, accounts):
    return create_app(web_settings(stack))


@pytest.fixture
async def citizen(aiohttp_client, app):
    return await aiohttp_client(app)


async def staff_client(aiohttp_client, app, name="anna"):
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": name, "password": PASSWORD})
    assert response.status == 200
    client.csrf = (await response.json())["csrf"]
    return client


def sender() -> Citizen:
    """A citizen's conversation (the service gives its id and secret with the first answer)."""
    return Citizen()


async def chat(client, who: Citizen, text):
    return await who.say(client, text)


def handoffs(body):
    return [m["custom"] for m in body["messages"] if (m.get("custom") or {}).get("type") == "handoff"]


async def test_the_whole_loop(citizen, aiohttp_client, app, stack):
    who = sender()
    await chat(citizen, who, "hej, mit cpr er 010203-1234 og mit nummer er 12 34 56 78")
    body = await chat(citizen, who, "jeg vil tale med en medarbejder")
    [handoff] = handoffs(body)
    assert handoff["reason"] == "requested_by_citizen" and handoff["mode"] == "live"
    assert body["handoff"]["escalation_id"] == handoff["escalation_id"]
    assert body["handoff"]["status"] == "open" and body["handoff"]["position"] >= 1
    tracker = get_json(f"{stack.rasa_url}/conversations/{who.sender}/tracker?token={TOKEN}")
    assert tracker["paused"] is True
    assert any(((e.get("data") or {}).get("custom") or {}).get("type") == "handoff"
               for e in tracker["events"] if e["event"] == "bot")

    anna = await staff_client(aiohttp_client, app)
    listed = await (await anna.get("/api/staff/escalations?status=open")).json()
    assert handoff["escalation_id"] in [e["id"] for e in listed["escalations"]]
    escalation_url = f"/api/staff/escalations/{handoff['escalation_id']}"
    detail = await (await anna.get(escalation_url)).json()
    texts = " ".join(line["text"] for line in detail["transcript"])
    assert "[CPR]" in texts and "[TELEFON]" in texts
    assert "010203" not in texts and "12 34 56 78" not in texts

    assert (await anna.post(escalation_url + "/claim")).status == 403, "no CSRF token"
    claimed = await anna.post(escalation_url + "/claim", headers={"X-CSRF-Token": anna.csrf})
    assert claimed.status == 200
    assert (await claimed.json())["escalation"]["claimed_by"] == "anna"

    # the bot never talks over staff: while paused, the citizen's message gets no bot answer
    quiet = await chat(citizen, who, "hallo er der nogen?")
    assert quiet["messages"] == []
    assert quiet["handoff"]["status"] == "claimed"

    reply = await anna.post(escalation_url + "/reply", json={"text": "Hej, jeg hedder Anna. Hvad drejer det sig om?"},
                            headers={"X-CSRF-Token": anna.csrf})
    assert reply.status == 200
    polled = await (await citizen.get("/api/chat/messages", params={**who.auth, "since": "0"})).json()
    staff_lines = [m for m in polled["messages"] if m.get("staff")]
    assert staff_lines[-1]["text"] == "Hej, jeg hedder Anna. Hvad drejer det sig om?"

    resolved = await anna.post(escalation_url + "/resolve", json={"outcome": "solved"},
                               headers={"X-CSRF-Token": anna.csrf})
    assert resolved.status == 200
    polled = await (await citizen.get("/api/chat/messages", params={**who.auth, "since": "0"})).json()
    assert polled["messages"][-1]["text"] == RESUME_TEXT
    assert polled["paused"] is False and polled["handoff"] is None

    again = await chat(citizen, who, "mit pas er udløbet")
    assert [m["custom"]["solution_id"] for m in again["messages"] if (m.get("custom") or {}).get("type") == "solution"] == ["pas"]

    history = (await (await anna.get(escalation_url)).json())["history"]
    assert [h["kind"] for h in history] == ["created", "claimed", "reply", "resolved"]
    assert all(h["actor"] in ("bot", "anna") for h in history)


async def test_the_stored_escalation_holds_no_personal_data(citizen, app, stack):
    import os

    who = sender()
    await chat(citizen, who, "mit cpr nummer er 0102031234, ring på 22334455 eller skriv til a@b.dk")
    await chat(citizen, who, "jeg vil tale med et menneske")
    engine = engine_for(os.environ["BORGERGUIDE_DB"])
    with engine.connect() as connection:
        dump = " ".join(str(value) for table in ("escalations", "escalation_events")
                        for row in connection.execute(sa.text(f"SELECT * FROM {table}")) for value in row)
    assert "0102031234" not in dump and "22334455" not in dump and "a@b.dk" not in dump


async def test_repeated_gibberish_hands_over_within_8_turns(citizen):
    who = sender()
    for turn, text in enumerate(["sdkfj qwpoe", "xxzq vvbn", "plokij uhyg", "qqq www eee", "mnbv lkjh",
                                 "zzxx ccvv", "ooii uuyy", "rrtt eeww"], start=1):
        body = await chat(citizen, who, text)
        if handoffs(body):
            assert handoffs(body)[0]["reason"] == "repeated_fallback"
            break
    else:
        pytest.fail("no hand-off within 8 turns of gibberish")
    assert turn <= 8


async def test_two_claims_at_once_exactly_one_wins(citizen, aiohttp_client, app):
    who = sender()
    body = await chat(citizen, who, "kan jeg få en medarbejder i røret")
    [handoff] = handoffs(body)
    anna = await staff_client(aiohttp_client, app, "anna")
    bo = await staff_client(aiohttp_client, app, "bo")
    url = f"/api/staff/escalations/{handoff['escalation_id']}/claim"
    responses = await asyncio.gather(anna.post(url, headers={"X-CSRF-Token": anna.csrf}),
                                     bo.post(url, headers={"X-CSRF-Token": bo.csrf}))
    assert sorted(r.status for r in responses) == [200, 409]


async def test_callback_request_is_stored_with_consent_only(citizen, aiohttp_client, app):
    who = sender()
    body = await chat(citizen, who, "jeg vil gerne ringes op af en medarbejder")
    [handoff] = handoffs(body)
    base = {**who.auth, "escalation_id": handoff["escalation_id"],
            "phone": "12345678", "time": "i morgen formiddag"}
    assert (await citizen.post("/api/chat/callback", json=base)).status == 400, "consent is required"
    assert (await citizen.post("/api/chat/callback", json={**base, "consent": True, "phone": "ring"})).status == 400
    assert (await citizen.post("/api/chat/callback", json={**base, "consent": True, "token": "forkert"})).status == 403
    ok = await citizen.post("/api/chat/callback", json={**base, "consent": True})
    assert ok.status == 200
    anna = await staff_client(aiohttp_client, app)
    detail = await (await anna.get(f"/api/staff/escalations/{handoff['escalation_id']}")).json()
    assert detail["escalation"]["callback"] == {"requested": True, "time": "i morgen formiddag"}, \
        "the number is for the member of staff who takes the escalation only"
    assert detail["escalation"]["mode"] == "callback"
    claimed = await anna.post(f"/api/staff/escalations/{handoff['escalation_id']}/claim",
                              headers={"X-CSRF-Token": anna.csrf})
    assert (await claimed.json())["escalation"]["callback"] == {"phone": "12345678", "time": "i morgen formiddag"}
    bo = await staff_client(aiohttp_client, app, "bo")
    others = await (await bo.get(f"/api/staff/escalations/{handoff['escalation_id']}")).json()
    assert "12345678" not in str(others)


async def test_no_page_or_api_without_login_and_roles_are_separate(aiohttp_client, app):
    anonymous = await aiohttp_client(app)
    assert (await anonymous.get("/api/staff/escalations")).status == 401
    assert (await anonymous.post("/api/staff/escalations/esc_x/claim")).status == 401
    page = await anonymous.get("/staff/", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"] == "/login"
    wrong = await anonymous.post("/api/login", json={"username": "anna", "password": "forkert-forkert"})
    assert wrong.status == 401
    analyst = await staff_client(aiohttp_client, app, "carl")
    assert (await analyst.get("/api/staff/escalations")).status == 403


async def test_session_cookie_is_httponly_and_strict(aiohttp_client, app):
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": "anna", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_a_citizen_cannot_read_another_conversation(citizen):
    mine, other = sender(), sender()
    await chat(citizen, mine, "hej")
    await chat(citizen, other, "hej")
    response = await citizen.get("/api/chat/messages", params={"sender": other.sender, "token": mine.token})
    assert response.status == 403


async def test_citizen_html_is_escaped_in_the_inbox(citizen, aiohttp_client, app):
    who = sender()
    await chat(citizen, who, "<img src=x onerror=alert(1)> hjælp")
    body = await chat(citizen, who, "jeg vil tale med en medarbejder")
    [handoff] = handoffs(body)
    anna = await staff_client(aiohttp_client, app)
    page = await (await anna.get(f"/staff/escalations/{handoff['escalation_id']}")).text()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


async def test_new_escalations_arrive_as_server_sent_events(citizen, aiohttp_client, app):
    anna = await staff_client(aiohttp_client, app)
    stream = await anna.get("/api/staff/stream")
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    body = await chat(citizen, sender(), "må jeg tale med en sagsbehandler")
    [handoff] = handoffs(body)

    async def next_escalation():
        while True:
            line = (await stream.content.readline()).decode()
            if line.startswith("data: ") and handoff["escalation_id"] in line:
                return line

    line = await asyncio.wait_for(next_escalation(), timeout=15)
    assert '"reason": "requested_by_citizen"' in line
    stream.close()


async def test_forward_to_another_queue(citizen, aiohttp_client, app):
    body = await chat(citizen, sender(), "jeg vil tale med en medarbejder om min vuggestueplads")
    [handoff] = handoffs(body)
    anna = await staff_client(aiohttp_client, app)
    url = f"/api/staff/escalations/{handoff['escalation_id']}/forward"
    bad = await anna.post(url, json={"queue": "månen"}, headers={"X-CSRF-Token": anna.csrf})
    assert bad.status == 400
    moved = await anna.post(url, json={"queue": "pladsanvisning"}, headers={"X-CSRF-Token": anna.csrf})
    assert (await moved.json())["escalation"]["queue"] == "pladsanvisning"
    listed = await (await anna.get("/api/staff/escalations", params={"queue": "pladsanvisning"})).json()
    assert handoff["escalation_id"] in [e["id"] for e in listed["escalations"]]


async def test_cpr_numbers_never_reach_the_logs(citizen, stack):
    who = sender()
    await chat(citizen, who, "mit cpr er 111111-1118 og min mors er 2202221234")
    await chat(citizen, who, "jeg vil tale med en medarbejder, mit nummer er 87654321")
    logs = " ".join(path.read_text(errors="replace") for path in stack.log_dir.glob("*.log"))
    assert logs, "the processes write logs"
    for secret in ("111111-1118", "2202221234", "87654321"):
        assert secret not in logs


async def test_an_unclaimed_live_handoff_offers_a_callback_once(aiohttp_client, stack):
    import dataclasses

    app = create_app(dataclasses.replace(web_settings(stack), claim_timeout_seconds=0))
    citizen = await aiohttp_client(app)
    who = sender()
    body = await chat(citizen, who, "jeg vil tale med en medarbejder")
    assert body["handoff"]["mode"] == "live" and body["handoff"]["offer_callback"] is True
    params = {**who.auth, "since": "0"}
    first = await (await citizen.get("/api/chat/messages", params=params)).json()
    second = await (await citizen.get("/api/chat/messages", params=params)).json()
    offers = [m for m in second["messages"] if "ringes op" in (m.get("text") or "")]
    assert len(offers) == 1 and first["handoff"]["offer_callback"] is True


async def test_escalations_survive_a_restart_of_the_web_service(aiohttp_client, stack, accounts):
    first = await aiohttp_client(create_app(web_settings(stack)))
    body = await chat(first, sender(), "jeg vil tale med en medarbejder")
    [handoff] = handoffs(body)
    await first.close()
    restarted = create_app(web_settings(stack))  # a new process would start exactly like this
    anna = await staff_client(aiohttp_client, restarted)
    await asyncio.sleep(0.5)  # let the restarted service follow the event stream again
    listed = await (await anna.get("/api/staff/escalations")).json()
    assert [e["id"] for e in listed["escalations"]].count(handoff["escalation_id"]) == 1


async def test_staff_and_analysts_publish_operational_notices(aiohttp_client, app, citizen):
    from datetime import datetime, timedelta, timezone

    anonymous = await aiohttp_client(app)
    assert (await anonymous.get("/api/notices")).status == 401
    carl = await staff_client(aiohttp_client, app, "carl")  # an analyst
    ends = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    notice = {"text": "Digital Post er ustabil i dag", "areas": ["digital_post"], "ends_at": ends, "kommune": "odense"}
    assert (await carl.post("/api/notices", json=notice)).status == 403, "CSRF token required"
    created = await carl.post("/api/notices", json=notice, headers={"X-CSRF-Token": carl.csrf})
    assert created.status == 201
    notice_id = (await created.json())["id"]
    bad = await carl.post("/api/notices", json={**notice, "areas": "alle"}, headers={"X-CSRF-Token": carl.csrf})
    assert bad.status == 400 and "areas" in (await bad.json())["error"]

    response = await citizen.post("/api/chat", json={"message": "jeg kan ikke finde mit brev i digital post",
                                                     "kommune": "odense"})
    messages = (await response.json())["messages"]
    assert messages[0]["text"] == "Driftsmeddelelse: Digital Post er ustabil i dag"

    anna = await staff_client(aiohttp_client, app, "anna")
    active = await (await anna.get("/api/notices", params={"active": "1", "kommune": "odense", "area": "digital_post"})).json()
    assert [n["id"] for n in active["notices"]] == [notice_id]
    assert (await anna.post(f"/api/notices/{notice_id}/end", headers={"X-CSRF-Token": anna.csrf})).status == 200
    active = await (await anna.get("/api/notices", params={"active": "1", "kommune": "odense", "area": "digital_post"})).json()
    assert active["notices"] == []


async def test_the_conversation_reads_on_from_a_cursor(citizen):
    """Every message carries its position as id; the answer reads the turn
    back from the widget's cursor (so a staff reply that came meanwhile is in
    it too), and nothing before the cursor comes again."""
    who = sender()
    first = await who.say(citizen, "mit pas er udløbet", cursor=0)
    ids = [m["id"] for m in first["feed"]]
    assert ids == sorted(ids) and first["cursor"] > ids[-1]
    assert [m.get("text") for m in first["feed"]] == [m.get("text") for m in first["messages"]]
    second = await who.say(citizen, "hvad koster det", cursor=first["cursor"])
    assert second["feed"] and min(m["id"] for m in second["feed"]) >= first["cursor"]
    polled = await (await citizen.get("/api/chat/messages", params={**who.auth, "cursor": str(second["cursor"])})).json()
    assert polled["messages"] == [] and polled["cursor"] == second["cursor"]
    for bad in (-1, "to", True, 1.5):
        response = await citizen.post("/api/chat", json=who.body(message="hej", cursor=bad))
        assert response.status == 400 and "cursor" in (await response.json())["error"]


async def test_notes_assignment_saved_replies_and_closing_an_unclaimed_case(citizen, aiohttp_client, app, stack):
    who = sender()
    await chat(citizen, who, "jeg har mistet mit gule sundhedskort")
    body = await chat(citizen, who, "jeg vil tale med en medarbejder")
    [handoff] = handoffs(body)
    url = f"/api/staff/escalations/{handoff['escalation_id']}"
    anna = await staff_client(aiohttp_client, app, "anna")
    csrf = {"X-CSRF-Token": anna.csrf}

    listed = await (await anna.get("/api/staff/escalations", params={"status": "open"})).json()
    mine = [e for e in listed["escalations"] if e["id"] == handoff["escalation_id"]][0]
    assert mine["question"] == "jeg har mistet mit gule sundhedskort", "the question, not the request for a person"

    note = await anna.post(url + "/note", json={"text": "Har ringet, ingen svar"}, headers=csrf)
    assert note.status == 200
    assert (await anna.post(url + "/note", json={"text": ""}, headers=csrf)).status == 400
    assert (await anna.post(url + "/assign", json={"to": "carl"}, headers=csrf)).status == 400, "an analyst"
    given = await anna.post(url + "/assign", json={"to": "bo"}, headers=csrf)
    assert (await given.json())["escalation"]["claimed_by"] == "bo"

    made = await anna.post("/api/staff/saved-replies", json={"title": "Åbningstider", "text": "Vi har åbent 10-17."},
                           headers=csrf)
    assert made.status == 201
    assert (await anna.post("/api/staff/saved-replies", json={"title": "", "text": "x"}, headers=csrf)).status == 400
    offered = await (await anna.get("/api/staff/saved-replies", params={"kommune": "aarhus"})).json()
    assert "Vi har åbent 10-17." in [r["text"] for r in offered["replies"]]

    detail = await (await anna.get(url)).json()
    assert [h["kind"] for h in detail["history"]][-2:] == ["note", "assigned"]
    assert detail["view"]["area_name"] == "Gult sundhedskort" and detail["view"]["status_text"] == "I gang"
    polled = await (await citizen.get("/api/chat/messages", params={**who.auth, "cursor": "0"})).json()
    assert "Har ringet" not in str(polled), "an internal note never reaches the citizen"

    # a case nobody has taken: closing it takes it first, and the citizen is told
    other = sender()
    body = await chat(citizen, other, "jeg vil tale med en medarbejder")
    [second] = handoffs(body)
    closed = await anna.post(f"/api/staff/escalations/{second['escalation_id']}/resolve", json={"outcome": "other"},
                             headers=csrf)
    assert (await closed.json())["escalation"]["claimed_by"] == "anna"
    polled = await (await citizen.get("/api/chat/messages", params={**other.auth, "cursor": "0"})).json()
    assert polled["messages"][-1]["text"] == RESUME_TEXT and polled["handoff"] is None


async def test_staff_see_the_conversations_language_and_its_saved_replies_first(citizen, aiohttp_client, app):
    """Issue 21: an English conversation reaches the inbox marked English, in
    the citizen's own words, with the saved replies in English first."""
    who = sender()
    await chat(citizen, who, "I lost my yellow health insurance card, what do I do?")
    body = await chat(citizen, who, "I want to talk to a person please")
    [handoff] = handoffs(body)
    assert handoff["lang"] == "en"
    anna = await staff_client(aiohttp_client, app, "anna")
    csrf = {"X-CSRF-Token": anna.csrf}
    url = f"/api/staff/escalations/{handoff['escalation_id']}"
    detail = await (await anna.get(url)).json()
    assert detail["escalation"]["language"] == "en" and detail["view"]["language_name"] == "Engelsk"
    assert any(line["text"] == "I lost my yellow health insurance card, what do I do?" for line in detail["transcript"])

    english = await anna.post("/api/staff/saved-replies", headers=csrf, json={
        "title": "Zz health card (en)", "text": "You can order a new card on borger.dk.", "language": "en"})
    assert english.status == 201 and (await english.json())["reply"]["language_name"] == "Engelsk"
    refused = await anna.post("/api/staff/saved-replies", headers=csrf,
                              json={"title": "Klingon", "text": "Qapla'", "language": "tlh"})
    assert refused.status == 400 and "sprog" in (await refused.json())["error"]
    await anna.post("/api/staff/saved-replies", headers=csrf,
                    json={"title": "Aa sundhedskort", "text": "Bestil et nyt kort på borger.dk."})
    offered = await (await anna.get("/api/staff/saved-replies", params={"kommune": "aarhus", "sprog": "en"})).json()
    languages = [r["language"] for r in offered["replies"]]
    assert languages[0] == "en" and "da" in languages and languages == sorted(languages, key=lambda lang: lang != "en")

    assert (await anna.post(url + "/claim", headers=csrf)).status == 200
    page = await (await anna.get(f"/staff/escalations/{handoff['escalation_id']}")).text()
    assert "Borgeren skriver på engelsk" in page and "<dd id=\"language\">Engelsk</dd>" in page
    assert page.index("Zz health card (en)") < page.index("Aa sundhedskort (dansk)")
    inbox = await (await anna.get("/staff/?vis=alle")).text()
    assert "language-badge" in inbox and "Engelsk" in inbox

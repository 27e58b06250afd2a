"""One installation, two kommuner: nothing of kommune B is readable or
changeable with an account of kommune A, on every staff, analyst, admin and
notice endpoint (status and body asserted: not even a count leaks), and a
request without a login is refused. Run against the real web service (in
process), the real database and the real Rasa server."""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from borgerguide import contract, notices
from borgerguide.db import engine_for
from borgerguide.kommune_content import store_for
from bot.app import create_app
from bot.analytics import store as analytics
from bot.stores.accounts import Accounts
from bot.stores.conversations import Conversation, Conversations
from bot.stores.escalations import EscalationStore
from bot.stores.ratings import Ratings
from borgerguide.kommuner import own_content, registry
from conftest import fresh_kommune, web_settings

PASSWORD = "tenancy-test-password"
A, B = fresh_kommune(), fresh_kommune()  # two kommuner no other test uses
RUN = uuid.uuid4().hex[:6]
SECRET_B = f"hemmelig-b-besked-{RUN}"  # a text only kommune B's data holds


def user(role: str, kommune: str) -> str:
    return f"t{RUN}-{role[:5]}-{kommune[:3]}"


@pytest.fixture(scope="module")
def world():
    """Accounts in both kommuner, and data of kommune B in every store."""
    engine = engine_for(os.environ["BORGERGUIDE_DB"])
    accounts = Accounts(engine)
    for kommune in (A, B):
        for role in ("staff", "analyst", "kommune_admin"):
            accounts.add_user(user(role, kommune), PASSWORD, role, kommune)
    escalations = EscalationStore(engine)
    now = datetime.now(timezone.utc)
    ids = {}
    for kommune in (A, B):
        handoff = contract.Handoff(contract.new_escalation_id(), contract.REQUESTED_BY_CITIZEN, "passport",
                                   contract.LIVE, contract.DEFAULT_QUEUE, kommune)
        conversation = f"tenancy-{kommune}-{RUN}"
        escalations.create_from_handoff(conversation, handoff, now)
        ids[kommune] = {"escalation": handoff.escalation_id, "conversation": conversation}
    analytics.metadata.create_all(engine)
    with engine.begin() as connection:
        # the rows below are this version's: the projection must not take them for an older version's
        if connection.execute(sa.select(analytics.schema.c.version)).scalar() is None:
            connection.execute(analytics.schema.insert().values(version=analytics.SCHEMA_VERSION))
        for kommune in (A, B):
            conversation = ids[kommune]["conversation"]
            connection.execute(analytics.facts.insert().values(
                conversation_id=conversation, kommune=kommune, day=now.date().isoformat(), started_at=now,
                last_at=now, area="passport", user_messages=1, fallbacks=1, unresolved=1, solutions=0,
                handoffs=1, handoff_reason="requested_by_citizen", handoff_area="passport", paused=False))
            # the sums the overview reads (the projection writes both from real events)
            connection.execute(analytics.day_kommune.insert().values(
                day=now.date().isoformat(), kommune=kommune, conversations=1, contained=0, handed_off=1,
                user_messages=1, fallbacks=1, unresolved=1))
            result = connection.execute(analytics.unresolved.insert().values(
                event_id=int(uuid.uuid4().int % 10**9), conversation_id=conversation, at=now,
                day=now.date().isoformat(), kommune=kommune,
                text=SECRET_B if kommune == B else f"a-besked-{RUN}", intent="nlu_fallback", confidence=0.2,
                ranking="[]", reason="fallback", detail=None))
            ids[kommune]["unresolved"] = int(result.inserted_primary_key[0])
    Ratings(engine).add(ids[B]["conversation"], 2, SECRET_B, B, "passport")
    ids[B]["reference"] = Conversations(engine).file_request(Conversation(ids[B]["conversation"], B),
                                                             "export")["reference"]
    soon = now + timedelta(hours=2)
    for kommune in (A, B):
        ids[kommune]["notice"] = notices.publish(f"notice {kommune} {RUN}", ["*"], now, soon, kommune, "test",
                                                 url=os.environ["BORGERGUIDE_DB"])
    store = store_for(os.environ["BORGERGUIDE_DB"])
    store.change(B, own_content(B), {"borgerservice.phone": "66 13 13 72"}, user("kommune_admin", B))
    ids[B]["change"] = store.changes(B)[0]["id"]
    return ids


@pytest.fixture
async def app(stack, world):
    return create_app(web_settings(stack))


async def login(aiohttp_client, app, role, kommune):
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": user(role, kommune), "password": PASSWORD})
    assert response.status == 200, await response.text()
    client.csrf = (await response.json())["csrf"]
    return client


def leaks(body: str, world) -> list:
    """Anything of kommune B in a response body."""
    b = world[B]
    return [marker for marker in (SECRET_B, b["escalation"], b["conversation"], f"notice {B} {RUN}", "66 13 13 72",
                                  b["reference"])
            if marker in body]


async def check(response, statuses, world):
    body = await response.text()
    assert response.status in statuses, (response.status, body[:300])
    assert leaks(body, world) == [], body[:300]
    return body


# (method, path, json body or None) of kommune B's things, asked for by a kommune A account
def staff_requests(w):
    esc = w[B]["escalation"]
    return [("GET", f"/api/staff/escalations/{esc}", None, {404}),
            ("GET", f"/api/staff/escalations?kommune={B}", None, {403}),
            *[("POST", f"/api/staff/escalations/{esc}/{action}", body, {404}) for action, body in
              (("claim", {}), ("reply", {"text": "hej"}), ("resolve", {"outcome": "solved"}),
               ("forward", {"queue": "sundhed"}))],
            ("GET", f"/staff/escalations/{esc}", None, {404})]


def analyst_requests(w):
    conversation = w[B]["conversation"]
    return [(method, path, body, statuses) for method, path, body, statuses in [
        ("GET", f"/api/analyst/overview?kommune={B}", None, {403}),
        ("GET", f"/api/analyst/satisfaction?kommune={B}", None, {403}),
        ("GET", f"/api/analyst/unresolved?kommune={B}&labelled=alle", None, {403}),
        ("GET", f"/api/analyst/groups?kommune={B}", None, {403}),
        ("GET", f"/api/analyst/conversations/{conversation}", None, {404}),
        ("POST", f"/api/analyst/conversations/{conversation}/erase", {}, {404}),
        ("GET", f"/analyst/?kommune={B}", None, {403}),
        ("GET", f"/analyst/unresolved?kommune={B}", None, {403}),
        ("GET", f"/analyst/conversations/{conversation}", None, {404}),
    ]]


def admin_requests(w):
    reference = w[B]["reference"]
    base_b = f"/api/admin/kommuner/{B}"
    base_a = f"/api/admin/kommuner/{A}"
    return [("GET", f"{base_b}/content", None, {403}),
            ("POST", f"{base_b}/content", {"changes": {"borgerservice.phone": "11 22 33 44"}}, {403}),
            ("POST", f"{base_b}/preview", {"entry": "losning:pas", "draft": {}}, {403}),
            ("GET", f"{base_b}/changes", None, {403}),
            ("POST", f"{base_a}/changes/{w[B]['change']}/rollback", {}, {404}),
            ("GET", f"{base_b}/accounts", None, {403}),
            ("POST", f"{base_b}/invitations", {"role": "staff"}, {403}),
            ("POST", f"{base_a}/accounts/{user('staff', B)}/remove", {}, {404}),
            ("GET", f"{base_b}/audit", None, {403}),
            ("GET", f"{base_a}/data-requests/{reference}", None, {404}),
            ("GET", f"{base_a}/data-requests/{reference}/export", None, {404}),
            ("POST", f"{base_a}/data-requests/{reference}/done", {}, {404}),
            ("POST", f"{base_a}/data-requests/{reference}/erase", {"confirm": "ja"}, {404}),
            ("GET", f"{base_b}/data-requests", None, {403}),
            ("GET", f"{base_b}/data-requests/{reference}", None, {403}),
            ("GET", f"/admin/kommuner/{B}/", None, {403}),
            ("GET", f"/admin/kommuner/{B}/persondata", None, {403})]


def notice_requests(w):
    return [("GET", f"/api/notices?active=1&kommune={B}", None, {403}),
            ("POST", "/api/notices", {"text": "x", "areas": ["*"], "kommune": B,
                                      "ends_at": "2099-01-01T00:00:00+00:00"}, {403}),
            ("POST", f"/api/notices/{w[B]['notice']}/end", {}, {404})]


async def send(client, method, path, body):
    headers = {"X-CSRF-Token": client.csrf}
    if method == "GET":
        return await client.get(path, allow_redirects=False)
    return await client.post(path, json=body, headers=headers, allow_redirects=False)


@pytest.mark.parametrize("role, requests", [("staff", staff_requests), ("analyst", analyst_requests),
                                             ("kommune_admin", admin_requests), ("staff", notice_requests),
                                             ("analyst", notice_requests), ("kommune_admin", notice_requests)])
async def test_kommune_a_reaches_nothing_of_kommune_b(aiohttp_client, app, world, role, requests):
    client = await login(aiohttp_client, app, role, A)
    for method, path, body, statuses in requests(world):
        await check(await send(client, method, path, body), statuses, world)
    # and what B has is untouched
    engine = engine_for(os.environ["BORGERGUIDE_DB"])
    escalation = EscalationStore(engine).get(world[B]["escalation"])
    assert (escalation.status, escalation.queue) == ("open", contract.DEFAULT_QUEUE)
    assert any(n.id == world[B]["notice"] for n in notices.active(B, None, any_area=True,
                                                                  url=os.environ["BORGERGUIDE_DB"]))
    with engine.connect() as connection:
        label = connection.execute(sa.select(analytics.unresolved.c.label).where(
            analytics.unresolved.c.id == world[B]["unresolved"])).scalar()
        assert label is None
    assert store_for(os.environ["BORGERGUIDE_DB"]).content(B)["borgerservice"]["phone"] == "66 13 13 72"


async def test_lists_show_only_the_own_kommune(aiohttp_client, app, world):
    staff = await login(aiohttp_client, app, "staff", A)
    listed = await (await staff.get("/api/staff/escalations")).json()
    assert world[A]["escalation"] in {e["id"] for e in listed["escalations"]}
    assert {e["kommune"] for e in listed["escalations"]} == {A}
    await check(await staff.get("/staff/"), {200}, world)
    analyst = await login(aiohttp_client, app, "analyst", A)
    for path in ("/api/analyst/unresolved?labelled=alle", "/api/analyst/groups", "/api/analyst/overview",
                 "/api/analyst/satisfaction", "/api/analyst/export", "/api/analyst/retention", "/analyst/",
                 "/analyst/unresolved"):
        await check(await analyst.get(path), {200}, world)
    overview = await (await analyst.get("/api/analyst/overview")).json()
    assert {row["kommune"] for row in overview["per_kommune"]} <= {A}
    labelled = await analyst.post("/api/analyst/labels", json={"ids": [world[B]["unresolved"]], "intent": "noise"},
                                  headers={"X-CSRF-Token": analyst.csrf})
    assert (await labelled.json()) == {"labelled": 0}
    for role in ("staff", "analyst", "kommune_admin"):
        client = await login(aiohttp_client, app, role, A)
        body = await check(await client.get("/api/notices"), {200}, world)
        assert f"notice {A} {RUN}" in body
    admin = await login(aiohttp_client, app, "kommune_admin", A)
    accounts = await (await admin.get(f"/api/admin/kommuner/{A}/accounts")).json()
    assert {a["kommune"] for a in accounts["accounts"]} == {A}


async def test_roles_stay_in_their_rooms(aiohttp_client, app, world):
    staff = await login(aiohttp_client, app, "staff", A)
    analyst = await login(aiohttp_client, app, "analyst", A)
    admin = await login(aiohttp_client, app, "kommune_admin", A)
    assert (await staff.get("/api/analyst/overview")).status == 403
    assert (await staff.get(f"/api/admin/kommuner/{A}/content")).status == 403
    assert (await analyst.get("/api/staff/escalations")).status == 403
    assert (await analyst.get(f"/api/admin/kommuner/{A}/accounts")).status == 403
    assert (await admin.get("/api/staff/escalations")).status == 403
    assert (await admin.get("/api/analyst/unresolved")).status == 403


async def test_an_unscoped_request_is_refused(aiohttp_client, app, world):
    anonymous = await aiohttp_client(app)
    for path in ("/api/staff/escalations", "/api/analyst/overview", f"/api/admin/kommuner/{A}/content",
                 "/api/notices"):
        response = await anonymous.get(path)
        assert response.status == 401, path
        assert leaks(await response.text(), world) == []
    assert (await anonymous.get("/staff/", allow_redirects=False)).status == 302
    # an account of an earlier version, without a kommune, cannot log in
    engine = engine_for(os.environ["BORGERGUIDE_DB"])
    legacy = f"legacy-{RUN}"
    Accounts(engine).add_user(legacy, PASSWORD, "staff", "*")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE users SET kommune = NULL WHERE username = :u"), {"u": legacy})
    refused = await anonymous.post("/api/login", json={"username": legacy, "password": PASSWORD})
    assert refused.status == 401 and "kommune" in (await refused.json())["error"]


async def test_the_operator_compares_kommuner_without_transcripts(aiohttp_client, app, world):
    engine = engine_for(os.environ["BORGERGUIDE_DB"])
    operator = f"op-{RUN}"
    Accounts(engine).add_user(operator, PASSWORD, "operator", None)
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": operator, "password": PASSWORD})
    client.csrf = (await response.json())["csrf"]
    overview = await (await client.get("/api/analyst/overview")).json()
    assert {A, B} <= {row["kommune"] for row in overview["per_kommune"]}
    page = await (await client.get("/analyst/")).text()
    assert registry()[B].short in page
    for path in ("/api/analyst/unresolved", f"/api/analyst/conversations/{world[B]['conversation']}",
                 "/api/staff/escalations"):
        assert (await client.get(path)).status == 403, path
    assert (await client.get(f"/api/admin/kommuner/{B}/content")).status == 200


async def test_accounts_invitations_lockout_and_second_factor(aiohttp_client, app, world):
    import pyotp

    admin = await login(aiohttp_client, app, "kommune_admin", A)
    made = await admin.post(f"/api/admin/kommuner/{A}/invitations", json={"role": "staff"},
                            headers={"X-CSRF-Token": admin.csrf})
    link = (await made.json())["link"]
    token = link.rsplit("/", 1)[1]
    not_admin = await admin.post(f"/api/admin/kommuner/{A}/invitations", json={"role": "kommune_admin"},
                                 headers={"X-CSRF-Token": admin.csrf})
    assert not_admin.status == 403
    newcomer = await aiohttp_client(app)
    weak = await newcomer.post(f"/invitation/{token}", data={"username": f"new-{RUN}", "password": "kort",
                                                             "password2": "kort"}, allow_redirects=False)
    assert weak.status == 400 and "12 tegn" in await weak.text()
    ok = await newcomer.post(f"/invitation/{token}", data={"username": f"new-{RUN}", "password": "Nyt-kodeord-123",
                                                           "password2": "Nyt-kodeord-123"}, allow_redirects=False)
    assert ok.status == 302
    again = await newcomer.post(f"/invitation/{token}", data={"username": f"new2-{RUN}",
                                                              "password": "Nyt-kodeord-123",
                                                              "password2": "Nyt-kodeord-123"})
    assert again.status == 400, "the link works once"
    accounts = Accounts(engine_for(os.environ["BORGERGUIDE_DB"]))
    assert accounts.get(f"new-{RUN}")["kommune"] == A and accounts.get(f"new-{RUN}")["role"] == "staff"
    # after five wrong passwords this name waits from this address (tests/test_accounts_races.py: not elsewhere)
    for _ in range(5):
        assert (await newcomer.post("/api/login", json={"username": f"new-{RUN}", "password": "forkert"})).status == 401
    locked = await newcomer.post("/api/login", json={"username": f"new-{RUN}", "password": "Nyt-kodeord-123"})
    assert locked.status == 401 and "Vent et kvarter" in (await locked.json())["error"]
    # the admin turns on a second factor; then the login asks for the code
    secret = pyotp.random_base32()
    confirmed = await admin.post("/api/admin/second-factor", json={"secret": secret,
                                                                   "code": pyotp.TOTP(secret).now()},
                                 headers={"X-CSRF-Token": admin.csrf})
    assert confirmed.status == 200
    second = await aiohttp_client(app)
    name = user("kommune_admin", A)
    without = await second.post("/api/login", json={"username": name, "password": PASSWORD})
    assert without.status == 401 and (await without.json())["code_needed"]
    with_code = await second.post("/api/login", json={"username": name, "password": PASSWORD,
                                                       "code": pyotp.TOTP(secret).now()})
    assert with_code.status == 200
    # removing an account ends its sessions; it is in the audit log with who, never content
    removed = await admin.post(f"/api/admin/kommuner/{A}/accounts/new-{RUN}/remove",
                               headers={"X-CSRF-Token": admin.csrf})
    assert removed.status == 200
    log = await (await admin.get(f"/api/admin/kommuner/{A}/audit")).json()
    actions = [entry["action"] for entry in log["entries"]]
    assert {"invitation_created", "account_created", "account_removed", "second_factor_on"} <= set(actions)
    assert "Nyt-kodeord" not in json.dumps(log)

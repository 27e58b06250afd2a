"""Security findings of issue 20, each reproduced: JSON nesting, the pages'
Content-Security-Policy, store files readable by their owner only, erased
text gone from the SQLite files, and (further down) the citizen's
conversation bound to the browser that started it, its kommune fixed, the
origins per kommune, the ratings and the data-subject requests.

The account races are in tests/test_accounts_races.py, the links in
tests/test_links.py and tests/test_widget.py, the redaction's look-alikes in
tests/test_redaction.py; docs/security.md lists them all."""
from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.app import create_app
from bot.settings import Settings
from bot.stores.accounts import Accounts

PASSWORD = "security-test-password"
RUN = uuid.uuid4().hex[:6]


@pytest.fixture
def settings(tmp_path) -> Settings:
    """The web service on databases of its own; Rasa is never reached (nothing here gets that far)."""
    return Settings(rasa_url="http://127.0.0.1:9", rasa_token="t", secret="security-secret-" + "s" * 32,
                    database_url=f"sqlite:///{tmp_path / 'web.db'}", events_url=f"sqlite:///{tmp_path / 'events.db'}",
                    tracker_url=f"sqlite:///{tmp_path / 'tracker.db'}", sync_seconds=60)


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


def nested(depth: int) -> str:
    return '{"sender": "web-abcdefgh", "message": "hej", "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("path", ["/api/chat", "/api/login", "/api/chat/rating", "/api/chat/callback",
                                  "/api/chat/click"])
@pytest.mark.parametrize("depth", [100, 30_000])
async def test_deeply_nested_json_gets_a_clear_400(client, path, depth):
    response = await client.post(path, data=nested(depth), headers={"Content-Type": "application/json"})
    assert response.status == 400, (path, depth, response.status)
    body = await response.json()
    assert "dybt" in body["error"] and "Traceback" not in body["error"]


PAGES = ["/login", "/staff/", "/analyst/", "/analyst/unresolved", "/admin/", "/admin/kommuner/aarhus/",
         "/admin/kommuner/aarhus/persondata", "/admin/second-factor"]


async def test_staff_analyst_and_admin_pages_may_not_be_framed_and_run_only_own_scripts(client, settings):
    from borgerguide.db import engine_for

    accounts = Accounts(engine_for(settings.database_url))
    roles = {"staff": "/staff/", "analyst": "/analyst/", "kommune_admin": "/admin/kommuner/aarhus/"}
    for role in roles:
        accounts.add_user(f"csp-{role[:5]}-{RUN}", PASSWORD, role, "aarhus")
    seen = 0
    for role in roles:
        await client.post("/api/login", json={"username": f"csp-{role[:5]}-{RUN}", "password": PASSWORD})
        for path in PAGES:
            response = await client.get(path, allow_redirects=False)
            policy = response.headers.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, (path, policy)
            assert "unsafe-inline" not in policy
            assert response.headers.get("X-Frame-Options") == "DENY"
            seen += response.status == 200
    assert seen >= len(roles) + 1, "the pages were really shown"
    chat = await client.get("/demo")
    assert "frame-ancestors" not in chat.headers.get("Content-Security-Policy", ""), "the citizen's side is embedded"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_projects_sqlite_files_are_readable_by_their_owner_only(tmp_path):
    from borgerguide.db import engine_arguments, tune_engine

    path = tmp_path / "store.db"
    url = f"sqlite:///{path}"
    engine = tune_engine(sa.create_engine(url, **engine_arguments(url, {"future": True})))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (x TEXT)"))
        connection.execute(sa.text("INSERT INTO t VALUES ('hemmelig')"))
    files = [p for p in tmp_path.iterdir() if p.name.startswith("store.db")]
    assert {p.name for p in files} >= {"store.db", "store.db-wal"}
    assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o600) for p in files}
    engine.dispose()


def test_files_made_before_are_made_private_when_opened(tmp_path):
    from borgerguide.db import engine_for

    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    engine_for(f"sqlite:///{path}")
    assert mode(path) == 0o600


def test_rasas_tracker_store_and_event_broker_files_are_private(stack):
    for path in (stack.tracker_db, stack.events_db):
        assert path.exists() and mode(path) == 0o600, (path, oct(mode(path)))


def test_erased_text_is_gone_from_the_sqlite_files_and_their_wal(tmp_path):
    """Right to erasure: after `erase`, not a byte of the conversation in any
    store file (a checkpoint empties the write-ahead log, deleted pages are zeroed)."""
    from borgerguide.db import engine_for
    from bot.projections import events_table
    from bot.analytics import store as analytics
    from bot.stores.retention import Stores, erase, tracker_table

    marker = f"zebrafisk-{uuid.uuid4().hex}"
    conversation = f"erase-{RUN}"
    web, events, tracker = (engine_for(f"sqlite:///{tmp_path / name}") for name in ("web.db", "events.db",
                                                                                     "tracker.db"))
    stores = Stores(web, events, tracker)
    for engine, table in ((events, events_table(events)), (tracker, tracker_table())):
        table.metadata.create_all(engine)
        with engine.begin() as connection:
            for i in range(50):
                row = {"sender_id": conversation if i % 2 else "en-anden",
                       "data": '{"event": "user", "text": "' + (marker if i % 2 else "noget andet") + " " * 300 + '"}'}
                if "timestamp" in table.c:
                    row["timestamp"] = float(i)
                connection.execute(table.insert().values(**row))
    now = __import__("datetime").datetime.now(__import__("datetime").timezone.utc)
    with web.begin() as connection:
        connection.execute(analytics.unresolved.insert().values(
            event_id=1, conversation_id=conversation, at=now, day=now.date().isoformat(), text=marker,
            kommune="aarhus", reason="fallback",
            ranking="[]"))
    before = store_bytes(tmp_path)
    assert marker.encode() in before, "the test wrote where it looks"
    erase(stores, conversation, "test", "aarhus")
    after = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert [name for name, data in after.items() if marker.encode() in data] == []
    assert b"noget andet" in store_bytes(tmp_path), "the other conversation is still there"


def store_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()) if ".db" in path.name)


# --- a conversation belongs to the browser that started it (issue 20, finding 1) -------------------------

@pytest.fixture
async def chat_client(aiohttp_client, stack):
    from conftest import web_settings

    return await aiohttp_client(create_app(web_settings(stack)))


async def post(client, path, body, **headers):
    response = await client.post(path, json=body, headers=headers)
    return response.status, await response.json()


def handoff_of(answer):
    return next((m["custom"] for m in answer.get("messages") or [] if (m.get("custom") or {}).get("type") == "handoff"),
                None)


async def test_knowing_a_conversations_id_gives_nothing(chat_client):
    """The id is printed in places (staff see it, old transcripts carry it): with it alone an attacker gets no
    token, no staff reply, cannot write into the conversation, change the callback or move it to another kommune."""
    status, first = await post(chat_client, "/api/chat", {"sender": f"offer-{RUN}-victim", "message": "hej",
                                                          "kommune": "aarhus"})
    assert status == 200
    victim, secret = first.get("sender", f"offer-{RUN}-victim"), first["token"]
    status, handed = await post(chat_client, "/api/chat", {"sender": victim, "token": secret,
                                                           "message": "jeg vil tale med en medarbejder"})
    escalation = handoff_of(handed)
    assert status == 200 and escalation and escalation["kommune"] == "aarhus"

    # the attacker names the victim's conversation without its secret
    status, stolen = await post(chat_client, "/api/chat", {"sender": victim, "message": "hej", "kommune": "odense"})
    assert stolen.get("token") != secret
    assert status != 200 or stolen.get("sender") != victim, "a message without the secret starts its own conversation"
    for token in (stolen.get("token"), "0" * 43, ""):
        response = await chat_client.get("/api/chat/messages", params={"sender": victim, "token": token or "x"})
        assert response.status == 403, "no staff replies without the secret"
    status, _ = await post(chat_client, "/api/chat/callback", {
        "sender": victim, "token": stolen.get("token") or "x", "escalation_id": escalation["escalation_id"],
        "phone": "70 70 70 70", "name": "Angriber", "consent": True})
    assert status == 403, "the callback's phone and name cannot be replaced"
    status, refused = await post(chat_client, "/api/chat", {"sender": victim, "token": "gæt" * 10, "message": "hej"})
    assert status == 403 and refused.get("new_conversation") is True

    # the kommune is fixed: even the citizen's own secret cannot move it, nor the hand-off
    status, moved = await post(chat_client, "/api/chat", {"sender": victim, "token": secret, "kommune": "odense",
                                                          "message": "jeg vil tale med en medarbejder"})
    assert status == 403 and "anden kommune" in moved["error"]
    from borgerguide.db import engine_for

    with engine_for(os.environ["BORGERGUIDE_DB"]).connect() as connection:
        kommuner = {r[0] for r in connection.execute(sa.text(
            "SELECT kommune FROM escalations WHERE conversation_id = :c"), {"c": victim})}
    assert kommuner == {"aarhus"}, "no hand-off of it ever reaches another kommune's inbox"


async def test_the_secret_is_given_once_and_opens_only_its_own_conversation(chat_client):
    from conftest import Citizen

    anna, bo = Citizen("aarhus"), Citizen("aarhus")
    first = await anna.say(chat_client, "mit pas er udløbet")
    assert first["token"] and first["sender"]
    again = await anna.say(chat_client, "tak")
    assert "token" not in again, "never handed out again"
    await bo.say(chat_client, "hej")
    response = await chat_client.get("/api/chat/messages", params={"sender": anna.sender, "token": bo.token})
    assert response.status == 403, "one conversation's secret does not open another"
    ok = await chat_client.get("/api/chat/messages", params=anna.auth)
    assert ok.status == 200


# --- one kommune's allowed sites are not another's (finding 7) -----------------------------------------

async def test_a_site_odense_allows_gets_nothing_of_an_aarhus_conversation(chat_client):
    status, first = await post(chat_client, "/api/chat", {"sender": f"origin-{RUN}-aarhus", "kommune": "aarhus",
                                                          "message": "mit pas er udløbet"}, Origin="https://www.aarhus.dk")
    assert status == 200 and first["messages"]
    auth = {"sender": first.get("sender", f"origin-{RUN}-aarhus"), "token": first["token"]}
    odense = {"Origin": "https://www.odense.dk"}
    polled = await chat_client.get("/api/chat/messages", params=auth, headers=odense)
    assert polled.status == 403 and "Access-Control-Allow-Origin" not in polled.headers
    status, _ = await post(chat_client, "/api/chat", {**auth, "message": "hej"}, **odense)
    assert status == 403
    status, _ = await post(chat_client, "/api/chat/rating", {**auth, "score": 1}, **odense)
    assert status == 403
    status, _ = await post(chat_client, "/api/chat/click", {**auth, "area": "pas", "url": "https://www.borger.dk/"},
                           **odense)
    assert status == 403  # a link click counts only from the conversation's own kommune's sites
    notices = await chat_client.get("/api/chat/notices", params={"kommune": "aarhus"}, headers=odense)
    assert notices.status == 403 and "Access-Control-Allow-Origin" not in notices.headers
    # Aarhus's own site and the service's own pages do get them
    own = await chat_client.get("/api/chat/messages", params=auth, headers={"Origin": "https://www.aarhus.dk"})
    assert own.status == 200 and own.headers["Access-Control-Allow-Origin"] == "https://www.aarhus.dk"
    assert (await chat_client.get("/api/chat/notices", params={"kommune": "aarhus"},
                                  headers={"Origin": "https://aarhus.dk"})).status == 200
    assert (await chat_client.get("/api/chat/notices", params={"kommune": "odense"}, headers=odense)).status == 200


# --- ratings: the conversation's own kommune and answers, once each, rate-limited (finding 6) -------------

async def test_ratings_cannot_be_planted(chat_client):
    from borgerguide.db import engine_for
    from conftest import Citizen

    citizen = Citizen("aarhus")
    answer = await citizen.say(chat_client, "mit pas er udløbet")
    shown = [m["custom"]["solution_id"] for m in answer["messages"]
             if (m.get("custom") or {}).get("type") == "solution"]
    assert shown == ["pas"]
    status, other = await post(chat_client, "/api/chat/rating", {**citizen.auth, "score": 1, "kommune": "odense",
                                                                 "area": "pas"})
    assert status == 403, "not in another kommune"
    status, _ = await post(chat_client, "/api/chat/rating", {**citizen.auth, "score": 1, "area": "sygedagpenge"})
    assert status == 400, "not an answer the conversation was never shown"
    status, ok = await post(chat_client, "/api/chat/rating", {**citizen.auth, "score": 4, "area": "pas"})
    assert status == 200, ok
    status, again = await post(chat_client, "/api/chat/rating", {**citizen.auth, "score": 1, "area": "pas"})
    assert status == 409, "once per conversation and answer"
    with engine_for(os.environ["BORGERGUIDE_DB"]).connect() as connection:
        rows = connection.execute(sa.text("SELECT kommune, area, score FROM ratings WHERE conversation_id = :c"),
                                  {"c": citizen.sender}).all()
    assert [tuple(r) for r in rows] == [("aarhus", "pas", 4)]


async def test_ratings_from_one_address_are_rate_limited(chat_client):
    from conftest import Citizen

    citizens = [Citizen("aarhus") for _ in range(8)]
    for citizen in citizens:  # eight real conversations first (each takes a while) ...
        await citizen.say(chat_client, "hej")
    statuses = [(await post(chat_client, "/api/chat/rating", {**citizen.auth, "score": 1}))[0]
                for citizen in citizens]  # ... then their ratings at once (5 at once, then one every 30 s)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3, statuses


# --- data-subject requests go through the kommune's administrator, not an id (finding 1, design) ----------

async def logged_in(aiohttp_client, app, username):
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert response.status == 200, await response.text()
    client.csrf = (await response.json())["csrf"]
    return client


async def test_a_data_request_is_filed_from_the_conversation_and_carried_out_by_its_kommunes_admin(
        aiohttp_client, stack):
    from borgerguide.db import engine_for
    from conftest import Citizen, web_settings

    app = create_app(web_settings(stack))
    accounts = Accounts(engine_for(os.environ["BORGERGUIDE_DB"]))
    for name, role, kommune in ((f"dr-admin-{RUN}", "kommune_admin", "aarhus"),
                                (f"dr-odense-{RUN}", "kommune_admin", "odense"), (f"dr-drift-{RUN}", "operator", None)):
        accounts.add_user(name, PASSWORD, role, kommune)
    citizen_client = await aiohttp_client(app)
    citizen = Citizen("aarhus")
    await citizen.say(citizen_client, "hej jeg hedder Birgitte Mølgaard og har mistet mit sundhedskort")

    # without the secret nobody can ask for it
    status, _ = await post(citizen_client, "/api/chat/data-request", {"sender": citizen.sender, "token": "x" * 43,
                                                                      "kind": "export"})
    assert status == 403
    status, copy = await post(citizen_client, "/api/chat/data-request", {**citizen.auth, "kind": "export"})
    assert status == 201 and copy["reference"] in copy["message"]
    status, erase = await post(citizen_client, "/api/chat/data-request", {**citizen.auth, "kind": "erase"})
    assert status == 201 and erase["reference"] != copy["reference"]
    mine = await (await citizen_client.get("/api/chat/data-request", params=citizen.auth)).json()
    assert {(r["reference"], r["status"]) for r in mine["requests"]} == {(copy["reference"], "open"),
                                                                          (erase["reference"], "open")}

    admin = await logged_in(aiohttp_client, app, f"dr-admin-{RUN}")
    base = "/api/admin/kommuner/aarhus/data-requests"
    listed = await (await admin.get(base)).json()
    assert {copy["reference"], erase["reference"]} <= {r["reference"] for r in listed["requests"]}
    assert citizen.sender not in json_text(listed), "the admin works with the reference, not the conversation's id"
    exported = await admin.get(f"{base}/{copy['reference']}/export")
    assert exported.status == 200
    export = await exported.json()
    assert export["kommune"] == "aarhus" and "Mølgaard" not in json_text(export)
    assert any(turn["who"] == "borger" for turn in export["conversation"])
    done = await admin.post(f"{base}/{copy['reference']}/done", headers={"X-CSRF-Token": admin.csrf})
    assert (await done.json())["done"] is True

    # another kommune's admin and the operator see none of it; the old id-based routes are gone
    odense = await logged_in(aiohttp_client, app, f"dr-odense-{RUN}")
    assert (await odense.get(f"/api/admin/kommuner/odense/data-requests/{erase['reference']}")).status == 404
    assert (await odense.get(f"{base}")).status == 403
    operator = await logged_in(aiohttp_client, app, f"dr-drift-{RUN}")
    for path in (base, f"{base}/{copy['reference']}/export", "/admin/kommuner/aarhus/persondata"):
        response = await operator.get(path, allow_redirects=False)
        assert response.status == 403 and "Mølgaard" not in await response.text(), path
    assert (await admin.get(f"/api/admin/kommuner/aarhus/conversations/{citizen.sender}/export")).status == 404

    refused = await admin.post(f"{base}/{erase['reference']}/erase", json={}, headers={"X-CSRF-Token": admin.csrf})
    assert refused.status == 400
    erased = await admin.post(f"{base}/{erase['reference']}/erase", json={"confirm": True},
                              headers={"X-CSRF-Token": admin.csrf})
    assert erased.status == 200 and (await erased.json())["conversations"] == 1
    after = await (await admin.get(f"{base}/{erase['reference']}")).json()
    assert after["request"]["status"] == "done" and after["kept"] is None
    gone = await citizen_client.post("/api/chat", json=citizen.body(message="hej igen"))
    assert gone.status == 403 and (await gone.json())["new_conversation"] is True


def json_text(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


async def test_the_operator_cannot_invite_a_cross_kommune_reader_of_conversations(aiohttp_client, stack):
    from borgerguide.db import engine_for
    from conftest import web_settings

    app = create_app(web_settings(stack))
    Accounts(engine_for(os.environ["BORGERGUIDE_DB"])).add_user(f"inv-drift-{RUN}", PASSWORD, "operator", None)
    operator = await logged_in(aiohttp_client, app, f"inv-drift-{RUN}")
    for role in ("staff", "analyst"):
        response = await operator.post("/api/admin/kommuner/aarhus/invitations", json={"role": role},
                                       headers={"X-CSRF-Token": operator.csrf})
        assert response.status == 201  # one kommune: fine
    from bot.stores.accounts import Session

    accounts = Accounts(engine_for(os.environ["BORGERGUIDE_DB"]))
    with pytest.raises(PermissionError):
        accounts.invite("analyst", "*", Session(f"inv-drift-{RUN}", "operator", "csrf", "*"))

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


@pytest.mark.parametrize("path", ["/api/chat", "/api/login", "/api/chat/rating", "/api/chat/callback"])
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
    from bot.stores import analytics
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


def test_the_pages_still_work_in_the_browser_under_the_policy(web, browser):
    """No inline script or style is left that the policy would block: the
    operator's kommune list, the analysts' charts, the inbox and the admin
    page run, and the browser reports no violation."""
    import re

    from borgerguide.db import engine_for

    accounts = Accounts(engine_for(os.environ["BORGERGUIDE_DB"]))
    names = {role: f"cspb-{role[:5]}-{RUN}" for role in ("operator", "analyst", "staff", "kommune_admin")}
    for role, name in names.items():
        accounts.add_user(name, PASSWORD, role, None if role == "operator" else "aarhus")
    watch = """window.__violations = [];
               document.addEventListener('securitypolicyviolation',
                 e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"""
    for role, name in names.items():
        context = browser.new_context()
        context.add_init_script(watch)
        page = context.new_page()
        page.goto(f"{web.web_url}/login")
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        if role == "operator":
            page.select_option("#kommune", "odense")  # its handler is a script file now, not an attribute
            page.wait_for_url(re.compile(r".*/admin/kommuner/odense/"))
        if role == "analyst":
            page.goto(f"{web.web_url}/analyst/")
            page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas').length > 0")
        if role == "staff":
            page.goto(f"{web.web_url}/staff/")
        if role == "kommune_admin":
            page.goto(f"{web.web_url}/admin/kommuner/aarhus/?side=losning:pas")
            page.click("#preview-button")
            page.wait_for_selector("#preview .card")
        assert page.evaluate("window.__violations") == [], (role, page.url)
        context.close()

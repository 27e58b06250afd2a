"""A kommune looks after its own content and its citizens' data requests, in
a real browser (Debian's chromium, headless), against the production profile
with two web service instances (PostgreSQL, Redis, RabbitMQ):

- a kommune admin changes the Borgerservice phone and the local day-care page
  on instance 1, sees the preview, saves; a citizen's next message in the
  widget on instance 2 shows the new values; a rollback restores the old
  ones. Nothing is restarted.
- a citizen asks for a copy and for erasure of the conversation from the
  widget itself ("Dine data": bound to the conversation's secret) and is
  given a reference; the kommune's admin sees the requests, exports the
  conversation (art. 15) and erases it everywhere (art. 17), in the browser
  and through the API; nothing is found by a conversation's id (issue 20).
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.request
from typing import Any, Optional, Tuple
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from borgerguide.kommuner import registry
from bot.stores.accounts import Accounts
from conftest import Citizen, fresh_kommune, post_json, wait_until, widget_ask

PASSWORD = "admin-browser-password"
NEW_PHONE = "33 12 34 56"
ASK_PHONE = "hvad er telefonnummeret til borgerservice"
ASK_DAYCARE = "skriv min søn op til vuggestue"
DAYCARE = "opskrivning_dagtilbud"


def chat(web_url: str, kommune: str, text: str, citizen: Optional[Citizen] = None) -> Tuple[Citizen, list]:
    citizen = citizen or Citizen(kommune)
    body = citizen.say_to(web_url, text)
    return citizen, body["messages"]


def said(messages: list) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def daycare_url(messages: list) -> Optional[str]:
    cards = [m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "solution"
             and m["custom"].get("solution_id") == DAYCARE]
    return cards[-1].get("url") if cards else None


@pytest.fixture(scope="module")
def kommune(production_web):
    from prod_stack import PG

    chosen = fresh_kommune()
    engine = sa.create_engine(f"{PG}/{production_web.web_db}")
    Accounts(engine).add_user(f"admin-{chosen}", PASSWORD, "kommune_admin", chosen)
    engine.dispose()
    return chosen


def log_in(page, web_url: str, username: str) -> None:
    page.goto(f"{web_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/.*"))



def test_an_admins_change_reaches_the_widget_on_the_other_instance_and_rolls_back(production_web, kommune,
                                                                                  browser):
    first, second = production_web.web_urls
    website = urlparse(registry()[kommune].website).netloc
    new_url = f"https://{website}/pasning/skriv-dit-barn-op"
    _, before_phone = chat(second, kommune, ASK_PHONE)
    _, before_daycare = chat(second, kommune, ASK_DAYCARE)
    old_url = daycare_url(before_daycare)
    assert NEW_PHONE not in said(before_phone) and old_url and old_url != new_url

    admin = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    log_in(admin, first, f"admin-{kommune}")
    # the Borgerservice phone, with the national default shown beside it
    admin.goto(f"{first}/admin/kommuner/{kommune}/?afsnit=kontakt")
    phone = admin.locator("[data-path='borgerservice.phone']")
    assert "Landsdækkende" in phone.inner_text()
    phone.locator("input").fill("ring til os")
    admin.click("#save")
    assert "Ikke gemt" in admin.locator("#message").inner_text()
    assert "telefonnummer" in admin.locator("#message").inner_text(), "a clear Danish message"
    phone = admin.locator("[data-path='borgerservice.phone']")
    phone.locator("input").fill(NEW_PHONE)
    admin.click("#save")
    assert "Gemt: 1" in admin.locator("#message").inner_text()
    assert "bekræftet af admin-" in admin.locator("[data-path='borgerservice.phone']").inner_text()
    # the local day-care page: a foreign host is refused, the kommune's own is previewed and saved
    admin.goto(f"{first}/admin/kommuner/{kommune}/?side=losning:{DAYCARE}")
    url_field = admin.locator(f"[data-path='solutions.{DAYCARE}.url'] input")
    url_field.fill("https://snyd.example.com/dagtilbud")
    admin.click("#preview-button")
    admin.wait_for_selector("#preview .error")
    assert "https" in admin.locator("#preview").inner_text() or "domæne" in admin.locator("#preview").inner_text()
    url_field.fill(new_url)
    admin.click("#preview-button")
    admin.wait_for_selector("#preview-link")
    assert admin.locator("#preview-link").get_attribute("href") == new_url
    admin.screenshot(path=str(artifacts() / "admin-preview.png"), full_page=True)
    admin.click("#save")
    assert "Gemt: 1" in admin.locator("#message").inner_text()

    # the citizen, on the other web instance, in the widget of that kommune
    wait_until(lambda: NEW_PHONE in said(chat(second, kommune, ASK_PHONE)[1]), "the new phone on instance 2")
    citizen = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    citizen.goto(f"{second}/demo?kommune={kommune}")
    citizen.click("text=Chat med Borgerguiden")
    widget_ask(citizen, ASK_PHONE)
    assert NEW_PHONE in citizen.locator(".msg.bot").last.inner_text()
    widget_ask(citizen, ASK_DAYCARE)
    assert citizen.locator(".card a.go").last.get_attribute("href") == new_url

    # rollback of both changes, newest first; the widget answers as before
    admin.goto(f"{first}/admin/kommuner/{kommune}/?afsnit=aendringer")
    rows = admin.locator("tbody tr")
    assert rows.count() == 2 and NEW_PHONE in admin.locator("tbody").inner_text()
    for path in (f"solutions.{DAYCARE}.url", "borgerservice.phone"):
        admin.locator("tbody tr", has_text=path).first.locator("button.rollback").click()
        assert "rullet tilbage" in admin.locator("#message").inner_text()
    wait_until(lambda: NEW_PHONE not in said(chat(second, kommune, ASK_PHONE)[1]), "the old phone again")
    widget_ask(citizen, ASK_PHONE)
    assert NEW_PHONE not in citizen.locator(".msg.bot").last.inner_text()
    widget_ask(citizen, "jeg vil skrive min datter op til børnehave")
    assert citizen.locator(".card a.go").last.get_attribute("href") == old_url
    citizen.context.close()
    admin.context.close()


def artifacts():
    from conftest import ROOT

    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out


def facts_of(production_web, conversation_id: str) -> int:
    from prod_stack import PG

    engine = sa.create_engine(f"{PG}/{production_web.web_db}")
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT count(*) FROM conversation_facts WHERE conversation_id = :c"),
                                          {"c": conversation_id}).scalar() or 0)
    finally:
        engine.dispose()


def tracker_events(production_web, conversation_id: str) -> int:
    from prod_stack import PG

    engine = sa.create_engine(f"{PG}/{production_web.tracker_db}")
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :c"),
                                          {"c": conversation_id}).scalar() or 0)
    finally:
        engine.dispose()


def test_data_requests_from_the_widget_are_carried_out_by_the_admin_in_the_browser(production_web, kommune,
                                                                                   browser):
    first, second = production_web.web_urls
    citizen = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    citizen.goto(f"{second}/demo?kommune={kommune}")
    citizen.click("text=Chat med Borgerguiden")
    widget_ask(citizen, "hej jeg hedder Birgitte Mølgaard og har mistet mit sundhedskort")
    references = {}
    for kind, label, said in (("export", "En kopi af samtalen", "om en kopi"),
                              ("erase", "At slette samtalen", "om at slette")):
        citizen.click("button.link:has-text('Dine data')")
        citizen.check(f".data-request input[value={kind}]")
        assert label in citizen.locator(".data-request").inner_text()
        citizen.click("button.send:has-text('Send anmodningen')")
        citizen.wait_for_function("said => { const t = document.querySelector('#borgerguide-widget').shadowRoot"
                                  ".querySelector('.status').textContent; "
                                  "return t.includes(said) && /nummer [A-Z0-9]{4}-[A-Z0-9]{4}/.test(t); }", arg=said)
        references[kind] = re.search(r"nummer ([A-Z0-9]{4}-[A-Z0-9]{4})",
                                     citizen.locator(".status").inner_text()).group(1)
    state = citizen.evaluate(f"JSON.parse(sessionStorage.getItem('borgerguide-{kommune}'))")
    conversation_id = state["sender"]
    wait_until(lambda: facts_of(production_web, conversation_id), "the conversation in the kommune's figures")

    admin = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True).new_page()
    log_in(admin, first, f"admin-{kommune}")
    admin.goto(f"{first}/admin/kommuner/{kommune}/persondata")
    table = admin.locator("#requests").inner_text()
    assert references["export"] in table and references["erase"] in table and "Venter" in table
    assert conversation_id not in admin.content(), "the admin works with the reference, not the id"
    row = admin.locator(f"tr[data-reference='{references['export']}']")
    with admin.expect_download() as exported:
        row.locator("a.export").click()
    export = json.loads(open(exported.value.path(), encoding="utf-8").read())
    assert export["reference"] == references["export"] and export["kommune"] == kommune
    citizen_lines = [turn["text"] for turn in export["conversation"] if turn.get("who") == "borger"]
    assert citizen_lines and "[NAVN]" in citizen_lines[0] and "Mølgaard" not in json.dumps(export)
    row.locator("button.done").click()
    assert "er afsluttet" in admin.locator("#message").inner_text()
    row = admin.locator(f"tr[data-reference='{references['erase']}']")
    row.locator("button.erase").click()  # not confirmed: the browser keeps the form, nothing is erased
    assert tracker_events(production_web, conversation_id) > 0
    row.locator("input[name=confirm]").check()
    row.locator("button.erase").click()
    assert "slettet alle steder" in admin.locator("#message").inner_text()
    assert tracker_events(production_web, conversation_id) == 0
    assert facts_of(production_web, conversation_id) == 0
    assert "Venter" not in admin.locator("#requests").inner_text(), "both requests are carried out"
    # the widget's conversation is gone: its next message starts a new one, and is answered
    widget_ask(citizen, "mit pas er udløbet")
    assert citizen.evaluate(f"JSON.parse(sessionStorage.getItem('borgerguide-{kommune}')).sender") != conversation_id
    assert "Bestil pas" in citizen.locator(".card").last.inner_text()
    citizen.context.close()
    admin.context.close()


class Api:
    """A logged-in session against the web service's JSON API."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = self.call("POST", "/api/login", {"username": username, "password": PASSWORD})[1]["csrf"]

    def call(self, method: str, path: str, body: Any = None) -> Tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if getattr(self, "csrf", None):
            headers["X-CSRF-Token"] = self.csrf
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def test_data_requests_through_the_api(production_web, kommune):
    first, second = production_web.web_urls
    citizen, _ = chat(second, kommune, "mit navn er Jonas Kjærsgaard og jeg skal flytte til Birkevej 12, 4700 Næstved")
    sender = citizen.sender
    wait_until(lambda: facts_of(production_web, sender), "the conversation in the kommune's figures")
    copy = post_json(f"{second}/api/chat/data-request", {**citizen.auth, "kind": "export"})["reference"]
    erase = post_json(f"{second}/api/chat/data-request", {**citizen.auth, "kind": "erase"})["reference"]
    other = fresh_kommune()
    from prod_stack import PG

    engine = sa.create_engine(f"{PG}/{production_web.web_db}")
    Accounts(engine).add_user(f"admin-{other}", PASSWORD, "kommune_admin", other)
    engine.dispose()
    stranger = Api(first, f"admin-{other}")
    for method, path in (("GET", f"/api/admin/kommuner/{other}/data-requests/{copy}"),
                         ("GET", f"/api/admin/kommuner/{other}/data-requests/{copy}/export"),
                         ("POST", f"/api/admin/kommuner/{other}/data-requests/{erase}/erase")):
        status, body = stranger.call(method, path, {"confirm": True} if method == "POST" else None)
        assert status == 404 and "Jonas" not in json.dumps(body), (path, status, body)
    assert copy not in json.dumps(stranger.call("GET", f"/api/admin/kommuner/{other}/data-requests")[1])

    api = Api(first, f"admin-{kommune}")
    base = f"/api/admin/kommuner/{kommune}/data-requests"
    status, found = api.call("GET", f"{base}/{erase}")
    assert status == 200 and found["kept"]["tracker_events"] > 0 and found["request"]["status"] == "open"
    status, export = api.call("GET", f"{base}/{copy}/export")
    assert status == 200 and export["conversation"]
    assert "Kjærsgaard" not in json.dumps(export) and "Birkevej 12" not in json.dumps(export)
    status, refused = api.call("POST", f"{base}/{erase}/erase", {})
    assert status == 400 and "Bekræft" in refused["error"]
    assert api.call("GET", f"{base}/{erase}")[1]["kept"]["tracker_events"] == found["kept"]["tracker_events"], \
        "nothing lost on a refusal"
    status, erased = api.call("POST", f"{base}/{erase}/erase", {"confirm": True})
    assert status == 200 and erased["tracker_events"] == found["kept"]["tracker_events"] and erased["conversations"] == 1
    assert api.call("GET", f"{base}/{erase}")[1]["request"]["status"] == "done"
    assert tracker_events(production_web, sender) == 0
    status, audit = api.call("GET", f"/api/admin/kommuner/{kommune}/audit")
    entries = [e for e in audit["entries"] if e["action"] in ("conversation_exported", "conversation_erased")]
    assert {e["action"] for e in entries} == {"conversation_exported", "conversation_erased"}
    assert "Jonas" not in json.dumps(audit) and sender not in json.dumps(entries)

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
    from borgerguide.catalogue import load_catalogue

    for label in (f"{load_catalogue().get(DAYCARE).title}: kommunens side", "Telefon til Borgerservice"):
        admin.locator("tbody tr", has_text=label).first.locator("a.rollback").click()
        admin.locator("form.confirm button").click()  # a rollback asks first
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


# --- issue 19: the admin saves what it shows ------------------------------------------------------

@pytest.fixture(scope="module")
def admin_web(tmp_path_factory):
    """The web service alone (the admin's pages need no Rasa) on a database of its own, with an Aarhus admin."""
    import os
    import subprocess
    import sys

    from borgerguide.db import engine_for
    from conftest import ROOT
    from stack import free_port, wait_for

    tmp = tmp_path_factory.mktemp("admin-web")
    url = f"sqlite:///{tmp / 'web.db'}"
    Accounts(engine_for(url)).add_user("admin-aarhus", PASSWORD, "kommune_admin", "aarhus")
    port = free_port()
    env = {**os.environ, "BORGERGUIDE_DB": url, "BORGERGUIDE_EVENTS_DB": f"sqlite:///{tmp / 'events.db'}",
           "BORGERGUIDE_TRACKER_DB": f"sqlite:///{tmp / 'tracker.db'}", "BORGERGUIDE_SECRET": "admin-web-" + "z" * 32}
    log = open(tmp / "web.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "bot", "--host", "127.0.0.1", "--port", str(port),
                                "--rasa-url", "http://127.0.0.1:9"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/health/live", process, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


class Shots:
    """The admin journey's screenshots, numbered in order (test-artifacts/journeys/admin-NN-*.png)."""

    def __init__(self) -> None:
        from conftest import ROOT

        self.dir = ROOT / "test-artifacts" / "journeys"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.step = 0

    def __call__(self, page, what: str) -> None:
        self.step += 1
        page.screenshot(path=str(self.dir / f"admin-{self.step:02d}-{what}.png"), full_page=True)


def admin_page(browser, web_url: str, width: int):
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": 844 if phone else 900}, is_mobile=phone,
                                  has_touch=phone, locale="da-DK")
    page = context.new_page()
    log_in(page, web_url, "admin-aarhus")
    return page


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"


def in_view_horizontally(page, locator, width: int) -> None:
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def test_an_aarhus_admin_sets_hours_fixes_a_short_phone_confirms_one_field_and_rolls_back(admin_web, browser):
    from datetime import timedelta

    from borgerguide.clock import danish_today
    from borgerguide.opening_hours import date_da

    shot = Shots()
    page = admin_page(browser, admin_web, 1366)
    page.goto(f"{admin_web}/admin/kommuner/aarhus/?afsnit=kontakt")
    assert "Jeres akuttelefon mangler" in page.locator(".warning").inner_text()
    shot(page, "warning-no-acute-phone")

    # the week, the holidays and a special day
    page.goto(f"{admin_web}/admin/kommuner/aarhus/?afsnit=tider")
    week = {"monday": "10:00-15:00", "tuesday": "10:00-15:00", "wednesday": "10:00-12:00, 13:00-15:00",
            "thursday": "10:00-17:30", "friday": "10:00-13:00", "saturday": "lukket", "sunday": "lukket"}
    for day, hours in week.items():
        page.fill(f"[data-path='borgerservice.opening_hours.{day}'] input", hours)
    special = danish_today() + timedelta(days=12)
    page.fill("#day-date-1", special.isoformat())
    page.fill("#day-hours-1", "lukket")
    page.fill("#day-note-1", "personaledag")
    shot(page, "week-and-special-day-typed")
    page.click("#save")
    assert "Gemt: 8 felter" in page.locator("#message").inner_text()
    assert page.input_value("[data-path='borgerservice.opening_hours.wednesday'] input") == "10:00-12:00, 13:00-15:00"
    assert page.input_value("[data-path='borgerservice.opening_hours.sunday'] input") == "lukket"
    row = page.locator(f".coming tr[data-date='{special.isoformat()}']")
    assert "personaledag" in row.inner_text() and "lukket" in row.inner_text()
    assert date_da(special) in row.inner_text()
    assert page.locator(".coming tbody tr").count() >= 6, "the next five public holidays besides"
    assert "Ugeplanen: bekræftet af admin-aarhus" in page.locator("#content-form").inner_text()
    assert "bekræftet af admin-aarhus" in page.locator("#saerlige ~ p.meta").last.inner_text()
    fits(page, 1366)
    shot(page, "week-saved-coming-days")

    # a phone number of 7 digits: a Danish message, nothing typed is lost
    page.goto(f"{admin_web}/admin/kommuner/aarhus/?afsnit=kontakt")
    address = "Dokk1, Hack Kampmanns Plads 2, 8000 Aarhus C (indgang fra havnen)"
    page.fill("[data-path='borgerservice.phone'] input", "8940 222")
    page.fill("[data-path='borgerservice.address'] input", address)
    page.fill("[data-path='borgerservice.email'] input", "borgerservice@aarhus.dk")
    page.click("#save")
    message = page.locator("#message").inner_text()
    assert "Ikke gemt" in message and "8 cifre" in message and "7 cifre" in message
    assert page.input_value("[data-path='borgerservice.phone'] input") == "8940 222"
    assert page.input_value("[data-path='borgerservice.address'] input") == address, "kept"
    assert page.input_value("[data-path='borgerservice.email'] input") == "borgerservice@aarhus.dk", "kept"
    assert page.get_attribute("[data-path='borgerservice.phone'] input", "aria-invalid") == "true"
    assert "8 cifre" in page.locator("[data-path='borgerservice.phone'] .error").inner_text()
    shot(page, "short-phone-refused-rest-kept")

    # the phone as it was: only the two fields that changed are saved and confirmed
    page.fill("[data-path='borgerservice.phone'] input", "89 40 22 22")
    page.click("#save")
    assert "Gemt: 2 felter" in page.locator("#message").inner_text()
    assert "bekræftet af admin-aarhus" in page.locator("[data-path='borgerservice.address']").inner_text()
    assert "bekræftet af" not in page.locator("[data-path='borgerservice.phone']").inner_text()
    assert "ikke bekræftet" in page.locator("[data-path='borgerservice.phone']").inner_text()
    shot(page, "only-changed-fields-confirmed")
    # the phone is still right: confirmed on its own, with no change in the log
    page.check("[data-path='borgerservice.phone'] input[name^='confirm:']")
    page.click("#save")
    assert "Bekræftet: 1 felt" in page.locator("#message").inner_text()
    assert "bekræftet af admin-aarhus" in page.locator("[data-path='borgerservice.phone']").inner_text()
    shot(page, "one-field-confirmed")

    # the change log in Danish, the rollback at hand
    page.goto(f"{admin_web}/admin/kommuner/aarhus/?afsnit=aendringer")
    log = page.locator("table.changes").inner_text()
    for words in ("Adresse", "E-mail til Borgerservice", "Åbningstid onsdag", "10:00-12:00, 13:00-15:00",
                  f"Særlig dag {date_da(special)}", "lukket (personaledag)", "Ændret af admin-aarhus"):
        assert words in log, words
    for raw in ("borgerservice.", "['", "None", "closed", "True"):
        assert raw not in log, raw
    assert page.locator("table.changes tbody tr").count() == 10, "8 + 2 changes; the confirmation is no change"
    fits(page, 1366)
    address_row = page.locator("table.changes tbody tr", has_text="Adresse").first
    in_view_horizontally(page, address_row.locator("a.rollback"), 1366)
    shot(page, "change-log-desktop")
    address_row.locator("a.rollback").click()
    confirm = page.locator("form.confirm")
    assert 'Sæt "Adresse" tilbage til "Dokk1, Hack Kampmanns Plads 2, 8000 Aarhus C"?' in confirm.inner_text()
    in_view_horizontally(page, confirm.locator("button"), 1366)
    shot(page, "rollback-asks-first")
    confirm.locator("button").click()
    assert "rullet tilbage" in page.locator("#message").inner_text()
    newest = page.locator("table.changes tbody tr").first.inner_text()
    assert "Adresse" in newest and "Rullet tilbage af admin-aarhus" in newest
    page.goto(f"{admin_web}/admin/kommuner/aarhus/?afsnit=kontakt")
    assert page.input_value("[data-path='borgerservice.address'] input") == "Dokk1, Hack Kampmanns Plads 2, 8000 Aarhus C"
    page.context.close()

    # on a phone: the week, and the change log with its rollback, without sideways scrolling
    phone = admin_page(browser, admin_web, 390)
    phone.goto(f"{admin_web}/admin/kommuner/aarhus/?afsnit=tider")
    fits(phone, 390)
    shot(phone, "phone-week")
    phone.goto(f"{admin_web}/admin/kommuner/aarhus/?afsnit=aendringer")
    fits(phone, 390)
    email_row = phone.locator("table.changes tbody tr", has_text="E-mail til Borgerservice").first
    in_view_horizontally(phone, email_row.locator("a.rollback"), 390)
    shot(phone, "phone-change-log")
    email_row.locator("a.rollback").click()
    phone.locator("form.confirm button").click()
    assert "rullet tilbage" in phone.locator("#message").inner_text()
    fits(phone, 390)
    shot(phone, "phone-rolled-back")
    phone.context.close()

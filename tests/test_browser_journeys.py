"""The citizen's and the Borgerservice employee's way through a hand-off, in
two real browsers at once (Debian's chromium, headless): the citizen on a
phone (390 px) on one web-service instance, the member of staff at a desktop
on the other, against the production profile (PostgreSQL, Redis, RabbitMQ),
in both hand-off modes:

- live: the citizen asks, asks for a person and waits; staff see the case in
  the inbox (question, area, waiting time), take it, answer; the citizen
  reloads in the middle, answers, a reply and a message cross; an internal
  note stays internal; staff close (confirmed); the citizen is told and the
  bot answers again.
- callback: the citizen leaves a phone number ("Tak, vi ringer dig op" stays
  in the conversation); staff take the case, see the number, write in the
  chat; the citizen's answer goes to staff, not to the bot; staff close; the
  callback form is gone.
- acute help: every number a link to call, a person one button away.
- the inbox as a tool: a new case arrives with a sound, the tab title and a
  notification; search and filters; saved replies; assign to a colleague;
  forward; closing an unclaimed case; keyboard shortcuts; 390 px.

Each step asserts what the person sees and saves a screenshot to
test-artifacts/journeys/ (docs/journeys.md shows a selection). How long each
side waited for the other's message is written to
test-artifacts/journeys/latency.json (measured, not asserted: a slow machine
must not fail a journey; the waits are generous).
"""
from __future__ import annotations

import json
import re
import threading
import time

from typing import Any, Dict, Iterator, List

import pytest
import sqlalchemy as sa

from borgerguide.kommuner import registry
from bot.stores.accounts import Accounts
from conftest import ROOT, TOKEN, Citizen, fresh_kommune, running, wait_until

PASSWORD = "journey-staff-password"
SHOTS = ROOT / "test-artifacts" / "journeys"
LATENCY: Dict[str, List[float]] = {}
WAIT_MS = 30000  # a generous wait: the 2 s goal is measured (latency.json), not asserted
TECHNICAL = re.compile(r"esc_[0-9A-Z]|health_card|report_move|requested_by_citizen|repeated_fallback|\[handoff|"
                       r"\[fallback|\[solution|\bsolved\b|\bclaimed\b|\bresolved\b|callback_done|\bstaff\b")
NOTIFICATIONS = """
window.__notifications = [];
window.Notification = function (title, options) { window.__notifications.push(title + ": " + (options || {}).body); };
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
window.__tones = 0;
if (window.AudioContext) {
  const original = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { window.__tones += 1; return original.call(this); };
}
"""


# --- the stacks ------------------------------------------------------------------

@pytest.fixture(scope="module")
def callback_web(model_path, tmp_path_factory) -> Iterator[Any]:
    """The production profile with two web instances, hand-offs as callbacks
    (outside opening hours), for the callback journey."""
    from prod_stack import ProductionStack, ServerMissing, require_servers

    try:
        require_servers()
    except ServerMissing as missing:
        pytest.fail(str(missing))
    prod = ProductionStack(tmp_path_factory.mktemp("production-callback"), TOKEN, rasa_instances=1, web_instances=2)
    prod.env.update(BORGERGUIDE_SECRET="production-callback-secret-" + "c" * 32, BORGERGUIDE_SYNC_SECONDS="0.2",
                    BORGERGUIDE_HANDOFF_MODE="callback")
    with running(prod, model_path):
        yield prod


def staff_kommune(prod) -> str:
    """A kommune of its own for a journey (its inbox holds only the journey's
    cases), with two members of staff: anna and bo."""
    from prod_stack import PG

    kommune = fresh_kommune()
    engine = sa.create_engine(f"{PG}/{prod.web_db}")
    accounts = Accounts(engine)
    for name in ("anna", "bo"):
        accounts.add_user(f"{name}-{kommune}", PASSWORD, "staff", kommune)
    engine.dispose()
    return kommune


@pytest.fixture(scope="module", autouse=True)
def artifacts() -> Iterator[None]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield
    summary = {k: {"n": len(v), "max_s": round(max(v), 2), "mean_s": round(sum(v) / len(v), 2)}
               for k, v in LATENCY.items() if v}
    (SHOTS / "latency.json").write_text(json.dumps(summary, indent=2))


# --- the people --------------------------------------------------------------------

class Journey:
    """Screenshots of one journey's steps, numbered in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.step = 0

    def shot(self, page, what: str) -> None:
        self.step += 1
        page.screenshot(path=str(SHOTS / f"{self.name}-{self.step:02d}-{what}.png"))


def measure(what: str, started: float) -> None:
    LATENCY.setdefault(what, []).append(time.monotonic() - started)


def citizen_page(browser, web_url: str, kommune: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{web_url}/demo?kommune={kommune}")
    page.click("text=Chat med Borgerguiden")
    return page


def staff_page(browser, web_url: str, username: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # axe is injected
    context.add_init_script(NOTIFICATIONS)
    page = context.new_page()
    page.goto(f"{web_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{web_url}/staff/")
    return page


def idle(page) -> None:
    """The widget has its answer (Send is not busy and nothing waits in line)."""
    page.wait_for_function("""() => {
        const root = document.querySelector('#borgerguide-widget').shadowRoot;
        return root.querySelector('button.send').getAttribute('aria-busy') !== 'true'
            && !root.querySelector('.msg.user .note');
    }""", timeout=WAIT_MS)


def say(page, text: str) -> None:
    page.fill("#bg-input", text)
    page.press("#bg-input", "Enter")
    idle(page)


def conversation(page) -> str:
    return page.locator(".log .entries").inner_text()


def visible_in_widget(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('#borgerguide-widget').shadowRoot.querySelector('.entries').innerText.includes(t)",
        arg=text, timeout=WAIT_MS)


def visible_on_case(page, text: str) -> None:
    page.wait_for_function("t => document.getElementById('transcript').innerText.includes(t)", arg=text,
                           timeout=WAIT_MS)


def status_line(page) -> str:
    return page.locator(".status").inner_text()


def open_only_case(page) -> str:
    """Opens the case in the inbox (the journey's kommune has one) and returns its number."""
    page.locator("#cases .case-link").first.wait_for(timeout=WAIT_MS)
    page.locator("#cases .case-link").first.click()
    page.wait_for_url(re.compile(r".*/staff/escalations/esc_.*"))
    return page.locator(".meta strong").first.inner_text()


AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"


def accessible(page) -> None:
    """axe-core finds no serious or critical WCAG 2.1 AA violation."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
    }""")
    assert found == [], found


def no_technical_strings(page) -> None:
    shown = page.locator("main").inner_text()
    assert not TECHNICAL.search(shown), TECHNICAL.search(shown)


def staff_reply(page, text: str) -> float:
    page.fill("#reply", text)
    started = time.monotonic()
    page.click("#reply-form button[type=submit]")
    return started


def close_case(page, outcome_name: str, journey: Journey) -> None:
    page.select_option("#outcome", label=outcome_name)
    page.click("#close")
    page.locator(".confirm").wait_for(timeout=WAIT_MS)
    assert "Vil du afslutte henvendelsen" in page.locator(".confirm").inner_text()
    journey.shot(page, "staff-close-confirm")
    page.click("#confirm-close")
    page.wait_for_url(re.compile(r".*/staff/\?lukket=.*"))
    assert "er afsluttet, og borgeren har fået besked" in page.locator("#new").inner_text()


# --- the journeys ----------------------------------------------------------------

def test_live_handoff_citizen_on_a_phone_staff_at_a_desktop(production_web, browser):
    journey = Journey("live")
    kommune = staff_kommune(production_web)
    citizen_url, staff_url = production_web.web_urls  # two instances: each person on their own
    staff = staff_page(browser, staff_url, f"anna-{kommune}")
    assert "Ingen henvendelser" in staff.locator("#cases").inner_text()

    citizen = citizen_page(browser, citizen_url, kommune)
    say(citizen, "jeg har mistet mit gule sundhedskort")
    assert "Bestil nyt sundhedskort" in conversation(citizen)
    journey.shot(citizen, "citizen-asks")
    say(citizen, "jeg vil tale med en medarbejder")
    assert "Du venter på en medarbejder" in status_line(citizen)
    journey.shot(citizen, "citizen-waits")

    # the case arrives in the open inbox: list, title, the question and its area in Danish
    staff.locator("#cases .case").first.wait_for(timeout=WAIT_MS)
    case_card = staff.locator("#cases .case").first
    wait_until(lambda: "Venter" in case_card.inner_text(), "the waiting time is shown", 30)
    assert "Gult sundhedskort" in case_card.inner_text()
    assert "jeg har mistet mit gule sundhedskort" in case_card.inner_text()
    wait_until(lambda: staff.title().startswith("(1) Indbakke"), "the tab title counts the waiting case", 30)
    assert any("Gult sundhedskort" in n for n in staff.evaluate("window.__notifications"))
    no_technical_strings(staff)
    journey.shot(staff, "staff-inbox-new-case")

    number = open_only_case(staff)
    assert re.fullmatch(r"[0-9A-Z]{3}-[0-9A-Z]{3}", number)
    assert registry()[kommune].name in staff.locator("main").inner_text()
    staff.click("#claim")
    staff.locator("#reply").wait_for(timeout=WAIT_MS)
    assert "jeg har mistet mit gule sundhedskort" in staff.locator("#transcript").inner_text()
    no_technical_strings(staff)
    journey.shot(staff, "staff-claims")
    wait_until(lambda: "har taget din henvendelse" in status_line(citizen), "the citizen sees it was taken", 30)

    started = staff_reply(staff, f"Hej, jeg hedder Anna-{kommune}. Har du bestilt et nyt kort?")
    visible_in_widget(citizen, "Medarbejder: Hej, jeg hedder")
    measure("staff_to_citizen", started)
    journey.shot(citizen, "citizen-gets-reply")
    # the member of staff's own name is not redacted in their own line
    visible_on_case(staff, f"Hej, jeg hedder Anna-{kommune}")

    # a reply sent while the citizen reloads the page arrives after the reload, once
    staff_reply(staff, "Jeg kigger lige på din sag.")
    citizen.reload()
    visible_in_widget(citizen, "Medarbejder: Jeg kigger lige på din sag.")
    assert citizen.locator(".panel").is_visible()
    journey.shot(citizen, "citizen-after-reload")

    citizen.fill("#bg-input", "nej, det har jeg ikke")
    started = time.monotonic()
    citizen.press("#bg-input", "Enter")
    visible_on_case(staff, "nej, det har jeg ikke")
    measure("citizen_to_staff", started)
    assert "Ny besked fra borgeren" in staff.locator("#live").inner_text()
    journey.shot(staff, "staff-sees-answer")

    # a staff reply and a citizen's message that cross: each arrives once, on both sides
    citizen.fill("#bg-input", "skal jeg bestille det på borger.dk?")
    staff.fill("#reply", "Du kan bestille det på borger.dk.")
    citizen.press("#bg-input", "Enter")
    staff.click("#reply-form button[type=submit]")
    visible_in_widget(citizen, "Medarbejder: Du kan bestille det på borger.dk.")
    visible_on_case(staff, "skal jeg bestille det på borger.dk?")
    idle(citizen)
    shown = conversation(citizen)
    for line in ("Medarbejder: Hej, jeg hedder", "Medarbejder: Jeg kigger lige på din sag.",
                 "Medarbejder: Du kan bestille det på borger.dk.", "skal jeg bestille det på borger.dk?"):
        assert shown.count(line) == 1, (line, shown)
    assert "Undskyld" not in shown, "the bot never answers while staff have the conversation"
    on_case = staff.locator("#transcript").inner_text()
    assert on_case.count("skal jeg bestille det på borger.dk?") == 1
    assert on_case.count("Du kan bestille det på borger.dk.") == 1

    # an internal note is for staff only
    staff.fill("#note", "Borgeren har ikke bestilt kortet endnu")
    staff.click("#save-note")
    staff.locator("#notes").wait_for(timeout=WAIT_MS)
    assert "Borgeren har ikke bestilt kortet endnu" in staff.locator("#notes").inner_text()
    journey.shot(staff, "staff-note")

    close_case(staff, "Løst", journey)
    journey.shot(staff, "staff-inbox-after-close")
    visible_in_widget(citizen, "Medarbejderen har afsluttet samtalen")
    wait_until(lambda: status_line(citizen) == "", "the waiting state is gone", 30)
    assert "Borgeren har ikke bestilt kortet endnu" not in conversation(citizen)
    journey.shot(citizen, "citizen-told-closed")

    say(citizen, "mit pas er udløbet")
    assert "Bestil pas" in conversation(citizen), "the bot answers again"
    with citizen.expect_download() as download:
        citizen.click("button.link:has-text('Gem samtalen')")
    saved = open(download.value.path(), encoding="utf-8").read()
    assert "Medarbejder: Du kan bestille det på borger.dk." in saved
    assert "Medarbejderen har afsluttet samtalen" in saved
    journey.shot(citizen, "citizen-bot-again")

    # the closed case, as the history tells it
    staff.goto(f"{staff_url}/staff/?vis=afsluttet")
    staff.locator("#cases .case-link").first.click()
    history = staff.locator(".history").inner_text()
    assert "Taget af dig" in history and "Afsluttet af dig: Løst" in history
    no_technical_strings(staff)
    staff.context.close()
    citizen.context.close()


def test_callback_handoff_the_citizens_answer_goes_to_staff(callback_web, browser):
    journey = Journey("callback")
    kommune = staff_kommune(callback_web)
    staff_url, citizen_url = callback_web.web_urls
    staff = staff_page(browser, staff_url, f"anna-{kommune}")
    citizen = citizen_page(browser, citizen_url, kommune)
    say(citizen, "jeg skal flytte til Odense")
    say(citizen, "jeg vil tale med en medarbejder")
    assert "Vi kan ringe dig op" in status_line(citizen)
    citizen.locator(".callback").wait_for(timeout=WAIT_MS)
    assert citizen.locator("#bg-phone").is_visible()
    journey.shot(citizen, "citizen-callback-form")

    citizen.fill("#bg-phone", "12345678")
    citizen.fill("#bg-name", "Jens")
    citizen.fill("#bg-when", "I morgen formiddag")
    citizen.click("text=Ring mig op")
    # consent first, in Danish (waited for: the answer may come from the service)
    citizen.locator(".callback .problem", has_text="Sæt kryds").wait_for(timeout=WAIT_MS)
    citizen.check("#bg-consent")
    citizen.click("text=Ring mig op")
    visible_in_widget(citizen, "Tak, vi ringer dig op. Tidspunkt: i morgen formiddag.")
    assert citizen.locator(".callback").count() == 0
    assert "Vi ringer dig op (i morgen formiddag)" in status_line(citizen)
    journey.shot(citizen, "citizen-callback-confirmed")

    case_card = staff.locator("#cases .case").first
    case_card.wait_for(timeout=WAIT_MS)
    wait_until(lambda: "Har lagt telefonnummer" in case_card.inner_text(), "the inbox shows a number was left", 30)
    assert "Ring op" in case_card.inner_text() and "Flytning" in case_card.inner_text()
    assert "12345678" not in staff.locator("main").inner_text(), "the number only for whoever takes the case"
    journey.shot(staff, "staff-inbox-callback")
    open_only_case(staff)
    staff.click("#claim")
    staff.locator(".phone a").wait_for(timeout=WAIT_MS)
    assert staff.locator(".phone a").get_attribute("href") == "tel:12345678"
    assert "Tak, vi ringer dig op" in staff.locator("#transcript").inner_text()
    journey.shot(staff, "staff-sees-number")

    # staff write in the chat instead of calling: the citizen answers them, not the bot
    started = staff_reply(staff, "Hej, det er Borgerservice. Jeg kan ikke få fat i dig. Hvornår flytter du?")
    visible_in_widget(citizen, "Medarbejder: Hej, det er Borgerservice.")
    measure("staff_to_citizen", started)
    wait_until(lambda: "Du skriver med en medarbejder" in status_line(citizen), "the citizen knows who reads", 30)
    journey.shot(citizen, "citizen-gets-reply")
    citizen.reload()  # in the middle of it
    citizen.fill("#bg-input", "den 1. marts")
    started = time.monotonic()
    citizen.press("#bg-input", "Enter")
    visible_on_case(staff, "den 1. marts")
    measure("citizen_to_staff", started)
    idle(citizen)
    time.sleep(1.5)  # were the bot to answer, it would have by now
    assert "Undskyld" not in conversation(citizen) and "forstod jeg ikke" not in conversation(citizen)
    journey.shot(staff, "staff-sees-answer")

    close_case(staff, "Ringet op", journey)
    visible_in_widget(citizen, "Medarbejderen har afsluttet samtalen")
    wait_until(lambda: status_line(citizen) == "", "the waiting state is gone", 30)
    assert citizen.locator(".callback").count() == 0
    assert "Tak, vi ringer dig op" in conversation(citizen), "the confirmation stays in the conversation"
    journey.shot(citizen, "citizen-told-closed")
    say(citizen, "mit pas er udløbet")
    assert "Bestil pas" in conversation(citizen), "the bot answers again"
    with citizen.expect_download() as download:
        citizen.click("button.link:has-text('Gem samtalen')")
    assert "Tak, vi ringer dig op" in open(download.value.path(), encoding="utf-8").read()
    staff.context.close()
    citizen.context.close()


def test_acute_help_numbers_to_tap_and_a_person_at_once(production_web, browser):
    """The real bot's acute answer: one short message, every number a link to
    call, and "Tal med en medarbejder nu", which hands over at once."""
    journey = Journey("acute")
    kommune = staff_kommune(production_web)
    citizen_url, staff_url = production_web.web_urls
    citizen = citizen_page(browser, citizen_url, kommune)
    say(citizen, "jeg har ingen steder at sove i nat")
    box = citizen.locator(".acute")
    box.wait_for(timeout=WAIT_MS)
    numbers = [a.get_attribute("href") for a in box.locator("a.call").all()]
    assert "tel:112" in numbers and len(numbers) >= 3, numbers
    assert numbers.count("tel:112") == 1
    assert citizen.locator("button:has-text('Tal med en medarbejder nu')").count() == 1
    assert citizen.locator(".log").inner_text().count("Er du i fare, så ring 112") == 1, "said once"
    assert "Gå til selvbetjeningen" not in conversation(citizen) and "trin for trin" not in conversation(citizen)
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 390
    journey.shot(citizen, "citizen-acute-help")
    citizen.click("button:has-text('Tal med en medarbejder nu')")
    idle(citizen)
    wait_until(lambda: "medarbejder" in status_line(citizen), "the hand-off is under way", 30)
    journey.shot(citizen, "citizen-acute-handoff")
    staff = staff_page(browser, staff_url, f"anna-{kommune}")
    case_card = staff.locator("#cases .case").first
    case_card.wait_for(timeout=WAIT_MS)
    assert "Borgeren har brug for akut hjælp" in case_card.inner_text()
    assert "Akut hjælp" in case_card.inner_text() and "ingen steder at sove" in case_card.inner_text()
    journey.shot(staff, "staff-acute-case")
    staff.context.close()
    citizen.context.close()


def test_the_inbox_as_a_days_tool(production_web, browser):
    """Search, filters, saved replies, assign, forward, closing an unclaimed
    case, keyboard shortcuts and the phone layout."""
    journey = Journey("inbox")
    kommune = staff_kommune(production_web)
    first, second = production_web.web_urls
    asked = ["jeg har mistet mit gule sundhedskort", "hvordan skifter jeg min læge", "mit pas er udløbet"]
    senders = []
    for text in asked:  # three citizens, oldest first
        talker = Citizen(kommune)
        talker.say_to(first, text)
        talker.say_to(first, "jeg vil tale med en medarbejder")
        senders.append(talker.sender)
    anna = staff_page(browser, second, f"anna-{kommune}")
    cases = anna.locator("#cases .case")
    wait_until(lambda: cases.count() == 3, "three cases waiting", 30)
    assert [q in cases.nth(i).inner_text() for i, q in enumerate(asked)] == [True] * 3, "longest waiting first"
    no_technical_strings(anna)
    accessible(anna)
    journey.shot(anna, "inbox-three-waiting")

    # keyboard: "/" searches, "o" opens the longest waiting
    anna.keyboard.press("/")
    assert anna.evaluate("document.activeElement.id") == "search"
    anna.keyboard.type("pas")
    anna.keyboard.press("Enter")
    anna.wait_for_url(re.compile(r".*q=pas.*"))
    assert cases.count() == 1 and "mit pas er udløbet" in cases.first.inner_text()
    anna.select_option("select[name=omraade]", label="Pas")
    anna.click("#filters button[type=submit]")
    assert cases.count() == 1
    journey.shot(anna, "inbox-search")
    anna.goto(f"{second}/staff/")
    anna.locator("body").click()
    anna.keyboard.press("o")
    anna.wait_for_url(re.compile(r".*/staff/escalations/esc_.*"))
    assert "jeg har mistet mit gule sundhedskort" in anna.locator("#transcript").inner_text()
    anna.keyboard.press("t")  # take it
    anna.locator("#reply").wait_for(timeout=WAIT_MS)
    case_url = anna.url

    # a saved reply of the kommune, written once, used in the answer
    anna.goto(f"{second}/staff/svar")
    anna.fill("#title", "Sundhedskort bestilles på borger.dk")
    anna.fill("#text", "Du bestiller et nyt sundhedskort på borger.dk. Det kommer med posten.")
    anna.click("text=Gem svaret")
    assert "Sundhedskort bestilles på borger.dk" in anna.locator(".replies").inner_text()
    journey.shot(anna, "saved-replies")
    anna.goto(case_url)
    anna.select_option("#saved", label="Sundhedskort bestilles på borger.dk")
    assert anna.input_value("#reply") == "Du bestiller et nyt sundhedskort på borger.dk. Det kommer med posten."
    anna.click("#reply-form button[type=submit]")
    visible_on_case(anna, "Du bestiller et nyt sundhedskort på borger.dk.")
    accessible(anna)
    journey.shot(anna, "case-saved-reply")

    # give it to a colleague; forward another one to a queue
    anna.click("text=Send videre eller giv til en kollega")
    anna.select_option("#assign", f"bo-{kommune}")
    anna.click("#give")
    assert f"bo-{kommune} har den" in anna.locator("#status").inner_text()
    bo = staff_page(browser, first, f"bo-{kommune}", width=390)
    bo.goto(f"{first}/staff/?vis=mine")
    assert "Gult sundhedskort" in bo.locator("#cases").inner_text()
    assert bo.evaluate("document.documentElement.scrollWidth") <= 390, "nothing off-screen on a phone"
    accessible(bo)
    journey.shot(bo, "phone-mine")
    bo.locator("#cases .case-link").first.click()
    assert "Givet til dig af anna" in bo.locator(".history").inner_text()
    assert bo.evaluate("document.documentElement.scrollWidth") <= 390
    journey.shot(bo, "phone-case")

    anna.goto(f"{second}/staff/?q=læge")
    anna.locator("#cases .case-link").first.click()
    anna.click("text=Send videre eller giv til en kollega")
    anna.select_option("#queue", label="Sundhed")
    anna.click("#forward")
    assert "Sendt videre til køen Sundhed af dig" in anna.locator(".history").inner_text()

    # closing a case nobody has taken: the confirmation says you take it
    anna.goto(f"{second}/staff/?q=pas")
    anna.locator("#cases .case-link").first.click()
    anna.click("#close")
    assert "du tager den, når du afslutter" in anna.locator(".confirm").inner_text()
    journey.shot(anna, "close-unclaimed-confirm")
    anna.click("#confirm-close")
    anna.goto(f"{second}/staff/?vis=afsluttet")
    assert "Pas" in anna.locator("#cases").inner_text()
    assert "Afsluttet" in anna.locator("#cases").inner_text()
    no_technical_strings(anna)
    journey.shot(anna, "inbox-closed")
    anna.context.close()
    bo.context.close()


def test_a_new_case_sounds_and_counts_in_the_tab_title(production_web, browser):
    kommune = staff_kommune(production_web)
    staff_url = production_web.web_urls[1]
    staff = staff_page(browser, staff_url, f"anna-{kommune}")
    staff.locator("body").click()  # a browser plays sound after the first click on the page
    assert staff.title() == "Indbakke – Borgerguide"
    Citizen(kommune).say_to(production_web.web_urls[0], "jeg vil tale med en medarbejder")
    staff.wait_for_function("() => document.title.startsWith('(1) Indbakke')", timeout=WAIT_MS)
    assert staff.evaluate("window.__tones") >= 1, "a sound"
    assert "Ny henvendelse" in staff.locator("#new").inner_text()
    staff.locator("#cases .case").first.wait_for(timeout=WAIT_MS)
    staff.context.close()


# --- the conversation's messages, without a browser -------------------------------

def test_messages_from_both_sides_at_once_arrive_once_and_in_order(production_web):
    """A citizen writing and a member of staff replying at the same moment,
    through both instances: the citizen's cursor reads every staff reply
    exactly once, in the order they were sent."""
    import http.cookiejar
    import urllib.request

    kommune = staff_kommune(production_web)
    first, second = production_web.web_urls
    talker = Citizen(kommune)
    body = talker.say_to(first, "jeg vil tale med en medarbejder", cursor=0)
    sender, token, cursor = talker.sender, talker.token, body["cursor"]
    escalation_id = body["handoff"]["escalation_id"]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def staff_post(path: str, data: Dict[str, Any]) -> Any:
        request = urllib.request.Request(f"{second}{path}", data=json.dumps(data).encode(), headers={
            "Content-Type": "application/json", **({"X-CSRF-Token": csrf} if path != "/api/login" else {})})
        with opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    csrf = ""
    csrf = staff_post("/api/login", {"username": f"anna-{kommune}", "password": PASSWORD})["csrf"]
    staff_post(f"/api/staff/escalations/{escalation_id}/claim", {})
    replies = [f"svar nummer {i}" for i in range(6)]
    seen: List[Dict[str, Any]] = []

    def citizen() -> None:
        nonlocal cursor
        for i in range(6):
            answer = talker.say_to(first if i % 2 else second, f"besked nummer {i}", cursor=cursor)
            seen.extend(m for m in answer["feed"] if m["id"] >= cursor)
            cursor = max(cursor, answer["cursor"])

    thread = threading.Thread(target=citizen)
    thread.start()
    for text in replies:
        staff_post(f"/api/staff/escalations/{escalation_id}/reply", {"text": text})
    thread.join()
    polled = json.loads(urllib.request.urlopen(
        f"{first}/api/chat/messages?sender={sender}&token={token}&cursor={cursor}", timeout=30).read())
    seen.extend(polled["messages"])
    ids = [m["id"] for m in seen]
    assert ids == sorted(set(ids)), "each message once, in order"
    assert [m["text"] for m in seen if m.get("staff")] == replies
    detail = json.loads(opener.open(f"{second}/api/staff/escalations/{escalation_id}", timeout=30).read())
    said = [line["text"] for line in detail["transcript"] if line["kind"] == "citizen"]
    assert [t for t in said if t.startswith("besked nummer")] == [f"besked nummer {i}" for i in range(6)]

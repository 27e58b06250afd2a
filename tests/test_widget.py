"""The embeddable widget in a real browser (Debian's chromium via Playwright)
on the demo page served by the web service."""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, widget_ask

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def page(web, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{web.web_url}/demo")
    yield page
    context.close()


def ask(page, text):
    widget_ask(page, text, timeout_ms=20000)


def test_message_card_quick_reply_and_reload(page):
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg har mistet mit gule sundhedskort")
    card = page.locator(".card").last
    assert "Bestil nyt sundhedskort" in card.inner_text()
    link = card.locator("a.go")
    assert link.inner_text() == "Gå til selvbetjeningen" and link.get_attribute("href").startswith("https://")
    ask(page, "jeg skal flytte")
    page.click("button.quick:has-text('Til udlandet')")
    page.wait_for_function(
        "() => [...document.querySelector('#borgerguide-widget').shadowRoot.querySelectorAll('.card-title')]"
        ".some(e => e.textContent === 'Flytning til udlandet')", timeout=20000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))
    page.reload()
    assert "Flytning til udlandet" in page.locator(".log").inner_text(), "the conversation survives a reload"
    assert page.locator(".panel").is_visible()
    ask(page, "hvad koster det")
    assert "gratis" in page.locator(".msg.bot").last.inner_text()


def test_a_referral_card_names_the_authority_its_page_and_phone(page):
    """Another authority handles it: the widget shows who, its page and its phone."""
    from borgerguide.topics import authorities, load_topics

    topic = load_topics()["straffeattest"]
    assert topic.url_verified and topic.phone_verified
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg mangler en straffeattest til mit nye arbejde")
    card = page.locator(".card.referral").last
    card.wait_for(timeout=20000)
    assert topic.title in card.inner_text()
    assert f"Det klarer {authorities()[topic.authority]['name']}." in card.inner_text()
    assert card.locator("a.go").get_attribute("href") == topic.url
    assert card.locator("a.phone").get_attribute("href") == f"tel:{topic.phone}"
    assert page.locator(".card:not(.referral)").count() == 0, "no solution card beside it"


def test_citizen_html_is_shown_as_text(page):
    page.click("text=Chat med Borgerguiden")
    ask(page, '<img src=x onerror="document.title=\'pwned\'">')
    assert page.locator(".log img").count() == 0
    assert "<img src=x" in page.locator(".msg.user").last.inner_text()
    assert page.title() != "pwned"


def test_handoff_shows_the_waiting_state(page):
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg vil tale med en medarbejder")
    status = page.locator(".status")
    status.wait_for(state="visible", timeout=10000)
    assert "medarbejder" in status.inner_text() or "ringe dig op" in status.inner_text()


def test_keyboard_only(page):
    page.keyboard.press("Tab")  # the host page's links first
    for _ in range(6):
        if page.evaluate("document.activeElement && document.activeElement.id") == "borgerguide-widget":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.querySelector('#borgerguide-widget').shadowRoot.activeElement.id") == "bg-input"
    page.keyboard.type("mit pas er udløbet")
    page.keyboard.press("Enter")
    page.locator(".card").last.wait_for(timeout=20000)
    assert "Bestil pas" in page.locator(".card").last.inner_text()
    page.keyboard.press("Escape")
    assert not page.locator(".panel").is_visible()
    assert page.evaluate("document.querySelector('#borgerguide-widget').shadowRoot.activeElement.className") == "launcher"


def test_host_page_styles_do_not_leak_in(page):
    page.click("text=Chat med Borgerguiden")
    color = page.locator("button.send").evaluate("b => getComputedStyle(b).backgroundColor")
    assert color == "rgb(0, 69, 124)"


def test_phone_width_320(web, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{web.web_url}/demo")
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg har fået ny telefon og mitid virker ikke")
    box = page.locator(".panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(ARTIFACTS / "widget-phone-320.png"))
    context.close()


def test_rating_is_stored_redacted(page):
    import os

    import sqlalchemy as sa

    from borgerguide.db import engine_for

    page.click("text=Chat med Borgerguiden")
    ask(page, "mit pas er udløbet")
    page.click("button.link:has-text('Bedøm samtalen')")
    page.check("input[name=score][value='4']")
    page.fill("#bg-comment", "fin hjælp, mit nummer er 12345678")
    page.click("button.send:has-text('Send vurdering')")
    page.wait_for_function("() => document.querySelector('#borgerguide-widget').shadowRoot"
                           ".querySelector('.status').textContent === 'Tak for din vurdering.'", timeout=10000)
    with engine_for(os.environ["BORGERGUIDE_DB"]).connect() as connection:
        row = connection.execute(sa.text("SELECT score, comment, kommune, area FROM ratings ORDER BY id DESC")).first()
    assert tuple(row) == (4, "fin hjælp, mit nummer er [TELEFON]", "aarhus", "pas")


def test_transcript_download(page):
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg har mistet mit pas")
    with page.expect_download() as download:
        page.click("button.link:has-text('Gem samtalen')")
    text = open(download.value.path(), encoding="utf-8").read()
    assert "Du: jeg har mistet mit pas" in text and "Bestil pas" in text


def test_an_active_notice_shows_as_a_banner(web, browser):
    from datetime import datetime, timedelta, timezone

    from borgerguide import notices

    now = datetime.now(timezone.utc)
    notices.publish("Borgerservice i Aarhus er lukket i dag", ["*"], now - timedelta(minutes=1),
                    now + timedelta(minutes=20), kommune="aarhus", created_by="test")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{web.web_url}/demo")
    page.click("text=Chat med Borgerguiden")
    banner = page.locator(".banner")
    banner.wait_for(state="visible", timeout=10000)
    assert banner.inner_text() == "Borgerservice i Aarhus er lukket i dag"
    context.close()


AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_serious_or_critical_violations(web, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{web.web_url}/demo")
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg skal flytte")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}));
    }""")
    context.close()
    (ARTIFACTS / f"axe-{width}.json").write_text(__import__("json").dumps(result, indent=2))
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


# --- the widget's own behaviour, with the service's answers stubbed in the browser ---------
# (the real bot's answers are in the tests above and in test_browser_journeys.py)

def stub_chat(page, answers):
    """Answers /api/chat from `answers` (message text -> JSON answer, or a list
    that collects the route to answer later); returns what the widget sent."""
    sent = []

    def handle(route):
        body = json.loads(route.request.post_data)
        sent.append(body)
        answer = answers.get(body.get("message") or body.get("payload"))
        if isinstance(answer, list):
            answer.append(route)
        elif answer is None:
            route.continue_()
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))
    page.route("**/api/chat", handle)
    return sent


def answer(*messages, handoff=None, first_id=1):
    """An answer as the service gives it: the messages with their ids in the conversation."""
    feed = [dict(m, id=i) for i, m in enumerate(messages, start=first_id)]
    return {"messages": list(messages), "sender": "w-stubbed-0001", "token": "t" * 43, "handoff": handoff,
            "feed": feed, "cursor": first_id + len(messages)}


ACUTE = {"type": "acute", "lines": [{"name": "Livslinien", "phone": "70 201 201", "when": "hele døgnet"},
                                    {"name": "<img src=x onerror=alert(1)>", "phone": "javascript:alert(1)"}],
         "local": {"name": "Ring til din kommune, og bed om en socialrådgiver", "phone": None}, "unknown": {"x": 1}}


def shadow(page, script):
    return page.evaluate("() => { const root = document.querySelector('#borgerguide-widget').shadowRoot; " + script + " }")


@pytest.mark.parametrize("width", [390, 320])
def test_acute_help_numbers_are_tap_to_call_and_a_person_is_always_a_button_away(web, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 700})
    page = context.new_page()
    sent = stub_chat(page, {
        "jeg har ingen steder at sove i nat": answer(  # as the bot sends it: the button on the text
            {"text": "Du kan få hjælp nu. Er du i fare, så ring 112.",
             "buttons": [{"title": "Tal med en medarbejder nu", "payload": "/request_human"}]},
            {"custom": ACUTE}),
        "hvad så nu": answer({"text": "Skriv gerne mere."}, first_id=10)})
    page.goto(f"{web.web_url}/demo")
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg har ingen steder at sove i nat")
    box = page.locator(".acute")
    assert [a.get_attribute("href") for a in box.locator("a").all()] == ["tel:112", "tel:70201201"]
    assert "Livslinien: 70 201 201" in box.inner_text() and "hele døgnet" in box.inner_text()
    assert "<img src=x onerror=alert(1)>" in box.inner_text() and page.locator(".log img").count() == 0
    assert "Ring til din kommune, og bed om en socialrådgiver" in box.inner_text()
    assert page.locator("button:has-text('Tal med en medarbejder nu')").count() == 1, "one hand-off button"
    call = box.locator("a.call").last.bounding_box()
    assert call["height"] >= 44 and call["x"] >= 0 and call["x"] + call["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(ARTIFACTS / f"widget-acute-{width}.png"))
    ask(page, "hvad så nu")
    human = box.locator("button:has-text('Tal med en medarbejder nu')")
    assert human.is_visible() or human.count() == 1, "the acute help keeps its button after the next message"
    human.click()
    page.wait_for_function("() => true")
    assert sent[-1].get("payload") == "/request_human"
    context.close()


def test_the_buttons_of_every_message_of_the_latest_turn_are_shown(page):
    stub_chat(page, {"hej": answer(
        {"text": "Hej! Vælg et emne:", "buttons": [{"title": "Flytning", "payload": "/report_move"}]},
        {"text": "Eller tal med en person.", "buttons": [{"title": "Tal med en medarbejder", "payload": "/request_human"}]})})
    page.click("text=Chat med Borgerguiden")
    ask(page, "hej")
    assert page.locator("button.quick").all_inner_texts() == ["Flytning", "Tal med en medarbejder"]
    page.reload()
    assert page.locator("button.quick").all_inner_texts() == ["Flytning", "Tal med en medarbejder"], "after a reload"


def test_busy_state_and_what_is_typed_meanwhile_waits_in_line(page):
    held = []
    sent = stub_chat(page, {"jeg skal flytte": held, "til Odense": answer({"text": "Godt."}, first_id=4)})
    page.click("text=Chat med Borgerguiden")
    page.fill("#bg-input", "jeg skal flytte")
    page.press("#bg-input", "Enter")
    page.wait_for_function("() => document.querySelector('#borgerguide-widget').shadowRoot"
                           ".querySelector('button.send').getAttribute('aria-busy') === 'true'")
    assert page.locator(".typing").inner_text() == "Borgerguiden skriver …"
    page.fill("#bg-input", "til Odense")
    page.press("#bg-input", "Enter")
    assert "Sendes, når Borgerguiden har svaret" in page.locator(".waiting .msg.user").inner_text()
    assert [s["message"] for s in sent] == ["jeg skal flytte"], "one at a time"
    page.screenshot(path=str(ARTIFACTS / "widget-busy.png"))
    held[0].fulfill(status=200, content_type="application/json", body=json.dumps(answer({"text": "Hvorhen?"})))
    page.wait_for_function("() => document.querySelector('#borgerguide-widget').shadowRoot"
                           ".querySelector('button.send').getAttribute('aria-busy') === 'false'")
    assert [s["message"] for s in sent] == ["jeg skal flytte", "til Odense"]
    assert sent[1]["cursor"] == 2, "the second message reads on from the first answer"
    assert page.locator(".entries").inner_text().split("\n\n")[-4:] == ["jeg skal flytte", "Hvorhen?", "til Odense",
                                                                      "Godt."], "in the order the bot read them"
    assert page.locator(".waiting").inner_text() == ""
    assert page.locator(".typing").is_hidden()


def test_a_long_answer_shows_its_start(web, browser):
    context = browser.new_context(viewport={"width": 390, "height": 600})
    page = context.new_page()
    card = {"type": "solution", "solution_id": "flytning", "title": "Anmeld flytning", "url": "https://www.borger.dk",
            "login": "MitID", "steps": [f"Trin nummer {i}, som er forklaret med mange ord her." for i in range(12)]}
    stub_chat(page, {"jeg skal flytte": answer({"text": "Du melder flytning på borger.dk."}, {"custom": card})})
    page.goto(f"{web.web_url}/demo")
    page.click("text=Chat med Borgerguiden")
    ask(page, "jeg skal flytte")
    visible = shadow(page, """const log = root.querySelector('.log'), title = root.querySelector('.card-title');
        const l = log.getBoundingClientRect(), t = title.getBoundingClientRect();
        return t.top >= l.top && t.bottom <= l.bottom;""")
    assert visible, "the card's title is on screen, not the end of the steps"
    context.close()


def test_messages_are_added_once_by_their_id(page):
    """The answer and the polling both bring a staff reply: it is shown once, in order."""
    handoff = {"escalation_id": "esc_X", "status": "claimed", "mode": "live", "position": 0, "estimate_minutes": 0,
               "chatting": True, "callback_requested": False, "offer_callback": False}
    stub_chat(page, {"hallo": {"messages": [], "sender": "w-stubbed-0001", "token": "t" * 43, "handoff": handoff,
                               "cursor": 6,
                               "feed": [{"id": 4, "text": "Hej, det er Anna", "staff": True}]}})
    polls = []

    def messages(route):
        polls.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "messages": [{"id": 4, "text": "Hej, det er Anna", "staff": True},
                         {"id": 6, "text": "Hvad drejer det sig om?", "staff": True}],
            "cursor": 7, "handoff": handoff}))
    page.route("**/api/chat/messages*", messages)
    page.click("text=Chat med Borgerguiden")
    ask(page, "hallo")
    page.wait_for_function("() => document.querySelector('#borgerguide-widget').shadowRoot.querySelector('.entries')"
                           ".innerText.includes('Hvad drejer det sig om?')", timeout=10000)
    page.wait_for_timeout(2500)  # more polls: nothing twice
    text = page.locator(".entries").inner_text()
    assert text.count("Medarbejder: Hej, det er Anna") == 1 and text.count("Hvad drejer det sig om?") == 1
    assert text.index("Hej, det er Anna") < text.index("Hvad drejer det sig om?")
    assert "cursor=6" in polls[0] and any("cursor=7" in url for url in polls[1:])
    assert "Du skriver med en medarbejder" in page.locator(".status").inner_text()


TRICKY_LINKS = ["https://evil.example\\@www.aarhus.dk/", "https://evil.example\\.aarhus.dk",
                "https://evil.example@www.aarhus.dk/", "https://www.aarhus.dk:8443/", "https://www.\u0430arhus.dk/",
                "https://xn--rhus-0ra.dk/", "javascript:alert(1)", "http://www.aarhus.dk/"]


def test_the_widget_renders_only_plain_https_links(page):
    """Whatever an answer carries (the server only sends checked links, borgerguide/links.py), the widget makes
    a link of a plain https link only (issue 20)."""
    import json

    cards = [{"type": "solution", "solution_id": "pas", "title": f"Kort {i}", "url": url, "login": "MitID",
              "steps": ["Et trin"], "help": {}} for i, url in enumerate(TRICKY_LINKS + ["https://www.aarhus.dk/pas"])]

    def answer(route):
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"messages": [{"custom": card} for card in cards], "handoff": None,
                                       "sender": "w-test-links-0001", "token": "t" * 43}))

    page.route("**/api/chat", answer)
    page.click("text=Chat med Borgerguiden")
    ask(page, "mit pas er udløbet")
    page.locator(".card").nth(len(cards) - 1).wait_for(timeout=10000)
    hrefs = page.locator(".card a.go").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://www.aarhus.dk/pas"], hrefs

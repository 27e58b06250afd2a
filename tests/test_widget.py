"""The embeddable widget in a real browser (Debian's chromium via Playwright)
on the demo page served by the web service."""
from __future__ import annotations

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

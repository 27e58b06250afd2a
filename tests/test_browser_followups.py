"""A conversation, not single messages (issue #18), as a citizen on a phone
sees it in the widget: the passport card, two follow-up questions in words,
"it is for my daughter", and the right answers (each with its source) and the
right card, against the real Rasa and action servers."""
from __future__ import annotations

from borgerguide.answers import answer_for
from borgerguide.catalogue import load_catalogue
from conftest import ROOT, widget_ask

SHOTS = ROOT / "test-artifacts" / "journeys"


def bot_text(page) -> str:
    return page.locator("#borgerguide-widget .log").inner_text()


def last_turn(page, before: str) -> str:
    """What the widget added since `before` (the log's text then)."""
    now = bot_text(page)
    return now[len(before):] if now.startswith(before) else now


def test_passport_then_two_questions_then_for_her_child(web, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{web.web_url}/demo")
    page.click("text=Chat med Borgerguiden")
    SHOTS.mkdir(parents=True, exist_ok=True)
    passport = load_catalogue().get("pas")

    widget_ask(page, "mit pas er udløbet og vi skal ud og rejse")
    card = page.locator(".card").last
    assert passport.title in card.inner_text()
    page.screenshot(path=str(SHOTS / "followup-1-passport-card.png"))

    before = bot_text(page)
    widget_ask(page, "hvordan booker jeg en tid?")
    booking = answer_for("pas", "in_person")
    assert booking.kind == "national" and booking.text[:60] in last_turn(page, before)
    source = page.locator("a.source").last
    assert source.get_attribute("href") == booking.source, "the answer shows where it comes from"
    page.screenshot(path=str(SHOTS / "followup-2-booking-answer.png"))

    before = bot_text(page)
    widget_ask(page, "hvad koster det")
    cost = answer_for("pas", "cost")
    assert cost.text[:60] in last_turn(page, before)
    assert page.locator("a.source").last.get_attribute("href") == cost.source
    assert "Undskyld" not in last_turn(page, before), "a follow-up is not a fallback"

    before = bot_text(page)
    widget_ask(page, "det er til min datter på 8")
    turn = last_turn(page, before)
    child = answer_for("pas", "for_other", child=True)
    assert child.text[:60] in turn, turn
    child_card = page.locator(".card").last
    page.wait_for_function(
        "t => [...document.querySelector('#borgerguide-widget').shadowRoot.querySelectorAll('.card')]"
        ".some(c => c.textContent.includes(t))", arg=passport.variants["barn"]["steps"][1][:40], timeout=20000)
    assert passport.title in child_card.inner_text()
    page.screenshot(path=str(SHOTS / "followup-3-for-her-child.png"), full_page=True)
    context.close()

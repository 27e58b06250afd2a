"""The analysts' pages in a real browser (Debian's chromium, headless):
charts drawn from the locally served library, unresolved groups labelled
with a click, no serious accessibility violations, nothing from other sites."""
from __future__ import annotations

import os

import pytest

from borgerguide.db import engine_for
from bot.stores.accounts import Accounts
from conftest import ROOT, Citizen, fresh_kommune, wait_until, widget_ask

PASSWORD = "browser-analyst-password"
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


def ink(page, canvas_id: str) -> int:
    """How many pixels of a chart's canvas are drawn (a blank one has none)."""
    return page.evaluate("""id => {
        const c = document.getElementById(id);
        const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) ink++; }
        return ink;
    }""", canvas_id)


@pytest.fixture(scope="module", autouse=True)
def analyst_account():
    try:
        Accounts(engine_for(os.environ["BORGERGUIDE_DB"])).add_user("ellen", PASSWORD, "analyst", "*")
    except ValueError:
        pass


def test_overview_charts_and_labelling_a_group(web, browser):
    kommune = fresh_kommune()
    # not understood by the bot (waste collection is a topic now; the swimming pool is not)
    texts = ["hvornår åbner svømmehallen i weekenden", "kan man leje svømmehallen", "pris for svømmehallen"]
    for text in texts:
        Citizen(kommune).say_to(web.web_url, text)
    Citizen(kommune).say_to(web.web_url, "jeg har mistet mit sundhedskort")

    # axe is injected as an inline script, which the page's Content-Security-Policy refuses (as it should:
    # tests/test_security_browser.py checks the pages under the policy); the test lets it in
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{web.web_url}/login")
    page.fill("#username", "ellen")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{web.web_url}/analyst/")

    # the web service reads the event stream in the background
    def counted() -> bool:
        page.goto(f"{web.web_url}/analyst/?kommune={kommune}")
        return page.locator("#k-conversations").inner_text() == "4"
    wait_until(counted, "the four conversations counted", timeout=20.0)
    page.wait_for_selector("html[data-charts=ready]", timeout=10000)
    # the charts are drawn: the canvas is not blank
    assert ink(page, "chart-areas") > 500
    assert "Gult sundhedskort" in page.locator("table").first.inner_text()
    assert all(url.startswith(web.web_url) for url in requests), [u for u in requests if not u.startswith(web.web_url)]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analyst-overview.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id);
    }""")
    assert violations == []

    # the unresolved messages: one group, labelled with a click
    page.goto(f"{web.web_url}/analyst/unresolved?kommune={kommune}")
    group = page.locator("section.group", has_text="svømmehallen")
    assert group.count() == 1 and group.get_attribute("data-size") == "3"
    page.screenshot(path=str(ARTIFACTS / "analyst-unresolved.png"), full_page=True)
    # one message picked: only it is labelled
    group.locator("input[name=pick]").first.check()
    group.locator("select[name=intent]").select_option("out_of_scope")
    group.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "1 besked(er) mærket" in page.locator("[role=status]").inner_text()
    group = page.locator("section.group", has_text="svømmehallen")
    assert group.get_attribute("data-size") == "2"
    # none picked: the whole group
    group.locator("select[name=intent]").select_option("out_of_scope")
    group.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "2 besked(er) mærket" in page.locator("[role=status]").inner_text()
    assert page.locator("section.group", has_text="svømmehallen").count() == 0
    page.close()


JOURNEY = ARTIFACTS / "journeys"


def analyst_page(browser, web_url: str, width: int):
    """An analyst logged in, at a desktop (1366 px) or on a phone (390 px)."""
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": 844 if phone else 900}, is_mobile=phone,
                                  has_touch=phone, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{web_url}/login")
    page.fill("#username", "ellen")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{web_url}/analyst/")
    return page


def fits(page, width: int) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_the_analysts_journey(web, browser):
    """The analyst's way through (docs/journeys.md): the overview in Danish,
    when citizens write, how long hand-offs waited and how they ended, link
    clicks, languages, a CSV download, and the unresolved messages without
    the greetings and requests for a person — at 1366 px and at 390 px."""
    from bot.stores.escalations import EscalationStore

    kommune = fresh_kommune()
    JOURNEY.mkdir(parents=True, exist_ok=True)
    # citizens: a greeting, a move, a person asked for, nonsense; one opens the self-service link in the widget
    Citizen(kommune).say_to(web.web_url, "hej")
    person = Citizen(kommune)
    person.say_to(web.web_url, "jeg vil tale med en medarbejder")
    Citizen(kommune).say_to(web.web_url, "xqzt plimf vrumt")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.route(lambda url: not url.startswith(web.web_url),
                  lambda route: route.fulfill(status=200, body="selvbetjeningen", content_type="text/plain"))
    widget = context.new_page()
    widget.goto(f"{web.web_url}/demo?kommune={kommune}")
    widget.click("text=Chat med Borgerguiden")
    widget_ask(widget, "jeg skal flytte til Odense")
    link = widget.locator(".card a.go").first
    link.wait_for(timeout=10000)
    with context.expect_page() as opened:
        link.click()
    opened.value.close()
    # a member of staff takes the hand-off and closes it as solved
    store = EscalationStore(engine_for(os.environ["BORGERGUIDE_DB"]))
    escalation = store.open_for_conversation(person.sender)
    assert escalation is not None
    store.claim(escalation.id, "anna")
    store.resolve(escalation.id, "anna", "solved")

    page = analyst_page(browser, web.web_url, 1366)

    def counted() -> bool:  # the web service reads the event stream in the background
        page.goto(f"{web.web_url}/analyst/?kommune={kommune}")
        return page.locator("#k-conversations").inner_text() == "4" and page.locator("#k-clicks").inner_text() == "1"
    wait_until(counted, "the four conversations and the click counted", timeout=30.0)
    page.wait_for_selector("html[data-charts=ready]", timeout=10000)
    # 1. the overview: Danish names, the conversation without an area as its own row
    areas = page.locator("#table-omraader").inner_text()
    assert "Flytning" in areas and "Uden område" in areas and "report_move" not in areas
    assert "topic_" not in page.locator("main").inner_text()
    page.screenshot(path=str(JOURNEY / "analyst-01-overview.png"))
    # 2. when citizens write: the time-of-day chart is drawn, and the table has the hour
    page.locator("#chart-hours").scroll_into_view_if_needed()
    assert ink(page, "chart-hours") > 500
    assert "Samtaler startet" in page.locator("#table-timer").inner_text()
    page.screenshot(path=str(JOURNEY / "analyst-02-time-of-day.png"))
    # 3. hand-offs: how long they waited and how they ended, in Danish
    page.locator("#table-ventetid").scroll_into_view_if_needed()
    waits = page.locator("#table-ventetid").inner_text()
    assert "Alle\t1\t" in waits and " sek." in waits  # taken at once: seconds, not "0,0 min"
    assert "Løst" in page.locator("#table-udfald").inner_text()
    assert "solved" not in page.locator("main").inner_text()
    page.screenshot(path=str(JOURNEY / "analyst-03-handoff-waits.png"))
    # 4. self-service link clicks and languages
    page.locator("#table-klik").scroll_into_view_if_needed()
    assert "Flytning" in page.locator("#table-klik").inner_text()
    assert "Dansk" in page.locator("#table-sprog").inner_text()
    page.screenshot(path=str(JOURNEY / "analyst-04-clicks-languages.png"))
    # 5. a table as CSV, from the browser
    with page.expect_download() as download:
        page.click("text=Hent „Samtaler pr. område“ som CSV")
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("\ufeffOmråde;Samtaler;Løst af botten")
    assert "Flytning;1;" in text and "Uden område;" in text
    assert download.value.suggested_filename.startswith("borgerguide-omraader-")
    # 6. the unresolved messages: the nonsense, not the greeting, the move or the request for a person
    page.goto(f"{web.web_url}/analyst/unresolved?kommune={kommune}")
    texts = page.locator("section.group q").all_inner_texts()
    assert "xqzt plimf vrumt" in texts
    assert not [t for t in texts if t in ("hej", "jeg skal flytte til Odense", "jeg vil tale med en medarbejder")]
    options = page.locator("section.group select[name=intent] option").all_inner_texts()
    assert "Affald og storskrald" in options and "Flytning" in options
    assert not [o for o in options if o.startswith("topic_") or "_" in o]
    page.screenshot(path=str(JOURNEY / "analyst-05-unresolved.png"), full_page=True)
    page.context.close()

    # the same on a phone: nothing runs off the screen
    phone = analyst_page(browser, web.web_url, 390)
    phone.goto(f"{web.web_url}/analyst/?kommune={kommune}")
    phone.wait_for_selector("html[data-charts=ready]", timeout=10000)
    assert fits(phone, 390)
    phone.screenshot(path=str(JOURNEY / "analyst-06-phone-overview.png"))
    phone.locator("#chart-hours").scroll_into_view_if_needed()
    phone.screenshot(path=str(JOURNEY / "analyst-07-phone-time-of-day.png"))
    phone.goto(f"{web.web_url}/analyst/unresolved?kommune={kommune}")
    assert fits(phone, 390)
    phone.screenshot(path=str(JOURNEY / "analyst-08-phone-unresolved.png"))
    phone.context.close()
    context.close()

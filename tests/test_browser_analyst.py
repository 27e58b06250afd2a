"""The analysts' pages in a real browser (Debian's chromium, headless):
charts drawn from the locally served library, unresolved groups labelled
with a click, no serious accessibility violations, nothing from other sites."""
from __future__ import annotations

import os

import pytest

from borgerguide.db import engine_for
from bot.stores.accounts import Accounts
from conftest import ROOT, Citizen, fresh_kommune, wait_until

PASSWORD = "browser-analyst-password"
AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


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
    drawn = page.evaluate("""() => {
        const c = document.getElementById("chart-areas");
        const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) ink++; }
        return ink;
    }""")
    assert drawn > 500
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

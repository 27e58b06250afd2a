"""The staff inbox in a real browser (Debian's chromium, headless, driven by
Playwright): citizen text with HTML/JS appears as inert text."""
from __future__ import annotations

import os

import pytest

from bot.stores.accounts import Accounts
from borgerguide.db import engine_for
from conftest import ROOT, Citizen

PASSWORD = "browser-test-password"


@pytest.fixture(scope="module", autouse=True)
def staff_account():
    try:
        Accounts(engine_for(os.environ["BORGERGUIDE_DB"])).add_user("dorte", PASSWORD, "staff", "*")
    except ValueError:
        pass


def test_citizen_html_is_inert_text_in_the_inbox(web, browser):
    citizen = Citizen()
    attack = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
    citizen.say_to(web.web_url, attack + " hjælp mig")
    body = citizen.say_to(web.web_url, "jeg vil tale med en medarbejder")
    escalation_id = [m["custom"] for m in body["messages"] if (m.get("custom") or {}).get("type") == "handoff"][0]["escalation_id"]

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{web.web_url}/login")
    page.fill("#username", "dorte")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{web.web_url}/staff/")
    page.goto(f"{web.web_url}/staff/escalations/{escalation_id}")
    transcript = page.locator(".transcript")
    assert transcript.locator("img").count() == 0
    assert transcript.locator("script").count() == 0
    assert "<img src=x" in transcript.inner_text()
    assert page.title() != "pwned" and dialogs == []
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / "inbox-escalation.png"), full_page=True)
    page.goto(f"{web.web_url}/staff/")
    page.screenshot(path=str(out / "inbox.png"), full_page=True)
    assert page.locator(f"a[href='/staff/escalations/{escalation_id}']").count() == 1
    page.close()

"""Issue 20 in a real browser (Debian's chromium): the staff, analyst and
admin pages still work under their Content-Security-Policy (no inline script
or style left that it blocks). In a module of its own: sync Playwright holds
an event loop that the asyncio tests of tests/test_security.py must not meet."""
from __future__ import annotations

import os
import uuid

from bot.stores.accounts import Accounts

PASSWORD = "security-test-password"
RUN = uuid.uuid4().hex[:6]


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

"""Screenshots of the analysts' pages for docs/, over generated demo data.

    .venv/bin/python scripts/analyst_screenshots.py

Generates 40,000 synthetic events over 60 days (benchmarks/eventgen.py) and
some ratings into a temporary database, starts the web application
in-process and photographs /analyst/ and /analyst/unresolved with Debian's
chromium (headless). Writes docs/analyst-overview.png and
docs/analyst-unresolved.png.
"""
from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

PASSWORD = "screenshot-password"


def main() -> int:
    import sqlalchemy as sa
    from aiohttp import web

    from borgerguide.db import engine_for
    from bot.analytics.projection import AnalyticsProjection
    from bot.projections import events_table
    from bot.app import create_app
    from bot.stores.accounts import Accounts
    from bot.stores.ratings import Ratings
    from bot.settings import Settings
    from conftest import CHROMIUM, CHROMIUM_ARGS
    from eventgen import AREAS, KOMMUNER, generate
    from stack import free_port

    with tempfile.TemporaryDirectory() as tmp:
        web_url, events_url = f"sqlite:///{tmp}/web.db", f"sqlite:///{tmp}/events.db"
        events = sa.create_engine(events_url, future=True)
        with events.begin() as connection:
            connection.execute(events_table(events).insert(),
                               [{"sender_id": s, "data": d} for s, d in generate(40000, seed=5, days=60)])
        engine = engine_for(web_url)
        AnalyticsProjection(engine, events).run()
        Accounts(engine).add_user("analytiker", PASSWORD, "analyst", "*")
        rng = random.Random(3)
        ratings = Ratings(engine)
        for number in range(300):
            ratings.add(f"demo-{number}", rng.choice([2, 3, 4, 4, 5, 5, 5]), None, rng.choice(KOMMUNER),
                        rng.choice(AREAS))
        settings = Settings(rasa_url="http://127.0.0.1:9", secret="screenshots-" + "x" * 32,
                            database_url=web_url, events_url=events_url, tracker_url="")
        port = free_port()
        loop = asyncio.new_event_loop()
        runner = web.AppRunner(create_app(settings))
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        threading.Thread(target=loop.run_forever, daemon=True).start()

        from playwright.sync_api import sync_playwright

        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/login")
            page.fill("#username", "analytiker")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/analyst/")
            page.goto(f"{base}/analyst/?from=" + page.evaluate("new Date(Date.now()-59*864e5).toISOString().slice(0,10)"))
            page.wait_for_selector("html[data-charts=ready]")
            page.screenshot(path=str(ROOT / "docs" / "analyst-overview.png"), full_page=False)
            page.goto(f"{base}/analyst/unresolved")
            page.screenshot(path=str(ROOT / "docs" / "analyst-unresolved.png"), full_page=False)
            browser.close()
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
    print("docs/analyst-overview.png, docs/analyst-unresolved.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

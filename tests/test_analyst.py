"""Analysts: the unresolved-message log from real conversations, the overview,
grouping, labelling and the export back into training data, retention and
erasure, role separation, the CLI. Real Rasa and action servers, the web
service in-process, SQLite."""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from borgerguide.db import engine_for
from bot.analytics import export as training_export
from bot.analytics import store as analytics
from bot.stores import retention
from bot.app import create_app
from bot.keys import ANALYTICS
from bot.analytics.projection import AnalyticsProjection
from bot.projections import events_table
from bot.stores.accounts import Accounts
from bot.analytics.grouping import group_texts
from conftest import ROOT, TOKEN, Citizen, fresh_kommune, get_json, web_settings

PASSWORD = "en-lang-adgangskode"
CPR_DIGITS = ("010203", "1234")
PHONE = "23 45 67 89"
EMAIL = "ida.hansen@example.dk"


@pytest.fixture(scope="module")
def accounts():
    accounts = Accounts(engine_for(os.environ["BORGERGUIDE_DB"]))
    for name, role in (("anna", "staff"), ("carl", "analyst")):
        try:
            accounts.add_user(name, PASSWORD, role, "*")
        except ValueError:
            pass  # created by an earlier module
    return accounts


@pytest.fixture
async def app(stack, accounts):
    return create_app(web_settings(stack, tracker_url=f"sqlite:///{stack.tracker_db}"))


async def login(aiohttp_client, app, name):
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": name, "password": PASSWORD})
    assert response.status == 200
    client.csrf = (await response.json())["csrf"]
    return client


async def chat(client, who: Citizen, text, kommune):
    return await who.say(client, text, kommune=kommune)


def new_kommune() -> str:
    """Each test counts in its own kommune, so figures are exact."""
    return fresh_kommune()


async def sync(app) -> None:
    import asyncio

    await asyncio.to_thread(app[ANALYTICS].run)


async def test_unresolved_log_from_real_conversations(aiohttp_client, app):
    kommune = new_kommune()
    citizen = await aiohttp_client(app)
    one, two = Citizen(), Citizen()
    await chat(citizen, one, f"xqzt vrøvl plimf mit cpr er {CPR_DIGITS[0]}-{CPR_DIGITS[1]}", kommune)
    await chat(citizen, one, f"hvad bliver vejret i morgen, ring til mig på {PHONE}", kommune)
    await chat(citizen, one, "jeg skal flytte", kommune)
    await chat(citizen, one, "nej det var ikke det jeg mente", kommune)
    await chat(citizen, one, f"jeg vil tale med en medarbejder, skriv til {EMAIL}", kommune)
    await chat(citizen, one, "hallo er der nogen xqzt plimf", kommune)  # to staff: the bot is paused
    await chat(citizen, two, "jeg har mistet mit gule sundhedskort", kommune)
    await sync(app)

    analyst = await login(aiohttp_client, app, "carl")
    response = await analyst.get("/api/analyst/unresolved", params={"kommune": kommune, "labelled": "alle"})
    assert response.status == 200
    messages = (await response.json())["messages"]
    by_reason = {}
    for message in messages:
        by_reason.setdefault(message["reason"], []).append(message)
        assert message["conversation_id"] in (one.sender, two.sender)
        assert message["kommune"] == kommune
        assert date.fromisoformat(message["at"][:10])
        assert 1 <= len(message["ranking"]) <= 3
        assert message["ranking"][0]["name"] == message["intent"]
        assert 0 <= message["confidence"] <= 1
        assert "nlu_fallback" not in [r["name"] for r in message["ranking"]]
    assert not [m for m in messages if "hallo er der nogen" in m["text"]]
    everything = json.dumps(messages, ensure_ascii=False)
    for secret in (f"{CPR_DIGITS[0]}-{CPR_DIGITS[1]}", CPR_DIGITS[1], PHONE, PHONE.replace(" ", ""), EMAIL):
        assert secret not in everything
    # the nonsense message was not understood, with the CPR number redacted
    assert any("[CPR]" in m["text"] and "plimf" in m["text"] for m in by_reason.get("fallback", []))
    assert any("vejret" in m["text"] and "[TELEFON]" in m["text"] for m in by_reason["out_of_scope"])
    # the correction points at the message the bot misunderstood
    assert [m["text"] for m in by_reason["correction"]] == ["jeg skal flytte"]
    # the hand-off the citizen asked for is a next step: not unresolved (and never by its confidence)
    assert "handoff" not in by_reason and "low_confidence" not in by_reason
    assert not [m for m in messages if "medarbejder" in m["text"]]

    # the overview counts the same conversations
    response = await analyst.get("/api/analyst/overview", params={"kommune": kommune})
    figures = await response.json()
    assert figures["conversations"] == 2
    assert figures["handoffs"] == 1
    assert figures["contained"] == 1  # the health card conversation: a card and no hand-off
    assert figures["handoffs_by_reason"] == [{"reason": "requested_by_citizen", "count": 1,
                                              "name": "Borgeren bad om en medarbejder"}]
    assert figures["unresolved"] == len(messages)
    assert [a["area"] for a in figures["top_areas"]] and "health_card" in [a["area"] for a in figures["top_areas"]]

    # drill-down: the redacted conversation
    response = await analyst.get(f"/api/analyst/conversations/{one.sender}")
    body = await response.json()
    assert any(line["who"] == "borger" and "[CPR]" in line["text"] for line in body["transcript"])
    assert CPR_DIGITS[1] not in json.dumps(body)
    page = await analyst.get(f"/analyst/conversations/{one.sender}")
    assert page.status == 200 and "[TELEFON]" in await page.text()


async def test_sync_is_incremental_and_reproducible(app, aiohttp_client):
    """Re-reading creates nothing twice; a rebuild from the stream gives the same figures."""
    await aiohttp_client(app)  # starts the app
    syncer = app[ANALYTICS]
    await sync(app)
    engine = syncer.engine
    period = analytics.Period(date.today() - timedelta(days=2), date.today() + timedelta(days=1))
    before = analytics.overview(engine, period)
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(analytics.unresolved)).scalar()
    assert syncer.run() == 0
    syncer.rebuild()
    assert analytics.overview(engine, period) == before
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(analytics.unresolved)).scalar() == count


async def test_role_separation(aiohttp_client, app):
    staff = await login(aiohttp_client, app, "anna")
    analyst = await login(aiohttp_client, app, "carl")
    anonymous = await aiohttp_client(app)
    for path in ("/api/analyst/overview", "/api/analyst/unresolved", "/api/analyst/groups",
                 "/api/analyst/export", "/api/analyst/retention"):
        assert (await staff.get(path)).status == 403, path
        assert (await anonymous.get(path)).status == 401, path
        assert (await analyst.get(path)).status == 200, path
    for path in ("/analyst/", "/analyst/unresolved", "/analyst/export"):
        assert (await staff.get(path, allow_redirects=False)).status == 403, path
        response = await anonymous.get(path, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"] == "/login"
    for path in ("/api/staff/escalations", "/staff/"):
        assert (await analyst.get(path, allow_redirects=False)).status == 403, path
        assert (await staff.get(path, allow_redirects=False)).status == 200, path
    # state changes: role and CSRF
    response = await staff.post("/api/analyst/labels", json={"ids": [1], "intent": "noise"},
                                headers={"X-CSRF-Token": staff.csrf})
    assert response.status == 403
    response = await analyst.post("/api/analyst/labels", json={"ids": [1], "intent": "noise"})
    assert response.status == 403  # no CSRF token


async def test_bad_periods_get_a_clear_message(aiohttp_client, app):
    analyst = await login(aiohttp_client, app, "carl")
    for params, words in (({"from": "i går"}, "dato"), ({"from": "2026-02-01", "to": "2026-01-01"}, "før"),
                          ({"from": "2020-01-01", "to": "2026-01-01"}, "højst"), ({"kommune": "../x"}, "kommune")):
        response = await analyst.get("/api/analyst/overview", params=params)
        assert response.status == 400
        assert words in (await response.json())["error"]


def load_paraphrases():
    data = yaml.safe_load((ROOT / "tests" / "data" / "grouping_paraphrases.yml").read_text(encoding="utf-8"))
    texts, truth = [], []
    for topic, messages in data["topics"].items():
        texts += messages
        truth += [topic] * len(messages)
    texts += data["noise"]
    truth += [None] * len(data["noise"])
    return data, texts, truth


def test_grouping_puts_paraphrases_together():
    data, texts, truth = load_paraphrases()
    groups = group_texts(texts)
    for group in groups:
        topics = {truth[i] for i in group.members}
        assert len(topics) == 1, f"mixed group: {[texts[i] for i in group.members]}"
    for topic, messages in data["topics"].items():
        biggest = max(sum(1 for i in g.members if truth[i] == topic) for g in groups)
        assert biggest >= 0.8 * len(messages), f"{topic} is split up"
    # noise stays apart
    assert all(len(g.members) == 1 for g in groups if truth[g.members[0]] is None)


def test_grouping_is_robust_to_how_citizens_write():
    texts = ["min skraldespand er ikke blevet tømt", "MIN SKRALDESPAND ER IKKE BLEVET TOMT!!",
             "skraldespanden er ikk blevet tømt", "jeg har ikke fået mit valgkort"]
    groups = group_texts(texts)
    assert sorted(len(g.members) for g in groups) == [1, 3]


async def test_label_groups_and_export_valid_training_data(aiohttp_client, app, tmp_path):
    kommune = new_kommune()
    citizen = await aiohttp_client(app)
    # questions no topic of the guide covers (yet)
    unknown = ["kan jeg låne en kano af kommunen til sommer", "kano udlejning hos kommunen",
               "hvor lejer man en kano af kommunen", "xqzt vrøvl plimf"]
    for text in unknown:
        await chat(citizen, Citizen(), text, kommune)
    await sync(app)
    analyst = await login(aiohttp_client, app, "carl")
    response = await analyst.get("/api/analyst/groups", params={"kommune": kommune})
    groups = (await response.json())["groups"]
    kano = [g for g in groups if any("kano" in m["text"] for m in g["messages"])]
    assert len(kano) == 1 and kano[0]["size"] == 3
    ids = [m["id"] for m in kano[0]["messages"]]
    # the page shows the group with a form to label it
    page = await (await analyst.get("/analyst/unresolved", params={"kommune": kommune})).text()
    assert kano[0]["id"] in page and ",".join(str(i) for i in ids) in page

    response = await analyst.post("/api/analyst/labels", json={"ids": ids, "intent": "not_an_intent"},
                                  headers={"X-CSRF-Token": analyst.csrf})
    assert response.status == 400
    # canoes are not a service of the bot: an analyst labels them out_of_scope
    response = await analyst.post("/api/analyst/labels", json={"ids": ids, "intent": "out_of_scope"},
                                  headers={"X-CSRF-Token": analyst.csrf})
    assert (await response.json()) == {"labelled": 3}
    gibberish = [g for g in groups if any("xqzt" in m["text"] for m in g["messages"])]
    response = await analyst.post("/api/analyst/labels", headers={"X-CSRF-Token": analyst.csrf},
                                  json={"ids": [m["id"] for m in gibberish[0]["messages"]], "intent": "noise"})
    assert response.status == 200
    # labelled messages leave the unlabelled groups
    response = await analyst.get("/api/analyst/groups", params={"kommune": kommune})
    assert not (await response.json())["groups"]

    response = await analyst.get("/api/analyst/export")
    assert response.status == 200
    exported = await response.text()
    data = yaml.safe_load(exported)
    examples = {i["intent"]: i["examples"] for i in data["nlu"]}
    for text in unknown[:3]:
        assert f"- {text}\n" in examples["out_of_scope"]
    assert "xqzt" not in exported  # noise is left out

    # the file passes `rasa data validate` together with the project's data,
    # and nothing was written into data/nlu/
    before = {p: p.stat().st_mtime for p in (ROOT / "data" / "nlu").rglob("*")}
    review = tmp_path / "nlu_review.yml"
    review.write_text(exported, encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "data", "validate", "--data", str(ROOT / "data"), str(review),
         "--domain", str(ROOT / "domain.yml")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # the project's own data has explained warnings (scripts/validate_data.py); none may
    # concern the exported examples
    warnings = [line for line in output.splitlines() if "warn" in line.lower() or "error" in line.lower()]
    assert not [line for line in warnings if any(text in line for text in unknown[:3])], warnings
    assert "kano" in review.read_text(encoding="utf-8")
    assert {p: p.stat().st_mtime for p in (ROOT / "data" / "nlu").rglob("*")} == before


def test_export_leaves_out_what_the_training_data_has(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'web.db'}", future=True)
    analytics.metadata.create_all(engine)
    now = datetime.now(timezone.utc)
    rows = [("jeg skal flytte, hvad gør jeg", "report_move"), ("storskrald hentning tak", "out_of_scope"),
            ("Storskrald  hentning tak", "out_of_scope"), ("noget vrøvl", "noise"),
            ("mit cpr er [CPR][TELEFON] hej", "report_move")]
    with engine.begin() as connection:
        for number, (text, label) in enumerate(rows):
            connection.execute(analytics.unresolved.insert().values(
                event_id=number, conversation_id="x", at=now, day=now.date().isoformat(), kommune="",
                text=text, reason="fallback", label=label, labelled_by="carl", labelled_at=now))
    result = training_export.export(engine, tmp_path / "review.yml", "carl")
    assert result["skipped"]["already_in_training_data"] == 1
    assert result["skipped"]["duplicate"] == 1 and result["skipped"]["noise"] == 1
    text = (tmp_path / "review.yml").read_text(encoding="utf-8")
    assert "[CPR] [TELEFON]" in text  # never read as an entity annotation
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(tmp_path / "review.yml"))
    assert sorted(m.get("text") for m in data.training_examples) == sorted(
        ["storskrald hentning tak", "mit cpr er [CPR] [TELEFON] hej"])
    assert not any(m.get("entities") for m in data.training_examples)


def _stores(tmp_path):
    web = sa.create_engine(f"sqlite:///{tmp_path / 'web.db'}", future=True)
    events = sa.create_engine(f"sqlite:///{tmp_path / 'events.db'}", future=True)
    tracker = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True)
    for engine in (web,):
        from bot.stores.escalations import metadata as escalation_metadata
        from bot.stores.ratings import metadata as rating_metadata

        escalation_metadata.create_all(engine)
        rating_metadata.create_all(engine)
    table = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("sender_id", sa.String(255)), sa.Column("type_name", sa.String(255)),
                     sa.Column("timestamp", sa.Float), sa.Column("intent_name", sa.String(255)),
                     sa.Column("action_name", sa.String(255)), sa.Column("data", sa.Text))
    table.metadata.create_all(tracker)
    return retention.Stores(web, events, tracker), table


def _conversation(stores, tracker_table, sender, at, text="jeg skal bruge et pas, ring 12345678"):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from eventgen import bot, user

    events = [user(text, "nlu_fallback", 0.3, at.timestamp(), "aarhus"),
              bot(at.timestamp() + 1, "Jeg forstår det desværre stadig ikke.", {"type": "fallback", "attempt": 2}),
              bot(at.timestamp() + 1, "", {"type": "handoff", "escalation_id": f"esc_{sender}",
                                            "reason": "repeated_fallback", "mode": "callback"})]
    broker = events_table(stores.events)
    with stores.events.begin() as connection, stores.tracker.begin() as tracker:
        for event in events:
            connection.execute(broker.insert().values(sender_id=sender, data=json.dumps(event)))
            tracker.execute(tracker_table.insert().values(sender_id=sender, type_name=event["event"],
                                                         timestamp=event["timestamp"], data=json.dumps(event)))
    from bot.stores.escalations import EscalationStore
    from bot.stores.ratings import Ratings

    EscalationStore(stores.web).create_from_handoff(sender, events[2]["data"]["custom"], at)
    Ratings(stores.web).add(sender, 2, "ring på 12345678", "aarhus", "passport")


def test_retention_deletes_and_anonymises_what_is_old(tmp_path, caplog):
    stores, tracker_table = _stores(tmp_path)
    now = datetime.now(timezone.utc)
    _conversation(stores, tracker_table, "old-conversation-1", now - timedelta(days=40))
    _conversation(stores, tracker_table, "new-conversation-1", now - timedelta(days=2))
    syncer = AnalyticsProjection(stores.web, stores.events)
    syncer.run()
    from bot.stores.ratings import ratings
    from bot.stores.escalations import EscalationStore, escalations

    # ratings and escalations carry their own time: make the old ones old
    with stores.web.begin() as connection:
        connection.execute(ratings.update().where(ratings.c.conversation_id == "old-conversation-1")
                           .values(at=now - timedelta(days=40)))
    store = EscalationStore(stores.web)
    store.resolve("esc_old-conversation-1", "anna", "solved")
    with stores.web.begin() as connection:
        connection.execute(escalations.update().where(escalations.c.id == "esc_old-conversation-1")
                           .values(updated_at=now - timedelta(days=39), callback_phone="12345678"))
    # an analyst labelled the old message for training
    [old_message] = [m for m in analytics.unresolved_messages(
        stores.web, analytics.Period(date.today() - timedelta(days=60), date.today()), labelled=None)
        if m.conversation_id == "old-conversation-1" and m.reason == "fallback"]
    analytics.label(stores.web, [old_message.id], "passport", "carl")
    totals_before = analytics.overview(stores.web, analytics.Period(date.today() - timedelta(days=60), date.today()))

    caplog.set_level("INFO")
    result = retention.run_retention(stores, days=30)
    assert result["conversations"] == 1
    with stores.tracker.connect() as connection:
        senders = {r[0] for r in connection.execute(sa.select(tracker_table.c.sender_id).distinct())}
    assert senders == {"new-conversation-1"}
    with stores.events.connect() as connection:
        broker = events_table(stores.events)
        assert {r[0] for r in connection.execute(sa.select(broker.c.sender_id).distinct())} == {"new-conversation-1"}
    with stores.web.connect() as connection:
        facts = {r[0] for r in connection.execute(sa.select(analytics.facts.c.conversation_id))}
        assert facts == {"new-conversation-1"}
        kept = connection.execute(sa.select(analytics.unresolved)
                                  .where(analytics.unresolved.c.conversation_id != "new-conversation-1")).all()
        assert [(r.conversation_id, r.label) for r in kept] == [(retention.ANONYMISED, "passport")]
        [old_rating] = connection.execute(sa.select(ratings).where(ratings.c.at < now - timedelta(days=30))).all()
        assert old_rating.conversation_id == retention.ANONYMISED and old_rating.comment is None
        assert old_rating.score == 2
        old = connection.execute(sa.select(escalations).where(escalations.c.id == "esc_old-conversation-1")).first()
        assert old.conversation_id == retention.ANONYMISED and old.callback_phone is None
        young = connection.execute(sa.select(ratings).where(ratings.c.conversation_id == "new-conversation-1")).first()
        assert young.comment == "ring på [TELEFON]"
    # the counts of the past stay
    assert analytics.overview(stores.web, analytics.Period(date.today() - timedelta(days=60), date.today())
                              )["conversations"] == totals_before["conversations"]
    # logged without personal data
    [entry] = retention.log_entries(stores.web)
    assert entry["kind"] == "retention" and entry["conversations"] == 1
    logged = json.dumps(entry) + caplog.text
    assert "old-conversation" not in logged and "12345678" not in logged
    # running again finds nothing more
    assert retention.run_retention(stores, days=30)["conversations"] == 0


async def test_erasure_of_a_real_conversation(aiohttp_client, app, stack, caplog):
    kommune = new_kommune()
    citizen = await aiohttp_client(app)
    person = Citizen()
    await chat(citizen, person, "xqzt plimf vrøvl, mit nummer er 23456789", kommune)
    await chat(citizen, person, "jeg vil tale med et menneske", kommune)
    who = person.sender
    await sync(app)
    analyst = await login(aiohttp_client, app, "carl")
    response = await analyst.get("/api/analyst/unresolved", params={"kommune": kommune, "labelled": "alle"})
    assert (await response.json())["messages"]
    assert get_json(f"{stack.rasa_url}/conversations/{who}/tracker?token={TOKEN}")["events"]

    response = await analyst.post(f"/api/analyst/conversations/{who}/erase")
    assert response.status == 403  # CSRF
    caplog.set_level("INFO")
    response = await analyst.post(f"/api/analyst/conversations/{who}/erase",
                                  headers={"X-CSRF-Token": analyst.csrf})
    assert response.status == 200, await response.text()
    result = await response.json()
    assert result["tracker_events"] > 0 and result["broker_events"] > 0 and result["unresolved"] > 0
    assert result["escalations"] == 1
    # gone from Rasa's tracker store, the event stream and the analysts' log
    tracker = get_json(f"{stack.rasa_url}/conversations/{who}/tracker?token={TOKEN}")
    assert not [e for e in tracker["events"] if e["event"] == "user"]
    response = await analyst.get("/api/analyst/unresolved", params={"kommune": kommune, "labelled": "alle"})
    assert (await response.json())["messages"] == []
    with engine_for(f"sqlite:///{stack.events_db}").connect() as connection:
        assert not connection.execute(sa.text("select count(*) from events where sender_id = :s"),
                                      {"s": who}).scalar()
    # a second request finds nothing
    response = await analyst.post(f"/api/analyst/conversations/{who}/erase",
                                  headers={"X-CSRF-Token": analyst.csrf})
    assert response.status == 404
    # logged without the conversation or its text
    response = await analyst.get("/api/analyst/retention")
    entries = (await response.json())["entries"]
    assert entries[0]["kind"] == "erasure" and entries[0]["actor"] == "carl"
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("bot", "actions")))
    assert "erasure" in ours
    assert who not in json.dumps(entries) and who not in ours and "23456789" not in ours


async def test_overview_page_and_charts_are_served_locally(aiohttp_client, app):
    analyst = await login(aiohttp_client, app, "carl")
    response = await analyst.get("/analyst/")
    assert response.status == 200
    page = await response.text()
    assert '<canvas id="chart-days"' in page and '<canvas id="chart-areas"' in page
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts == ["/static/vendor/chartjs/chart.umd.min.js", "/static/analyst.js"]
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no CDN
    response = await analyst.get(scripts[0])
    assert response.status == 200 and "Chart.js v4" in (await response.text())[:200]
    data = json.loads(re.search(r'<script type="application/json" id="overview-data">(.*?)</script>', page,
                                re.S).group(1))
    assert {"conversations", "per_day", "top_areas", "handoffs_by_reason", "satisfaction"} <= set(data)


def test_vendored_chartjs_is_the_documented_file():
    folder = ROOT / "bot" / "static" / "vendor" / "chartjs"
    digest = hashlib.sha256((folder / "chart.umd.min.js").read_bytes()).hexdigest()
    assert digest in (folder / "README.md").read_text(encoding="utf-8")
    assert (folder / "LICENSE.md").exists()


def test_cli_reports(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from eventgen import generate

    events = sa.create_engine(f"sqlite:///{tmp_path / 'events.db'}", future=True)
    table = events_table(events)
    with events.begin() as connection:
        connection.execute(table.insert(), [{"sender_id": s, "data": d} for s, d in generate(3000, seed=3, days=10)])
    env = {**os.environ, "BORGERGUIDE_DB": f"sqlite:///{tmp_path / 'web.db'}",
           "BORGERGUIDE_EVENTS_DB": f"sqlite:///{tmp_path / 'events.db'}",
           "BORGERGUIDE_TRACKER_DB": f"sqlite:///{tmp_path / 'tracker.db'}"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    result = run("report", "overview", "--format", "csv", "--from", (date.today() - timedelta(days=15)).isoformat())
    assert result.returncode == 0, result.stderr
    assert "Læser hændelser" in result.stderr and "3000" in result.stderr  # the progress bar
    header, row = result.stdout.strip().splitlines()
    assert header.startswith("from,to,kommune,conversations,contained,containment")
    conversations = int(row.split(",")[3])
    assert conversations > 100
    result = run("report", "overview", "--table", "days", "--no-sync")
    days = json.loads(result.stdout)
    assert sum(d["conversations"] for d in days) == conversations
    hours = json.loads(run("report", "overview", "--table", "hours", "--no-sync").stdout)
    assert len(hours) == 24 and sum(h["conversations"] for h in hours) == conversations
    result = run("report", "unresolved", "--reason", "fallback", "--format", "json")
    messages = json.loads(result.stdout)
    assert messages and all(m["reason"] == "fallback" for m in messages)
    result = run("report", "groups", "--format", "csv", "--kommune", "aarhus")
    assert result.returncode == 0 and result.stdout.startswith("group,size,keywords")
    result = run("report", "overview", "--from", "igår")
    assert result.returncode != 0 and "invalid" in result.stderr.lower() or "FEJL" in result.stderr
    result = run("retention", "erase", "gen-3-00000001")
    assert result.returncode == 0 and json.loads(result.stdout)["broker_events"] > 0
    result = run("retention", "erase", "gen-3-00000001")
    assert result.returncode == 3


@pytest.mark.parametrize("days_back,length", [(0, 1), (3, 10), (45, 40), (200, 200), (364, 365)])
def test_overview_from_rollups_equals_counting_the_conversations(tmp_path, days_back, length):
    """Whole months, edge days and single days add up to the per-conversation truth."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from eventgen import generate

    web = sa.create_engine(f"sqlite:///{tmp_path / 'web.db'}", future=True)
    events = sa.create_engine(f"sqlite:///{tmp_path / 'events.db'}", future=True)
    with events.begin() as connection:
        connection.execute(events_table(events).insert(),
                           [{"sender_id": s, "data": d} for s, d in generate(12000, seed=9, days=400)])
    AnalyticsProjection(web, events).run(batch=700)  # batches split conversations
    end = date.today() - timedelta(days=days_back)
    for kommune in (None, "aarhus"):
        period = analytics.Period(end - timedelta(days=length - 1), end, kommune)
        figures = analytics.overview(web, period)
        with web.connect() as connection:
            rows = [r for r in connection.execute(sa.select(analytics.facts))
                    if period.days[0] <= r.day <= period.days[1] and (not kommune or r.kommune == kommune)]
        assert figures["conversations"] == len(rows)
        assert figures["handoffs"] == sum(1 for r in rows if r.handoffs)
        assert figures["contained"] == sum(1 for r in rows if r.solutions and not r.handoffs)
        assert figures["fallbacks"] == sum(r.fallbacks for r in rows)
        areas = {}
        for r in rows:  # a conversation with no area is its own row ("Uden område"), not left out
            areas[r.area] = areas.get(r.area, 0) + 1
        assert {a["area"]: a["conversations"] for a in figures["top_areas"]} == areas
        assert sum(h["conversations"] for h in figures["per_hour"]) == len(rows)
        assert sum(w["conversations"] for w in figures["per_weekday"]) == len(rows)
        assert sum(lang["conversations"] for lang in figures["languages"]) == len(rows)
        assert sum(h["count"] for h in figures["handoffs_by_reason"]) == figures["handoffs"]
        assert sum(d["conversations"] for d in figures["per_day"]) == len(rows)


async def test_the_web_service_runs_the_retention_job(stack, aiohttp_client, tmp_path):
    """The scheduled job: started with the web service, logged with counts only."""
    import asyncio

    import dataclasses

    settings = dataclasses.replace(web_settings(stack, tracker_url=f"sqlite:///{tmp_path / 'tracker.db'}",
                                                retention_days=30), database_url=f"sqlite:///{tmp_path / 'web.db'}")
    engine = engine_for(settings.database_url)
    retention.Stores(engine, engine, None)
    assert retention.log_entries(engine) == []
    await aiohttp_client(create_app(settings))
    for _ in range(50):
        entries = retention.log_entries(engine)
        if entries:
            break
        await asyncio.sleep(0.2)
    assert entries and entries[0]["kind"] == "retention" and entries[0]["actor"] == "system"


def test_two_readers_never_count_an_event_twice(tmp_path):
    """Two web services (or two threads) reading the same stream into the same
    database: every batch is applied exactly once."""
    import threading

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from eventgen import generate

    web_url = f"sqlite:///{tmp_path / 'web.db'}"
    events = sa.create_engine(f"sqlite:///{tmp_path / 'events.db'}", future=True)
    with events.begin() as connection:
        connection.execute(events_table(events).insert(),
                           [{"sender_id": s, "data": d} for s, d in generate(6000, seed=4, days=5)])
    readers = [AnalyticsProjection(engine_for(web_url), events) for _ in range(2)]
    threads = [threading.Thread(target=lambda r=r: [r.run(batch=300) for _ in range(3)]) for r in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alone = AnalyticsProjection(sa.create_engine(f"sqlite:///{tmp_path / 'alone.db'}", future=True), events)
    alone.run()
    period = analytics.Period(date.today() - timedelta(days=10), date.today() + timedelta(days=1))
    assert analytics.overview(readers[0].engine, period) == analytics.overview(alone.engine, period)
    assert readers[0].position() == alone.position() == 6000


def test_erasing_the_newest_conversation_does_not_hide_the_next_one(tmp_path):
    """SQLite gives a new row the highest id + 1: had erasure deleted the newest
    events, the next conversation's events would get ids the readers had
    already passed, and its hand-off would never reach staff or analysts."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from eventgen import bot, user

    from bot.projections import EscalationProjection
    from bot.stores.escalations import EscalationStore

    web = sa.create_engine(f"sqlite:///{tmp_path / 'web.db'}", future=True)
    events = sa.create_engine(f"sqlite:///{tmp_path / 'events.db'}", future=True)
    broker = events_table(events)
    now = datetime.now(timezone.utc).timestamp()

    def conversation(sender: str, text: str = "vrøvl") -> None:
        with events.begin() as connection:
            for event in (user(text, "nlu_fallback", 0.2, now, "aarhus"),
                          bot(now + 1, "", {"type": "fallback", "attempt": 2}),
                          bot(now + 1, "", {"type": "handoff", "escalation_id": f"esc_{sender}",
                                            "reason": "repeated_fallback", "mode": "callback"})):
                connection.execute(broker.insert().values(sender_id=sender, data=json.dumps(event)))

    escalations = EscalationStore(web)
    readers = [AnalyticsProjection(web, events), EscalationProjection(escalations, events)]
    conversation("older-one")
    conversation("newest-one", "xqzt plimf 23456789")
    for reader in readers:
        reader.run_once()
    result = retention.erase(retention.Stores(web, events, None), "newest-one", "carl")
    assert result["broker_events"] == 3
    with events.connect() as connection:
        assert not connection.execute(sa.select(broker).where(broker.c.sender_id == "newest-one")).all()
        assert "xqzt" not in json.dumps([r.data for r in connection.execute(sa.select(broker))])
    conversation("next-one")
    for reader in readers:
        reader.run_once()
    assert escalations.open_for_conversation("next-one") is not None
    period = analytics.Period(date.today() - timedelta(days=1), date.today() + timedelta(days=1))
    assert [m.conversation_id for m in analytics.unresolved_messages(web, period, "fallback")] == \
        ["next-one", "older-one"]


async def test_topics_are_counted_and_can_be_labelled(aiohttp_client, app):
    """An analyst sees which topics are asked (by name, with the service areas)
    and labels an unresolved message with a topic for the training data."""
    kommune = new_kommune()
    citizen = await aiohttp_client(app)
    await chat(citizen, Citizen(), "hvornår bliver min skraldespand tømt", kommune)
    await chat(citizen, Citizen(), "/topic{\"topic\": \"bibliotek\"}", kommune)
    await chat(citizen, Citizen(), "plimf zorg vrumt", kommune)
    await sync(app)
    analyst = await login(aiohttp_client, app, "carl")
    overview = await (await analyst.get("/api/analyst/overview", params={"kommune": kommune})).json()
    areas = {row["area"]: row["name"] for row in overview["top_areas"]}
    from borgerguide.topics import load_topics

    for topic_id in ("affald", "bibliotek"):
        assert areas.get(topic_id) == load_topics()[topic_id].name, areas
    unresolved = await (await analyst.get("/api/analyst/unresolved", params={"kommune": kommune})).json()
    ids = [m["id"] for m in unresolved["messages"] if "plimf" in m["text"]]
    response = await analyst.post("/api/analyst/labels", json={"ids": ids, "intent": "topic_affald"},
                                  headers={"X-CSRF-Token": analyst.csrf})
    assert (await response.json()) == {"labelled": 1}
    exported = yaml.safe_load(await (await analyst.get("/api/analyst/export")).text())
    assert any(item["intent"] == "topic_affald" and "plimf" in item["examples"] for item in exported["nlu"])

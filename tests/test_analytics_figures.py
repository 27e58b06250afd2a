"""Every number the analysts read, through their API, from events fed the way
the event consumer stores them (bot.event_consumer: one row per Rasa event
body, with its digest), read by the web service's own projection into a real
SQLite database: what counts as unresolved (and what does not), Danish names,
conversations with no area, time of day and weekday, languages, hand-off
waits and outcomes, self-service link clicks (POST /api/chat/click, checked
like every citizen endpoint) and the CSV downloads."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

import pytest

from borgerguide import contract
from borgerguide.clock import DANISH_TIME, danish_today
from bot.analytics import tables
from bot.app import create_app
from bot.event_consumer import ensure_digest_column, insert_rows, rows_of
from bot.keys import ANALYTICS, CONVERSATIONS, ESCALATION_PROJECTION, ESCALATIONS
from bot.projections import events_table
from bot.settings import Settings
from bot.stores.accounts import Accounts
from conftest import fresh_kommune

PASSWORD = "en-lang-adgangskode-til-tal"


# --- events in the shape Rasa 3.6 sends them to the broker ---------------------------

def user(sender: str, at: float, text: str, intent: str, confidence: float, kommune: str,
         lang: Optional[str] = None, entities: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    metadata = {"kommune": kommune, **({"lang": lang} if lang else {})}
    return {"sender_id": sender, "event": "user", "timestamp": at, "metadata": metadata, "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
                           "text": text, "message_id": f"m{at}", "metadata": metadata,
                           "intent_ranking": [{"name": intent, "confidence": confidence},
                                              {"name": "greet", "confidence": round(1 - confidence, 4)}]},
            "input_channel": "rest", "message_id": f"m{at}"}


def action(sender: str, at: float, name: str) -> Dict[str, Any]:
    return {"sender_id": sender, "event": "action", "timestamp": at, "metadata": {}, "name": name,
            "policy": "RulePolicy", "confidence": 1.0, "action_text": None, "hide_rule_turn": False}


def bot(sender: str, at: float, text: Optional[str] = None, custom: Optional[Dict[str, Any]] = None,
        response: Optional[str] = None, buttons: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    return {"sender_id": sender, "event": "bot", "timestamp": at,
            "metadata": {"utter_action": response} if response else {}, "text": text,
            "data": {"elements": None, "quick_replies": None, "buttons": buttons, "attachment": None, "image": None,
                     "custom": custom}}


def pause(sender: str, at: float) -> Dict[str, Any]:
    return {"sender_id": sender, "event": "pause", "timestamp": at, "metadata": {}}


def card(solution_id: str) -> Dict[str, Any]:
    return {"type": "solution", "solution_id": solution_id, "title": "Kortet", "url": "https://www.borger.dk/x",
            "login": "MitID", "steps": ["Log ind"], "help": {}}


def handoff(sender: str, reason: str, mode: str, area: Optional[str], kommune: str) -> Dict[str, Any]:
    return {"type": "handoff", "escalation_id": contract.new_escalation_id(), "reason": reason,
            "area": area, "mode": mode, "queue": "borgerservice", "kommune": kommune}


def feed(events_engine, events: List[Dict[str, Any]]) -> None:
    """As bot.event_consumer stores what arrives from RabbitMQ."""
    table = events_table(events_engine)
    insert_rows(events_engine, table, rows_of([json.dumps(e, ensure_ascii=False).encode() for e in events]))


# --- the app --------------------------------------------------------------------------

@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(rasa_url="http://127.0.0.1:9", rasa_token="t" * 40, secret="test-secret-" + "x" * 32,
                    database_url=f"sqlite:///{tmp_path / 'web.db'}", events_url=f"sqlite:///{tmp_path / 'events.db'}",
                    sync_seconds=0.1)


@pytest.fixture
async def app(settings):
    app = create_app(settings)
    from borgerguide.db import engine_for

    accounts = Accounts(engine_for(settings.database_url))
    accounts.add_user("vera", PASSWORD, "analyst", "*")
    events_engine = engine_for(settings.events_url)  # as the event consumer makes it when it starts
    events_table(events_engine)
    ensure_digest_column(events_engine)
    return app


async def login(aiohttp_client, app):
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": "vera", "password": PASSWORD})
    assert response.status == 200, await response.text()
    client.csrf = (await response.json())["csrf"]
    return client


async def synced(app, events_engine, events) -> None:
    feed(events_engine, events)
    await asyncio.to_thread(app[ANALYTICS].run)


def moment(days_ago: int, hour: int, minute: int = 0) -> float:
    day = danish_today() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=DANISH_TIME).timestamp()


# --- the tests ------------------------------------------------------------------------

async def test_unresolved_is_only_what_got_no_next_step(aiohttp_client, app, settings):
    kommune = fresh_kommune()
    client = await login(aiohttp_client, app)
    from borgerguide.db import engine_for

    events_engine = engine_for(settings.events_url)
    at = moment(1, 10)
    s = [f"conv-unresolved-{i:02d}" for i in range(9)]
    events = [
        # "hej", barely sure: a greeting with buttons is a next step
        user(s[0], at, "hej", "greet", 0.41, kommune), action(s[0], at + 1, "utter_greet"),
        bot(s[0], at + 1, "Hej! Hvad kan jeg hjælpe med?", response="utter_greet",
            buttons=[{"title": "Flytning", "payload": "/report_move"}]), action(s[0], at + 1, "action_listen"),
        # a card, however unsure the NLU was
        user(s[1], at, "jeg skal flytte til Odense", "report_move", 0.52, kommune),
        action(s[1], at + 1, "action_route_service"), bot(s[1], at + 1, "Sådan melder du flytning:"),
        bot(s[1], at + 1, custom=card("report_move")),
        # a person asked for: the hand-off is the next step; then written to staff while paused
        user(s[2], at, "jeg vil tale med en medarbejder", "request_human", 0.48, kommune),
        bot(s[2], at + 1, "Jeg giver samtalen videre.", response="utter_handoff"),
        bot(s[2], at + 1, custom=handoff(s[2], "requested_by_citizen", "live", None, kommune)),
        pause(s[2], at + 2), user(s[2], at + 30, "hallo xqzt?", "nlu_fallback", 0.2, kommune),
        # not understood: the fallback payload (with the safety-net buttons)
        user(s[3], at, "xqzt plimf", "nlu_fallback", 0.3, kommune), action(s[3], at + 1, "action_fallback"),
        bot(s[3], at + 1, "Undskyld, det forstod jeg ikke helt.", response="utter_fallback_nothing_near",
            buttons=[{"title": "Se hvad jeg kan hjælpe med", "payload": "/greet"}]),
        bot(s[3], at + 1, custom={"type": "fallback", "attempt": 1}),
        # sure of the intent, and still no help: out of scope
        user(s[4], at, "kan jeg leje en kano af kommunen", "out_of_scope", 0.93, kommune),
        bot(s[4], at + 1, "Det kan jeg desværre ikke hjælpe med.", response="utter_out_of_scope"),
        # Rasa's core fallback: it says nothing here
        user(s[5], at, "noget helt tredje om pas", "passport", 0.31, kommune),
        action(s[5], at + 1, "action_default_fallback"),
        # no answer at all before the citizen wrote again
        user(s[6], at, "øhm", "greet", 0.35, kommune), user(s[6], at + 20, "hej igen", "greet", 0.9, kommune),
        bot(s[6], at + 21, "Hej igen!", response="utter_greet"),
        # a card, then "that was not it": the first message was misunderstood
        user(s[7], at, "jeg har mistet mit kort", "health_card", 0.88, kommune),
        bot(s[7], at + 1, custom=card("health_card")),
        user(s[7], at + 20, "nej det var ikke det jeg mente", "deny", 0.97, kommune),
        bot(s[7], at + 21, "Undskyld. Hvad mente du?", response="utter_deny"),
        # the turn ended (the bot listens) without a word from the bot, and the citizen left
        user(s[8], at, "hvornår åbner svømmehallen", "nlu_fallback", 0.4, kommune),
        action(s[8], at + 1, "action_fallback"), action(s[8], at + 1, "action_listen"),
    ]
    await synced(app, events_engine, events)

    response = await client.get("/api/analyst/unresolved", params={"kommune": kommune, "labelled": "alle"})
    found = {m["text"]: m["reason"] for m in (await response.json())["messages"]}
    assert found == {"xqzt plimf": "fallback", "kan jeg leje en kano af kommunen": "out_of_scope",
                     "noget helt tredje om pas": "fallback", "øhm": "no_answer",
                     "hvornår åbner svømmehallen": "no_answer", "jeg har mistet mit kort": "correction"}
    figures = await (await client.get("/api/analyst/overview", params={"kommune": kommune})).json()
    assert figures["unresolved"] == 6
    assert figures["unresolved_by_reason"] == {"fallback": 2, "out_of_scope": 1, "no_answer": 2, "correction": 1}
    assert figures["fallbacks"] == 2  # messages the bot said it did not understand
    assert figures["user_messages"] == 11  # typed to the bot; the one written to staff is not
    assert figures["conversations"] == 9

    # the page says the same, in Danish, without "hej"
    page = await (await client.get("/analyst/unresolved", params={"kommune": kommune})).text()
    assert "xqzt plimf" in page and "Uden for det, botten kan hjælpe med" in page
    assert ">hej<" not in page and "jeg skal flytte til Odense" not in page


async def test_names_areas_hours_languages(aiohttp_client, app, settings):
    kommune = fresh_kommune()
    client = await login(aiohttp_client, app)
    from borgerguide.db import engine_for

    events_engine = engine_for(settings.events_url)
    morning, afternoon = moment(2, 9, 15), moment(2, 14, 40)
    events = [
        user("conv-names-000001", morning, "jeg skal flytte", "report_move", 0.95, kommune),
        bot("conv-names-000001", morning + 1, custom=card("report_move")),
        user("conv-names-000002", morning, "hvornår tømmer I skraldespanden", "topic", 0.9, kommune,
             entities=[{"entity": "topic", "value": "affald"}]),
        bot("conv-names-000002", morning + 1, "Det er din kommune, der står for affald."),
        user("conv-names-000003", afternoon, "I am moving to Aarhus", "report_move", 0.9, kommune, lang="en"),
        bot("conv-names-000003", afternoon + 1, custom=card("report_move")),
        user("conv-names-000004", afternoon, "Я переїжджаю", "report_move", 0.9, kommune,
             entities=[{"entity": "language", "value": "uk"}]),
        bot("conv-names-000004", afternoon + 1, custom=card("report_move")),
        user("conv-names-000005", afternoon, "/greet", "greet", 1.0, kommune),  # a button only: no area
        bot("conv-names-000005", afternoon + 1, "Hej!", response="utter_greet"),
    ]
    await synced(app, events_engine, events)
    figures = await (await client.get("/api/analyst/overview", params={"kommune": kommune})).json()
    areas = {a["name"]: a["conversations"] for a in figures["top_areas"]}
    assert areas == {"Flytning": 3, "Affald og storskrald": 1, "Uden område": 1}
    assert figures["top_areas"][-1]["name"] == "Uden område"  # its own row, last
    hours = {h["hour"]: h["conversations"] for h in figures["per_hour"] if h["conversations"]}
    assert hours == {9: 2, 14: 3}
    weekday = datetime.fromtimestamp(morning, DANISH_TIME).weekday()
    assert [w["conversations"] for w in figures["per_weekday"]] == [5 if d == weekday else 0 for d in range(7)]
    assert figures["per_weekday"][weekday]["name"] in ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag",
                                                       "Lørdag", "Søndag")
    assert {lang["name"]: lang["conversations"] for lang in figures["languages"]} == {
        "Dansk": 3, "Engelsk": 1, "Ukrainsk": 1}

    # the label list: a Danish name for every label, never a raw id
    from bot.routes.analyst import _labels

    labels = dict(_labels())
    assert labels["topic_affald"] == "Affald og storskrald" and labels["report_move"] == "Flytning"
    assert labels["noise"].startswith("Skal ikke bruges") and labels["greet"].startswith("Hilsen")
    assert not [value for value, name in labels.items() if name == value or name.startswith("topic")]


async def test_handoff_waits_and_outcomes(aiohttp_client, app, settings):
    kommune = fresh_kommune()
    client = await login(aiohttp_client, app)
    from borgerguide.db import engine_for

    events_engine = engine_for(settings.events_url)
    started = time.time()
    asked = {"conv-wait-live0001": started - 600, "conv-wait-call0001": started - 1800,
             "conv-wait-open0001": started - 300}
    modes = {"conv-wait-live0001": "live", "conv-wait-call0001": "callback", "conv-wait-open0001": "live"}
    events = []
    for sender, at in asked.items():
        events += [user(sender, at - 5, "jeg vil tale med en medarbejder", "request_human", 0.9, kommune),
                   bot(sender, at, custom=handoff(sender, "requested_by_citizen", modes[sender], "passport",
                                                  kommune))]
    await synced(app, events_engine, events)
    store = app[ESCALATIONS]
    await asyncio.to_thread(app[ANALYTICS].run)
    await asyncio.to_thread(app[ESCALATION_PROJECTION].run)
    ids = {sender: store.open_for_conversation(sender).id for sender in asked}
    store.claim(ids["conv-wait-live0001"], "anna")
    store.resolve(ids["conv-wait-live0001"], "anna", "solved")
    store.resolve(ids["conv-wait-call0001"], "bo", "callback_done")  # closed without being taken first
    elapsed = time.time() - started

    figures = await (await client.get("/api/analyst/overview", params={"kommune": kommune})).json()
    times = figures["handoff_times"]
    assert times["count"] == 3 and times["waiting"] == 1
    assert times["wait"]["count"] == 2
    assert 600 <= times["wait"]["median_seconds"] <= 600 + elapsed + 1
    assert 1800 <= times["wait"]["p90_seconds"] <= 1800 + elapsed + 1
    by_mode = {m["name"]: m["count"] for m in times["wait_by_mode"]}
    assert by_mode == {"Chat nu": 1, "Ring op": 1}
    assert {o["name"]: o["count"] for o in times["outcomes"]} == {
        "Løst": 1, "Ringet op": 1, "Ikke afsluttet endnu": 1}
    assert figures["handoffs_by_reason"] == [{"reason": "requested_by_citizen", "count": 3,
                                              "name": "Borgeren bad om en medarbejder"}]
    assert [(a["name"], a["count"]) for a in figures["handoffs_by_area"]] == [("Pas", 3)]
    # each hand-off in the hour it was asked for
    asked_hours: Dict[int, int] = {}
    for at in asked.values():
        hour = datetime.fromtimestamp(at, DANISH_TIME).hour
        asked_hours[hour] = asked_hours.get(hour, 0) + 1
    assert {h["hour"]: h["handoffs"] for h in figures["per_hour"] if h["handoffs"]} == asked_hours
    page = await (await client.get("/analyst/", params={"kommune": kommune})).text()
    assert "Ventetid på en medarbejder" in page and "Ikke afsluttet endnu" in page and "Ringet op" in page
    assert "callback_done" not in page.split('id="overview-data"')[0]  # (the chart data carries the ids)


async def test_clicks_are_counted_only_for_a_link_the_conversation_was_shown(aiohttp_client, app, settings):
    kommune, other = fresh_kommune(), fresh_kommune()
    client = await login(aiohttp_client, app)
    citizen = await aiohttp_client(app)
    conversations = app[CONVERSATIONS]
    mine, secret = conversations.start(kommune)
    conversations.shown(mine.id, ["flytning"])  # the solution's id, as /api/chat records the card
    url = "https://www.borger.dk/flytning"

    async def click(**body: Any) -> Any:
        return await citizen.post("/api/chat/click", json={"sender": mine.id, "token": secret, "area": "flytning",
                                                           "url": url, **body})

    assert (await click(token="forkert")).status == 403
    response = await click(area="passport")
    assert response.status == 400 and "vist dig" in (await response.json())["error"]
    assert (await click(url="javascript:alert(1)")).status == 400
    assert (await click(url="http://www.borger.dk/")).status == 400
    assert (await click(kommune=other)).status == 403
    for _ in range(3):
        response = await click()
        assert response.status == 200, await response.text()
    figures = await (await client.get("/api/analyst/overview", params={"kommune": kommune})).json()
    assert figures["clicks"] == 3
    assert figures["clicks_by_area"] == [{"area": "report_move", "name": "Flytning", "clicks": 3, "contained": 0}]
    other_figures = await (await client.get("/api/analyst/overview", params={"kommune": other})).json()
    assert other_figures["clicks"] == 0
    # rate-limited per address, like ratings: 5 at once
    statuses = [(await click()).status for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    # nothing of the conversation is kept with the count
    from sqlalchemy import select

    from bot.analytics.store import clicks

    with app[ESCALATIONS].engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(clicks).where(clicks.c.kommune == kommune))]
    assert rows == [{"day": danish_today().isoformat(), "kommune": kommune, "area": "report_move", "clicks": 5}]


async def test_csv_downloads(aiohttp_client, app, settings):
    kommune = fresh_kommune()
    client = await login(aiohttp_client, app)
    from borgerguide.db import engine_for

    at = moment(1, 11)
    await synced(app, engine_for(settings.events_url), [
        user("conv-csv-00000001", at, "jeg skal flytte", "report_move", 0.95, kommune),
        bot("conv-csv-00000001", at + 1, custom=card("report_move")),
        user("conv-csv-00000002", at, "/greet", "greet", 1.0, kommune),
    ])
    response = await client.get("/analyst/csv", params={"tabel": "omraader", "kommune": kommune})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="borgerguide-omraader-' in response.headers["Content-Disposition"]
    text = await response.text()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:4] == ["Område", "Samtaler", "Løst af botten", "Andel løst af botten"]
    assert rows[1][:4] == ["Flytning", "1", "1", "100,0"]
    assert rows[2][:2] == ["Uden område", "1"]
    assert "conv-csv" not in text
    timer = list(csv.reader(io.StringIO((await (await client.get(
        "/analyst/csv", params={"tabel": "timer", "kommune": kommune})).text())[1:]), delimiter=";"))
    assert timer[0] == ["Klokkeslæt", "Samtaler startet", "Bad om en medarbejder"]
    assert timer[12] == ["11-12", "2", "0"]
    response = await client.get("/analyst/csv", params={"tabel": "nej"})  # the link in the page: a Danish page
    assert response.status == 400 and "Ukendt tabel" in await response.text()
    response = await client.get("/api/analyst/csv", params={"tabel": "nej"})  # the API: the error map's JSON
    assert response.status == 400 and "tabel" in (await response.json())["error"]
    anonymous = await aiohttp_client(app)
    assert (await anonymous.get("/api/analyst/csv", params={"tabel": "omraader"})).status == 401


def test_csv_never_holds_a_formula():
    table = tables.Table("x", "X", (("Navn", tables.TEXT), ("Antal", tables.COUNT), ("Andel", tables.SHARE)), (
        ("=HYPERLINK(\"https://ond.example\")", 1, 0.5), ("+45 12 34", 2, None), ("-1", 3, 0.125),
        ("@SUM(A1)", 4, 1.0), ("tekst; med \"citat\"\nog linjeskift", 5, 0.0), ("\tfane", 6, 0.25)))
    text = tables.csv_text(table)
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"https://ond.example\")", "'+45 12 34", "'-1", "'@SUM(A1)",
                                        "tekst; med \"citat\"\nog linjeskift", "'\tfane"]
    assert [r[2] for r in rows[1:]] == ["50,0", "", "12,5", "100,0", "0,0", "25,0"]
    assert rows[0] == ["Navn", "Antal", "Andel"]

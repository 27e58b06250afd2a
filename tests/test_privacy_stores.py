"""After a conversation with every kind of personal data, none of it is left
in the tracker store, the event stream, the web service's tables or the
process logs (the callback form's phone number and name excepted: they are
kept, with consent, for the member of staff who calls back) — in the embedded
profile (SQLite) and in the production profile (PostgreSQL, RabbitMQ)."""
from __future__ import annotations

import json
import os
import urllib.request
import uuid
from pathlib import Path
from typing import Iterable, List, Tuple

import sqlalchemy as sa

from conftest import Citizen, wait_until

# what the citizen writes, and the pieces of it that must never be stored
CONVERSATION = [
    "hej, jeg hedder Birgitte Mølgaard og mit cpr er 120356-1234",
    "ring til mig på 23 45 67 89 eller skriv til birgitte.molgaard@example.dk",
    "jeg flytter til Birkevej 7, 1. tv, 5000 Odense C",
    "min mor Fatima har demens og sclerose, kan hun få en rollator",
    "pengene skal ind på reg 1234 konto 0012345678",
    "mit pasnummer er 206543987",
    # look-alike characters (issue 20): a hyphen, a minus sign, full-width digits, no-break spaces
    "min datters cpr er 230411\u20104321, min mands er 040561\u22129876, ring på ２８ ９１ ４７ ３６ eller "
    "31\u00a082\u00a064\u00a095",
    "jeg vil tale med en medarbejder",
]
SECRETS = ["Mølgaard", "120356", "23 45 67 89", "birgitte.molgaard", "Birkevej", "5000 Odense", "Fatima",
           "demens", "sclerose", "0012345678", "206543987", "230411", "040561", "２８ ９１", "28 91 47 36",
           "31\u00a082", "31 82 64 95", "31826495"]
CALLBACK = {"phone": "24681357", "name": "Hanne Kryger", "time": "efter kl 14, spørg efter Hanne Kryger"}
KEPT_WITH_CONSENT = {("escalations", "callback_phone"), ("escalations", "callback_name")}


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def talk(web_url: str, kommune: str = "aarhus") -> str:
    """The conversation through the public endpoint, a callback request and a rating."""
    citizen = Citizen(kommune)
    answers = [citizen.say_to(web_url, text) for text in CONVERSATION]
    handoff = next(m["custom"] for a in answers for m in a["messages"]
                   if (m.get("custom") or {}).get("type") == "handoff")
    post(f"{web_url}/api/chat/callback", {**citizen.auth, "consent": True,
                                          "escalation_id": handoff["escalation_id"], **CALLBACK})
    post(f"{web_url}/api/chat/rating", {**citizen.auth, "score": 2,
                                        "comment": "Birgitte Mølgaard her, min demens gør det svært"})
    assert citizen.sender
    return citizen.sender


def rows(engine: sa.engine.Engine) -> Iterable[Tuple[str, str, str]]:
    """(table, column, text) of every text value of every table."""
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)]
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                for column, value in zip(columns, row, strict=True):
                    if value is not None and not isinstance(value, (int, float)):
                        yield table, column, str(value)


def leaks(engine: sa.engine.Engine, sender: str) -> List[str]:
    found = []
    for table, column, text in rows(engine):
        if (table, column) in KEPT_WITH_CONSENT:
            continue
        for secret in SECRETS + [CALLBACK["name"], CALLBACK["phone"]]:
            if secret in text:
                found.append(f"{table}.{column}: {secret!r} in {text[:120]!r}")
    return found


def conversation_events(engine: sa.engine.Engine, sender: str) -> List[dict]:
    with engine.connect() as connection:
        return [json.loads(r[0]) for r in connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]


def log_leaks(log_dir: Path) -> List[str]:
    return [f"{log.name}: {secret!r}" for log in log_dir.glob("*.log")
            for secret in SECRETS + [CALLBACK["name"], CALLBACK["phone"]]
            if secret in log.read_text(errors="replace")]


def assert_nothing_personal(sender: str, tracker: sa.engine.Engine, events: sa.engine.Engine,
                            web: sa.engine.Engine, log_dir: Path) -> None:
    stored = conversation_events(tracker, sender)
    said = [e for e in stored if e["event"] == "user"]
    assert len(said) == len(CONVERSATION), "every message is in the tracker store"
    # the dialogue kept what it needs: the recognised intents
    assert all((e.get("parse_data") or {}).get("intent", {}).get("name") for e in said)
    assert any("[NAVN]" in e["text"] and "[CPR]" in e["text"] for e in said), [e["text"] for e in said]
    assert leaks(tracker, sender) == []
    # the event stream holds the conversation (production: the web service copies the RabbitMQ
    # queue in the background, so wait until the copy has caught up rather than race it)
    wait_until(lambda: len(conversation_events(events, sender)) >= len(stored) - 1,
               "the conversation in the event stream", timeout=30)
    assert leaks(events, sender) == []
    assert leaks(web, sender) == []
    # the callback is kept for the call: in the escalation only
    with web.connect() as connection:
        phone, name = connection.execute(sa.text(
            "SELECT callback_phone, callback_name FROM escalations WHERE conversation_id = :s"), {"s": sender}).one()
    assert (phone, name) == (CALLBACK["phone"], CALLBACK["name"])
    assert log_leaks(log_dir) == []


def wait_for_escalation(web: sa.engine.Engine, sender: str) -> None:
    def made() -> bool:
        with web.connect() as connection:
            return connection.execute(sa.text("SELECT 1 FROM escalations WHERE conversation_id = :s"),
                                      {"s": sender}).first() is not None
    wait_until(made, "the escalation", timeout=30)


def wait_for_analytics(web: sa.engine.Engine, sender: str) -> None:
    def followed() -> bool:
        with web.connect() as connection:
            return sa.inspect(web).has_table("unresolved") and connection.execute(sa.text(
                "SELECT 1 FROM conversation_facts WHERE conversation_id = :s"), {"s": sender}).first() is not None
    wait_until(followed, "the analysts' figures", timeout=30)


def test_the_embedded_profile_keeps_nothing_personal(web):
    sender = talk(web.web_url)
    web_engine = sa.create_engine(os.environ["BORGERGUIDE_DB"])
    wait_for_escalation(web_engine, sender)
    wait_for_analytics(web_engine, sender)
    assert_nothing_personal(sender, sa.create_engine(f"sqlite:///{web.tracker_db}"),
                            sa.create_engine(f"sqlite:///{web.events_db}"), web_engine, web.log_dir)


def test_the_production_profile_keeps_nothing_personal(production_web):
    production = production_web
    from prod_stack import PG

    sender = talk(production.web_url)
    web_engine = sa.create_engine(f"{PG}/{production.web_db}")
    tracker_engine = sa.create_engine(f"{PG}/{production.tracker_db}")
    try:
        wait_for_escalation(web_engine, sender)
        wait_for_analytics(web_engine, sender)
        # the web service copied the RabbitMQ queue into its own events table
        assert_nothing_personal(sender, tracker_engine, web_engine, web_engine, production.log_dir)
    finally:
        web_engine.dispose()
        tracker_engine.dispose()

"""The kommune admin's page and API save what they show (issue 19), against
the real web service in process and a real SQLite database of the test's own:

- opening hours: any kommune (also one whose hours are empty) sets its week,
  the closed-on-public-holidays choice and special days with a note; the
  page shows the week and the coming holidays; the bot's "hvornår har I
  åbent?" and live or callback hand-off follow what was saved;
- a phone number must have 8 digits ("8940 222" is refused in Danish, and
  nothing else the admin typed is lost);
- only the fields that changed (or that the admin confirmed) are confirmed
  and logged; the change log is in Danish, and a rollback is logged too;
- the kommune is warned when its social emergency phone is empty;
- one error map: every error is `{"error": <Danish>}` on the API and a
  Danish page elsewhere.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from actions.handoff import live_possible
from borgerguide.clock import DANISH_TIME
from borgerguide.db import engine_for
from borgerguide.kommune_content import forget_revision
from borgerguide.kommuner import load_kommune
from bot.app import create_app
from bot.settings import Settings
from bot.stores.accounts import Accounts

PASSWORD = "admin-api-test-password"
KOMMUNE = "aarhus"  # its file has no opening hours (null), as most kommuner start
API = f"/api/admin/kommuner/{KOMMUNE}"
PAGE = f"/admin/kommuner/{KOMMUNE}/"
WEEK = {"monday": "10:00-15:00", "tuesday": "10:00-15:00", "wednesday": "10:00-12:00, 13:00-15:00",
        "thursday": "10:00-17:30", "friday": "10:00-13:00", "saturday": "lukket", "sunday": "lukket"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=DANISH_TIME)


def week(kind: str = "opening_hours", **days: str) -> dict:
    return {f"borgerservice.{kind}.{day}": hours for day, hours in {**WEEK, **days}.items()}


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A database of the test's own: the dialogue (load_kommune) reads it too."""
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    monkeypatch.setenv("BORGERGUIDE_DB", url)
    monkeypatch.delenv("BORGERGUIDE_HANDOFF_MODE", raising=False)  # live or callback from the hours
    forget_revision()
    Accounts(engine_for(url)).add_user("admin-aarhus", PASSWORD, "kommune_admin", KOMMUNE)
    Accounts(engine_for(url)).add_user("admin-odense", PASSWORD, "kommune_admin", "odense")
    yield url
    forget_revision()


@pytest.fixture
async def admin(aiohttp_client, database):
    return await logged_in(aiohttp_client, database, "admin-aarhus")


async def logged_in(aiohttp_client, url, username):
    app = create_app(Settings(database_url=url, events_url=url, tracker_url="", secret="admin-test-" + "s" * 32,
                              rasa_url="http://127.0.0.1:9"))
    client = await aiohttp_client(app)
    response = await client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert response.status == 200, await response.text()
    client.csrf = (await response.json())["csrf"]
    return client


async def save(client, changes, expect=200, **extra):
    response = await client.post(f"{API}/content", json={"changes": changes, **extra},
                                 headers={"X-CSRF-Token": client.csrf})
    body = await response.json()
    assert response.status == expect, body
    forget_revision()
    return body


async def form(client, fields, section="tider", confirm=()):
    data = {"csrf_token": client.csrf, "back": f"{PAGE}?afsnit={section}",
            **{f"f:{path}": value for path, value in fields.items()}, **{f"confirm:{p}": "1" for p in confirm}}
    response = await client.post(f"{PAGE}content", data=data, allow_redirects=True)
    forget_revision()
    return response.status, await response.text()


async def fields_of(client) -> dict:
    response = await client.get(f"{API}/content")
    assert response.status == 200
    return {row["path"]: row for row in (await response.json())["fields"]}


async def changes_of(client) -> list:
    response = await client.get(f"{API}/changes")
    assert response.status == 200
    return (await response.json())["changes"]


# --- opening hours ------------------------------------------------------------------------------

async def test_the_opening_hours_page_opens_for_a_kommune_without_hours(admin):
    response = await admin.get(f"{PAGE}?afsnit=tider")
    page = await response.text()
    assert response.status == 200, page[:500]
    assert "text/html" in response.headers["Content-Type"]
    for day in ("Mandag", "Søndag", "Åbningstid", "Telefontid", "Lukket på helligdage", "Særlige dage",
                "Kommende helligdage"):
        assert day in page, day


async def test_a_week_holidays_and_special_days_are_saved_and_the_bot_follows_them(admin):
    body = await save(admin, {**week(), "borgerservice.closed_on_public_holidays": True,
                              "borgerservice.special_days": [
                                  {"date": "2026-12-24", "hours": "lukket", "note": "juleaften"},
                                  {"date": "2026-12-31", "hours": "10:00-12:00", "note": "nytårsaften"}]})
    assert body["saved"] == 9, body
    kommune = load_kommune(KOMMUNE)
    assert kommune.contact_text(at("2026-11-23 11:00")).count("Borgerservice har åbent nu, til kl. 15.00.") == 1
    assert "åbent igen i morgen kl. 10.00" in kommune.contact_text(at("2026-11-26 17:45"))
    assert "lukket nu (juleaften)" in kommune.contact_text(at("2026-12-24 11:00"))
    assert "åbent nu, til kl. 12.00" in kommune.contact_text(at("2026-12-31 11:00"))
    assert "(1. juledag)" in kommune.contact_text(at("2026-12-25 11:00"))
    assert live_possible(kommune, at("2026-11-23 11:00")) is True
    assert live_possible(kommune, at("2026-11-28 11:00")) is False, "Saturday: callback"
    assert live_possible(kommune, at("2026-12-24 11:00")) is False, "a special closed day: callback"

    await save(admin, {"borgerservice.closed_on_public_holidays": False})
    kommune = load_kommune(KOMMUNE)
    assert "åbent nu" in kommune.contact_text(at("2027-05-17 11:00")), "2. pinsedag, open when not closed on holidays"
    assert live_possible(kommune, at("2027-05-17 11:00")) is True

    # phone hours decide the hand-off where given
    await save(admin, week("phone_hours", monday="10:00-11:00"))
    assert live_possible(load_kommune(KOMMUNE), at("2026-11-23 11:30")) is False
    assert live_possible(load_kommune(KOMMUNE), at("2026-11-23 10:30")) is True

    page = await (await admin.get(f"{PAGE}?afsnit=tider")).text()
    assert "10:00-12:00, 13:00-15:00" in page, "a day with two intervals is shown as typed"
    assert "juleaften" in page and "nytårsaften" in page
    assert 'value="closed"' not in page and "True" not in page and 'value="lukket"' in page


async def test_the_week_as_a_form_keeps_what_was_typed_when_a_day_is_missing(admin):
    fields = week()
    fields["borgerservice.opening_hours.friday"] = ""
    status, page = await form(admin, fields)
    assert status == 400
    assert "fredag" in page and "Ikke gemt" in page
    assert 'value="10:00-17:30"' in page, "the other days are kept"
    status, page = await form(admin, week())
    assert status == 200 and "Gemt" in page
    assert load_kommune(KOMMUNE).borgerservice["opening_hours"]["thursday"] == "10:00-17:30"


async def test_special_days_from_the_forms_rows_and_a_bad_date(admin):
    async def post(rows):
        data = [("csrf_token", admin.csrf), ("back", f"{PAGE}?afsnit=tider"), ("f:borgerservice.special_days", "")]
        for day, hours, note in rows:
            data += [("day:date", day), ("day:hours", hours), ("day:note", note)]
        response = await admin.post(f"{PAGE}content", data=data)
        forget_revision()
        return response.status, await response.text()

    status, page = await post([("2026-12-24", "lukket", "juleaften"), ("", "", ""), ("2026-13-40", "10-12", "")])
    assert status == 400 and "2026-13-40" in page and 'value="juleaften"' in page, "the rows are kept"
    assert "Ikke gemt" in page
    status, page = await post([("2026-12-24", "lukket", "juleaften"), ("", "", "")])
    assert status == 200, page[:300]
    days = load_kommune(KOMMUNE).borgerservice["special_days"]
    assert days == {"2026-12-24": {"hours": "closed", "note": "juleaften"}}
    assert "24. december 2026" in page and "juleaften" in page, "the coming special days are shown"


# --- phone numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [("89 40 22 22", "89 40 22 22"), ("+45 89402222", "+45 89402222"),
                                           ("0045 8940 2222", "0045 8940 2222")])
async def test_a_danish_phone_number_has_8_digits(admin, typed, stored):
    await save(admin, {"borgerservice.phone": typed})
    assert load_kommune(KOMMUNE).borgerservice["phone"] == stored


@pytest.mark.parametrize("typed", ["8940 222", "8940 22222", "+46 89402222", "ring til os", "112"])
async def test_a_phone_number_of_the_wrong_length_is_refused_in_danish(admin, typed):
    body = await save(admin, {"borgerservice.phone": typed, "borgerservice.address": "Rådhuspladsen 2"},
                      expect=400)
    assert "8 cifre" in body["problems"]["borgerservice.phone"] and body["error"].startswith("Ikke gemt")
    assert load_kommune(KOMMUNE).borgerservice["phone"] == "89 40 22 22", "nothing saved"


async def test_the_crisis_line_may_be_a_short_number(admin):
    await save(admin, {"borgerservice.social_emergency_phone": "114"})
    assert load_kommune(KOMMUNE).borgerservice["social_emergency_phone"] == "114"
    body = await save(admin, {"borgerservice.social_emergency_phone": "1234"}, expect=400)
    assert "8 cifre" in body["problems"]["borgerservice.social_emergency_phone"]


async def test_a_short_phone_on_the_form_keeps_everything_else_typed(admin):
    status, page = await form(admin, {"borgerservice.phone": "8940 222", "borgerservice.address": "Ny vej 1, 8000",
                                      "borgerservice.email": "bs@aarhus.dk"}, section="kontakt")
    assert status == 400
    assert "Skriv et telefonnummer med 8 cifre" in page
    assert 'value="8940 222"' in page and 'value="Ny vej 1, 8000"' in page and 'value="bs@aarhus.dk"' in page
    assert 'aria-invalid="true"' in page
    assert await changes_of(admin) == [], "nothing saved"


# --- confirmed only where changed, no empty changes -----------------------------------------------

async def test_saving_one_field_confirms_and_logs_only_that_field(admin):
    fields = await fields_of(admin)
    contact = {path: row["input"] for path, row in fields.items() if row["section"] == "kontakt"}
    contact["borgerservice.address"] = "Dokk1, Hack Kampmanns Plads 2, 8000 Aarhus C (stueetagen)"
    status, page = await form(admin, contact, section="kontakt")
    assert status == 200 and "Gemt: 1 felt" in page
    log = await changes_of(admin)
    assert [c["path"] for c in log] == ["borgerservice.address"], log
    fields = await fields_of(admin)
    assert fields["borgerservice.address"]["verified_by"] == "admin-aarhus"
    assert fields["borgerservice.phone"]["verified_by"] is None, "untouched: not confirmed"
    # the untouched holiday box (ticked by default) and empty days change nothing either
    times = {path: row["input"] for path, row in fields.items() if row["section"] == "tider"}
    times["borgerservice.closed_on_public_holidays"] = "true"
    status, page = await form(admin, times)
    assert status == 200 and "Ingen ændringer" in page
    assert len(await changes_of(admin)) == 1
    # an explicit confirmation confirms without a change in the log
    status, page = await form(admin, contact, section="kontakt", confirm=["borgerservice.phone"])
    assert status == 200 and "bekræftet" in page.lower()
    assert (await fields_of(admin))["borgerservice.phone"]["verified_by"] == "admin-aarhus"
    assert len(await changes_of(admin)) == 1


# --- the change log --------------------------------------------------------------------------------

async def test_the_change_log_is_in_danish_and_a_rollback_is_logged(admin):
    await save(admin, {"borgerservice.phone": "87 13 00 00"})
    await save(admin, {**week(), "borgerservice.special_days": "2026-12-24: lukket (juleaften)"})
    await save(admin, {"solutions.pas.steps": "Bestil tid\nMød op med dit gamle pas"})
    page = await (await admin.get(f"{PAGE}?afsnit=aendringer")).text()
    table = page[page.index("<table"):page.index("</table>")]
    assert "Telefon til Borgerservice" in table and "89 40 22 22" in table and "87 13 00 00" in table
    assert "Åbningstid onsdag" in table and "10:00-12:00, 13:00-15:00" in table
    assert "Særlig dag 24. december 2026" in table and "lukket (juleaften)" in table
    assert "1. Bestil tid" in table or "Bestil tid · Mød op" in table
    for raw in ("borgerservice.", "solutions.", "['", "{'", '{"', "None", "closed", "True"):
        assert raw not in table, raw
    assert re.search(r"admin-aarhus", table)
    phone = next(c for c in await changes_of(admin) if c["path"] == "borgerservice.phone")
    response = await admin.post(f"{PAGE}changes/{phone['id']}/rollback", data={"csrf_token": admin.csrf})
    page = await response.text()
    assert response.status == 200 and 'Sæt "Telefon til Borgerservice" tilbage til "89 40 22 22"?' in page
    forget_revision()
    assert load_kommune(KOMMUNE).borgerservice["phone"] == "87 13 00 00", "not before it is confirmed"
    response = await admin.post(f"{PAGE}changes/{phone['id']}/rollback",
                                data={"csrf_token": admin.csrf, "confirmed": "1"})
    page = await response.text()
    assert response.status == 200 and "rullet tilbage" in page
    forget_revision()
    assert load_kommune(KOMMUNE).borgerservice["phone"] == "89 40 22 22"
    newest = (await changes_of(admin))[0]
    assert newest["path"] == "borgerservice.phone" and newest["kind"] == "rollback"
    table = page[page.index("<table"):page.index("</table>")]
    assert "Rullet tilbage" in table


# --- the acute phone --------------------------------------------------------------------------------

async def test_the_admin_is_warned_when_the_social_emergency_phone_is_empty(admin):
    page = await (await admin.get(PAGE)).text()
    assert "Jeres akuttelefon mangler" in page
    await save(admin, {"borgerservice.social_emergency_phone": "89 40 20 00"})
    assert "Jeres akuttelefon mangler" not in await (await admin.get(PAGE)).text()


async def test_the_acute_answer_follows_the_saved_social_emergency_phone(admin):
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import acute_help
    from test_actions import tracker

    def acute():
        dispatcher = CollectingDispatcher()
        acute_help(dispatcher, tracker("topic", "jeg har ingen steder at sove i nat", metadata={"kommune": KOMMUNE}))
        return dispatcher.messages[0]["text"], dispatcher.messages[1]["custom"]

    text, box = acute()
    assert box["national"]["phone"] == "114" and "sociale vagt" in box["national"]["name"]
    assert "114" in text and "sociale vagt via politiet" in text
    assert box["local"]["phone"] == "89 40 22 22", "Borgerservice's own phone besides"
    assert [line["phone"] for line in box["lines"]].count("114") == 0, "114 once: as the national line"
    await save(admin, {"borgerservice.social_emergency_phone": "89 40 20 00"})
    text, box = acute()
    assert box["local"] == {"name": "Socialvagten i Aarhus Kommune", "phone": "89 40 20 00",
                            "when": "akut hjælp fra kommunen"}
    assert box["national"] is None and "socialvagt" in text


# --- one error map ------------------------------------------------------------------------------------

async def test_errors_have_one_shape_json_on_the_api_and_a_danish_page_elsewhere(aiohttp_client, admin, database):
    cases = [
        ("POST", f"{API}/content", {"changes": "x"}, 400),
        ("POST", f"{API}/content", {"changes": {"nope.field": "1"}}, 400),
        ("POST", f"{API}/changes/999999/rollback", {}, 404),
        ("POST", f"{API}/preview", {"entry": "losning:findes-ikke"}, 400),
        ("GET", "/api/admin/kommuner/odense/content", None, 403),
        ("GET", "/api/admin/kommuner/gotham/content", None, 404),
        ("POST", f"{API}/accounts/nobody/remove", {}, 404),
    ]
    for method, path, body, status in cases:
        response = await admin.request(method, path, json=body, headers={"X-CSRF-Token": admin.csrf})
        answer = await response.json()
        assert response.status == status, (path, response.status, answer)
        assert isinstance(answer.get("error"), str) and answer["error"], (path, answer)
    response = await admin.post(f"{PAGE}changes/999999/rollback", data={"csrf_token": admin.csrf, "confirmed": "1"})
    page = await response.text()
    assert response.status == 404 and "text/html" in response.headers["Content-Type"]
    assert "Ændringen findes ikke" in page and "<html" in page and '{"error"' not in page
    response = await admin.get("/admin/kommuner/odense/")
    assert response.status == 403 and "Du har ikke adgang" in await response.text()


# --- the kommune's own answers (issues 18 and 21) -----------------------------------------------

async def test_a_matters_page_has_every_question_type_and_the_other_languages_folded_away(admin):
    from actions.actions import kommune_answers
    from borgerguide.answers import question_types

    page = await (await admin.get(f"{PAGE}?side=losning:pas")).text()
    for key, kind in question_types().items():
        assert f'name="f:solutions.pas.faq.{key}"' in page and f"Bestil pas: {kind.name}" in page
        assert f'name="f:solutions.pas.lang.en.faq.{key}"' in page
    assert page.count('<details class="other-language">') == 2, "English and Ukrainian, closed while empty"
    assert "Svar på engelsk" in page and "Svar på ukrainsk" in page

    await save(admin, {"solutions.pas.faq.cost": "I Aarhus koster et pas 800 kr. (se aarhus.dk)",
                       "solutions.pas.lang.en.faq.cost": "In Aarhus a passport costs 800 kr."})
    page = await (await admin.get(f"{PAGE}?side=losning:pas")).text()
    assert '<details class="other-language" open>' in page, "an answer written in a language shows its group open"
    overrides = load_kommune(KOMMUNE).solution_overrides("pas")
    assert kommune_answers(overrides, "en") == {"cost": "In Aarhus a passport costs 800 kr."}
    assert kommune_answers(overrides, "da")["cost"].startswith("I Aarhus koster")
    assert kommune_answers(overrides, "uk") == {}

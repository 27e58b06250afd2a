"""Opening hours against fixed clocks (Danish time)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from borgerguide.kommuner import Kommune
from borgerguide.opening_hours import DANISH_TIME, describe, easter_sunday, hours_on, parse_hours, public_holidays

BS = {
    "opening_hours": {
        "monday": "10:00-15:00", "tuesday": "10:00-15:00", "wednesday": ["10:00-12:00", "13:00-15:00"],
        "thursday": "10:00-17:00", "friday": "10:00-13:00", "saturday": "closed", "sunday": "closed",
    },
    "special_days": {"2026-12-24": "closed", "2026-12-23": "10:00-12:00"},
    "closed_on_public_holidays": True,
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=DANISH_TIME)


@pytest.mark.parametrize(
    "now, expected",
    [
        ("2026-11-23 11:00", "Borgerservice har åbent nu, til kl. 15.00."),                       # weekday
        ("2026-11-23 14:59", "Borgerservice har åbent nu, til kl. 15.00."),                       # just before closing
        ("2026-11-23 15:00", "Borgerservice har lukket nu. Der er åbent igen i morgen kl. 10.00."),  # at closing
        ("2026-11-23 08:00", "Borgerservice har lukket nu. Der er åbent igen i dag kl. 10.00."),
        ("2026-11-25 12:30", "Borgerservice har lukket nu. Der er åbent igen i dag kl. 13.00."),    # lunch break
        ("2026-11-28 11:00", "Borgerservice har lukket nu. Der er åbent igen mandag kl. 10.00."),   # weekend
        ("2026-12-23 11:00", "Borgerservice har åbent nu, til kl. 12.00."),                       # special hours
        ("2026-12-24 11:00", "Borgerservice har lukket nu (særlig lukkedag). Der er åbent igen mandag kl. 10.00."),
        ("2026-12-25 11:00", "Borgerservice har lukket nu (1. juledag). Der er åbent igen mandag kl. 10.00."),
        ("2027-03-25 11:00", "Borgerservice har lukket nu (skærtorsdag). Der er åbent igen tirsdag kl. 10.00."),
        ("2027-05-06 11:00", "Borgerservice har lukket nu (Kristi himmelfartsdag). Der er åbent igen i morgen kl. 10.00."),
    ],
)
def test_describe(now, expected):
    assert describe(BS, at(now)) == expected


def test_utc_clock_is_read_in_danish_time():
    # 09:30 UTC in winter is 10:30 in Denmark: open
    assert describe(BS, datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)).startswith("Borgerservice har åbent")
    # summer time: 08:30 UTC is 10:30 in Denmark
    assert describe(BS, datetime(2026, 6, 22, 8, 30, tzinfo=timezone.utc)).startswith("Borgerservice har åbent")


def test_easter_and_holidays():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    holidays = public_holidays(2026)
    assert holidays[date(2026, 5, 25)] == "2. pinsedag"
    assert "store bededag" not in holidays.values()
    assert "store bededag" in public_holidays(2023).values()


def test_hours_and_bad_hours():
    assert hours_on(BS, date(2026, 11, 25))[0][1][0].hour == 13
    for bad in ("10-15", "15:00-10:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)


def test_no_hours_known_says_nothing_about_now():
    assert describe({}, at("2026-11-23 11:00")) is None


def test_contact_text_includes_phone_address_and_status():
    kommune = Kommune("test", "Testrup Kommune", {**BS, "phone": "11 22 33 44", "address": "Torvet 1, 9999 Testrup",
                                                  "booking_url": "https://testrup.dk/tid"})
    text = kommune.contact_text(at("2026-11-23 11:00"))
    assert text == ("Ring til Borgerservice i Testrup Kommune på 11 22 33 44. Adressen er Torvet 1, 9999 Testrup. "
                    "Borgerservice har åbent nu, til kl. 15.00. Bestil tid her: https://testrup.dk/tid")


@pytest.mark.parametrize("lang, now, expected", [
    ("en", "2026-11-23 11:00", "Call Borgerservice in Testrup Kommune on 11 22 33 44. The address is Torvet 1, "
                               "9999 Testrup. Borgerservice is open now, until 15:00. Book a time here: "
                               "https://testrup.dk/tid"),
    ("en", "2026-12-25 09:00", "Borgerservice is closed now (Christmas Day). It opens again Monday at 10:00."),
    ("en", "2026-12-24 09:00", "Borgerservice is closed now (a special closing day). It opens again Monday at 10:00."),
    ("uk", "2026-11-23 15:00", "Borgerservice зараз зачинено. Відчиниться знову завтра о 10:00."),
    ("uk", "2026-12-25 09:00", "Borgerservice зараз зачинено (Різдво). Відчиниться знову у понеділок о 10:00."),
    ("da", "2026-12-25 09:00", "Borgerservice har lukket nu (1. juledag). Der er åbent igen mandag kl. 10.00."),
])
def test_contact_text_speaks_the_conversations_language(lang, now, expected):
    """Issue 21: the kommune's contact and whether it is open, in the
    conversation's language (holidays and weekdays too), never in Danish only."""
    kommune = Kommune("test", "Testrup Kommune", {**BS, "phone": "11 22 33 44", "address": "Torvet 1, 9999 Testrup",
                                                  "booking_url": "https://testrup.dk/tid"})
    assert expected in kommune.contact_text(at(now), lang=lang)


def test_the_national_default_hours_text_is_said_in_the_language_and_a_kommunes_own_is_kept():
    default = Kommune("test", "Testrup Kommune", {"opening_hours_text": "Se åbningstiderne på din kommunes hjemmeside."})
    assert "See the opening hours on your kommune's website." in default.contact_text(at("2026-11-23 11:00"), "en")
    own = Kommune("test", "Testrup Kommune", {"opening_hours_text": "Man-fre 10-15, tors 10-17"})
    assert "Man-fre 10-15, tors 10-17" in own.contact_text(at("2026-11-23 11:00"), "en")

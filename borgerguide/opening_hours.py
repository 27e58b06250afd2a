"""Borgerservice opening hours in Danish time: weekly hours, Danish public
holidays and a kommune's special days, and a plain sentence about whether it
is open now and when it opens next, in the conversation's language
(content/lang/<code>/messages.yml: hours.*, holiday.*).

The weekly hours are given per weekday as "HH:MM-HH:MM", a list of such
intervals, or "closed"; `special_days` maps "YYYY-MM-DD" to the same forms,
or to `{"hours": <the same>, "note": "juleaften"}` (the note is told to the
citizen). `closed_on_public_holidays` is true unless set to false.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Mapping, Optional, Tuple

from borgerguide.clock import DANISH_TIME
from borgerguide.languages import DANISH, Texts, texts

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SPECIAL_DAY = "særlig lukkedag"  # the closed reason of a special day (hours.special_day)
WEEKDAY_DA = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTH_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
            "november", "december")
CLOSED_WORDS = ("closed", "lukket")
INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
Interval = Tuple[time, time]


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def public_holidays(year: int) -> Dict[date, str]:
    """Danish public holidays (helligdage). Store bededag was abolished from 2024."""
    easter = easter_sunday(year)
    holidays = {
        date(year, 1, 1): "nytårsdag",
        easter - timedelta(days=3): "skærtorsdag",
        easter - timedelta(days=2): "langfredag",
        easter: "påskedag",
        easter + timedelta(days=1): "2. påskedag",
        easter + timedelta(days=39): "Kristi himmelfartsdag",
        easter + timedelta(days=49): "pinsedag",
        easter + timedelta(days=50): "2. pinsedag",
        date(year, 12, 25): "1. juledag",
        date(year, 12, 26): "2. juledag",
    }
    if year < 2024:
        holidays[easter + timedelta(days=26)] = "store bededag"
    return holidays


def parse_hours(value: Any) -> List[Interval]:
    """"10:00-15:00", ["10:00-12:00", "13:00-15:00"] or "closed" -> intervals."""
    if value is None or (isinstance(value, str) and value.strip().lower() in CLOSED_WORDS):
        return []
    values = value if isinstance(value, list) else [value]
    intervals = []
    for item in values:
        match = INTERVAL.match(str(item).strip())
        if not match:
            raise ValueError(f"not an opening interval: {item!r} (use HH:MM-HH:MM or closed)")
        start = time(int(match.group(1)), int(match.group(2)))
        end = time(int(match.group(3)), int(match.group(4)))
        if end <= start:
            raise ValueError(f"interval ends before it starts: {item!r}")
        intervals.append((start, end))
    return sorted(intervals)


def special_day(value: Any) -> Tuple[Any, Optional[str]]:
    """A special day's hours (as in the weekly plan) and its note."""
    if isinstance(value, Mapping):
        note = " ".join(str(value.get("note") or "").split()) or None
        return value.get("hours", "closed"), note
    return value, None


def closed_on_holidays(borgerservice: Mapping[str, Any]) -> bool:
    """Closed on public holidays unless the kommune said otherwise (unset: closed)."""
    return borgerservice.get("closed_on_public_holidays") is not False


def hours_on(borgerservice: Mapping[str, Any], day: date) -> Tuple[List[Interval], Optional[str]]:
    """The opening intervals of `day` and, when closed for a reason, the reason."""
    special = borgerservice.get("special_days") or {}
    key = day.isoformat()
    if key in special or day in special:
        hours, note = special_day(special.get(key, special.get(day)))
        intervals = parse_hours(hours)
        return intervals, None if intervals else (note or SPECIAL_DAY)
    if closed_on_holidays(borgerservice):
        holiday = public_holidays(day.year).get(day)
        if holiday:
            return [], holiday
    weekly = borgerservice.get("opening_hours") or {}
    return parse_hours(weekly.get(WEEKDAYS[day.weekday()])), None


def hours_text(value: Any) -> str:
    """A day's hours as the admin writes them: "10:00-12:00, 13:00-15:00", "lukket" ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "lukket" if str(value).strip().lower() in CLOSED_WORDS else str(value)


def date_da(day: date) -> str:
    """24. december 2026"""
    return f"{day.day}. {MONTH_DA[day.month - 1]} {day.year}"


def coming_days(borgerservice: Mapping[str, Any], today: date, holidays: int = 5) -> List[Dict[str, Any]]:
    """The next `holidays` public holidays and every special day from `today`
    on, in order: the day, what it is, and the hours the citizen is told."""
    special = borgerservice.get("special_days") or {}
    days: Dict[date, str] = {}
    for key, value in special.items():
        try:
            day = key if isinstance(key, date) else date.fromisoformat(str(key))
        except ValueError:
            continue
        if day >= today:
            days[day] = special_day(value)[1] or "særlig dag"
    found, day = 0, today
    while found < holidays and day < today + timedelta(days=400):
        holiday = public_holidays(day.year).get(day)
        if holiday:
            days.setdefault(day, holiday)
            found += 1
        day += timedelta(days=1)
    rows = []
    for day in sorted(days):
        intervals, reason = hours_on(borgerservice, day)
        shown = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in intervals) or \
            ("lukket" if reason or borgerservice.get("opening_hours") else "–")
        rows.append({"date": day.isoformat(), "day": f"{WEEKDAY_DA[day.weekday()]} {date_da(day)}",
                     "what": days[day], "hours": shown})
    return rows


@dataclass(frozen=True)
class OpenStatus:
    open_now: bool
    closes_at: Optional[datetime] = None
    next_open: Optional[datetime] = None
    closed_reason: Optional[str] = None


def status(borgerservice: Mapping[str, Any], now: datetime) -> Optional[OpenStatus]:
    """Open now? When does it close / open next? None when no hours are known."""
    if not borgerservice.get("opening_hours"):
        return None
    now = now.astimezone(DANISH_TIME)
    today_hours, reason = hours_on(borgerservice, now.date())
    for start, end in today_hours:
        if start <= now.time() < end:
            return OpenStatus(True, closes_at=datetime.combine(now.date(), end, DANISH_TIME))
    for offset in range(0, 15):
        day = now.date() + timedelta(days=offset)
        for start, _ in hours_on(borgerservice, day)[0]:
            opens = datetime.combine(day, start, DANISH_TIME)
            if opens > now:
                return OpenStatus(False, next_open=opens, closed_reason=reason)
    return OpenStatus(False, closed_reason=reason)


def clock(moment: datetime, t: Optional[Texts] = None) -> str:
    t = t or texts(DANISH)
    return t.t("hours.time", hour=f"{moment.hour:02d}", minute=f"{moment.minute:02d}")


def day_word(moment: datetime, now: datetime, t: Optional[Texts] = None) -> str:
    t = t or texts(DANISH)
    days = (moment.date() - now.date()).days
    if days == 0:
        return t.t("hours.today")
    if days == 1:
        return t.t("hours.tomorrow")
    weekday = [w.strip() for w in t.t("hours.weekdays").split(",")][moment.weekday()]
    if days < 7:
        return weekday
    return t.t("hours.date", weekday=weekday, day=moment.day, month=moment.month)


def reason_in(reason: str, t: Texts) -> str:
    """A closed reason (a holiday's Danish name, a special day) in the language."""
    if reason == SPECIAL_DAY:
        return t.t("hours.special_day")
    try:
        return str(t.raw(f"holiday.{reason}"))
    except KeyError:
        return reason


def describe(borgerservice: Mapping[str, Any], now: datetime, t: Optional[Texts] = None) -> Optional[str]:
    """One plain sentence about the opening hours right now (Danish unless `t` says otherwise)."""
    t = t or texts(DANISH)
    current = status(borgerservice, now)
    if current is None:
        return None
    now = now.astimezone(DANISH_TIME)
    if current.open_now and current.closes_at is not None:
        return t.t("hours.open_now", time=clock(current.closes_at, t))
    reason = f" ({reason_in(current.closed_reason, t)})" if current.closed_reason else ""
    if current.next_open is None:
        return t.t("hours.closed", reason=reason)
    return t.t("hours.closed_until", reason=reason, day=day_word(current.next_open, now, t),
               time=clock(current.next_open, t))

"""UTC for storing, Danish time for people: the one place that knows both."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC time; a naive one (as some databases return) is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def as_utc_or_none(moment: Optional[datetime]) -> Optional[datetime]:
    return None if moment is None else as_utc(moment)


def danish_now() -> datetime:
    return datetime.now(DANISH_TIME)


def danish_today() -> date:
    return danish_now().date()


def danish_day(moment: datetime) -> str:
    """The Danish calendar day of a moment, as YYYY-MM-DD."""
    return as_utc(moment).astimezone(DANISH_TIME).date().isoformat()


def danish_minute(value: str) -> str:
    """An ISO time (UTC) as Danish local time, "YYYY-MM-DD HH:MM" (staff pages)."""
    return datetime.fromisoformat(value).astimezone(DANISH_TIME).strftime("%Y-%m-%d %H:%M")

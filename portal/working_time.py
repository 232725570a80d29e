"""Working days for the organisation's nation: weekends and that nation's bank holidays are not working days.

Used for the first-contact deadline: the same working day for a report received before the cut-off on a
working day, otherwise the next working day (VIVID 4.1: contact the same working day; Plus Dane 7: within
one working day).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SUBDIVISION = {"wales": "WLS", "england": "ENG"}
END_OF_WORKING_DAY = time(17, 0)


@lru_cache(maxsize=8)
def _calendar(nation: str) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=SUBDIVISION[nation], years=range(2020, 2041))


def is_working_day(day: date, nation: str) -> bool:
    return day.weekday() < 5 and day not in _calendar(nation)


def next_working_day(day: date, nation: str) -> date:
    day += timedelta(days=1)
    while not is_working_day(day, nation):
        day += timedelta(days=1)
    return day


def first_contact_due(received: datetime, nation: str, cutoff: time, tz: str) -> datetime:
    """When first contact is due, as an aware UTC datetime (the end of the due working day)."""
    zone = ZoneInfo(tz)
    local = received.astimezone(zone)
    day = local.date()
    if not (is_working_day(day, nation) and local.time() < cutoff):
        day = next_working_day(day, nation)
    return datetime.combine(day, END_OF_WORKING_DAY, tzinfo=zone).astimezone(timezone.utc)

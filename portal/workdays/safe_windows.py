"""Safe windows: the days and times a person said contact is safe, as clock ranges in the organisation's time zone.

The form's choices map to these ranges (local time; a band whose end is not after its start runs into the next
day):

    early      07:00-09:00      afternoon  12:00-17:00      late    20:00-23:00
    morning    09:00-12:00      evening    17:00-20:00      night   23:00-07:00 (the next morning)

- Days given and no times: the whole of each of those days. Times given and no days: those times every day.
  Neither: no restriction was given, so every moment is inside a safe window (and the page says so).
- "Is it safe today?" is about the day it was answered, never about whatever day it is now: "no" removes that
  date (00:00 to 24:00) from every window, clipping a night window that runs into it; "yes" makes that date
  safe in the chosen times (the whole day if none were chosen), whatever days were ticked.
- Windows that touch are merged (evening and late make 17:00-23:00); whole days are not (each is a day).

Local times are turned into UTC with zoneinfo, so a window across the clock change is as long as the clock
says it is (a night window on the last Sunday of March is an hour shorter). Bank holidays do not change when a
person is safe; they change when the team works, which is what `first_contact_due` and `out_of_hours` use.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from portal.workdays.working_time import (
    END_OF_WORKING_DAY,
    START_OF_WORKING_DAY,
    first_contact_due,
    is_working_day,
    working_seconds_between,
)

BANDS: dict[str, tuple[time, time]] = {
    "early": (time(7), time(9)), "morning": (time(9), time(12)), "afternoon": (time(12), time(17)),
    "evening": (time(17), time(20)), "late": (time(20), time(23)), "night": (time(23), time(7)),
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
HORIZON_DAYS = 28  # how far ahead to look for the next safe window
OUT_OF_HOURS_DAYS = 14  # the span checked for any overlap with working hours


@dataclass(frozen=True)
class SafeTimes:
    """What a person said about when contact is safe."""

    days: frozenset[str] = frozenset()
    bands: frozenset[str] = frozenset()
    said_on: date | None = None  # the local date "is it safe today?" was answered
    safe_that_day: bool | None = None  # their answer: True yes, False no, None not answered or not sure

    @classmethod
    def from_answers(cls, answers: Mapping[str, Any], said_on: date | None) -> SafeTimes:
        today = answers.get("safe_today")
        return cls(days=frozenset(d for d in answers.get("safe_days") or [] if d in DAYS),
                   bands=frozenset(b for b in answers.get("safe_times") or [] if b in BANDS),
                   said_on=said_on if today in ("yes", "no") else None,
                   safe_that_day={"yes": True, "no": False}.get(today or ""))

    @property
    def restricted(self) -> bool:
        return bool(self.days or self.bands or self.safe_that_day is False)


@dataclass(frozen=True)
class Window:
    start: datetime  # aware, UTC
    end: datetime
    whole_day: bool = False  # no times were given: the whole local day

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _local_ranges(times: SafeTimes, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The safe ranges that start on one local day (before clipping), as aware local datetimes."""
    chosen_day = DAYS[day.weekday()] in times.days or not times.days
    if times.said_on == day and times.safe_that_day is True:
        chosen_day = True
    if not chosen_day:
        return []
    if not times.bands:
        return [(datetime.combine(day, time(0), tzinfo=zone), datetime.combine(day + timedelta(days=1), time(0),
                                                                              tzinfo=zone))]
    ranges = []
    for band in sorted(times.bands, key=lambda b: BANDS[b][0]):
        opens, closes = BANDS[band]
        ends_on = day if closes > opens else day + timedelta(days=1)
        ranges.append((datetime.combine(day, opens, tzinfo=zone), datetime.combine(ends_on, closes, tzinfo=zone)))
    return ranges


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def windows(times: SafeTimes, start: datetime, end: datetime, tz: str) -> list[Window]:
    """Every safe window that overlaps [start, end), merged where they touch, oldest first. With no restriction,
    one window covering the whole span."""
    if not times.restricted:
        return [Window(_utc(start), _utc(end))]
    zone = ZoneInfo(tz)
    first_day = start.astimezone(zone).date() - timedelta(days=1)  # a night window from the day before
    last_day = end.astimezone(zone).date()
    ranges: list[tuple[datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        ranges += [(_utc(a), _utc(b)) for a, b in _local_ranges(times, day, zone)]
        day += timedelta(days=1)
    if times.safe_that_day is False and times.said_on is not None:
        blocked = (_utc(datetime.combine(times.said_on, time(0), tzinfo=zone)),
                   _utc(datetime.combine(times.said_on + timedelta(days=1), time(0), tzinfo=zone)))
        ranges = [piece for r in ranges for piece in _minus(r, blocked)]
    merged: list[list[datetime]] = []
    whole = not times.bands
    for a, b in sorted(ranges):
        # Bands that touch are one window (evening into late into night); whole days stay a day each, or a
        # week of safe days would read as one window ending next week.
        if merged and a <= merged[-1][1] and not whole:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [Window(a, b, whole) for a, b in merged if b > _utc(start) and a < _utc(end) and b > a]


def _minus(span: tuple[datetime, datetime], cut: tuple[datetime, datetime]) -> Iterable[tuple[datetime, datetime]]:
    a, b = span
    if cut[1] <= a or cut[0] >= b:
        yield span
        return
    if a < cut[0]:
        yield a, cut[0]
    if cut[1] < b:
        yield cut[1], b


def window_at(times: SafeTimes, moment: datetime, tz: str) -> Window | None:
    """The safe window `moment` is in, or None."""
    for window in windows(times, moment, moment + timedelta(seconds=1), tz):
        if window.contains(_utc(moment)):
            return window
    return None


def next_window(times: SafeTimes, moment: datetime, tz: str) -> Window | None:
    """The first safe window that has not yet ended at `moment` (the one it is in, or the next to open)."""
    found = windows(times, moment, moment + timedelta(days=HORIZON_DAYS), tz)
    return found[0] if found else None


def _in_hours(window: Window, since: datetime, nation: str, tz: str) -> bool:
    return working_seconds_between(max(window.start, _utc(since)), window.end, nation, tz) > 0


def _last_working_moment(window: Window, nation: str, tz: str) -> datetime:
    """The end of the part of a window the team can use: a whole safe day is due by the end of that working
    day (17:00), a morning by 12:00."""
    zone = ZoneInfo(tz)
    day, last = window.start.astimezone(zone).date(), window.end.astimezone(zone).date()
    found = window.start
    while day <= last:
        if is_working_day(day, nation):
            closes = datetime.combine(day, END_OF_WORKING_DAY, tzinfo=zone).astimezone(timezone.utc)
            opens = datetime.combine(day, START_OF_WORKING_DAY, tzinfo=zone).astimezone(timezone.utc)
            if opens < window.end and closes > window.start:
                found = min(closes, window.end)
        day += timedelta(days=1)
    return found


def out_of_hours(times: SafeTimes, moment: datetime, nation: str, tz: str) -> bool:
    """True when no safe window in the next four weeks overlaps working hours: the team must contact out of
    hours or in another way, and the case says so rather than turning it into a weekday deadline."""
    if not times.restricted:
        return False
    return not any(_in_hours(w, moment, nation, tz)
                   for w in windows(times, moment, moment + timedelta(days=HORIZON_DAYS), tz))


@dataclass(frozen=True)
class Due:
    at: datetime  # when first contact is due
    target: datetime  # the working-day target it started from
    basis: str  # "target": the working-day target; "window": the end of a safe window (see contact_due)
    out_of_hours: bool
    first_window: Window | None  # the first safe window from arrival, if there is a restriction
    window: Window | None = None  # basis "window": the safe window whose end the due time is


def contact_due(received: datetime, times: SafeTimes, nation: str, cutoff: time, tz: str) -> Due:
    """The first-contact due time, following the safe windows.

    - The working-day target stands if a safe window lies in working hours between arrival and the target.
    - Otherwise it is the end of the first safe window after the target that the team can use (one in working
      hours): a report that says "not safe today" is due at the end of the next safe window, not today.
    - If no safe window lies in working hours at all (Saturday evenings only), it is the end of the first safe
      window after arrival, and `out_of_hours` says so: never silently turned into a weekday deadline.
    """
    target = first_contact_due(received, nation, cutoff, tz)
    if not times.restricted:
        return Due(target, target, "target", False, None)
    ahead = windows(times, received, received + timedelta(days=HORIZON_DAYS), tz)
    first = ahead[0] if ahead else None
    usable = [w for w in ahead if _in_hours(w, received, nation, tz)]
    if not usable:
        if first is None:  # nothing safe for four weeks: keep the target; the case says there is no safe time
            return Due(target, target, "target", True, None)
        return Due(first.end, target, "window", True, first, first)
    if working_seconds_between(max(usable[0].start, _utc(received)), min(usable[0].end, target), nation, tz) > 0:
        return Due(target, target, "target", False, first)
    return Due(_last_working_moment(usable[0], nation, tz), target, "window", False, first, usable[0])

"""The first-contact clock: working time between two moments (weekends, Welsh bank holidays, summer time), and
the clock's words in English and Welsh."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations

from portal.staff.clock import clock_for, describe, live_clock_data
from portal.store.models import Report
from portal.workdays.working_time import working_seconds_between

LONDON = ZoneInfo("Europe/London")
HOUR = 3600


def at(moment: str) -> datetime:
    """A London wall-clock time, as an aware datetime."""
    return datetime.fromisoformat(moment).replace(tzinfo=LONDON)


def between(start: str, end: str, nation: str = "wales") -> int:
    return working_seconds_between(at(start), at(end), nation, "Europe/London")


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


# --- working time -------------------------------------------------------------------------------------


def test_a_working_day_is_nine_to_five():
    assert between("2026-11-23T09:00", "2026-11-23T17:00") == 8 * HOUR
    assert between("2026-11-23T07:00", "2026-11-23T19:30") == 8 * HOUR
    assert between("2026-11-23T10:15", "2026-11-23T11:00") == 45 * 60
    assert between("2026-11-23T17:30", "2026-11-24T08:59") == 0


def test_a_weekend_is_not_working_time():
    # Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
    assert between("2026-11-20T16:00", "2026-11-23T10:00") == 2 * HOUR
    assert between("2026-11-21T09:00", "2026-11-22T17:00") == 0


def test_christmas_and_the_boxing_day_substitute_are_not_working_time_in_wales():
    # Thu 24 Dec 16:00 to Tue 29 Dec 10:00: 25th (Fri) a holiday, 26–27 the weekend, 28th (Mon) a holiday.
    assert between("2026-12-24T16:00", "2026-12-29T10:00") == 2 * HOUR
    assert between("2026-12-28T09:00", "2026-12-28T17:00") == 0
    assert between("2026-12-25T09:00", "2026-12-25T17:00") == 0


def test_the_early_may_bank_holiday_is_not_working_time():
    # Fri 1 May 16:00 to Tue 5 May 10:00 (summer time): Monday 4 May is the early May bank holiday.
    assert between("2026-05-01T16:00", "2026-05-05T10:00") == 2 * HOUR
    assert between("2026-05-04T09:00", "2026-05-04T17:00") == 0


def test_working_hours_follow_local_time_across_the_clock_change():
    # Clocks go forward on Sunday 29 March 2026; Monday's 9 to 5 is still 9 to 5 local time.
    assert between("2026-03-27T16:00", "2026-03-30T10:00") == 2 * HOUR
    assert between("2026-03-30T09:00", "2026-03-30T17:00") == 8 * HOUR


def test_time_runs_backwards_when_the_end_is_before_the_start():
    assert between("2026-11-23T10:00", "2026-11-20T16:00") == -2 * HOUR
    assert between("2026-12-29T10:00", "2026-12-24T16:00") == -2 * HOUR


# --- the clock's words --------------------------------------------------------------------------------


def report_due(due: datetime, contacted: bool = False, reached: datetime | None = None,
               out_of_hours: bool = False) -> Report:
    return Report(first_contact_due=due, contacted=contacted, first_contact_at=reached, out_of_hours=out_of_hours)


NOW = "2026-11-23T10:00"  # a Monday morning


@pytest.mark.parametrize("due, text, seconds", [
    ("2026-11-23T11:00", "1 hour left", HOUR),
    ("2026-11-23T12:00", "2 hours left", 2 * HOUR),
    ("2026-11-23T10:01", "1 minute left", 60),
    ("2026-11-23T10:02", "2 minutes left", 120),
    ("2026-11-23T11:30", "1 hour 30 minutes left", 90 * 60),
    ("2026-11-24T17:00", "1 working day 7 hours left", 15 * HOUR),
    ("2026-11-25T17:00", "2 working days 7 hours left", 23 * HOUR),
    ("2026-11-24T10:00", "1 working day left", 8 * HOUR),
    ("2026-11-23T10:00:30", "Due now", 30),
])
def test_time_left_in_english(app, due, text, seconds):
    with app.test_request_context("/staff/"):
        clock = clock_for(report_due(at(due)), at(NOW))
    assert (clock.text, clock.seconds_left, clock.overdue) == (text, seconds, False)


@pytest.mark.parametrize("now, due, text", [
    ("2026-11-23T12:00", "2026-11-23T10:00", "Overdue by 2 hours"),
    ("2026-11-23T12:00", "2026-11-23T11:59", "Overdue by 1 minute"),
    ("2026-11-23T12:00", "2026-11-23T10:30", "Overdue by 1 hour 30 minutes"),
    ("2026-11-24T12:00", "2026-11-23T12:00", "Overdue by 1 working day"),
    ("2026-11-30T12:00", "2026-11-20T17:00", "Overdue by 5 working days 3 hours"),
])
def test_overdue_in_english(app, now, due, text):
    with app.test_request_context("/staff/"):
        clock = clock_for(report_due(at(due)), at(now))
    assert clock.overdue and clock.seconds_left < 0 and clock.text == text


@pytest.mark.parametrize("now", ["2026-11-23T18:00", "2026-11-24T08:00", "2026-11-28T12:00"])
def test_a_deadline_missed_outside_working_hours_still_says_overdue(app, now):
    # Due at 17:00 on Monday; seen that evening, the next morning before nine, or at the weekend.
    with app.test_request_context("/staff/"):
        clock = clock_for(report_due(at("2026-11-23T17:00")), at(now))
    assert clock.overdue and clock.seconds_left < 0
    assert clock.text.startswith("Overdue"), clock.text


def test_reaching_the_person_or_a_triage_decision_stops_the_clock(app):
    with app.test_request_context("/staff/"):
        reached = clock_for(report_due(at("2026-11-20T17:00"), True, at("2026-11-20T12:00")), at(NOW))
        triaged = clock_for(report_due(at("2026-11-20T17:00"), contacted=True), at(NOW))
    assert (reached.seconds_left, reached.overdue, reached.text) == (None, False, "Person reached")
    assert (triaged.seconds_left, triaged.overdue, triaged.text) == (None, False, "Triaged")


def test_a_report_safe_only_out_of_hours_says_when_rather_than_counting_working_time(app):
    with app.test_request_context("/staff/"):
        ahead = clock_for(report_due(at("2026-11-28T20:00"), out_of_hours=True), at(NOW))
        gone = clock_for(report_due(at("2026-11-21T20:00"), out_of_hours=True), at(NOW))
    assert ahead.seconds_left is None and not ahead.overdue and ahead.text == "Out of hours: by Sat 28 Nov, 20:00"
    assert gone.overdue and gone.text == "Overdue: their safe time ended Sat 21 Nov, 20:00"


def test_a_naive_deadline_from_sqlite_is_read_as_utc(app):
    due = at("2026-11-23T11:00").astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    with app.test_request_context("/staff/"):
        assert clock_for(report_due(due), at(NOW)).text == "1 hour left"


# --- Welsh --------------------------------------------------------------------------------------------


@pytest.fixture
def welsh(app):  # type: ignore[no-untyped-def]
    """The Welsh catalogue itself, read with Babel (not through the app), to say what each phrase should be."""
    return Translations.load(str(app.config["PROJECT_ROOT"] / "translations"), ["cy"])


def welsh_units(welsh: Translations, days: int = 0, hours: int = 0, minutes: int = 0) -> str:
    parts = []
    if days:
        parts.append(welsh.ungettext("%(num)d working day", "%(num)d working days", days) % {"num": days})
    if hours:
        parts.append(welsh.ungettext("%(num)d hour", "%(num)d hours", hours) % {"num": hours})
    if minutes:
        parts.append(welsh.ungettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes})
    return " ".join(parts)


@pytest.mark.parametrize("hours", [1, 2, 3, 6, 7])  # Welsh plural categories: one, two, few, many, other
def test_hours_left_in_welsh_use_the_catalogues_plural_forms(app, welsh, hours):
    due = at(NOW) + timedelta(hours=hours)
    with app.test_request_context("/staff/?lang=cy"):
        text = clock_for(report_due(due), at(NOW)).text
    expected = welsh.ugettext("%(duration)s left") % {"duration": welsh_units(welsh, hours=hours)}
    assert text == expected and str(hours) in text


def test_overdue_in_welsh(app, welsh):
    with app.test_request_context("/staff/?lang=cy"):
        clock = clock_for(report_due(at("2026-11-23T10:00")), at("2026-11-24T11:00"))
    assert clock.overdue
    expected = welsh.ugettext("Overdue by %(duration)s") % {"duration": welsh_units(welsh, days=1, hours=1)}
    assert clock.text == expected and clock.text.count("1") == 2  # 1 working day 1 hour (Mon 10:00 to Tue 11:00)


def test_reached_and_triaged_in_welsh(app, welsh):
    with app.test_request_context("/staff/?lang=cy"):
        assert clock_for(report_due(at(NOW), True, at(NOW)), at(NOW)).text == welsh.ugettext("Person reached")
        assert clock_for(report_due(at(NOW), contacted=True), at(NOW)).text == welsh.ugettext("Triaged")


def test_the_live_clock_gets_every_plural_form_in_the_page_language(app):
    with app.test_request_context("/staff/"):
        strings = json.loads(live_clock_data(at(NOW))["strings"])
        assert describe(-HOUR) == "Overdue by 1 hour"
    assert strings["hour"]["one"] == "{n} hour" and strings["hour"]["other"] == "{n} hours"
    assert strings["day"]["two"] == "{n} working days"
    assert strings["overdue"] == "Overdue by {d}" and strings["left"] == "{d} left"
    assert set(strings["minute"]) == {"zero", "one", "two", "few", "many", "other"}


def test_the_live_clock_windows_skip_weekends_and_holidays(app):
    with app.test_request_context("/staff/"):
        data = live_clock_data(at("2026-12-24T16:00"))
    windows = [(datetime.fromtimestamp(a, LONDON), datetime.fromtimestamp(b, LONDON))
               for a, b in json.loads(data["windows"])]
    assert [w[0].date().isoformat() for w in windows] == ["2026-12-24", "2026-12-29", "2026-12-30"]
    assert all((w[0].hour, w[1].hour) == (9, 17) for w in windows)

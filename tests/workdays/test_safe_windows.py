"""Safe-window arithmetic: bands as clock ranges, across midnight, weekends, bank holidays and the clock
changes, "not safe today" as the day it was said, and the first-contact due time that follows the windows.

The organisation is in Europe/London (Wales). Tuesday 1 December 2026 is a working day; 25 and 28 December
2026 are bank holidays (Christmas, and Boxing Day moved from the Saturday); British Summer Time ends at 02:00
on Sunday 25 October 2026 and starts at 01:00 on Sunday 29 March 2026.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.workdays.safe_windows import SafeTimes, contact_due, next_window, out_of_hours, window_at, windows

TZ = "Europe/London"
LONDON = ZoneInfo(TZ)
CUTOFF = time(16, 0)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=timezone.utc)


def spans(times: SafeTimes, start: datetime, days: int = 7) -> list[tuple[datetime, datetime]]:
    return [(w.start.astimezone(LONDON), w.end.astimezone(LONDON))
            for w in windows(times, start, start + timedelta(days=days), TZ)]


def test_the_bands_are_clock_ranges_on_the_days_chosen():
    times = SafeTimes(days=frozenset({"tue", "thu"}), bands=frozenset({"afternoon"}))
    assert spans(times, local(2026, 11, 30)) == [(local(2026, 12, 1, 12), local(2026, 12, 1, 17)),
                                                 (local(2026, 12, 3, 12), local(2026, 12, 3, 17))]


def test_a_night_window_runs_into_the_next_morning():
    times = SafeTimes(days=frozenset({"sat"}), bands=frozenset({"night"}))
    (only,) = spans(times, local(2026, 11, 30))
    assert only == (local(2026, 12, 5, 23), local(2026, 12, 6, 7))
    assert window_at(times, local(2026, 12, 6, 3), TZ) is not None  # 3am on Sunday: still Saturday night
    assert window_at(times, local(2026, 12, 5, 22, 59), TZ) is None
    assert window_at(times, local(2026, 12, 6, 7), TZ) is None  # the end is not inside


def test_windows_that_touch_are_one():
    times = SafeTimes(days=frozenset({"wed"}), bands=frozenset({"evening", "late", "night"}))
    assert spans(times, local(2026, 11, 30)) == [(local(2026, 12, 2, 17), local(2026, 12, 3, 7))]


def test_days_without_times_are_whole_days_and_times_without_days_are_every_day():
    whole = spans(SafeTimes(days=frozenset({"sun"})), local(2026, 11, 30))
    assert whole == [(local(2026, 12, 6), local(2026, 12, 7))]
    every = spans(SafeTimes(bands=frozenset({"early"})), local(2026, 11, 30), days=3)
    assert every == [(local(2026, 11, 30, 7), local(2026, 11, 30, 9)), (local(2026, 12, 1, 7), local(2026, 12, 1, 9)),
                     (local(2026, 12, 2, 7), local(2026, 12, 2, 9))]


def test_no_days_or_times_given_means_no_restriction():
    times = SafeTimes()
    assert not times.restricted
    assert window_at(times, local(2026, 12, 5, 3), TZ) is not None


def test_not_safe_today_is_the_day_it_was_said_and_clips_a_night_window():
    times = SafeTimes.from_answers({"safe_days": ["mon", "tue", "wed"], "safe_times": ["night", "afternoon"],
                                    "safe_today": "no"}, said_on=date(2026, 12, 1))
    shown = spans(times, local(2026, 11, 30), days=3)
    assert (local(2026, 11, 30, 12), local(2026, 11, 30, 17)) in shown
    assert (local(2026, 11, 30, 23), local(2026, 12, 1, 0)) in shown  # Monday night stops at midnight
    assert not any(a.date() == date(2026, 12, 1) for a, _b in shown)  # nothing on the Tuesday
    assert (local(2026, 12, 2, 12), local(2026, 12, 2, 17)) in shown  # Wednesday as usual
    # A week later the Tuesday is safe again: "today" meant 1 December, not every Tuesday.
    assert window_at(times, local(2026, 12, 8, 13), TZ) is not None


def test_safe_today_yes_adds_that_day_in_the_chosen_times():
    times = SafeTimes.from_answers({"safe_days": ["sat"], "safe_times": ["afternoon"], "safe_today": "yes"},
                                   said_on=date(2026, 12, 1))
    assert window_at(times, local(2026, 12, 1, 14), TZ) is not None  # a Tuesday, because they said so
    assert window_at(times, local(2026, 12, 8, 14), TZ) is None


@pytest.mark.parametrize("saturday, hours", [(date(2026, 10, 24), 9), (date(2026, 3, 28), 7)])
def test_a_night_window_across_the_clock_change_is_as_long_as_the_clock_says(saturday, hours):
    times = SafeTimes(days=frozenset({"sat"}), bands=frozenset({"night"}))
    window = next_window(times, datetime.combine(saturday, time(12), tzinfo=LONDON), TZ)
    assert window is not None
    assert window.start.astimezone(LONDON) == datetime.combine(saturday, time(23), tzinfo=LONDON)
    assert window.end.astimezone(LONDON) == datetime.combine(saturday + timedelta(days=1), time(7), tzinfo=LONDON)
    assert window.end - window.start == timedelta(hours=hours)


def test_the_due_time_stays_the_working_day_target_when_a_safe_window_opens_before_it():
    times = SafeTimes(days=frozenset({"mon", "tue", "wed", "thu", "fri"}), bands=frozenset({"afternoon"}))
    due = contact_due(local(2026, 12, 1, 10), times, "wales", CUTOFF, TZ)
    assert (due.at, due.basis, due.out_of_hours) == (local(2026, 12, 1, 17), "target", False)


def test_not_safe_today_moves_the_due_time_to_the_end_of_the_next_safe_window():
    times = SafeTimes.from_answers({"safe_days": ["mon", "tue", "wed", "thu", "fri"], "safe_times": ["afternoon"],
                                    "safe_today": "no"}, said_on=date(2026, 12, 1))
    due = contact_due(local(2026, 12, 1, 10), times, "wales", CUTOFF, TZ)
    assert (due.at, due.basis, due.target) == (local(2026, 12, 2, 17), "window", local(2026, 12, 1, 17))


def test_a_window_wholly_out_of_hours_is_flagged_not_made_a_weekday_deadline():
    times = SafeTimes(days=frozenset({"sat"}), bands=frozenset({"evening"}))
    due = contact_due(local(2026, 12, 4, 18), times, "wales", CUTOFF, TZ)  # a Friday evening
    assert (due.at, due.basis, due.out_of_hours) == (local(2026, 12, 5, 20), "window", True)
    assert out_of_hours(times, local(2026, 12, 4, 18), "wales", TZ)
    assert not out_of_hours(SafeTimes(days=frozenset({"sat", "mon"}), bands=frozenset({"evening", "morning"})),
                            local(2026, 12, 4, 18), "wales", TZ)


def test_a_safe_monday_that_is_a_bank_holiday_does_not_count():
    times = SafeTimes(days=frozenset({"mon"}), bands=frozenset({"morning"}))
    due = contact_due(local(2026, 12, 24, 18), times, "wales", CUTOFF, TZ)  # Christmas Eve, 6pm
    assert due.target == local(2026, 12, 29, 17)  # 25 and 28 December are bank holidays
    assert (due.at, due.basis, due.out_of_hours) == (local(2027, 1, 4, 12), "window", False)
    assert due.first_window is not None and due.first_window.start == local(2026, 12, 28, 9).astimezone(timezone.utc)


def test_arriving_inside_a_safe_window_keeps_the_target():
    times = SafeTimes(bands=frozenset({"morning"}))
    due = contact_due(local(2026, 12, 1, 10), times, "england", CUTOFF, TZ)
    assert (due.at, due.basis) == (local(2026, 12, 1, 17), "target")
    assert window_at(times, local(2026, 12, 1, 10), TZ) == due.first_window


def test_no_restriction_is_the_working_day_target():
    due = contact_due(utc(2026, 12, 1, 17, 30), SafeTimes(), "wales", CUTOFF, TZ)
    assert (due.at, due.basis, due.out_of_hours, due.first_window) == (local(2026, 12, 2, 17), "target", False, None)


def test_whole_safe_days_stay_a_day_each_and_are_due_by_the_end_of_that_working_day():
    """Found by a tester: Thursday and Friday were one window ending on Friday night, and "not safe today"
    alone made four weeks of one window, due in 19 working days."""
    both = SafeTimes(days=frozenset({"thu", "fri"}))
    assert spans(both, local(2026, 11, 30)) == [(local(2026, 12, 3), local(2026, 12, 4)),
                                                (local(2026, 12, 4), local(2026, 12, 5))]
    not_today = SafeTimes.from_answers({"safe_today": "no"}, said_on=date(2026, 12, 1))
    due = contact_due(local(2026, 12, 1, 10), not_today, "wales", CUTOFF, TZ)
    assert (due.at, due.basis) == (local(2026, 12, 2, 17), "window")  # Wednesday, by the end of the working day
    thursday = contact_due(local(2026, 12, 1, 10), both, "wales", CUTOFF, TZ)
    assert thursday.at == local(2026, 12, 3, 17) and thursday.window is not None and thursday.window.whole_day


def test_a_morning_window_is_due_by_its_end():
    times = SafeTimes(days=frozenset({"thu"}), bands=frozenset({"early", "morning"}))
    due = contact_due(local(2026, 12, 1, 10), times, "wales", CUTOFF, TZ)
    assert (due.at, due.basis) == (local(2026, 12, 3, 12), "window")

"""First-contact deadlines on working days, with each nation's bank holidays."""
from datetime import date, datetime, time, timezone

from portal.workdays.working_time import first_contact_due, is_working_day, next_working_day

CUTOFF = time(15, 0)
TZ = "Europe/London"


def due(moment: str, nation: str = "wales") -> str:
    received = datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)
    return first_contact_due(received, nation, CUTOFF, TZ).isoformat()


def test_before_the_cut_off_on_a_working_day_is_due_the_same_day():
    assert due("2026-11-24T10:00:00") == "2026-11-24T17:00:00+00:00"


def test_after_the_cut_off_is_due_the_next_working_day():
    assert due("2026-11-24T15:30:00") == "2026-11-25T17:00:00+00:00"


def test_friday_evening_is_due_on_monday():
    assert due("2026-11-27T18:00:00") == "2026-11-30T17:00:00+00:00"


def test_christmas_and_boxing_day_are_skipped():
    # Thursday 24 December 2026, after the cut-off: 25th (Fri) and 28th (Mon, Boxing Day substitute) are holidays.
    assert due("2026-12-24T16:00:00") == "2026-12-29T17:00:00+00:00"


def test_summer_time_is_local_time():
    # 13:30 UTC is 14:30 BST, before the 15:00 cut-off; the day ends at 17:00 BST = 16:00 UTC.
    assert due("2026-07-01T13:30:00") == "2026-07-01T16:00:00+00:00"


def test_saint_davids_day_is_not_a_bank_holiday_in_wales():
    assert is_working_day(date(2027, 3, 1), "wales")


def test_bank_holidays_differ_by_nation_calendar_but_both_skip_easter_monday():
    assert not is_working_day(date(2027, 3, 29), "wales")
    assert not is_working_day(date(2027, 3, 29), "england")
    assert next_working_day(date(2027, 3, 26), "england") == date(2027, 3, 30)


def test_the_bank_holiday_file_matches_the_holidays_library():
    """portal/data/bank_holidays.json is the library's output, kept so workers need not load the library;
    after a library upgrade that changes a date, `python -m portal.workdays.bank_holidays` writes it again."""
    from portal.workdays.bank_holidays import _data, generate, holidays_in
    assert _data() == generate()
    assert date(2026, 12, 25) in holidays_in("wales", 2026) and date(2026, 8, 31) in holidays_in("england", 2026)
    assert date(2051, 12, 25) in holidays_in("wales", 2051)  # outside the file: the library itself

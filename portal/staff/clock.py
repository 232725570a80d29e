"""The first-contact clock: working time left until (or past) the deadline, in the staff member's language.

The page is rendered with each row's working seconds left at render time; staff.js counts them down in the
browser using the working windows of the next few days and the plural forms below (Intl.PluralRules picks
the CLDR category; we give it each category's translated form), so no request is needed to keep it live.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from flask_babel import format_datetime, gettext, ngettext

from portal.store.models import Report
from portal.workdays.working_time import WORKING_DAY_SECONDS, working_seconds_between, working_windows

# A number that falls in each CLDR plural category, for English and Welsh.
CATEGORY_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 6, "other": 7}


@dataclass(frozen=True)
class Clock:
    seconds_left: int | None  # None once first contact has been made or attempted
    overdue: bool
    text: str


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _units(seconds: int) -> list[str]:
    days, rest = divmod(abs(seconds), WORKING_DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d working day", "%(num)d working days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes and not days:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return parts


def describe(seconds: int) -> str:
    parts = _units(seconds)
    if not parts:
        # Past the deadline but not yet a working minute late (the deadline passed out of hours).
        return gettext("Overdue") if seconds < 0 else gettext("Due now")
    # Translators: %(duration)s is a list of amounts like "1 working day 2 hours".
    duration = " ".join(parts)
    if seconds < 0:
        return gettext("Overdue by %(duration)s", duration=duration)
    return gettext("%(duration)s left", duration=duration)


def clock_for(report: Report, now: datetime) -> Clock:
    """The first-contact clock of a report: stopped once the person at risk was reached (or, with no safe way
    to reach them, the report was triaged); otherwise the working time left. A report whose only safe times are
    out of hours is due at a moment, not in working time: the clock says when, and does not count down."""
    if report.contacted:
        return Clock(None, False, gettext("Person reached") if report.first_contact_at else gettext("Triaged"))
    config = current_app.config
    due = _aware(report.first_contact_due)
    if report.out_of_hours:
        overdue = due <= now
        when = format_datetime(due, "EEE d MMM, HH:mm")
        return Clock(None, overdue, gettext("Overdue: their safe time ended %(when)s", when=when) if overdue
                     else gettext("Out of hours: by %(when)s", when=when))
    seconds = working_seconds_between(now, due, config["NATION"], config["TIMEZONE"])
    overdue = due <= now
    if overdue and seconds == 0:
        seconds = -1  # past the deadline outside working hours: still overdue
    return Clock(seconds, overdue, describe(seconds))


def live_clock_data(now: datetime) -> dict[str, str]:
    """Data attributes for the queue table: render time, working windows, and translated forms."""
    def forms(singular: str, plural: str) -> dict[str, str]:
        return {cat: ngettext(singular, plural, n).replace(str(n), "{n}", 1) for cat, n in CATEGORY_SAMPLES.items()}

    strings = {
        "day": forms("%(num)d working day", "%(num)d working days"),
        "hour": forms("%(num)d hour", "%(num)d hours"),
        "minute": forms("%(num)d minute", "%(num)d minutes"),
        "left": gettext("%(duration)s left", duration="{d}"),
        "overdue": gettext("Overdue by %(duration)s", duration="{d}"),
        "now": gettext("Due now"),
        "overdue_now": gettext("Overdue"),
    }
    config = current_app.config
    return {"rendered": str(int(now.timestamp())),
            "windows": json.dumps(working_windows(now, config["NATION"], config["TIMEZONE"])),
            "strings": json.dumps(strings, ensure_ascii=False)}

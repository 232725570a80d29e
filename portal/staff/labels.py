"""Names for codes, lazily translated: statuses, reporter kinds, channels, flags, roles, outcomes, actions,
agencies."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_time, get_locale, gettext
from flask_babel import lazy_gettext as _l

from portal.staff.forms_auth import ROLE_CHOICES

STATUS_NAMES = {
    "new": _l("New"), "contact_attempted": _l("Contact attempted"), "in_contact": _l("In contact"),
    "assessed": _l("Assessed"), "case_open": _l("Case open"), "closed": _l("Closed"),
}
KIND_NAMES = {"self": _l("The person themselves"), "concerned": _l("Someone worried about them"),
              "agency": _l("An agency"), "staff": _l("Our staff, a volunteer or a contractor")}
# How a disclosure reached us (Report.channel).
CHANNEL_NAMES = {"web": _l("Website"), "phone": _l("Phone call"), "in_person": _l("In person"),
                 "colleague": _l("Staff, volunteer or contractor"), "police": _l("Police"), "marac": _l("MARAC"),
                 "idva": _l("IDVA"), "other_agency": _l("Another agency")}
FLAG_NAMES = {"danger": _l("Danger now"), "children": _l("Children"), "no_contact": _l("Do not contact"),
              "messages": _l("New message from the reporter"),
              "profile": _l("The reporter changed how to contact them"),
              "out_of_hours": _l("Safe only out of hours")}
ROLE_NAMES = dict(ROLE_CHOICES)
# What closing a case must not leave behind without a reason and a lead's sign-off (portal/casework/closing.py).
OPEN_ITEM_NAMES = {
    "no_assessment": _l("No risk assessment has been recorded."),
    "high_risk_no_marac": _l("The case is high risk and no MARAC referral has been recorded."),
    "breathing_space": _l("A breathing space on rent arrears is still running."),
    "safeguarding_open": _l("A safeguarding referral is still waiting for its outcome."),
    "share_unsigned": _l("Information shared without consent has not been countersigned by a team lead."),
}


def on_day(moment: datetime | date) -> str:
    """A day, to slot into a sentence where it means "on that day" ("On %(date)s they said…"): in the reader's
    language and the organisation's time zone. Welsh says "on Tuesday" as "ddydd Mawrth", with the adverbial
    soft mutation, which its translations then need not add: "Dywedon nhw ddydd Mawrth 1 Rhagfyr …"."""
    when = _aware(moment).astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date() if isinstance(
        moment, datetime) else moment
    text = format_date(when, "EEEE d MMMM yyyy")
    if str(get_locale()) == "cy" and text[:4].lower() == "dydd":  # Babel writes "Dydd Mercher"
        return "ddydd" + text[4:]
    return text


def window_text(window: Any) -> str:
    """A safe window in words, in the reader's language: "Thursday 3 December, 12:00 to 17:00"."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    day = format_date(start.date(), "EEEE d MMMM")
    if window.whole_day:
        return gettext("%(day)s, all day", day=day)
    if end.date() == start.date() or (end - start).total_seconds() <= 86400 and end.time().hour == 0 == end.minute:
        return gettext("%(day)s, %(start)s to %(end)s", day=day, start=start.strftime("%H:%M"),
                       end=end.strftime("%H:%M"))
    return gettext("%(start_day)s %(start)s to %(end_day)s %(end)s", start_day=day, start=start.strftime("%H:%M"),
                   end_day=format_date(end.date(), "EEEE d MMMM"), end=end.strftime("%H:%M"))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def init_labels(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = lambda m: format_datetime(_aware(m), "d MMM yyyy, HH:mm")
    app.jinja_env.filters["local_time"] = lambda m: format_time(_aware(m), "HH:mm")
    app.jinja_env.filters["local_date"] = lambda d: format_date(d, "d MMM yyyy")
    app.jinja_env.filters["isoutc"] = lambda m: _aware(m).isoformat()
    app.jinja_env.filters["on_day"] = on_day
    app.jinja_env.filters["window_text"] = window_text


def label_context() -> dict[str, Any]:
    return {"status_names": STATUS_NAMES, "kind_names": KIND_NAMES, "flag_names": FLAG_NAMES,
            "role_names": ROLE_NAMES, "channel_names": CHANNEL_NAMES}

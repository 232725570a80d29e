"""Performance indicators for team leads and auditors, on screen (tables and inline SVG charts) and as CSV.

Computed by portal.casework.indicators from plaintext metadata only: this module never opens a report. Every CSV
export is audited; so is every viewing (who looked at which period), like any other look at the service's data.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.casework.indicators import CHANNELS, CLOSE_REASONS, Figure, Indicators, Percent, compute
from portal.casework.periods import Period, period_from_args, recent_periods
from portal.casework.risk_indicators import AGENCIES
from portal.staff import indicator_labels as il
from portal.staff.access import allow
from portal.staff.auth_views import audit
from portal.staff.blueprint import bp
from portal.staff.forms_case import ACTION_NAMES, CLOSE_REASON_NAMES, REFERRAL_NAMES
from portal.staff.forms_sharing import AGENCY_NAMES
from portal.staff.labels import CHANNEL_NAMES, KIND_NAMES
from portal.store.db import db
from portal.web.spreadsheet import formula_safe

LANGUAGE_NAMES = {"en": _l("English"), "cy": _l("Welsh"), "unknown": _l("Not known (deleted cases)")}
CHANNEL_LABELS = {**CHANNEL_NAMES, "unknown": _l("Not known (deleted cases)")}
FLAG_LABELS = {"danger_now": _l("Someone in danger at the time"), "children": _l("Children in the household"),
               "no_contact": _l("Asked us not to make contact"),
               "repeat": _l("Reported to us before (as recorded by staff)"),
               "under_16": _l("Someone at risk under 16"), "adult_at_risk": _l("An adult at risk")}
PROBLEMS = {"dates": _l("Enter both dates of the custom period, like 2026-07-01."),
            "order": _l("The end of the period must be on or after its start."),
            "years": _l("Enter dates between the years 2000 and 2200."),
            "too-long": _l("A custom period can be at most three years."),
            "start": _l("That month or quarter was not recognised.")}
REASON_NAMES = {**CLOSE_REASON_NAMES, "unknown": _l("Reason not recorded")}
# The CSV's own label for each figure that is not one of a named group.
SINGLE_LABELS = {
    ("received", "total"): _l("Reports received"),
    ("first_contact", "due"): _l("Reports whose first contact was due"),
    ("first_contact", "within_target"): _l("Person at risk reached within the working-day target"),
    ("first_contact", "late"): _l("First contact late, or still overdue"),
    ("first_contact", "within_target_percent"): _l("Person at risk reached within the working-day target (%)"),
    ("first_contact", "within_window"): _l("Reached within target or at their first safe time"),
    ("first_contact", "within_window_percent"): _l("Reached within target or at their first safe time (%)"),
    ("first_contact", "reporter_only"): _l("Reporter contacted, person at risk not reached"),
    ("first_contact", "triage_due"): _l("No-contact reports due for triage"),
    ("first_contact", "triaged_in_time"): _l("No-contact reports triaged in time"),
    ("first_contact", "triaged_in_time_percent"): _l("No-contact reports triaged in time (%)"),
    ("first_contact", "contacted"): _l("Reports with a first contact"),
    ("first_contact", "median_working_hours"): _l("Median time to first contact (working hours)"),
    ("first_contact", "p90_working_hours"): _l("90th percentile time to first contact (working hours)"),
    ("first_contact", "overdue_now"): _l("Overdue now (first contact or triage)"),
    ("closed", "total"): _l("Cases closed"),
    **il.SINGLE_LABELS,
}
GROUP_LABELS = {"received_by_kind": KIND_NAMES, "received_by_language": LANGUAGE_NAMES,
                "received_by_channel": CHANNEL_LABELS,
                "received_flags": FLAG_LABELS, "actions": ACTION_NAMES,
                "referrals": REFERRAL_NAMES, "shared_with": AGENCY_NAMES, "closed_by_reason": REASON_NAMES,
                **il.GROUP_LABELS}
SECTION_NAMES = {"received": _l("Reports received"), "received_by_kind": _l("Who reported"),
                 "received_by_language": _l("Language"), "received_by_channel": _l("How reports reached us"),
                 "received_flags": _l("What reports told us"),
                 "first_contact": _l("First contact"), "risk": _l("Risk"), "risk_level": _l("Risk levels"),
                 "actions": _l("Actions taken"), "referrals": _l("Referrals"),
                 "shared_with": _l("Information shared with"), "closed": _l("Cases closed"),
                 "closed_by_reason": _l("Cases closed, by reason"), **il.SECTION_NAMES}
assert set(AGENCIES) == set(AGENCY_NAMES) and set(CLOSE_REASONS) == set(CLOSE_REASON_NAMES)
assert set(CHANNELS) == set(CHANNEL_NAMES)


# The soft mutation of the Welsh month names that change (Ionawr, Chwefror, Ebrill, Awst and Hydref do
# not), for a month after "i": "Hydref i Ragfyr", as StatsCymru writes it.
WELSH_SOFT_MONTHS = {"Mawrth": "Fawrth", "Mai": "Fai", "Mehefin": "Fehefin", "Gorffennaf": "Orffennaf",
                     "Medi": "Fedi", "Tachwedd": "Dachwedd", "Rhagfyr": "Ragfyr"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _figures(*, exact: bool) -> tuple[Indicators, str]:
    """The period's figures: exact for the screen (leads and auditors, inside the team), or through the
    small-number rule for what leaves the team (the CSV and the board pack)."""
    config = current_app.config
    today = _now().astimezone(ZoneInfo(config["TIMEZONE"])).date()
    period, problem = period_from_args(request.args, today)
    figures = compute(db(), period, now=_now(), threshold=1 if exact else config["INDICATOR_MIN_COUNT"],
                      nation=config["NATION"], tz=config["TIMEZONE"])
    return figures, problem


def period_name(period: Period) -> str:
    """The period in words, in the page's language: "November 2026", "July to September 2026"."""
    if period.kind == "month":
        return format_date(period.first, "LLLL yyyy")
    if period.kind == "quarter":
        last = format_date(period.last, "LLLL yyyy")
        if str(get_locale()) == "cy":  # "i" (to) softens the month after it: Gorffennaf i Fedi
            month, _space, year = last.partition(" ")
            last = f"{WELSH_SOFT_MONTHS.get(month, month)} {year}"
        return gettext("%(first)s to %(last)s", first=format_date(period.first, "LLLL"), last=last)
    return gettext("%(first)s to %(last)s", first=format_date(period.first, "d MMMM yyyy"),
                   last=format_date(period.last, "d MMMM yyyy"))


def _detail(period: Period) -> str:
    return f"{period.kind}:{period.first.isoformat()}..{period.last.isoformat()}"


@bp.get("/indicators")
@allow("lead", "auditor")
def indicators() -> tuple[str, int] | str:
    """The indicators for a month, a quarter or a custom period, counted exactly: the page is for the team."""
    return _page(board=False)


@bp.get("/indicators/board")
@allow("lead", "auditor")
def indicators_board() -> tuple[str, int] | str:
    """The board pack: the same figures to print for the board, small counts hidden as in the CSV."""
    return _page(board=True)


def _page(*, board: bool) -> tuple[str, int]:
    figures, problem = _figures(exact=not board)
    audit("indicators.board_pack" if board else "indicators.viewed", detail=_detail(figures.period))
    db().commit()
    today = _now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    return render_template(
        "staff/indicators.html", f=figures, problem=PROBLEMS.get(problem), period_name=period_name, board=board,
        leaving_threshold=current_app.config["INDICATOR_MIN_COUNT"],
        months=recent_periods("month", today, 24), quarters=recent_periods("quarter", today, 12),
        kind_names=KIND_NAMES, language_names=LANGUAGE_NAMES, channel_labels=CHANNEL_LABELS, flag_labels=FLAG_LABELS,
        labels=il, action_names=ACTION_NAMES, referral_names=REFERRAL_NAMES,
        agency_names=AGENCY_NAMES, reason_names=REASON_NAMES, args=request.args), (400 if problem else 200)


def _cell(value: Figure | Percent | float | None) -> str:
    if isinstance(value, Percent) and value.value is None or isinstance(value, Figure) and value.secondary:
        return gettext("suppressed")  # in the reader's language, like the rest of the file
    if isinstance(value, (Figure, Percent)):
        return value.csv()
    return "" if value is None else f"{value:g}"


@bp.get("/indicators.csv")
@allow("lead", "auditor")
def indicators_csv() -> Response:
    """The same figures as CSV: one row per figure, with its section and label in the reader's language.
    Suppressed counts read "<5"; bounded percentages ">=96.2" or "<=3.8". Audited before it is sent."""
    figures, _problem = _figures(exact=False)
    audit("indicators.exported", detail=_detail(figures.period))
    db().commit()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([gettext("Period"), period_name(figures.period), figures.period.first.isoformat(),
                     figures.period.last.isoformat()])
    writer.writerow([gettext("Counts below this are not shown"), str(figures.threshold), "", ""])
    writer.writerow([gettext("Section"), gettext("Figure"), gettext("Code"), gettext("Value")])
    for section, key, value in figures.rows():
        names = GROUP_LABELS.get(section)
        label = names.get(key, key) if names else SINGLE_LABELS.get((section, key), key)
        writer.writerow([formula_safe(str(SECTION_NAMES.get(section, section))), formula_safe(str(label)),
                         f"{section}.{key}", _cell(value)])
    name = f"indicators-{figures.period.first.isoformat()}-{figures.period.last.isoformat()}.csv"
    # A byte-order mark so that spreadsheet programs read the Welsh letters (â, ŵ, ŷ) as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


CHART_ROW, CHART_LABEL_WIDTH, CHART_BAR_WIDTH = 28, 260, 230  # px, in a 560 px wide viewBox


@bp.app_template_global()
def indicator_chart(names: dict[str, Any], figures: dict[str, Figure]) -> dict[str, Any]:
    """What the template needs to draw a horizontal bar chart as inline SVG: a bar per figure, scaled to the
    largest shown value (a suppressed figure gets no bar, and says so in words)."""
    largest = max([f.value for f in figures.values() if f.value] or [1])
    bars = [{"name": str(names.get(key, key)), "y": i * CHART_ROW,
             "width": round(CHART_BAR_WIDTH * (figure.value or 0) / largest, 1), "figure": figure}
            for i, (key, figure) in enumerate(figures.items())]
    return {"bars": bars, "height": len(bars) * CHART_ROW, "x": CHART_LABEL_WIDTH}

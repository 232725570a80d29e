"""Reviews of a case after first contact: record one (the page says when it was due and when the next falls), and
what the case page shows of them (the next review date, every past review opened)."""
from __future__ import annotations

from typing import Any

from flask import current_app, g, render_template, request
from flask_babel import format_date, gettext
from werkzeug.wrappers import Response

from portal.casework.common import today
from portal.casework.reviews import (
    CaseNotOpen,
    NextReviewNotAhead,
    NextReviewTooLate,
    default_next_review,
    opened_reviews,
    record_review,
)
from portal.intake.reports import ReportNotStored
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_review import ReviewForm
from portal.store.db import db
from portal.store.models import Report
from portal.web.form_errors import error_summary

DAY = "d MMM yyyy"  # as the templates' local_date filter


def review_context(report: Report) -> dict[str, Any]:
    """For the case page: every review opened (call only after `open_case`), newest first."""
    return {"reviews": opened_reviews(db(), report), "review_today": today(current_app.config["TIMEZONE"])}


@bp.route("/cases/<reference>/review", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_review(reference: str) -> Response | tuple[str, int]:
    """Record a review: has the risk changed, a new incident, are the safety measures still right; notes; and
    the next review (the risk level's interval, or sooner)."""
    report = case_or_404(reference)
    if not report.is_open or not report.contacted:  # reviews start at first contact and stop at closing
        return render_template("staff/review_none.html", **header(report)), 200 if request.method == "GET" else 400
    form = ReviewForm()
    notice = None
    latest = default_next_review(report)
    if form.validate_on_submit():
        try:
            record_review(db(), report, g.staff, form.risk_changed.data == "yes", form.new_incident.data == "yes",
                          form.measures_ok.data == "yes", form.notes.data or "", form.next_review_on.data)
        except NextReviewNotAhead:
            form.next_review_on.errors.append(m.NEXT_REVIEW_NOT_AHEAD)
        except NextReviewTooLate:
            form.next_review_on.errors.append(gettext(
                "The next review can be no later than %(date)s, the longest this risk level may wait",
                date=format_date(latest, DAY)))
        except CaseNotOpen:  # closed a moment ago, by someone else
            return render_template("staff/review_none.html", **header(report)), 400
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Review recorded. The next review is on %(date)s.",
                                         date=format_date(report.next_review_on, DAY)))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/review.html", form=form, errors=error_summary(form), notice=notice,
                           default_next=latest, **header(report)), status

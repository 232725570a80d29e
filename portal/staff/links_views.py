"""Search, and links between cases: what staff type to search is sent by POST (never in a URL or a log), turned
into index digests and forgotten; results show only what the queue shows."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework.common import NotAllowed
from portal.casework.indexing import NoIndexKey
from portal.casework.links import link, search, unlink
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_auth import ButtonForm
from portal.staff.forms_links import MATCH_NAMES, RELATION_NAMES, LinkForm, SearchForm
from portal.staff.labels import STATUS_NAMES
from portal.store.db import db
from portal.web.form_errors import error_summary


@bp.route("/search", methods=["GET", "POST"])
@allow(*CASEWORK)
def search_cases() -> tuple[str, int] | str:
    """Find cases by reference, name, address, postcode, phone number or e-mail address."""
    form = SearchForm()
    results, problem = None, None
    if form.validate_on_submit():
        try:
            results = [(found, sorted({str(MATCH_NAMES[kind]) for kind in found.matched}))
                       for found in search(db(), g.staff, form.q.data)]
        except NoIndexKey:
            problem = "no-index"
    status = 503 if problem else (400 if form.errors else 200)
    return render_template("staff/search.html", form=form, errors=error_summary(form), results=results,
                           problem=problem, match_names=MATCH_NAMES, status_names=STATUS_NAMES), status


@bp.route("/cases/<reference>/link", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_link(reference: str) -> Response | tuple[str, int]:
    """Link this case to another as the same household or person (audited on both)."""
    report = case_or_404(reference)
    form = LinkForm()
    if request.method == "GET" and request.args.get("other"):
        form.other.data = request.args["other"][:20]
    if form.validate_on_submit():
        try:
            other = link(db(), g.staff, report, form.other.data, form.relation.data)
        except NotAllowed:
            form.other.errors.append(gettext("There is no case with that reference that you can link to"))
        else:
            return saved(report, gettext("Linked with case %(reference)s.", reference=other.reference))
    return render_template("staff/link.html", form=form, errors=error_summary(form), **header(report)), \
        400 if form.errors else 200


@bp.post("/cases/<reference>/unlink")
@allow(*CASEWORK)
def case_unlink(reference: str) -> Response:
    report = case_or_404(reference)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        unlink(db(), g.staff, report, request.form.get("other", "")[:20])
    except NotAllowed:
        abort(400)
    flash(gettext("Link removed."), "saved")
    return redirect(url_for("staff.case", reference=report.reference), code=303)


__all__ = ["RELATION_NAMES"]

"""Review rounds (MHA 13.2, whg 3.3-3.4) for team leads and auditors: the rounds and a lead's new one; a round's
sample, progress and results per point; one case's checklist beside the case file (opened, audited as
"case-review", read-only: nothing on it changes the case); and a lead's checklist settings. Thin views: the rules are
portal/casework/review_rounds.py and review_checklist.py.

Every form here gives back everything typed on a refusal, a stale token (they check their own token:
portal/blueprints.py exempts them from the blanket check) or a session that ended meanwhile (`when_signed_out`)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, refresh
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework import review_checklist as rc
from portal.casework import review_rounds as rr
from portal.casework.common import opened_json, opener, warn_unopened
from portal.casework.tasks import tasks_of
from portal.crypto.sealing import try_open
from portal.intake.reports import ReportNotStored
from portal.staff import forms_review_round as fr
from portal.staff.access import allow, can, when_signed_out
from portal.staff.blueprint import bp
from portal.staff.case_views import CODEWORD_FIELDS, whole_case
from portal.staff.forms_tasks import TASK_STATE_NAMES, task_label
from portal.store.assurance_models import ROUND_REVIEW_PURPOSE, ReviewRound
from portal.store.db import db
from portal.store.models import StaffUser
from portal.web.form_errors import error_summary

REVIEWERS = ("lead", "auditor")
# What the checklist page shows of the case file: what a printed summary holds, and the safe ways of contact
# (first contact "by a safe way"), never the code word, the cover name, a safety plan's parts or the messages.
REVIEW_PARTS = {"report": True, "risk": True, "actions": True, "shares": True, "updates": True, "attempts": True,
                "notes": True, "contact": True, "codeword": False, "conversation": False, "safety_plan": False}
NAMES = {"round_basis_names": fr.BASIS_NAMES, "round_answer_names": fr.ANSWER_NAMES,
         "point_name": fr.point_name, "task_label": task_label, "task_state_names": TASK_STATE_NAMES}


def _names() -> dict[int, str]:
    return {s.id: s.name or s.email for s in db().scalars(select(StaffUser))}


def _officer_choices() -> list[tuple[str, str]]:
    people = db().scalars(select(StaffUser).where(StaffUser.role.in_(("officer", "lead")))
                          .order_by(StaffUser.name, StaffUser.id))
    return [("", gettext("Any officer"))] + [(str(p.id), p.name or p.email) for p in people]


def _round_or_404(round_id: int) -> ReviewRound:
    return db().get(ReviewRound, round_id) or abort(404)


def _notice(form: Any) -> str | None:
    """"expired" when only the security token was refused: everything typed is kept, and saving again works."""
    if form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        form.csrf_token.errors = []
        return "expired"
    return None


def _list_page(form: fr.RoundForm, status: int = 200, notice: str | None = None,
               signed_out: bool = False) -> tuple[str, int]:
    rows = []
    if not signed_out:
        for rnd in rr.rounds(db()):
            cases = rr.sample(db(), g.staff, rnd)
            rows.append((rnd, len(cases), sum(1 for c, _r in cases if c.reviewed_at is not None)))
    # Signed out, nobody's name is read for the page: the officer chosen is kept, unnamed.
    form.officer.choices = _officer_choices() if not signed_out else [
        ("", gettext("Any officer")), *((v, gettext("The officer you chose")) for v in [form.officer.data or ""] if v)]
    return render_template("staff/review_rounds.html", rows=rows, form=form, errors=error_summary(form),
                           notice=notice, staff_names=_names() if not signed_out else {}, signed_out=signed_out,
                           max_size=rr.MAX_SIZE, **NAMES), status


@bp.get("/review-rounds")
@allow(*REVIEWERS)
def review_rounds() -> tuple[str, int]:
    """Every round, with how far this reviewer's sample has got; and, for a lead, the form for a new round."""
    return _list_page(fr.RoundForm(formdata=None, data={"basis": "received", "size": 10}))


def _new_signed_out() -> tuple[str, int]:
    """The session ended while the lead filled in the form: their choices back, nothing drawn."""
    return _list_page(fr.RoundForm(), 401, "signed-out", signed_out=True)


@bp.route("/review-rounds/new", methods=["GET", "POST"])
@allow("lead")
@when_signed_out(_new_signed_out)
def review_round_new() -> Response | tuple[str, int]:
    """Set a round and draw its sample (a GET shows the form, on the rounds page)."""
    if request.method != "POST":
        return review_rounds()
    form = fr.RoundForm()
    form.officer.choices = _officer_choices()
    notice = None
    if form.validate():
        try:
            rnd = rr.set_round(db(), g.staff, basis=form.basis.data, first=form.first.data, last=form.last.data,
                               size=int(form.size.data or 0),
                               officer_id=int(form.officer.data) if form.officer.data else None)
        except rr.BadPeriod:
            form.last.errors.append(fr.BAD_PERIOD)
        except rr.BadSize:
            form.size.errors.append(fr.ENTER_SIZE)
        except rr.NotAnOfficer:
            form.officer.errors.append(fr.NOT_AN_OFFICER)
        except rr.NothingToDraw:
            form.basis.errors.append(fr.NOTHING_TO_DRAW)
        else:
            flash(gettext("Review round set. Its cases have been drawn."), "saved")
            return redirect(url_for("staff.review_round", round_id=rnd.id), code=303)
    else:
        notice = _notice(form)
    return _list_page(form, 200 if notice else 400, notice)


@bp.get("/review-rounds/<int(max=2147483647):round_id>")
@allow(*REVIEWERS)
def review_round(round_id: int) -> tuple[str, int]:
    """A round: this reviewer's sample, how far it has got, each case's status and follow-ups, the results per
    point. Nothing sealed is shown, so nothing is opened."""
    rnd = _round_or_404(round_id)
    cases = rr.sample(db(), g.staff, rnd)
    points = rr.round_points(rnd)
    answers = rr.answers_of(db(), [c.id for c, _r in cases if c.reviewed_at is not None])
    return render_template("staff/review_round.html", rnd=rnd, cases=cases, points=points, answers=answers,
                           results=rr.results(answers, points), reviewed=len(answers),
                           follow_ups=rr.follow_ups(db(), rnd, [r.id for _c, r in cases]), staff_names=_names(),
                           **NAMES), 200


def _case_signed_out(round_id: int, reference: str) -> tuple[str, int]:
    """The session ended while the reviewer answered the checklist: their answers back; nothing opened or stored."""
    rnd = _round_or_404(round_id)
    points = rr.round_points(rnd)
    form = fr.case_review_form(points, submitted=True)
    return render_template("staff/review_round_case.html", rnd=rnd, reference=reference, form=form, points=points,
                           errors=[], notice="signed-out", report=None, **NAMES), 401


def _findings(case: Any) -> dict[str, Any]:
    """A recorded review's findings and notes, opened (only after `open_case` has audited the opening)."""
    if case.sealed is None:
        return {}
    opened = try_open(opener(), case.sealed, ROUND_REVIEW_PURPOSE, str(case.id))
    warn_unopened("round review", opened)
    return opened_json(opened)


@bp.route("/review-rounds/<int(max=2147483647):round_id>/cases/<reference>", methods=["GET", "POST"])
@allow(*REVIEWERS)
@when_signed_out(_case_signed_out)
def review_round_case(round_id: int, reference: str) -> Response | tuple[str, int]:
    """The checklist for one case of this reviewer's sample, beside the case file (opened for this request and
    audited as "case-review"). Saving records the review and any follow-up; nothing else on the case changes."""
    rnd = _round_or_404(round_id)
    try:
        case, report = rr.find_case(db(), g.staff, rnd, reference)
    except rr.NotInSample:
        abort(404)
    points = rr.round_points(rnd)
    if report.owner_id == g.staff.id:  # nobody reviews their own case: nothing is opened
        return render_template("staff/review_round_own.html", rnd=rnd, report=report), (
            400 if request.method == "POST" else 200)
    notice = None
    switch = request.form.get("switch_language") if request.method == "POST" else None
    if request.method == "POST":
        form = fr.case_review_form(points, submitted=True)
        if switch in ("en", "cy"):  # the header's language button: everything typed comes back, nothing stored
            form.validate()
            if not form.csrf_token.errors:  # only this reviewer's own page changes their language
                g.staff.language = switch
                db().commit()
                refresh()
            form = fr.case_review_form(points, submitted=True)  # its labels in the new language
            for field in form:
                field.errors = []
        elif form.validate():
            given = rr.Findings(answers={p.code: getattr(form, f"point_{n}").data for n, p in enumerate(points)},
                                findings={p.code: getattr(form, f"finding_{n}").data or ""
                                          for n, p in enumerate(points)},
                                notes=form.notes.data or "", follow_up=form.follow_up.data or "")
            try:
                rr.record_case_review(db(), g.staff, rnd, case, report, given)
            except rr.NoOneToFollowUp:
                form.follow_up.errors.append(fr.FOLLOW_UP_NOBODY)
            except ReportNotStored:
                notice = "not-stored"
            else:
                flash(gettext("Review of case %(reference)s recorded.", reference=report.reference), "saved")
                return redirect(url_for("staff.review_round", round_id=rnd.id), code=303)
        else:
            notice = _notice(form)
    else:
        form = None
    context = whole_case(reference, "case-review", read_only=True)  # audited before anything is decrypted
    if form is None:
        answers = rr.answers_of(db(), [case.id]).get(case.id, {})
        form = fr.case_review_form(points, data=fr.review_data(points, answers, _findings(case)) if answers else {})
    context.update(show=REVIEW_PARTS, hidden_rows=CODEWORD_FIELDS, can_change=False, conversation=None,
                   printing=not can(g.staff, "officer", "lead"), tasks=tasks_of(db(), report))
    status = {"expired": 200, "not-stored": 503}.get(notice or "", 400 if any(f.errors for f in form) else 200)
    return render_template("staff/review_round_case.html", rnd=rnd, case=case, reference=report.reference,
                           form=form, points=points, errors=error_summary(form), notice=notice,
                           switch_form="review-form",
                           **{**context, **NAMES, "staff_names": _names()}), status


def _checklist_signed_out() -> tuple[str, int]:
    points = rc.checklist(db())
    form = fr.checklist_form(points, submitted=True)
    return render_template("staff/review_checklist.html", form=form, points=points, errors=[],
                           notice="signed-out", **NAMES), 401


@bp.route("/settings/review-checklist", methods=["GET", "POST"])
@allow("lead")
@when_signed_out(_checklist_signed_out)
def review_checklist() -> Response | tuple[str, int]:
    """A lead's checklist: which points each review answers, and points of their own (in English and Welsh)."""
    points = rc.checklist(db())
    notice = None
    if request.method != "POST":
        form = fr.checklist_form(points)
        return render_template("staff/review_checklist.html", form=form, points=points, errors=[], notice=None,
                               **NAMES), 200
    form = fr.checklist_form(points, submitted=True)
    if form.validate():
        try:
            rc.change_checklist(db(), g.staff, form.on.data or [], form.new_en.data or "", form.new_cy.data or "")
        except rc.WordingNeeded:
            (form.new_cy if (form.new_en.data or "").strip() else form.new_en).errors.append(fr.POINT_WORDING)
        except rc.TooManyPoints:
            form.new_en.errors.append(fr.TOO_MANY_POINTS)
        except rc.NoPointOn:
            form.on.errors.append(fr.NO_POINT_ON)
        else:
            flash(gettext("Checklist saved. Rounds set from now on use it."), "saved")
            return redirect(url_for("staff.review_checklist"), code=303)
    else:
        notice = _notice(form)
    return render_template("staff/review_checklist.html", form=form, points=points, errors=error_summary(form),
                           notice=notice, **NAMES), 200 if notice else 400

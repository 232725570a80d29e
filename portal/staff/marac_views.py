"""MARAC on a case: the referral (with the four criteria as the record shows them, and the repeat-referral
warning), the meeting and its outcome, and the referral pack: built from the case, reviewed and edited by the
officer, saved (sealed), and exported as a printable page or an OpenDocument file. The rules are
portal/casework/marac.py's and marac_pack.py's; these pages only show them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework.cases import OpenedCase, ReportNotStored, open_case
from portal.casework.common import NotAllowed, opener
from portal.casework.marac import (
    CRITERIA,
    EvidenceNeeded,
    InTheFuture,
    JudgementNeedsReason,
    MeetingBeforeReferral,
    NoCriterion,
    OutcomeNeedsDate,
    OverrideNeedsReason,
    criteria,
    facts_when_referred,
    open_referral,
    record_outcome,
    refer,
    referral_of,
    referrals,
)
from portal.casework.marac_pack import (
    EXPORT_FORMATS,
    PACK_FIELDS,
    SecretInPack,
    open_pack,
    pack_built,
    pack_exported,
    save_pack,
    secrets_of,
)
from portal.casework.perpetrators import opened_perpetrators
from portal.crypto.sealing import Unopened
from portal.staff import forms_marac as fm
from portal.staff import messages_marac as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_auth import ButtonForm
from portal.staff.forms_perpetrator import TENURE_NAMES
from portal.staff.marac_odt import pack_odt
from portal.staff.marac_prefill import fact_text, prefill
from portal.store.db import db
from portal.store.models import Report, StaffUser
from portal.store.risk_models import MaracReferral
from portal.web.form_errors import error_summary

NAMES = {"criterion_names": fm.CRITERION_NAMES, "marac_consent_names": fm.MARAC_CONSENT_NAMES,
         "aware_names": fm.AWARE_NAMES, "pack_labels": fm.PACK_LABELS, "criteria_order": CRITERIA,
         "fact_text": fact_text}


@dataclass
class OpenedReferral:
    row: MaracReferral
    staff_name: str
    content: dict[str, Any]
    unopened: Unopened | None


def marac_context(report: Report) -> dict[str, Any]:
    """The case's referrals, opened, and the criteria's facts: for the case page and the printed summary (call
    only after `open_case` has audited the opening)."""
    names = {s.id: s.name or s.email for s in db().scalars(select(StaffUser))}
    keys = opener()
    opened = []
    for row in referrals(db(), report):  # each row's sealed column is loaded as it is opened
        content, unopened = open_referral(keys, row)
        opened.append(OpenedReferral(row, names.get(row.staff_id, "?"), content, unopened))
    return {"marac": {"criteria": criteria(db(), report, g.staff), "referrals": opened}, **NAMES}


def _criterion_errors(form: fm.ReferForm, error: NotAllowed) -> bool:
    """A refusal from the service, on the field it is about (False: not one a person can correct)."""
    targets = {NoCriterion: (form.criteria, m.SELECT_CRITERIA), EvidenceNeeded: (form.evidence, m.ENTER_EVIDENCE),
               JudgementNeedsReason: (form.judgement_reason, m.ENTER_JUDGEMENT_REASON),
               OverrideNeedsReason: (form.override_reason, m.ENTER_OVERRIDE_REASON),
               InTheFuture: (form.sent_on, m.REFERRAL_IN_FUTURE)}
    for kind, (field, message) in targets.items():
        if isinstance(error, kind):
            field.errors.append(message)
            return True
    return False


@bp.route("/cases/<reference>/marac", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_marac(reference: str) -> str | Response | tuple[str, int]:
    """Refer to MARAC: the criteria as the record shows them, then which are met, consent, and whether the
    person knows. Nothing sealed is shown here, so nothing is opened."""
    report = case_or_404(reference)
    facts = criteria(db(), report, g.staff)
    form = fm.ReferForm()
    if request.method != "POST":
        form.criteria.data = [c for c in CRITERIA if facts.shown(c)]
    notice = None
    if form.validate_on_submit():
        try:
            refer(db(), report, g.staff, ticked=form.criteria.data or [], consent=form.consent.data,
                  knows=form.aware.data, sent_on=form.sent_on.data, evidence=form.evidence.data or "",
                  judgement_reason=form.judgement_reason.data or "", override_reason=form.override_reason.data or "")
        except ReportNotStored:
            notice = "not-stored"
        except NotAllowed as error:
            if not _criterion_errors(form, error):
                abort(400)
        else:
            return saved(report, gettext("MARAC referral recorded. Build the referral pack from the case, check "
                                         "it, and send it."))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/marac.html", form=form, errors=error_summary(form), notice=notice, facts=facts,
                           **NAMES, **header(report)), status


def _referral(report: Report) -> MaracReferral | None:
    return referral_of(db(), report, request.values.get("referral") or None)


def _none(report: Report) -> tuple[str, int]:
    """A page about a referral, on a case with none: say so (a POST has nothing to act on)."""
    if request.values.get("referral") or request.method == "POST":
        abort(400 if request.method == "POST" else 404)
    return render_template("staff/marac_none.html", **header(report)), 200


@bp.route("/cases/<reference>/marac/outcome", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_marac_outcome(reference: str) -> str | Response | tuple[str, int]:
    """The MARAC meeting's date, and its outcome and the housing actions agreed (sealed)."""
    report = case_or_404(reference)
    referral = _referral(report)
    if referral is None:
        return _none(report)
    open_case(db(), report, g.staff, "marac-outcome", with_entries=False, with_conversation=False)
    content, unopened = open_referral(opener(), referral)
    if unopened is not None:
        abort(503)
    form = fm.OutcomeForm()
    if request.method != "POST":
        form.meeting_on.data, form.outcome_on.data = referral.meeting_on, referral.outcome_on
        form.outcome.data, form.housing_actions.data = content.get("outcome"), content.get("housing_actions")
    notice = None
    if form.validate_on_submit():
        try:
            record_outcome(db(), report, g.staff, referral, opener(), meeting_on=form.meeting_on.data,
                           outcome=form.outcome.data or "", housing_actions=form.housing_actions.data or "",
                           outcome_on=form.outcome_on.data)
        except InTheFuture:
            form.outcome_on.errors.append(m.OUTCOME_IN_FUTURE)
        except OutcomeNeedsDate:
            form.outcome_on.errors.append(m.ENTER_OUTCOME_DATE)
        except MeetingBeforeReferral:
            form.meeting_on.errors.append(m.MEETING_BEFORE_REFERRAL)
        except ReportNotStored:
            notice = "not-stored"
        except NotAllowed:
            abort(400)
        else:
            return saved(report, gettext("MARAC meeting and outcome saved."))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/marac_outcome.html", form=form, errors=error_summary(form), notice=notice,
                           referral=referral, **NAMES, **header(report)), status


def _secrets(opened: OpenedCase) -> list[str]:
    return secrets_of([opened.content.get("answers", {}),
                       *(p.answers for p in opened.profiles.values() if p.unopened is None)])


def _built(report: Report, opened: OpenedCase, referral: MaracReferral) -> dict[str, str]:
    content, _unopened = open_referral(opener(), referral)
    facts = facts_when_referred(referral, content, criteria(db(), report, g.staff))
    group = {r.report_id for r in facts.previous}
    references = {r.id: r.reference for r in db().scalars(select(Report).where(Report.id.in_(group)))}
    recorded = [(p.content, str(TENURE_NAMES[p.perpetrator.tenure])) for p in opened_perpetrators(db(), report)
                if p.unopened is None]
    fields = prefill(report, opened.content.get("answers", {}), opened.profiles, referral, content, facts, g.staff,
                     references, recorded)
    pack_built(db(), report, g.staff, referral)
    return fields


def _pack_page(report: Report, referral: MaracReferral, form: fm.PackForm, *, saved_pack: bool,
               notice: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("staff/marac_pack.html", form=form, errors=error_summary(form), notice=notice,
                           referral=referral, saved_pack=saved_pack, formats=EXPORT_FORMATS, **NAMES,
                           **header(report)), status


@bp.route("/cases/<reference>/marac/pack", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_marac_pack(reference: str) -> str | Response | tuple[str, int]:
    """The referral pack: built from the case (audited), every field for the officer to review and edit, saved
    sealed on the referral; a saved pack is shown as saved until built again."""
    report = case_or_404(reference)
    referral = _referral(report)
    if referral is None:
        return _none(report)
    opened = open_case(db(), report, g.staff, "marac-pack", with_entries=False, with_conversation=False)
    stored = open_pack(opener(), referral)
    if isinstance(stored, Unopened):
        abort(503)
    if request.method != "POST":
        rebuild = request.args.get("rebuild") == "1" or stored is None
        form = fm.PackForm(formdata=None, data=_built(report, opened, referral) if rebuild else stored)
        return _pack_page(report, referral, form, saved_pack=stored is not None and not rebuild)
    form = fm.PackForm()
    notice = None
    if form.validate():
        try:
            save_pack(db(), report, g.staff, referral, form.fields(), _secrets(opened))
        except SecretInPack as error:
            for name in error.fields:
                form[name].errors.append(m.SECRET_IN_PACK)
        except ReportNotStored:
            notice = "not-stored"
        else:
            flash(gettext("Referral pack saved. Export it to send it to the MARAC."), "saved")
            return redirect(url_for("staff.case_marac_pack", reference=reference, referral=referral.id), code=303)
    return _pack_page(report, referral, form, saved_pack=False, notice=notice,
                      status=503 if notice else 400)


@bp.post("/cases/<reference>/marac/pack/export")
@allow(*CASEWORK)
def case_marac_export(reference: str) -> str | Response | tuple[str, int]:
    """The saved pack, as a printable page (HTML, with a print stylesheet) or an OpenDocument text file;
    audited with its format. A pack never saved, or holding a code word now, is not exported."""
    report = case_or_404(reference)
    referral = _referral(report)
    fmt = request.form.get("format", "")
    if referral is None or fmt not in EXPORT_FORMATS or not ButtonForm().validate_on_submit():
        abort(400)
    opened = open_case(db(), report, g.staff, f"marac-export {fmt}", with_entries=False, with_conversation=False)
    stored = open_pack(opener(), referral)
    if stored is None:
        abort(400)
    if isinstance(stored, Unopened):
        abort(503)
    try:
        pack_exported(db(), report, g.staff, referral, fmt, stored, _secrets(opened))
    except SecretInPack as error:
        form = fm.PackForm(formdata=None, data=stored)
        for name in error.fields:
            form[name].errors = [m.SECRET_IN_PACK]
        return _pack_page(report, referral, form, saved_pack=False, status=400)
    if fmt == "odt":
        body = pack_odt(stored, report.reference, str(get_locale()))
        return Response(body, mimetype="application/vnd.oasis.opendocument.text", headers={
            "Content-Disposition": f'attachment; filename="marac-referral-{report.reference}.odt"'})
    return render_template("staff/marac_pack_print.html", fields=stored, fields_order=PACK_FIELDS,
                           referral=referral, printed_at=datetime.now(timezone.utc), **NAMES, **header(report))


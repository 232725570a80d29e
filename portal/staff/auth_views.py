"""Signing in (password, then a TOTP code; first time: enrolment), signing out, one's own account.

Language: a switch chosen on a sign-in step (`choose_language`) carries through the steps that follow; a right
password brings the account's language unless one was chosen, and a choice made is saved with the account
once the code is right. The blueprint keeps the language in use for the signed-out and expired pages."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from portal.staff import messages as m
from portal.staff.access import allow, signed_in_staff
from portal.staff.access import sign_in as start_session
from portal.staff.blueprint import bp
from portal.staff.forms_auth import ButtonForm, CodeForm, LanguageForm, PasswordForm, SignInForm
from portal.store.db import db
from portal.store.models import AuditEvent, StaffUser
from portal.team.accounts import (
    BadCode,
    BadCredentials,
    WeakPassword,
    check_code,
    check_password,
    enrolment,
    normalise_email,
    set_password,
)
from portal.web.form_errors import error_summary
from portal.web.i18n import LANGUAGES, remembered_staff_language
from portal.web.limits import account_key, attempt, clear

PENDING_LIFETIME = 300  # seconds between a right password and its code


def audit(action: str, actor: StaffUser | None = None, report_id: str | None = None, detail: str = "") -> None:
    who = actor or g.get("staff")
    db().add(AuditEvent(at=datetime.now(timezone.utc), actor=f"staff:{who.id}" if who else "staff:unknown",
                        action=action, report_id=report_id, detail=detail))


def home_for(staff: StaffUser) -> str:
    return url_for("staff.audit_log") if staff.role == "auditor" else url_for("staff.queue")


def _safe_next(target: str | None) -> str | None:
    # Only our own staff pages: never an open redirect.
    if target and target.startswith("/staff/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _pending() -> StaffUser | None:
    staff_id = session.get("pending")
    if not staff_id or datetime.now(timezone.utc).timestamp() - session.get("pending_at", 0) > PENDING_LIFETIME:
        return None
    staff = db().get(StaffUser, staff_id)
    if staff is None or not staff.active or staff.session_epoch != session.get("pending_epoch"):
        return None
    return staff


@bp.route("/sign-in", methods=["GET", "POST"])
@allow()
def sign_in() -> str | Response | tuple[str, int]:
    """Step one: e-mail address and password."""
    form = SignInForm()
    if request.method != "POST":
        session["next"] = _safe_next(request.args.get("next"))
        return render_template("staff/sign_in.html", form=form, errors=[])
    if form.validate_on_submit():
        key = account_key("password", normalise_email(form.email.data))
        if not attempt(key):
            form.email.errors.append(m.LOCKED)
            form.password.data = ""
            return render_template("staff/sign_in.html", form=form, errors=error_summary(form)), 429
        try:
            staff = check_password(db(), form.email.data, form.password.data)
        except BadCredentials:
            form.email.errors.append(m.BAD_CREDENTIALS)
        else:
            clear(key)
            following, chosen = session.get("next"), session.get("language_chosen", False)
            session.clear()
            session.regenerate()  # type: ignore[attr-defined]
            session.update({"pending": staff.id, "pending_epoch": staff.session_epoch, "next": following,
                            "pending_at": datetime.now(timezone.utc).timestamp(), "language_chosen": chosen})
            if not chosen:
                g.staff_language = staff.language  # the account's language from the next step on
            return redirect(url_for("staff.code" if staff.totp_enrolled else "staff.enrol"), code=303)
    form.password.data = ""
    return render_template("staff/sign_in.html", form=form, errors=error_summary(form)), 400


def _second_step(template: str, staff: StaffUser, **context: object) -> str | Response | tuple[str, int]:
    form = CodeForm()
    if request.method == "POST" and form.validate_on_submit():
        key = account_key("code", str(staff.id))
        if not attempt(key):
            form.code.errors.append(m.LOCKED)
            form.code.data = ""
            return render_template(template, form=form, errors=error_summary(form), **context), 429
        try:
            check_code(db(), staff, form.code.data, current_app.config["SECRET_KEY"])
        except BadCode:
            form.code.errors.append(m.BAD_CODE)
        else:
            clear(key)
            following = _safe_next(session.get("next"))
            chosen = remembered_staff_language() if session.get("language_chosen") else None
            if chosen:
                staff.language = chosen  # the language last chosen is the account's from now on
            start_session(staff)
            g.staff = staff
            audit("staff.signed_in", staff)
            db().commit()
            return redirect(following or home_for(staff), code=303)
    form.code.data = ""
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, errors=error_summary(form), **context), status


@bp.route("/sign-in/code", methods=["GET", "POST"])
@allow()
def code() -> str | Response | tuple[str, int]:
    """Step two: the code from the authenticator app."""
    staff = _pending()
    if staff is None or not staff.totp_enrolled:
        return redirect(url_for("staff.sign_in"), code=303)
    return _second_step("staff/code.html", staff)


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@allow()
def enrol() -> str | Response | tuple[str, int]:
    """First sign-in: add the account to an authenticator app (secret and QR code), then prove it with a code."""
    staff = _pending()
    if staff is None or staff.totp_enrolled:
        return redirect(url_for("staff.sign_in"), code=303)
    secret, qr = enrolment(staff, current_app.config["SECRET_KEY"], current_app.config["ORG_NAME"]["en"])
    return _second_step("staff/enrol.html", staff, secret=secret, qr=qr)


@bp.post("/sign-out")
@allow("officer", "lead", "auditor")
def sign_out() -> Response:
    """End the session on the server, not just in the browser."""
    if ButtonForm().validate_on_submit():
        audit("staff.signed_out")
        db().commit()
        session.destroy()  # type: ignore[attr-defined]
    return redirect(url_for("staff.signed_out"), code=303)


@bp.get("/signed-out")
@allow()
def signed_out() -> str:
    """Confirmation that the session has ended."""
    return render_template("staff/signed_out.html")


@bp.post("/sign-in/language")
@allow()
def choose_language() -> Response:
    """The language switch where nobody is signed in (the sign-in steps, signed out, an expired page): kept in
    this browser for the pages that follow, and saved with the account when this sign-in finishes. Someone
    still signed in (a page that expired with its token, not its session) has it saved with their account."""
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in LANGUAGES:
        staff = signed_in_staff()
        if staff is not None:
            staff.language = form.language.data
            db().commit()
        else:
            session["language_chosen"] = True
        g.staff_language = form.language.data
    return redirect(_safe_next(request.form.get("back")) or url_for("staff.sign_in"), code=303)


@bp.post("/language")
@allow("officer", "lead", "auditor")
def language() -> Response:
    """Switch the staff screens' language; it is saved with the account."""
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in {"en", "cy"}:
        g.staff.language = form.language.data
        db().commit()
    return redirect(_safe_next(request.form.get("back")) or home_for(g.staff), code=303)


@bp.route("/account", methods=["GET", "POST"])
@allow("officer", "lead", "auditor")
def account() -> str | Response | tuple[str, int]:
    """One's own account: change password (other sessions end)."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            check_password(db(), g.staff.email, form.current.data)
        except BadCredentials:
            form.current.errors.append(m.PASSWORD_WRONG)
        else:
            try:
                set_password(db(), g.staff, form.new.data)
            except WeakPassword:
                form.new.errors.append(m.PASSWORD_TOO_SHORT)
            else:
                audit("staff.password_changed")
                db().commit()
                start_session(g.staff)  # this session carries on; every other one has ended
                return redirect(url_for("staff.account", changed=1), code=303)
    status = 400 if form.errors else 200
    from portal.staff.routing_views import details_form  # its routes import this module's audit

    return render_template("staff/account.html", form=form, errors=error_summary(form),
                           changed=request.args.get("changed") == "1", routing_form=details_form()), status

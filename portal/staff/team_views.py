"""For team leads: the team's accounts and the settings (the audit log is in audit_views)."""
from __future__ import annotations

import secrets

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework.erasure import INACTIVE_SETTING, inactive_days
from portal.staff import messages as m
from portal.staff.access import allow
from portal.staff.auth_views import audit
from portal.staff.blueprint import bp
from portal.staff.forms_auth import ButtonForm, EditStaffForm, NewStaffForm
from portal.staff.forms_team import SettingsForm
from portal.store.db import db
from portal.store.models import StaffUser
from portal.store.settings import get_setting, set_setting
from portal.team.accounts import (
    DuplicateEmail,
    OwnAuthorisation,
    create_staff,
    reset_code,
    set_can_authorise,
    set_password,
)
from portal.web.form_errors import error_summary
from portal.web.limits import account_key, clear


@bp.get("/team")
@allow("lead")
def team() -> str:
    """Everyone with a staff account."""
    people = db().scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.name)).all()
    return render_template("staff/team.html", people=people)


@bp.route("/team/new", methods=["GET", "POST"])
@allow("lead")
def team_new() -> str | tuple[str, int]:
    """Add a member of staff. Their first password is shown once, here; they set up their code at sign-in."""
    form = NewStaffForm()
    if form.validate_on_submit():
        password = secrets.token_urlsafe(12)
        try:
            person, _secret = create_staff(db(), email=form.email.data, role=form.role.data, password=password,
                                           secret_key=current_app.config["SECRET_KEY"], name=form.name.data,
                                           language=form.language.data or "en")
        except DuplicateEmail:
            form.email.errors.append(m.EMAIL_TAKEN)
        else:
            audit("staff.added", detail=f"staff:{person.id} role:{person.role}")
            db().commit()
            return render_template("staff/team_password.html", person=person, password=password, new=True)
    status = 400 if form.errors else 200
    return render_template("staff/team_new.html", form=form, errors=error_summary(form)), status


def _person(person_id: int) -> StaffUser:
    return db().get(StaffUser, person_id) or abort(404)


@bp.route("/team/<int(max=2147483647):person_id>", methods=["GET", "POST"])
@allow("lead")
def team_person(person_id: int) -> str | Response | tuple[str, int]:
    """One account: role, and the buttons that end sessions, reset the code or password, or deactivate."""
    person = _person(person_id)
    form = EditStaffForm(obj=person)
    if request.method == "POST" and form.validate_on_submit():
        if person.id == g.staff.id and form.role.data != person.role:
            flash(gettext("You cannot change your own role. Ask another team lead."), "problem")
        elif form.role.data != person.role:
            audit("staff.role_changed", detail=f"staff:{person.id} {person.role}->{form.role.data}")
            person.role = form.role.data
            person.session_epoch += 1
            db().commit()
            flash(gettext("Role changed."), "saved")
        return redirect(url_for("staff.team_person", person_id=person.id), code=303)
    status = 400 if form.errors else 200
    return render_template("staff/team_person.html", person=person, form=form, buttons=ButtonForm(),
                           errors=error_summary(form)), status


@bp.post("/team/<int(max=2147483647):person_id>/authoriser")
@allow("lead")
def team_authoriser(person_id: int) -> Response:
    """Give or take away the permission to authorise action against a perpetrator (not one's own)."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    person = _person(person_id)
    on = request.form.get("on") == "1"
    try:
        changed = set_can_authorise(db(), g.staff, person, on)
    except OwnAuthorisation:
        flash(gettext("You cannot change your own permission to authorise. Ask another team lead."), "problem")
    else:
        if changed:
            audit("staff.authoriser_on" if on else "staff.authoriser_off", detail=f"staff:{person.id}")
            db().commit()
        flash(gettext("They may now authorise action against a perpetrator.") if on
              else gettext("They may no longer authorise action against a perpetrator."), "saved")
    return redirect(url_for("staff.team_person", person_id=person.id), code=303)


@bp.post("/team/<int(max=2147483647):person_id>/<action>")
@allow("lead")
def team_action(person_id: int, action: str) -> str | Response:
    """Deactivate, reactivate, reset the code, reset the password, or clear a sign-in lock."""
    if action not in {"deactivate", "reactivate", "reset-code", "reset-password", "unlock"}:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    person = _person(person_id)
    key = current_app.config["SECRET_KEY"]
    if person.id == g.staff.id and action == "deactivate":
        # The last lead must not lock everyone out of team management; another lead can do it.
        flash(gettext("You cannot deactivate your own account. Ask another team lead."), "problem")
        return redirect(url_for("staff.team_person", person_id=person.id), code=303)
    if action == "deactivate":
        person.active = False
        person.session_epoch += 1
        flash(gettext("Account deactivated. Their sessions have ended."), "saved")
    elif action == "reactivate":
        person.active = True
        flash(gettext("Account reactivated."), "saved")
    elif action == "reset-code":
        reset_code(db(), person, key)
        flash(gettext("Code reset. They will set up their authenticator app again at their next sign-in."), "saved")
    elif action == "unlock":
        clear(account_key("password", person.email))
        clear(account_key("code", str(person.id)))
        flash(gettext("Sign-in lock cleared."), "saved")
    audit(f"staff.{action}", detail=f"staff:{person.id}")
    if action == "reset-password":
        password = secrets.token_urlsafe(12)
        set_password(db(), person, password)
        db().commit()
        return render_template("staff/team_password.html", person=person, password=password, new=False)
    db().commit()
    return redirect(url_for("staff.team_person", person_id=person.id), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@allow("lead")
def settings() -> str | Response | tuple[str, int]:
    """Settings a lead may change: where notifications go, how long closed cases are kept, and after how long
    an open case with no activity is listed for a decision."""
    config = current_app.config
    form = SettingsForm(data={"notify_to": get_setting(db(), "notify_to", config["NOTIFY_TO"]),
                              "oncall_to": get_setting(db(), "oncall_to", config["ONCALL_TO"]),
                              "retention_days": get_setting(db(), "retention_days", str(config["RETENTION_DAYS"])),
                              "inactive_days": str(inactive_days(db()))}
                        if request.method != "POST" else None)
    if form.validate_on_submit():
        set_setting(db(), "notify_to", form.notify_to.data.strip())
        set_setting(db(), "oncall_to", (form.oncall_to.data or "").strip())
        set_setting(db(), "retention_days", str(form.retention_days.data))
        set_setting(db(), INACTIVE_SETTING, str(form.inactive_days.data))
        audit("settings.changed", detail="notify_to oncall_to retention_days inactive_days")
        db().commit()
        flash(gettext("Settings saved."), "saved")
        return redirect(url_for("staff.settings"), code=303)
    status = 400 if form.errors else 200
    return render_template("staff/settings.html", form=form, errors=error_summary(form)), status

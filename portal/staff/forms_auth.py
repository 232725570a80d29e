"""Forms for signing in, one's own account, and (for leads) the team."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from portal.questions.report_forms import EMAIL
from portal.staff import messages as m
from portal.web.forms import OneLine, TextForm

ROLE_CHOICES = [("officer", _l("Triage officer")), ("lead", _l("Team lead")), ("auditor", _l("Auditor"))]
LANGUAGE_CHOICES = [("en", "English"), ("cy", "Cymraeg")]


class SignInForm(TextForm):
    # Checked for shape, and for control characters (PostgreSQL refuses a NUL in the lookup), before any lookup.
    email = StringField(_l("Email address"), validators=[DataRequired(m.ENTER_EMAIL), Length(max=254),
                                                         Regexp(EMAIL, message=m.ENTER_EMAIL_ADDRESS),
                                                         OneLine(m.ENTER_EMAIL_ADDRESS)])
    password = PasswordField(_l("Password"), validators=[DataRequired(m.ENTER_PASSWORD), Length(max=1000)])


class CodeForm(TextForm):
    code = StringField(_l("Code"), description=_l("The 6-digit code from your authenticator app."),
                       validators=[DataRequired(m.ENTER_CODE), Length(max=20)])


class ButtonForm(TextForm):
    """A form that is only a button (sign out, claim): it carries the CSRF token."""


class LanguageForm(TextForm):
    language = HiddenField()


class PasswordForm(TextForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(m.ENTER_PASSWORD)])
    new = PasswordField(_l("New password"),
                        description=_l("12 characters or more. A few unrelated words are easy to remember."),
                        validators=[DataRequired(m.PASSWORD_TOO_SHORT), Length(min=12, max=1000,
                                                                               message=m.PASSWORD_TOO_SHORT)])
    again = PasswordField(_l("New password again"), validators=[DataRequired(m.PASSWORDS_DIFFER)])

    def validate_again(self, field) -> None:  # type: ignore[no-untyped-def]
        if field.data != self.new.data:
            raise ValidationError(m.PASSWORDS_DIFFER)


class NewStaffForm(TextForm):
    name = StringField(_l("Name"), validators=[DataRequired(m.ENTER_NAME), Length(max=120),
                                               OneLine(m.NAME_CONTROL_CHARACTERS)])
    email = StringField(_l("Email address"), validators=[DataRequired(m.ENTER_EMAIL),
                                                         Regexp(EMAIL, message=m.ENTER_EMAIL_ADDRESS),
                                                         OneLine(m.ENTER_EMAIL_ADDRESS), Length(max=254)])
    role = RadioField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired(m.SELECT_ROLE)])
    language = RadioField(_l("Language for the staff screens"), choices=LANGUAGE_CHOICES, default="en")


class EditStaffForm(TextForm):
    role = RadioField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired(m.SELECT_ROLE)])

"""The forms of a reporter's conversation: signing in with a receipt, writing a message, making a complaint about
how we handled their report, and the survivor's optional questions once the case is closed."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from portal.intake.conversations import MAX_MESSAGE, normalise
from portal.intake.feedback import MAX_COMMENT, MAX_COMPLAINT
from portal.questions import feedback as fq
from portal.questions import messages as m
from portal.questions.report_forms import ReportFormCSRF, SafeContactMixin
from portal.web.forms import MultiCheckboxField, OptionalRadioField, TextForm


class _PublicCSRF(TextForm):
    class Meta(TextForm.Meta):
        # As on the report form: 8 hours, and an expired or session-less token never loses what was typed.
        csrf_time_limit = 8 * 3600
        csrf_class = ReportFormCSRF


class NotEchoedField(StringField):
    """Read like any text field, but never written back into a page, as a password is not: a page with an
    error, left on the screen or kept by the browser, does not show the receipt to the next person."""

    def _value(self) -> str:
        return ""


class ReceiptForm(_PublicCSRF):
    receipt = NotEchoedField(_l("Your receipt"),
                          description=_l("The 16 numbers you were given when you sent your report."))
    # A message written before a time-out travels with the sign-in, so that it is sent, not lost; a complaint or
    # the feedback questions' answers travel too (`pending_kind`), to be checked and sent once signed in.
    pending = HiddenField("")
    pending_key = HiddenField("")
    pending_kind = HiddenField("")

    def validate_receipt(self, field: Any) -> None:
        if not (field.data or "").strip():
            raise ValidationError(str(m.ENTER_RECEIPT))
        if normalise(field.data) is None:
            raise ValidationError(str(m.RECEIPT_FORMAT))

    def digits(self) -> str:
        return normalise(self.receipt.data) or ""


class MessageForm(_PublicCSRF):
    text = TextAreaField(_l("Your message"),
                         description=_l("Add to your report or ask us something. If you are in danger now, call 999."))
    # One-time key for this message: a double tap or a retry stores it once.
    submission_key = HiddenField("")

    def validate_text(self, field: Any) -> None:
        if not (field.data or "").strip():
            raise ValidationError(str(m.ENTER_MESSAGE))
        if len(field.data) > MAX_MESSAGE:
            raise ValidationError(str(m.MESSAGE_TOO_LONG))


class ButtonOnlyForm(_PublicCSRF):
    """A button (get a receipt, sign out, delete): only the token is checked."""


class ReporterProfileForm(SafeContactMixin, _PublicCSRF):
    """A reporter, signed in with their receipt, telling us again how and when contact is safe."""

    SAFE_CONTACT_ABOUT = "you"

    def answers(self) -> dict[str, Any]:
        return {f.name: f.data for f in self if f.name != "csrf_token" and f.data not in (None, "", [], False)}


class ComplaintForm(_PublicCSRF):
    about = MultiCheckboxField(_l("What is your complaint about? (optional)"), choices=fq.TOPIC_CHOICES,
                               description=_l("Select all that apply."))
    text = TextAreaField(_l("Your complaint"),
                         description=_l("Tell us what went wrong and what you would like us to do about it. If you "
                                        "are in danger now, call 999."))
    # One-time key for this complaint: a double tap or a retry stores it once.
    submission_key = HiddenField("")

    def validate_text(self, field: Any) -> None:
        if not (field.data or "").strip():
            raise ValidationError(str(m.ENTER_COMPLAINT))
        if len(field.data) > MAX_COMPLAINT:
            raise ValidationError(str(m.COMPLAINT_TOO_LONG))


class FeedbackForm(_PublicCSRF):
    """Every question is optional; at least one answered, or "No thank you" (a button of its own)."""

    safer = OptionalRadioField(fq.SAFER_QUESTION, choices=fq.SAFER_CHOICES, validate_choice=True)
    contact_way = OptionalRadioField(fq.CONTACT_WAY_QUESTION, choices=fq.CONTACT_WAY_CHOICES, validate_choice=True)
    comment = TextAreaField(fq.COMMENT_QUESTION)

    def validate_comment(self, field: Any) -> None:
        if len(field.data or "") > MAX_COMMENT:
            raise ValidationError(str(m.COMMENT_TOO_LONG))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.comment.data or "").strip() and not self.safer.data and not self.contact_way.data:
            self.safer.errors = [str(m.ANSWER_A_QUESTION)]
            return False
        return ok


# What a complaint or the feedback questions carry through a sign-in, when the session ended while they wrote.
CARRIED_FIELDS = {"complaint": ("about", "text", "submission_key"), "feedback": ("safer", "contact_way", "comment")}


def carried_fields(formdata: Any, kind: str | None) -> list[tuple[str, str]]:
    """The carried fields' values, as posted (a few of each at most), for the sign-in page to pass on."""
    names = CARRIED_FIELDS.get(kind or "", ())
    return [(name, value) for name in names for value in formdata.getlist(name)[:10]]

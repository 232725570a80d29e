"""The forms of a reporter's conversation: signing in with a receipt, and writing a message."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from portal.intake.conversations import MAX_MESSAGE, normalise
from portal.questions import messages as m
from portal.questions.report_forms import ReportFormCSRF, SafeContactMixin
from portal.web.forms import TextForm


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
    # A message written before a time-out travels with the sign-in, so that it is sent, not lost.
    pending = HiddenField("")
    pending_key = HiddenField("")

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

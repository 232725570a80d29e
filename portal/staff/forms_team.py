"""The settings form (team leads)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.questions.report_forms import EMAIL
from portal.staff import messages as m
from portal.web.forms import OneLine, TextForm, WholeNumberField


class SettingsForm(TextForm):
    notify_to = StringField(_l("Team email address for new-report notifications"),
                            description=_l("The email says only how many reports are waiting, never what they say."),
                            validators=[Optional(), Length(max=254), Regexp(EMAIL, message=m.ENTER_EMAIL_ADDRESS),
                                        OneLine(m.ENTER_EMAIL_ADDRESS)])
    oncall_to = StringField(_l("On-call email address for urgent reports"),
                            description=_l("Told at once, at any hour, when a report says someone is in danger now "
                                           "or an officer marks a case urgent: only how many, never what they say."),
                            validators=[Optional(), Length(max=254), Regexp(EMAIL, message=m.ENTER_EMAIL_ADDRESS),
                                        OneLine(m.ENTER_EMAIL_ADDRESS)])
    retention_days = WholeNumberField(
        _l("Delete closed cases after this many days"), not_a_number=m.ENTER_NUMBER,
        description=_l("Follow your data protection policy. Only counts are kept after deletion."),
        validators=[DataRequired(m.ENTER_NUMBER),
                    NumberRange(min=30, max=36500, message=_l("Enter a number of days from 30 to 36500"))])
    inactive_days = WholeNumberField(
        _l("List open cases for a lead's decision after this many days with no activity"),
        not_a_number=m.ENTER_NUMBER,
        description=_l("From 30 to 3650. They are listed on the Retention and erasure page, where you decide "
                       "whether to close them or keep working them; nothing is closed or deleted by itself."),
        validators=[DataRequired(m.ENTER_NUMBER),
                    NumberRange(min=30, max=3650, message=_l("Enter a number of days from 30 to 3650"))])

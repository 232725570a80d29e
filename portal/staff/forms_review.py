"""The form for a case review: three yes/no answers, notes (sealed) and, optionally, an earlier next review."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import RadioField
from wtforms.validators import InputRequired, Optional

from portal.staff import messages as m
from portal.staff.forms_case import long_text
from portal.staff.forms_intake import _Day, _year_ok
from portal.web.forms import TextForm

# Welsh answers with the question's own verb ("Ydy" the risk has changed, "Do" there was an incident).
RISK_CHANGED_ANSWERS = [("yes", lazy_pgettext("answer: has the risk changed", "Yes")),
                        ("no", lazy_pgettext("answer: has the risk changed", "No"))]
NEW_INCIDENT_ANSWERS = [("yes", lazy_pgettext("answer: has there been a new incident", "Yes")),
                        ("no", lazy_pgettext("answer: has there been a new incident", "No"))]
MEASURES_OK_ANSWERS = [("yes", lazy_pgettext("answer: are the safety measures still right", "Yes")),
                       ("no", lazy_pgettext("answer: are the safety measures still right", "No"))]


class ReviewForm(TextForm):
    risk_changed = RadioField(_l("Has the risk changed since the last review?"),
                              choices=RISK_CHANGED_ANSWERS,
                              validators=[InputRequired(m.ANSWER_RISK_CHANGED)])
    new_incident = RadioField(_l("Has there been a new incident?"),
                              choices=NEW_INCIDENT_ANSWERS,
                              validators=[InputRequired(m.ANSWER_NEW_INCIDENT)])
    measures_ok = RadioField(_l("Are the safety measures still right?"),
                             choices=MEASURES_OK_ANSWERS,
                             validators=[InputRequired(m.ANSWER_MEASURES_OK)])
    notes = long_text(_l("Notes (optional)"), description=_l("What you checked and with whom. It is encrypted."))
    next_review_on = _Day(_l("Next review (optional)"), validators=[Optional()],
                          description=_l("Leave it empty for the usual date for this risk level. You can choose "
                                         "an earlier date, not a later one."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.next_review_on)
        return ok and not self.next_review_on.errors

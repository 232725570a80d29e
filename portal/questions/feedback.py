"""What a reporter is asked through their receipt besides messages: what a complaint is about, and the survivor's
few optional questions about how we did. The public forms ask them; the case page shows the answers with the same
words, so a team member reads exactly what was asked."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.store.complaint_models import COMPLAINT_TOPICS, FEEDBACK_ANSWERS

# What a complaint is about, in the reporter's own words (staff have their own: portal/staff/forms_complaint.py).
TOPIC_CHOICES = [
    ("contact", _l("How or when we contacted you")),
    ("delay", _l("How long things took")),
    ("treatment", _l("How you were treated by our staff")),
    ("help", _l("The help we offered, or did not offer")),
    ("sharing", _l("How information about you was shared or kept private")),
    ("other", _l("Something else")),
]
SAFER_QUESTION = _l("Do you feel safer?")
CONTACT_WAY_QUESTION = _l("Did we contact you in the way you asked?")
COMMENT_QUESTION = _l("Is there anything else you would like to tell us about how we handled this? (optional)")
# Welsh answers with each question's own verb: "Ydw" (I do feel safer), "Do" (you did contact me).
SAFER_CHOICES = [("yes", lazy_pgettext("answer: do you feel safer", "Yes")),
                 ("partly", lazy_pgettext("answer: do you feel safer", "A little")),
                 ("no", lazy_pgettext("answer: do you feel safer", "No")),
                 ("not_sure", _l("I'm not sure"))]
CONTACT_WAY_CHOICES = [("yes", lazy_pgettext("answer: did we contact you in the way you asked", "Yes")),
                       ("partly", lazy_pgettext("answer: did we contact you in the way you asked", "Partly")),
                       ("no", lazy_pgettext("answer: did we contact you in the way you asked", "No")),
                       ("not_sure", _l("I'm not sure"))]
assert [code for code, _label in TOPIC_CHOICES] == list(COMPLAINT_TOPICS)
assert [code for code, _x in SAFER_CHOICES] == [code for code, _x in CONTACT_WAY_CHOICES] == list(FEEDBACK_ANSWERS)

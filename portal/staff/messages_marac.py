"""Messages for the MARAC pages, lazily translated, worded the GOV.UK way (as portal/staff/messages.py)."""
from flask_babel import lazy_gettext as _l

SELECT_CRITERIA = _l("Select at least one referral criterion")
SELECT_MARAC_CONSENT = _l("Select whether they agreed to the referral")
SELECT_AWARE = _l("Select whether the person knows about the referral")
ENTER_JUDGEMENT_REASON = _l("Say why you are referring on professional judgement")
ENTER_OVERRIDE_REASON = _l("Say why you are referring without their consent")
ENTER_EVIDENCE = _l("Say what shows the criterion you selected: the record does not show it")
REFERRAL_IN_FUTURE = _l("The date the referral was sent must be today or in the past")
OUTCOME_IN_FUTURE = _l("The date of the outcome must be today or in the past")
ENTER_OUTCOME_DATE = _l("Enter the date of the outcome")
MEETING_BEFORE_REFERRAL = _l("The meeting cannot be before the referral was sent")
PACK_FIELD_TOO_LONG = _l("This must be 5,000 characters or fewer")
SECRET_IN_PACK = _l("Take out the code word, check question or cover name: the pack goes to a meeting of "
                    "several agencies")

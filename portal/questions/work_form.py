"""The report form for the landlord's own staff, volunteers and contractors (MHA 4.2.1, VIVID 4.1): a joiner on a
repair, a housing officer on a visit, a volunteer at a community event, who saw or heard something while working.

Worded for them: their own work details, how they work with us, what they saw or heard and where, the person at
risk, and how to reach that person safely, through the worker, or not at all. Like an agency's referral, "through
me" or "do not contact them" means the team goes through the worker first (portal/intake/contact_plan.py).
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from portal.questions import messages as m
from portal.questions.report_forms import (
    EMAIL,
    PHONE,
    STAFF_SEX,
    ReportForm,
    SafeContactMixin,
    _check_format,
    _need,
    radios,
    text,
    yes_no,
)
from portal.web.forms import MultiCheckboxField

WORKS_AS = [("employee", _l("As an employee")), ("volunteer", _l("As a volunteer")),
            ("contractor", _l("For a contractor, or another company working for us"))]


class WorkReportForm(SafeContactMixin, ReportForm):
    KIND = "staff"
    SAFE_CONTACT_ABOUT = "them"
    # About the worker: at least one way to reach them at work, as on an agency's referral.
    worker_name = text(_l("Your name"))
    works_as = radios(_l("How do you work with us?"), WORKS_AS)
    company = text(_l("Which company do you work for?"))
    worker_role = text(_l("Your job"), description=_l("For example, joiner, gas engineer, housing officer or "
                                                      "caretaker."))
    work_phone = StringField(_l("Your work phone number"),
                             description=_l("Give us a phone number or an email address, or both, so that we can "
                                            "reach you at work."),
                             validators=[Optional(), Length(max=40, message=m.PHONE_FORMAT)])
    work_email = StringField(_l("Your work email address"), validators=[Optional(), Length(max=254,
                                                                                           message=m.EMAIL_FORMAT)])
    # What they saw or heard, and where: the address is the person's, as on the other forms' `their_address`.
    story = text(_l("What did you see or hear?"), long=True, description=_l(
        "Tell us what happened, when, and anything that was said. You do not need proof, or to be sure that it "
        "is abuse."))
    their_address = text(_l("The address or area where you saw or heard it"), long=True)
    their_name = text(_l("The name of the person at risk, if you know it"))
    tenant = radios(_l("Are they a tenant or contract holder with us?"), yes_no("answer: are they"))
    abuser_tenant = radios(_l("Does the person causing harm live in one of our homes?"),
                           yes_no("answer: does the person"))
    they_know = radios(_l("Does the person know you are telling us?"), yes_no("answer: does the person"))
    # The safe-contact questions are about the person at risk, not the worker.
    contact_methods = MultiCheckboxField(_l("How can we contact them safely?"), choices=[
        ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email")),
        ("letter", _l("Letter")), ("in_person", _l("In person, at a place they choose")),
        ("trusted", _l("Through me, or someone else they trust")),
        ("none", _l("Do not contact them"))], description=_l(
            "Select all that are safe. If you are not sure, select 'Through me' and we will talk to you first."))
    trusted_person = text(_l("Who should we go through (it may be you), and how do we reach them?"))
    meeting_place = text(_l("Where can we meet them safely?"))
    safe_today = radios(_l("Is it safe for us to contact them today?"), yes_no("answer: is it safe today"))
    check_question = text(_l("A code word or question we can use to check we are speaking to them"))
    interpreter = text(_l("If the person needs an interpreter, which language?"))
    bsl = BooleanField(_l("The person needs a British Sign Language (BSL) interpreter"))
    access_needs = text(_l("Anything else that would make contact easier for the person"), long=True)
    staff_sex = radios(_l("Would the person prefer to speak to a woman or a man?"), STAFF_SEX)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _need(self.worker_name, m.ENTER_WORKER)
        if not ((self.work_phone.data or "").strip() or (self.work_email.data or "").strip()):
            self.work_phone.errors.append(m.ENTER_WORK_CONTACT)
        _check_format(self.work_phone, PHONE, m.PHONE_FORMAT)
        _check_format(self.work_email, EMAIL, m.EMAIL_FORMAT)
        return ok and not any(f.errors for f in self)

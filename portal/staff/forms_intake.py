"""The staff's own intake: a disclosure taken by phone, in person, from a colleague or contractor, or notified by
the police, a MARAC, an IDVA or another agency, entered by an officer. The same questions as the public forms
(subclassed, so the answers have the same names and the same safe-contact profile), worded for the officer
entering what they were told; plus when it was disclosed. And a partner agency's update on an existing case.

Choices are codes; what is typed is sealed. The CSRF token is Flask-WTF's own, bound to the staff session: the
view checks it itself, so that an expired token gives the form back with everything in it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import BooleanField, DateField, Field, RadioField, StringField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from portal.casework.disclosures import KINDS
from portal.questions import messages as pm
from portal.questions.equality import FIELDS as EQUALITY_FIELDS
from portal.questions.report_forms import (
    EMAIL,
    STAFF_SEX,
    AgencyReportForm,
    ConcernedReportForm,
    ReportForm,
    SelfReportForm,
    _check_format,
    _need,
    radios,
    text,
    yes_no,
)
from portal.staff import messages as m
from portal.staff.labels import KIND_NAMES
from portal.web.forms import MultiCheckboxField, TextForm

# How a disclosure reached us, as step 1 asks it (the codes are portal.intake.reports.CHANNELS, less "web").
CHANNEL_CHOICES = [
    ("phone", _l("A phone call")), ("in_person", _l("In person")),
    ("colleague", _l("From one of our staff, volunteers or contractors")),
    ("police", _l("The police")), ("marac", _l("A MARAC")), ("idva", _l("An IDVA")),
    ("other_agency", _l("Another agency, like social services or a support service")),
]
# Who gave a partner agency's update (the entry's code).
UPDATE_AGENCY_NAMES = {
    "police": _l("Police"), "marac": _l("MARAC"), "idva": _l("IDVA service"),
    "social_services": _l("Social services"), "support": _l("Specialist support service"),
    "other": _l("Another agency"),
}


class _Day(DateField):
    """A date whose "not a date" message is ours (a whole sentence, translated), not WTForms'."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(m.ENTER_DATE)) from exc


class _Clock(TimeField):
    """A time as people write it: 14:30, 14.30, 9.15, 9 15 (the dot is how many in Britain write times)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str):
            written = valuelist[0].strip()
            if re.fullmatch(r"[0-9]{1,2}[.\s][0-9]{2}", written):
                valuelist = [f"{int(written[:-3]):02d}:{written[-2:]}"]
            elif re.fullmatch(r"[0-9]{1}:[0-9]{2}", written):
                valuelist = [f"0{written}"]
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(m.TIME_FORMAT)) from exc


def _year_ok(field: Field) -> None:
    """A date before 2000 is a slip of the keyboard (and would not survive a time-zone conversion at year 1)."""
    if isinstance(field.data, date) and field.data.year < 2000 and not field.errors:
        field.errors.append(m.ENTER_DATE)


class StartForm(TextForm):
    """Step 1, a GET form: how the disclosure reached us and who it is from."""

    class Meta:
        csrf = False

    channel = radios(_l("How did the disclosure reach us?"), CHANNEL_CHOICES)
    # Our own staff's reports come through the website's form for them (/tell-us/work); a colleague who rings
    # passes on what the person told them, or is worried about them (channel "colleague").
    kind = radios(_l("Who is the disclosure from?"), [(k, v) for k, v in KIND_NAMES.items() if k in KINDS],
                  description=_l("An agency includes the police, a MARAC and an IDVA."))


def _them_methods(trusted: Any, none: Any) -> Field:
    return MultiCheckboxField(_l("How can we contact them safely?"), choices=[
        ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email")),
        ("letter", _l("Letter")), ("in_person", _l("In person, at a place they choose")),
        ("trusted", trusted), ("none", none)], description=_l("Select all that are safe."))


class _StaffIntake(ReportForm):
    """What every staff intake adds to its public form, and the wording every one of them shares."""

    class Meta(ReportForm.Meta):
        csrf_class = _FlaskFormCSRF  # bound to the staff session, not the public form's signature-only check

    SAFE_CONTACT_ABOUT = "them"
    NOT_ANSWERS = frozenset({"csrf_token", "submission_key", "disclosed", "disclosed_on", "disclosed_time"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in EQUALITY_FIELDS:  # the website's own questions (portal/questions/equality.py): not asked here
            if name in self:
                del self[name]

    story = text(_l("What did they tell us?"), long=True,
                 description=_l("Write what was said, in their words where you can. Say where anything else came "
                                "from."))
    danger_now = radios(_l("Is anyone in danger right now?"), yes_no("answer: is anyone in danger"),
                        description=_l("If so, make sure 999 has been called."))
    # The person at risk, whoever told us (the public self form asks "Do you have…").
    care_needs = radios(_l("Does the person at risk have care and support needs that make it hard to protect "
                           "themselves, for example because of illness, disability or older age?"),
                        yes_no("answer: have care needs"))
    crime_reference = text(_l("Crime or police incident reference (optional)"),
                           description=_l("No reference is needed. We help whether or not the police are involved."))
    contact_language = RadioField(_l("Which language do they want us to use?"),
                                  choices=[("en", "English"), ("cy", "Cymraeg")],
                                  validators=[InputRequired(m.SELECT_CONTACT_LANGUAGE)])
    interpreter = text(_l("If the person needs an interpreter, which language?"))
    bsl = BooleanField(_l("The person needs a British Sign Language (BSL) interpreter"))
    access_needs = text(_l("Anything else that would make contact easier for the person"), long=True)
    staff_sex = radios(_l("Would the person prefer to speak to a woman or a man?"), STAFF_SEX)
    safe_today = radios(_l("Is it safe to contact them today?"), yes_no("answer: is it safe today"))
    meeting_place = text(_l("Where can we meet them safely?"))
    say_who = radios(_l("Can we say who we are when we call or write?"), [
        ("yes", _l("Yes, we can say who we are")), ("no", _l("No, we use another name"))])
    check_question = text(_l("A code word or question we can use to check we are speaking to them"))
    disclosed = RadioField(_l("When was this disclosed to us?"),
                           choices=[("now", _l("Just now")), ("earlier", _l("Earlier"))],
                           validators=[InputRequired(m.SELECT_WHEN)])
    disclosed_on = _Day(_l("Date it was disclosed"), validators=[Optional()],
                        description=_l("For example, 2026-11-23."))
    disclosed_time = _Clock(_l("Time it was disclosed (optional)"), validators=[Optional()],
                            description=_l("For example, 14:30. Without a time, the first-contact clock counts from "
                                           "the start of that day."))

    def staff_checks(self) -> None:
        if self.disclosed.data == "earlier":
            if self.disclosed_on.data is None and not self.disclosed_on.errors:
                self.disclosed_on.errors.append(m.ENTER_DISCLOSED_DATE)
            _year_ok(self.disclosed_on)

    def disclosed_moment(self, tz: str) -> datetime | None:
        """When it was disclosed, if not now: the local date and time given (the start of the day without a
        time), as UTC."""
        if self.disclosed.data != "earlier" or self.disclosed_on.data is None:
            return None
        clock = self.disclosed_time.data or time(0, 0)
        local = datetime.combine(self.disclosed_on.data, clock, tzinfo=ZoneInfo(tz))
        return local.astimezone(timezone.utc)

    def answers(self) -> dict[str, Any]:
        """Every answer, to be sealed (when and how it reached us are the report's own columns)."""
        return {name: value for name, value in super().answers().items() if name not in self.NOT_ANSWERS}


class StaffSelfForm(_StaffIntake, SelfReportForm):
    """The person themselves told us: on the phone, in person, or through a colleague."""

    your_name = text(_l("The person's name"), description=_l("Leave this empty if they did not give it."))
    tenant = radios(_l("Are they a tenant or contract holder with us?"), yes_no("answer: are they"))
    address = text(_l("The person's address or area"), long=True)
    consent_share = radios(_l("Can we share what they tell us with other services that can help, like the police "
                              "or a support service?"),
                           [*yes_no("answer: may we", unsure=False),
                            ("discuss", _l("They would like to talk about it first"))])
    contact_methods = _them_methods(_l("Through someone they trust, like a support worker"), _l("Do not contact them"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.staff_checks()
        return ok and not any(f.errors for f in self)


class StaffConcernedForm(_StaffIntake, ConcernedReportForm):
    """Someone worried about them told us. The safe-contact profile here is the reporter's own."""

    your_name = text(_l("The reporter's name (optional)"), description=_l("They can stay anonymous."))
    relationship = radios(_l("How do they know the person at risk?"), [
        ("neighbour", _l("A neighbour")), ("friend", _l("A friend")), ("family", _l("A relative")),
        ("other", _l("Another way"))])
    their_name = text(_l("The name of the person at risk, if known"))
    their_address = text(_l("The address or area of the person at risk, if known"), long=True)
    they_know = radios(_l("Does the person at risk know this has been reported to us?"),
                       yes_no("answer: does the person"))
    their_safe_contact = text(_l("Did the reporter say how to contact the person at risk safely?"), long=True,
                              description=_l("For example, times when they are alone, or a number only they use."))
    contact_methods = MultiCheckboxField(_l("How can we contact the reporter safely?"), choices=[
        ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email")),
        ("letter", _l("Letter")), ("in_person", _l("In person, at a place they choose")),
        ("trusted", _l("Through someone they trust, like a support worker")),
        ("none", _l("Do not contact them"))], description=_l("Select all that are safe."))
    interpreter = text(_l("If they need an interpreter, which language?"))
    bsl = BooleanField(_l("They need a British Sign Language (BSL) interpreter"))
    access_needs = text(_l("Anything else that would make contact easier for them"), long=True)
    staff_sex = radios(_l("Would they prefer to speak to a woman or a man?"), STAFF_SEX)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.staff_checks()
        return ok and not any(f.errors for f in self)


class StaffAgencyForm(_StaffIntake, AgencyReportForm):
    """A partner agency told us (the police, a MARAC, an IDVA, another agency, or a worker on the phone)."""

    org_name = text(_l("The organisation"))
    worker_name = text(_l("The worker's name (optional)"))
    worker_role = text(_l("The worker's role (optional)"))
    work_phone = StringField(_l("The worker's phone number (optional)"),
                             validators=[Optional(), Length(max=40, message=pm.PHONE_FORMAT)])
    work_email = StringField(_l("The worker's email address (optional)"),
                             validators=[Optional(), Length(max=254, message=pm.EMAIL_FORMAT)])
    contact_methods = _them_methods(_l("Through the referring worker or another worker they trust"),
                                    _l("Do not contact them directly"))
    trusted_person = text(_l("Who is the worker or person they trust, and how do we reach them?"))

    def validate(self, extra_validators: Any = None) -> bool:
        # The public referral's own checks ask the worker for their own details ("Enter your name"): here only
        # the organisation is needed, in the officer's words.
        ok = super(AgencyReportForm, self).validate(extra_validators)
        _need(self.org_name, m.ENTER_ORGANISATION)
        _check_format(self.work_email, EMAIL, pm.EMAIL_FORMAT)
        self.staff_checks()
        return ok and not any(f.errors for f in self)


INTAKE_FORMS: dict[str, type[ReportForm]] = {"self": StaffSelfForm, "concerned": StaffConcernedForm,
                                             "agency": StaffAgencyForm}

_CONTACT = ("contact_methods", "phone_call", "phone_text", "email", "postal_address", "meeting_place",
            "trusted_person", "safe_today", "safe_days", "safe_times", "safe_times_note", "voicemail",
            "voicemail_message", "say_who", "cover_name", "check_question", "someone_else", "someone_else_note",
            "call_drops", "contact_language", "interpreter", "bsl", "access_needs", "staff_sex")
_ABOUT = {"agency": ("org_name", "worker_name", "worker_role", "work_phone", "work_email", "their_name",
                     "their_address", "they_know"),
          "concerned": ("your_name", "relationship", "their_name", "their_address", "they_know"),
          "self": ("your_name", "address")}


def page_order(kind: str) -> tuple[str, ...]:
    """The fields in the order templates/staff/new_case_details.html shows them, for an error summary in the
    order of the page (the forms' own order is that of their definitions, subclasses' last)."""
    return ("disclosed", "disclosed_on", "disclosed_time", *_ABOUT[kind], "story", "danger_now", "children",
            "children_ages", "age_at_risk", "care_needs", "tenant", "abuser_tenant",
            *(("dash_done", "dash_score", "marac") if kind == "agency" else ()),
            "help_wanted", "help_other", *(("consent_share", "share_with") if kind != "concerned" else ()),
            "crime_reference", *(("their_safe_contact",) if kind == "concerned" else ()), *_CONTACT,
            "must_not_see")


class UpdateForm(TextForm):
    """A partner agency's update on an existing case: a MARAC outcome, an IDVA's update, a police incident."""

    agency = RadioField(_l("Which agency is the update from?"), choices=list(UPDATE_AGENCY_NAMES.items()),
                        validators=[InputRequired(m.SELECT_AGENCY)])
    agency_name = text(_l("The agency's name (optional)"),
                       description=_l("For example, the police force, or the name of the support service."))
    updated_on = _Day(_l("Date of the update"), validators=[InputRequired(m.ENTER_DATE)],
                      description=_l("For example, 2026-11-23."))
    told = text(_l("What did they tell us?"), long=True)
    incident_number = text(_l("Police incident number (optional)"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _need(self.told, m.ENTER_UPDATE)
        _year_ok(self.updated_on)
        return ok and not any(f.errors for f in self)

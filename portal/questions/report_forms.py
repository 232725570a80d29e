"""The report forms: one per kind of reporter, built from sections that each ask only what that person can
answer. Nothing is required that a frightened person might not know; what is checked is that the ways we
may contact someone are complete, because a half-given phone number is a safety risk.

Labels are whole sentences (Welsh mutations and word order need them whole). Fields that hold sensitive
data are rendered with autocomplete="off".
"""
from __future__ import annotations

import re
from typing import Any

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf.csrf import _FlaskFormCSRF
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.questions import messages as m
from portal.questions.equality import FIELDS as EQUALITY_FIELDS
from portal.questions.equality import AgencyEqualityMixin, EqualityMixin
from portal.web.forms import MultiCheckboxField, OptionalRadioField, TextForm, WholeNumberField

LONG = 20_000
SHORT = 500


def text(label: Any, *, long: bool = False, description: Any = "") -> Field:
    limit, message = (LONG, m.TOO_LONG) if long else (SHORT, m.SHORT_TOO_LONG)
    cls = TextAreaField if long else StringField
    return cls(label, description=description, validators=[Optional(), Length(max=limit, message=message)])


def radios(label: Any, choices: list[tuple[str, Any]], description: Any = "") -> Field:
    return OptionalRadioField(label, choices=choices, description=description, validate_choice=True)


# Yes/No with a context per question: Welsh answers with the question's own verb (Oes, Ydw, Cewch…).
# Each call is written out so that the message extractor sees the literal context.
YES_NO_ANSWERS = {
    "answer: is anyone in danger": (lazy_pgettext("answer: is anyone in danger", "Yes"),
                                    lazy_pgettext("answer: is anyone in danger", "No")),
    "answer: is it safe today": (lazy_pgettext("answer: is it safe today", "Yes"),
                                 lazy_pgettext("answer: is it safe today", "No")),
    "answer: may we": (lazy_pgettext("answer: may we", "Yes"), lazy_pgettext("answer: may we", "No")),
    "answer: are you": (lazy_pgettext("answer: are you", "Yes"), lazy_pgettext("answer: are you", "No")),
    "answer: does the person": (lazy_pgettext("answer: does the person", "Yes"),
                                lazy_pgettext("answer: does the person", "No")),
    "answer: are they": (lazy_pgettext("answer: are they", "Yes"), lazy_pgettext("answer: are they", "No")),
    "answer: do they": (lazy_pgettext("answer: do they", "Yes"), lazy_pgettext("answer: do they", "No")),
    "answer: has the person": (lazy_pgettext("answer: has the person", "Yes"), lazy_pgettext("answer: has the person",
                                                                                             "No")),
    "answer: has a checklist": (lazy_pgettext("answer: has a checklist", "Yes"),
                                lazy_pgettext("answer: has a checklist", "No")),
    "answer: have care needs": (lazy_pgettext("answer: have care needs", "Yes"),
                                lazy_pgettext("answer: have care needs", "No")),
}


def yes_no(context: str, unsure: bool = True) -> list[tuple[str, Any]]:
    yes, no = YES_NO_ANSWERS[context]
    choices = [("yes", yes), ("no", no)]
    return choices + [("unsure", _l("I'm not sure"))] if unsure else choices


HELP_CHOICES = [
    ("security", _l("Extra security for the home, like stronger locks, alarms or a video doorbell")),
    ("repairs", _l("Repairs to damage caused by the abuse, with no charge")),
    ("move", _l("Help to move to a safer home")),
    ("arrears", _l("A break from action about rent arrears (a 'breathing space')")),
    ("money", _l("Money and benefits advice")),
    ("support", _l("Referral to a specialist support service or an independent domestic violence adviser (IDVA)")),
    ("perpetrator", _l("Action about the tenancy or contract of the person causing harm")),
    ("talk", _l("Just to talk to someone")),
    ("other", _l("Something else")),
]

SHARE_WITH = [
    ("police", _l("The police")),
    ("support", _l("A domestic abuse support service or an IDVA")),
    ("social_services", _l("Social services")),
    ("health", _l("Health services, like a GP")),
    ("council", _l("The council's housing team")),
]

STAFF_SEX = [("woman", _l("A woman")), ("man", _l("A man")), ("none", _l("No preference"))]

CONTACT_METHODS = ["call", "text", "email", "letter", "in_person", "trusted", "none"]
DAYS = [("mon", _l("Monday")), ("tue", _l("Tuesday")), ("wed", _l("Wednesday")), ("thu", _l("Thursday")),
        ("fri", _l("Friday")), ("sat", _l("Saturday")), ("sun", _l("Sunday"))]
# The bands are clock ranges in portal/workdays/safe_windows.py (BANDS): the two lists must agree (a test checks).
TIMES = [("early", _l("Early morning (7am to 9am)")), ("morning", _l("Morning (9am to 12 noon)")),
         ("afternoon", _l("Afternoon (12 noon to 5pm)")), ("evening", _l("Evening (5pm to 8pm)")),
         ("late", _l("Late evening (8pm to 11pm)")), ("night", _l("Night (11pm to 7am)"))]
PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ReportFormCSRF(_FlaskFormCSRF):
    """Flask-WTF's token, checked so that a lost session cannot lose a report.

    The token is signed with the secret key and lasts 8 hours. Flask-WTF also requires it to match the copy
    in the session; here that is required only while the session still has one. When the session is gone
    (the database was down when the form was opened, or is down now, or the session was swept) a
    correctly signed, unexpired token is enough. That gives nothing away: the form is anonymous, so the
    session binding only stops a stranger's browser sending a report its owner could send themselves.
    """

    def setup_form(self, form: Any) -> Any:
        # Building the form puts a fresh token into an empty session, so look before that happens.
        self.session_had_token = form.meta.csrf_field_name in session
        return super().setup_form(form)

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if self.session_had_token:
            return super().validate_csrf_token(form, field)
        if not field.data:
            raise ValidationError("The CSRF token is missing.")
        serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wtf-csrf-token")
        try:
            serializer.loads(field.data, max_age=self.meta.csrf_time_limit)
        except SignatureExpired as exc:
            raise ValidationError("The CSRF token has expired.") from exc
        except BadData as exc:
            raise ValidationError("The CSRF token is invalid.") from exc


class ReportForm(TextForm):
    """Fields every report has."""

    class Meta:
        # A frightened person may take hours to write. The CSRF token lasts 8 hours, and an expired token
        # never loses anything: the form comes back with every answer in it (see views.report).
        csrf_time_limit = 8 * 3600
        csrf_class = ReportFormCSRF

    # One-time token for this report: a double tap or a retry after a network error finds the first one.
    submission_key = HiddenField("")  # a label of its own: a default one loads a catalogue per request

    story = text(_l("What is happening?"), long=True,
                 description=_l("Tell us as much or as little as you want. You can leave this empty."))
    danger_now = radios(_l("Is anyone in danger right now?"), yes_no("answer: is anyone in danger"))
    children = radios(_l("Do any children live in or visit the home?"), [
        ("live", _l("Yes, children live there")), ("visit", _l("Yes, children visit")),
        # Welsh answers with the question's verb: "Oes, mae plant yn byw yno" and "Nac oes", not "Na".
        ("no", lazy_pgettext("answer: do any children", "No")), ("unsure", _l("I'm not sure"))])
    # Safeguarding (whg 1.5: anyone under 16 is a child; an adult with care and support needs may be an adult at
    # risk). Sealed like every answer; only the flags "under_16" and "adult_at_risk" leave the seal.
    children_ages = text(_l("How old are the children? (optional)"))
    age_at_risk = radios(_l("Is anyone at risk under 18?"), [
        ("under_16", _l("Yes, someone under 16")), ("aged_16_17", _l("Yes, someone aged 16 or 17")),
        ("no", lazy_pgettext("answer: is anyone under 18", "No")), ("unsure", _l("I'm not sure"))])
    care_needs = radios(_l("Does the person at risk have care and support needs that make it hard to protect "
                           "themselves, for example because of illness, disability or older age?"),
                        yes_no("answer: have care needs"))
    help_wanted = MultiCheckboxField(_l("What would help?"), choices=HELP_CHOICES,
                                     description=_l("Select all that apply."))
    help_other = text(_l("What else would help?"))
    crime_reference = text(_l("Crime reference number (optional)"),
                           description=_l("You do not need one. We will help whether or not the police are involved."))
    contact_language = radios(_l("Which language should we use?"), [("en", "English"), ("cy", "Cymraeg")])
    interpreter = text(_l("If an interpreter would help, which language?"))
    bsl = BooleanField(_l("A British Sign Language (BSL) interpreter"))
    access_needs = text(_l("Anything else that would make contact easier, like large print or a quiet room"), long=True)
    staff_sex = radios(_l("Would you prefer to speak to a woman or a man?"), STAFF_SEX)
    # A colleague who is the victim, or who is causing the harm (Plus Dane 10): a report naming anyone arrives
    # restricted to the team's leads (`restriction`). Sealed like every answer; the wording stays neutral.
    must_not_see = text(_l("Is there anyone who works for us, or for one of our contractors, who must not see "
                           "this report?"), description=_l("For example, someone who knows the people involved. "
                                                           "Give their name or job. You can leave this empty."))

    KIND = ""
    SAFE_CONTACT_ABOUT = "you"

    def flags(self) -> dict[str, bool]:
        """The only answers kept in plaintext, for sorting and filtering the queue."""
        return {"danger_now": self.danger_now.data == "yes",
                "children": self.children.data in {"live", "visit"},
                "under_16": self.age_at_risk.data == "under_16", "adult_at_risk": self.care_needs.data == "yes",
                "no_contact": "none" in (self.contact_methods.data or [])}

    def restriction(self) -> str:
        """How the report arrives: for the leads only ("leads") if it names anyone who must not see it."""
        return "leads" if (self.must_not_see.data or "").strip() else ""

    def answers(self) -> dict[str, Any]:
        """Every answer, to be sealed. Empty answers are left out, and so are the equality questions' (sealed
        apart, never shown on the case: portal/questions/equality.py)."""
        skip = {"csrf_token", "submission_key", *EQUALITY_FIELDS}
        result: dict[str, Any] = {}
        for field in self:
            if field.name in skip or field.data is None or field.data is False or field.data in ("", []):
                continue  # an unanswered question (but 0 is an answer)
            result[field.name] = field.data
        return result


def _need(field: Field, message: Any) -> None:
    if not (field.data or "").strip():
        field.errors.append(message)


def _check_format(field: Field, pattern: re.Pattern[str], message: Any) -> None:
    """An answer given in the wrong shape (one message per field: a missing answer already has one)."""
    if (field.data or "").strip() and not pattern.match(field.data.strip()) and not field.errors:
        field.errors.append(message)


class SafeContactMixin:
    """Safe contact, as structured data: how, where, when, and what to do if someone else answers."""

    contact_methods = MultiCheckboxField(_l("How can we contact you safely?"), choices=[
        ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email")),
        ("letter", _l("Letter")), ("in_person", _l("In person, at a place you choose")),
        ("trusted", _l("Through someone you trust, like a support worker")),
        ("none", _l("Do not contact me"))], description=_l("Select all that are safe."))
    phone_call = StringField(_l("Phone number for calls"), validators=[Optional(), Length(max=40,
                                                                                          message=m.PHONE_FORMAT)])
    phone_text = StringField(_l("Mobile number for texts"), validators=[Optional(), Length(max=40,
                                                                                           message=m.PHONE_FORMAT)],
                             description=_l("Leave this empty if it is the same as the number for calls."))
    email = StringField(_l("Email address"), validators=[Optional(), Length(max=254, message=m.EMAIL_FORMAT)])
    postal_address = text(_l("Address where a letter is safe"), long=True)
    meeting_place = text(_l("Where can we meet you safely?"))
    trusted_person = text(_l("Who is the person, and how do we reach them?"))
    safe_days = MultiCheckboxField(_l("Which days are safe?"), choices=DAYS)
    safe_times = MultiCheckboxField(_l("Which times are safe?"), choices=TIMES)
    safe_times_note = text(_l("Anything else about when is safe"))
    safe_today = radios(_l("Is it safe for us to contact you today?"), yes_no("answer: is it safe today"))
    voicemail = radios(_l("Can we leave a voicemail?"), yes_no("answer: may we", unsure=False))
    voicemail_message = text(_l("What may the voicemail say?"))
    say_who = radios(_l("Can we say who we are when we call or write?"), [
        ("yes", _l("Yes, you can say who you are")),
        ("no", _l("No, use another name"))])
    cover_name = text(_l("What name should we use instead?"))
    check_question = text(_l("A code word or question we can use to check we are speaking to you"),
                          description=_l("Do not use a password you use anywhere else."))
    someone_else = radios(_l("What should we do if someone else answers?"), [
        ("hang_up", _l("End the call or conversation without saying why")),
        ("wrong_number", _l("Say it is a wrong number")),
        ("cover", _l("Use the other name and a general reason")),
        ("other", _l("Something else"))])
    someone_else_note = text(_l("What should we do instead?"))
    call_drops = radios(_l("If a call ends suddenly, what should we do?"), [
        ("call_back", _l("Call back straight away")),
        ("wait", _l("Do not call back")),
        ("try_later", _l("Try again later, at a safe time"))])

    def validate_contact_methods(self, field: Field) -> None:
        chosen = set(field.data or [])
        about_them = self.SAFE_CONTACT_ABOUT == "them"  # type: ignore[attr-defined]
        if not chosen:
            raise ValidationError(m.SELECT_CONTACT_THEM if about_them else m.SELECT_CONTACT)
        if "none" in chosen and len(chosen) > 1:
            raise ValidationError(m.NO_CONTACT_AND_METHOD_THEM if about_them else m.NO_CONTACT_AND_METHOD)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[misc]  # a mixin: the form comes after it
        chosen = set(self.contact_methods.data or [])
        if "call" in chosen:
            _need(self.phone_call, m.ENTER_PHONE_CALL)
        if "text" in chosen and "call" not in chosen:  # with calls too, texts may go to the calls number
            _need(self.phone_text, m.ENTER_PHONE_TEXT)
        for field in (self.phone_call, self.phone_text):
            _check_format(field, PHONE, m.PHONE_FORMAT)
        if "email" in chosen:
            _need(self.email, m.ENTER_EMAIL)
        _check_format(self.email, EMAIL, m.EMAIL_FORMAT)
        if "letter" in chosen:
            _need(self.postal_address, m.ENTER_POSTAL)
        if "in_person" in chosen:
            _need(self.meeting_place, m.ENTER_PLACE)
        if "trusted" in chosen:
            _need(self.trusted_person, m.ENTER_TRUSTED)
        if self.say_who.data == "no":
            _need(self.cover_name, m.ENTER_COVER_NAME)
        return ok and not any(f.errors for f in self)  # type: ignore[attr-defined]


class HomeMixin:
    tenant = radios(_l("Are you a tenant or contract holder with us?"), yes_no("answer: are you"))
    address = text(_l("Your address or area (optional)"), long=True)
    abuser_tenant = radios(_l("Does the person causing harm live in one of our homes?"),
                           yes_no("answer: does the person"))


class ConsentMixin:
    """Consent to share, with named kinds of agency (recorded so the case shows what was agreed)."""

    share_with = MultiCheckboxField(_l("Who can we share it with?"), choices=SHARE_WITH,
                                    description=_l("Select all that apply."))


class SelfReportForm(EqualityMixin, ConsentMixin, SafeContactMixin, HomeMixin, ReportForm):
    KIND = "self"
    care_needs = radios(_l("Do you have care and support needs that make it hard to protect yourself, for example "
                           "because of illness, disability or older age?"), yes_no("answer: have care needs"))
    your_name = text(_l("Your name (optional)"), description=_l(
        "You can stay anonymous. If you do, we can only help as far as we can without knowing who you are."))
    consent_share = radios(_l(
        "Can we share what you tell us with other services that can help, like the police or a support service?"),
                           [*yes_no("answer: may we", unsure=False), ("discuss",
                                                                      _l("I would like to talk about it first"))])


class ConcernedReportForm(SafeContactMixin, ReportForm):
    KIND = "concerned"
    your_name = text(_l("Your name (optional)"), description=_l(
        "You can stay anonymous. If you also give us no way to contact you, we cannot ask you anything more."))
    relationship = radios(_l("How do you know them?"), [
        ("neighbour", _l("I am a neighbour")), ("friend", _l("I am a friend")),
        ("family", _l("I am a relative")), ("other", _l("Another way"))])
    their_name = text(_l("Their name, if you know it"))
    their_address = text(_l("Their address or area, if you know it"), long=True)
    tenant = radios(_l("Are they a tenant or contract holder with us?"), yes_no("answer: are they"))
    abuser_tenant = radios(_l("Does the person causing harm live in one of our homes?"),
                           yes_no("answer: does the person"))
    they_know = radios(_l("Do they know you are telling us?"), yes_no("answer: do they"))
    their_safe_contact = text(_l("Do you know a safe way for us to contact them?"), long=True,
                              description=_l("For example, times when they are alone, or a number only they use."))


class AgencyReportForm(AgencyEqualityMixin, ConsentMixin, SafeContactMixin, ReportForm):
    KIND = "agency"
    SAFE_CONTACT_ABOUT = "them"
    org_name = text(_l("Your organisation"))
    worker_name = text(_l("Your name"))
    worker_role = text(_l("Your role"))
    work_phone = StringField(_l("Your work phone number"), validators=[Optional(), Length(max=40,
                                                                                          message=m.PHONE_FORMAT)])
    work_email = StringField(_l("Your work email address"), validators=[Optional(), Length(max=254,
                                                                                           message=m.EMAIL_FORMAT)])
    their_name = text(_l("The person's name"))
    their_address = text(_l("The person's address or area"), long=True)
    tenant = radios(_l("Are they a tenant or contract holder with us?"), yes_no("answer: are they"))
    abuser_tenant = radios(_l("Does the person causing harm live in one of our homes?"),
                           yes_no("answer: does the person"))
    they_know = radios(_l("Does the person know about this referral?"), yes_no("answer: does the person", unsure=False))
    consent_share = radios(_l("Has the person agreed to us sharing information with other services?"),
                           [*yes_no("answer: has the person", unsure=False), ("not_asked", _l("Not asked yet"))])
    dash_done = radios(_l("Has a DASH risk checklist been completed?"), yes_no("answer: has a checklist"))
    dash_score = WholeNumberField(_l("How many 'yes' answers did it have?"), not_a_number=m.DASH_SCORE,
                                  validators=[Optional(), NumberRange(min=0, max=24, message=m.DASH_SCORE)])
    # The safe-contact questions are about the person, not the worker.
    contact_methods = MultiCheckboxField(_l("How can we contact them safely?"), choices=[
        ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email")),
        ("letter", _l("Letter")), ("in_person", _l("In person, at a place they choose")),
        ("trusted", _l("Through me or another worker they trust")),
        ("none", _l("Do not contact them directly"))], description=_l("Select all that are safe."))
    meeting_place = text(_l("Where can we meet them safely?"))
    trusted_person = text(_l("Who is the worker or person they trust, and how do we reach them?"))
    safe_today = radios(_l("Is it safe for us to contact them today?"), yes_no("answer: is it safe today"))
    check_question = text(_l("A code word or question we can use to check we are speaking to them"))
    interpreter = text(_l("If the person needs an interpreter, which language?"))
    bsl = BooleanField(_l("The person needs a British Sign Language (BSL) interpreter"))
    access_needs = text(_l("Anything else that would make contact easier for the person"), long=True)
    staff_sex = radios(_l("Would the person prefer to speak to a woman or a man?"), STAFF_SEX)
    marac = radios(_l("Has the person been referred to MARAC?"), [
        ("yes", YES_NO_ANSWERS["answer: has the person"][0]), ("planned", _l("A referral is planned")),
        ("no", YES_NO_ANSWERS["answer: has the person"][1]), ("unsure", _l("I'm not sure"))])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _need(self.org_name, m.ENTER_ORG)
        _need(self.worker_name, m.ENTER_WORKER)
        if not ((self.work_phone.data or "").strip() or (self.work_email.data or "").strip()):
            self.work_phone.errors.append(m.ENTER_WORK_CONTACT)
        _check_format(self.work_email, EMAIL, m.EMAIL_FORMAT)
        return ok and not any(f.errors for f in self)


class ProfileForm(SafeContactMixin, TextForm):
    """A safe-contact profile on its own, as staff record a change the person told them: about them."""

    SAFE_CONTACT_ABOUT = "them"
    contact_methods = MultiCheckboxField(_l("How can we contact them safely?"), choices=[
        ("call", _l("Phone call")), ("text", _l("Text message")), ("email", _l("Email")),
        ("letter", _l("Letter")), ("in_person", _l("In person, at a place they choose")),
        ("trusted", _l("Through someone they trust, like a support worker")),
        ("none", _l("Do not contact them"))], description=_l("Select all that are safe."))
    safe_today = radios(_l("Is it safe to contact them today?"), yes_no("answer: is it safe today"))
    meeting_place = text(_l("Where can we meet them safely?"))
    say_who = radios(_l("Can we say who we are when we call or write?"), [
        ("yes", _l("Yes, we can say who we are")),
        ("no", _l("No, we use another name"))])
    check_question = text(_l("A code word or question we can use to check we are speaking to them"))

    def answers(self) -> dict[str, Any]:
        return {f.name: f.data for f in self if f.name != "csrf_token" and f.data not in (None, "", [], False)}

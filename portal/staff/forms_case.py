"""Forms for working a case. Choices are codes (stored plain, counted by indicators); free text is sealed."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Field, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.questions.report_forms import CONTACT_METHODS
from portal.staff import messages as m
from portal.web.forms import MultiCheckboxField, OptionalRadioField, TextForm

LONG = 20_000

METHOD_NAMES = {
    "call": _l("Phone call"), "text": _l("Text message"), "email": _l("Email"), "letter": _l("Letter"),
    "in_person": _l("In person"), "trusted": _l("Through the trusted person or support worker"),
    "referrer": _l("Through the referring worker"),
    "message": _l("Message on the website (receipt)"),
}
assert set(CONTACT_METHODS) - {"none"} <= set(METHOD_NAMES)
CLOSE_REASON_NAMES = {
    "support_in_place": _l("Support is in place"), "declined": _l("They did not want further help"),
    "no_safe_contact": _l("No safe way to make contact"), "moved_away": _l("They moved away"),
    "another_agency": _l("Another agency is leading"), "not_domestic_abuse": _l("Not domestic abuse"),
    "duplicate": _l("Duplicate of another report"),
}
# The actions the indicators count by code (portal/casework/indicators.py ACTIONS lists the same)…
ACTION_NAMES = {
    "security": _l("Security measures for the home"),
    "repairs": _l("Repair of damage caused by the abuse (no recharge)"),
    "rehousing": _l("Rehousing, transfer or an offer of a home"),
    "breathing_space": _l("Breathing space on rent arrears"),
    "money_advice": _l("Money and benefits advice"), "referral": _l("Referral"),
    "perpetrator": _l("Action about the tenancy of the person causing harm"),
}
# …and the other offers the policies name (VIVID 4.3, 4.4; Plus Dane 14.3; whg 2.15), recorded the same way.
OFFER_NAMES = {
    "safety_plan": _l("Safety plan"),
    "safe_phone": _l("Safe phone"),
    "food_bills": _l("Food vouchers and help with bills"),
    "furniture": _l("White goods and furniture"),
    "dso_assessment": _l("Designated Safeguarding Officer's assessment (no police report)"),
}
ALL_ACTION_NAMES = {**ACTION_NAMES, **OFFER_NAMES}
# Recorded from the enforcement workflow now, with the victim's view and a lead's authorisation: not offered
# here, though its label stays so that earlier entries still show.
NEW_ACTION_KINDS = ("security", "repairs", "safety_plan", "safe_phone", "rehousing", "breathing_space",
                    "money_advice", "food_bills", "furniture", "dso_assessment", "referral")
REPAIR_NAMES = {"urgent": _l("Urgent: the home cannot be secured or is not safe"),
                "routine": _l("Not urgent")}
MEASURE_NAMES = {
    "locks": _l("New or stronger locks"), "door_alarm": _l("Door alarm"), "window_alarm": _l("Window alarms or locks"),
    "video_doorbell": _l("Video doorbell"), "lighting": _l("Outside lighting"),
    "letterbox": _l("Fireproof letterbox cover"),
    "sanctuary": _l("Sanctuary room"), "personal_alarm": _l("Personal safety alarm"), "other": _l("Something else"),
}
REHOUSING_NAMES = {"rehousing": _l("Rehousing"), "management_transfer": _l("Management transfer"),
                   "risk_assessment": _l("Risk assessment for rehousing"),
                   "like_for_like": _l("Like-for-like offer of a home")}
REFERRAL_NAMES = {
    "idva": _l("Independent domestic violence adviser (IDVA)"), "marac": _l("MARAC"), "police": _l("Police"),
    "social_services": _l("Social services"), "support": _l("Specialist support service"),
    "perpetrator_programme": _l("Perpetrator programme"),
}
ALL_REFERRAL_NAMES = {**REFERRAL_NAMES, "phone_monitoring": _l("Phone monitoring service"),
                      "homelessness": _l("Local authority homelessness team")}
PERPETRATOR_NAMES = {
    "warning": _l("Warning"), "injunction": _l("Injunction"), "notice": _l("Notice for prohibited conduct or breach"),
    "possession": _l("Possession claim"), "other": _l("Other action"),
}
RISK_LEVEL_NAMES = {"marac": _l("High risk: refer to MARAC"),
                    "judgement": _l("Referred to MARAC on professional judgement"),
                    "standard": _l("Below the MARAC threshold")}
CONSENT_NAMES = {"yes": _l("They agreed"), "no": _l("They did not agree"), "not_asked": _l("Not asked yet")}


def _choices(names: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(names.items())


def long_text(label: Any, required: Any = None, description: Any = "") -> Field:
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(label, description=description, validators=[*validators, Length(max=LONG, message=m.TOO_LONG)])


class StatusForm(TextForm):
    status = RadioField(_l("New status"), validators=[InputRequired(m.SELECT_STATUS)])
    close_reason = OptionalRadioField(_l("Why is the case closing?"), choices=_choices(CLOSE_REASON_NAMES),
                                      validate_choice=True)

    why = long_text(_l("Why close it now, with this still open?"),
                    description=_l("A team lead reads this before signing off the closure."))

    def validate_close_reason(self, field: Field) -> None:
        if self.status.data == "closed" and not field.data:
            raise ValidationError(m.SELECT_CLOSE_REASON)


CLOSURE_DECISIONS = {"approve": _l("Sign it off: close the case"),
                     "send_back": _l("Send it back to the officer: the case stays open")}


class ClosureDecisionForm(TextForm):
    decision = RadioField(_l("Your decision"), choices=_choices(CLOSURE_DECISIONS),
                          validators=[InputRequired(m.SELECT_CLOSURE_DECISION)])
    note = long_text(_l("Note for the officer"), description=_l("Needed if you send it back."))


REPEAT_NAMES = {"yes": _l("Yes: they have reported domestic abuse to us before"),
                "no": _l("No, not that we know of")}


class RepeatForm(TextForm):
    repeat = RadioField(_l("Has this person or household reported domestic abuse to us before?"),
                        choices=_choices(REPEAT_NAMES), validators=[InputRequired(m.SELECT_REPEAT)],
                        description=_l("The portal answers this from the case's links to earlier cases; check the "
                                       "housing record too. Your answer stands over the links. This is counted in the "
                                       "performance indicators as a repeat report."))

    def prepare(self, report: Any) -> None:
        if not self.is_submitted() and report.repeat is not None:
            self.repeat.data = "yes" if report.repeat else "no"


class NoteForm(TextForm):
    text = long_text(_l("Note"), required=m.ENTER_NOTE,
                     description=_l("Notes are encrypted. Write facts, and say where they came from."))


class ReplyForm(TextForm):
    language = RadioField(_l("Language of this reply"), choices=[("cy", "Cymraeg"), ("en", "English")],
                          validators=[InputRequired(m.SELECT_REPLY_LANGUAGE)])
    text = long_text(_l("Your reply"), required=m.ENTER_REPLY,
                     description=_l("The reporter reads this on the website with their receipt. Write as if "
                                    "someone else may read it too: never say how, when or where we tried to "
                                    "contact them, and nothing from the report that they did not write."))


def _staff_id(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


DONE_NAMES = {"planned": _l("No: it is to be done"), "done": _l("Yes: it was done today")}
SAFETY_PLAN_NAMES = {"plan_contacts": _l("Who to call"), "plan_places": _l("Safe places"),
                     "plan_bag": _l("A packed bag"), "plan_children": _l("Children's plan"),
                     "plan_tech": _l("Tech safety")}
SAFETY_PLAN_PARTS = tuple(SAFETY_PLAN_NAMES)


class ActionForm(TextForm):
    kind = RadioField(_l("Action"), choices=[(k, ALL_ACTION_NAMES[k]) for k in NEW_ACTION_KINDS],
                      validators=[InputRequired(m.SELECT_ACTION)])
    urgency = OptionalRadioField(_l("How urgent is the repair?"), choices=_choices(REPAIR_NAMES),
                                 validate_choice=True)
    plan_contacts = long_text(_l("Who to call"),
                              description=_l("Who they can call in an emergency or when they need help, and how."))
    plan_places = long_text(_l("Safe places"), description=_l("Where they can go to be safe, now or in a hurry."))
    plan_bag = long_text(_l("A packed bag"),
                         description=_l("What they keep ready to take, and where: documents, money, medicines, "
                                        "keys, a phone charger."))
    plan_children = long_text(_l("Children's plan"),
                              description=_l("What the children know to do, and who collects them from school."))
    plan_tech = long_text(_l("Tech safety"),
                          description=_l("Phones, accounts, location sharing, trackers and smart devices at home."))
    measures = MultiCheckboxField(_l("Which security measures?"), choices=_choices(MEASURE_NAMES))
    rehousing = OptionalRadioField(_l("Which request?"), choices=_choices(REHOUSING_NAMES), validate_choice=True)
    referral_to = OptionalRadioField(_l("Referral to"), choices=_choices(ALL_REFERRAL_NAMES), validate_choice=True)
    starts_on = DateField(_l("Breathing space starts"), validators=[Optional()],
                          description=_l("For example, 2026-11-23."))
    ends_on = DateField(_l("Breathing space ends"), validators=[Optional()],
                        description=_l("Between 1 and 3 months after it starts."))
    detail = long_text(_l("Details (optional)"))
    # Left unanswered (a form from before tasks): the case owner, or the officer recording it; and to be done.
    owner = OptionalRadioField(_l("Who will do it?"), coerce=_staff_id, validate_choice=True)
    done = OptionalRadioField(_l("Is it done already?"), choices=_choices(DONE_NAMES), validate_choice=True)
    due_on = DateField(_l("Due by (optional)"), validators=[Optional()],
                       description=_l("Leave it empty to use the team's target for this action, in working days. "
                                      "For example, 2026-11-23."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        kind = self.kind.data
        if kind == "security" and not self.measures.data:
            self.measures.errors.append(m.SELECT_MEASURES)
        if kind == "referral" and not self.referral_to.data:
            self.referral_to.errors.append(m.SELECT_REFERRAL)
        if kind == "rehousing" and not self.rehousing.data:
            self.rehousing.errors.append(m.SELECT_ACTION)
        if kind == "repairs" and not self.urgency.data:
            self.urgency.errors.append(m.SELECT_URGENCY)
        if kind == "safety_plan" and not any((getattr(self, p).data or "").strip() for p in SAFETY_PLAN_PARTS):
            self.plan_contacts.errors.append(m.ENTER_SAFETY_PLAN)
        if kind == "breathing_space":
            start, end = self.starts_on.data, self.ends_on.data
            if not start or not end:
                (self.starts_on if not start else self.ends_on).errors.append(m.BREATHING_SPACE_DATES)
            elif not 28 <= (end - start).days <= 92:
                self.ends_on.errors.append(m.BREATHING_SPACE_LENGTH)
        return ok and not any(f.errors for f in self)

    def code(self) -> str:
        sub = {"rehousing": self.rehousing.data, "referral": self.referral_to.data,
               "repairs": "urgent" if self.urgency.data == "urgent" else ""}.get(self.kind.data)
        return f"{self.kind.data}.{sub}" if sub else self.kind.data

    def content(self) -> dict[str, Any]:
        """What is sealed on the entry: the measures chosen, the safety plan's parts, the details."""
        kind = self.kind.data
        content: dict[str, Any] = {"measures": self.measures.data if kind == "security" else [],
                                   "no_recharge": kind == "repairs", "detail": self.detail.data or ""}
        if kind == "safety_plan":
            content["plan"] = {p: getattr(self, p).data or "" for p in SAFETY_PLAN_PARTS}
        return content



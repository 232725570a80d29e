"""The MARAC referral pack, prefilled from the case in the officer's language: the referrer, the person at risk
(from the report's answers and the current safe-contact profile), the person causing harm, children, the four
criteria with their facts, consent and whether the person knows, and previous MARACs. The officer reviews and
edits every field before saving.

Never prefilled: the code word or check question, the cover name, what a voicemail may say (it may carry the
cover story), and who here must not see the report."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import format_date, get_locale, gettext

from portal.casework.contact import Profile
from portal.casework.marac import CRITERIA, Criteria, Fact, referral_day
from portal.questions.report_forms import DAYS, STAFF_SEX, TIMES
from portal.staff.forms_marac import AWARE_NAMES, CRITERION_NAMES, GRADE_NAMES, MARAC_CONSENT_NAMES, TOOL_NAMES
from portal.staff.labels import on_day
from portal.store.models import Report, StaffUser
from portal.store.risk_models import MaracReferral


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _names(codes: Any, choices: list[tuple[str, Any]]) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(c, c)) for c in (codes or []))


def _person(report: Report, answers: dict[str, Any]) -> tuple[str, str]:
    if report.reporter_kind == "self":
        return str(answers.get("your_name") or ""), str(answers.get("address") or "")
    return str(answers.get("their_name") or ""), str(answers.get("their_address") or "")


def _phone(profile: dict[str, Any]) -> str:
    methods = profile.get("contact_methods") or []
    call, text = str(profile.get("phone_call") or ""), str(profile.get("phone_text") or "")
    return _lines(
        gettext("Phone: %(number)s", number=call) if call else "",
        gettext("Mobile for texts: %(number)s", number=text) if text and text != call else "",
        (gettext("Safe to call: yes") if "call" in methods else gettext("Safe to call: no")) if call or text else
        gettext("No safe phone number was given."))


def _times(profile: dict[str, Any]) -> str:
    return _lines(_names(profile.get("safe_days"), DAYS), _names(profile.get("safe_times"), TIMES),
                  str(profile.get("safe_times_note") or ""))


def _message(profile: dict[str, Any]) -> str:
    said = profile.get("voicemail")
    if said == "yes":
        return gettext("Yes, a voicemail may be left.")
    if said == "no":
        return gettext("No. Do not leave a voicemail or a message.")
    return ""


def _language(answers: dict[str, Any], column: str) -> str:
    language = {"en": "English", "cy": "Cymraeg"}.get(str(answers.get("contact_language") or column or ""), "")
    return _lines(
        gettext("Language: %(language)s", language=language) if language else "",
        gettext("Interpreter: %(language)s", language=answers["interpreter"]) if answers.get("interpreter") else "",
        gettext("Needs a British Sign Language (BSL) interpreter.") if answers.get("bsl") else "",
        gettext("Access needs: %(needs)s", needs=answers["access_needs"]) if answers.get("access_needs") else "",
        gettext("Would prefer to speak to: %(who)s", who=dict(STAFF_SEX)[answers["staff_sex"]])
        if answers.get("staff_sex") in ("woman", "man") else "")


def _children(answers: dict[str, Any]) -> str:
    return {"live": gettext("Children live in the home. Ages:"), "visit": gettext("Children visit the home. Ages:"),
            "no": gettext("No children live in or visit the home."),
            "unsure": gettext("Not known whether children live in or visit the home.")}.get(
        str(answers.get("children") or ""), "")


def fact_text(criterion: str, fact: Fact) -> str:
    """What the record shows for one criterion, as a sentence."""
    if criterion == "visible_high":
        if fact.tool == "dash" and fact.score is not None and fact.on:
            return gettext("%(tool)s on %(date)s: %(score)d yes answers (threshold %(threshold)d).",
                           tool=TOOL_NAMES["dash"], date=on_day(fact.on), score=fact.score,
                           threshold=current_app.config["DASH_MARAC_THRESHOLD"])
        if fact.tool == "dara" and fact.on:
            return gettext("%(tool)s on %(date)s: graded %(grade)s.", tool=TOOL_NAMES["dara"], date=on_day(fact.on),
                           grade=str(GRADE_NAMES.get(fact.grade, fact.grade)).lower())
        return gettext("No completed risk assessment on the case.")
    if criterion == "escalation":
        return gettext("Police incidents in the last 12 months, on this case and linked cases: %(count)d (the "
                       "criterion is %(needed)d or more).", count=fact.count, needed=fact.needed)
    if criterion == "repeat":
        if fact.on and fact.new_on:
            return gettext("Last MARAC referral on %(date)s; a new incident on %(new)s, within 12 months.",
                           date=on_day(fact.on), new=on_day(fact.new_on))
        if fact.on:
            return gettext("Last MARAC referral on %(date)s; no new incident within 12 months after it.",
                           date=on_day(fact.on))
        return gettext("No earlier MARAC referral on this case or linked cases.")
    return gettext("The officer's professional judgement.")


def _criteria(referral: MaracReferral, facts: Criteria, content: dict[str, Any]) -> str:
    lines = []
    for criterion in CRITERIA:
        ticked = getattr(referral, criterion)
        head = (gettext("Met: %(criterion)s", criterion=CRITERION_NAMES[criterion]) if ticked else
                gettext("Not selected: %(criterion)s", criterion=CRITERION_NAMES[criterion]))
        lines.append(f"{head}. {fact_text(criterion, getattr(facts, criterion))}")
    if content.get("judgement_reason") and referral.judgement:
        lines.append(gettext("Professional judgement: %(reason)s", reason=content["judgement_reason"]))
    if content.get("evidence"):
        lines.append(gettext("Evidence: %(evidence)s", evidence=content["evidence"]))
    return "\n".join(lines)


def _consent(referral: MaracReferral, content: dict[str, Any]) -> str:
    return _lines(str(MARAC_CONSENT_NAMES[referral.consent]) + ".",
                  gettext("Why we are referring without consent: %(reason)s", reason=content["override_reason"])
                  if referral.consent != "given" and content.get("override_reason") else "",
                  gettext("Does the person know about the referral? %(answer)s",
                          answer=AWARE_NAMES.get(referral.person_aware, "")))


def _previous(referral: MaracReferral, facts: Criteria, references: dict[str, str]) -> str:
    tz = current_app.config["TIMEZONE"]
    earlier = [r for r in facts.previous if r.id != referral.id]
    if not earlier:
        return gettext("None on our records.")
    return "\n".join(gettext("%(date)s (case %(reference)s)", date=format_date(referral_day(r, tz), "d MMMM yyyy"),
                             reference=references.get(r.report_id, "?")) for r in earlier)


def _perpetrators(recorded: list[tuple[dict[str, Any], str]], abuser_tenant: str) -> str:
    """The perpetrator records (name, relationship, tenure), or empty lines to fill in where there are none."""
    if not recorded:
        return _lines(gettext("Name:"), gettext("Relationship to the person at risk:"), abuser_tenant)
    return "\n\n".join(_lines(f"{gettext('Name:')} {content.get('name', '')}".strip(),
                               f"{gettext('Relationship to the person at risk:')} {content.get('relationship', '')}",
                               gettext("Tenure: %(tenure)s", tenure=tenure)) for content, tenure in recorded)


def prefill(report: Report, answers: dict[str, Any], profiles: dict[str, Profile], referral: MaracReferral,
            content: dict[str, Any], facts: Criteria, officer: StaffUser,
            references: dict[str, str], perpetrators: list[tuple[dict[str, Any], str]] | None = None
            ) -> dict[str, str]:
    """Every field of the pack, from the case, for the officer to review; `perpetrators`: the case's perpetrator
    records opened, each with its tenure's label."""
    person = profiles.get("person")
    profile = person.answers if person is not None and person.unopened is None else {}
    name, address = _person(report, answers)
    org = current_app.config["ORG_NAME"].get(str(get_locale()), "")
    methods = profile.get("contact_methods") or []
    trusted = str(profile.get("trusted_person") or "") if "trusted" in methods else ""
    abuser_tenant = {"yes": gettext("The person causing harm lives in one of our homes."),
                     "no": gettext("The person causing harm does not live in one of our homes.")}.get(
        str(answers.get("abuser_tenant") or ""), "")
    return {
        "referrer": _lines(", ".join(p for p in (officer.name, gettext("Community safety team"), org) if p),
                           officer.email),
        "person_name": name, "person_dob": str(answers.get("date_of_birth") or ""), "person_address": address,
        "person_phone": _phone(profile), "safe_times": _times(profile), "leave_message": _message(profile),
        "language_needs": _language(answers, report.contact_language),
        "perpetrators": _perpetrators(perpetrators or [], abuser_tenant),
        "children": _children(answers), "criteria": _criteria(referral, facts, content),
        "consent": _consent(referral, content), "afraid_of": "",
        "safe_to_talk": gettext("Safe to talk to: %(who)s", who=trusted) if trusted else "",
        "previous_maracs": _previous(referral, facts, references),
    }

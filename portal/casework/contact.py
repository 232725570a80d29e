"""Safe contact governs every contact: the current safe-contact profiles of a case, who may be contacted and how,
whether now is inside a safe window, and recording an attempt, which is refused when it breaks what the person
said (a way they did not mark safe, a voicemail they refused, a time outside their safe windows without a
recorded reason). Enforced here, so a tampered request cannot get round it.

Profiles: the report's own answers are version 1; staff (and the reporter, with a receipt) add versions, each
sealed like the report (`contact_profile`). A report has a profile of the person at risk (a person's own report,
an agency's or a worker's referral, or one an officer records on a neighbour's report) and, on a neighbour's, an
agency's or a worker's report, one of the reporter (the neighbour's own safe ways; the referring worker's work
phone and e-mail: another agency's worker, or one of the landlord's own staff, volunteers or contractors).

Who is contacted (`party`): the person at risk directly; a go-between (the trusted person they named, or the
referring worker, as was asked), which reaches the person; or the reporter, which does not stop the clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, aware, now, opened_json, warn_unopened
from portal.casework.followup import refresh_next
from portal.crypto.sealing import Opener, Unopened, try_open
from portal.intake.contact_plan import DIRECT_METHODS, REFERRER_KINDS, local_date
from portal.intake.conversations import note_contact_attempt
from portal.intake.profiles import holder, new_version, picked
from portal.intake.reports import current_sealer
from portal.store.models import CONTACT_PURPOSE, PROFILE_PURPOSE, ContactAttempt, ContactProfile, Report, StaffUser
from portal.workdays.safe_windows import SafeTimes, Window, next_window, window_at

OUTCOMES = ("spoke", "passed_on", "no_answer", "voicemail", "message_sent", "someone_else", "not_safe_now",
            "wrong_details")
# What can happen, by way of contact: a voicemail only on a call, a message sent only in writing, "passed on"
# only by a go-between.
OUTCOMES_FOR = {
    "call": frozenset({"spoke", "no_answer", "voicemail", "someone_else", "not_safe_now", "wrong_details"}),
    "text": frozenset({"message_sent", "spoke", "not_safe_now", "wrong_details"}),
    "email": frozenset({"message_sent", "spoke", "not_safe_now", "wrong_details"}),
    "letter": frozenset({"message_sent", "wrong_details"}),
    "in_person": frozenset({"spoke", "no_answer", "someone_else", "not_safe_now"}),
    "trusted": frozenset({"passed_on", "spoke", "no_answer", "wrong_details"}),
    "referrer": frozenset({"passed_on", "spoke", "no_answer", "wrong_details"}),
}
# Outcomes that reach the person at risk when the attempt was with them: spoken to, told us they could not talk,
# or a message to their own safe details (the way they asked for; we cannot know when it is read, unlike a reply
# on the website). Through a go-between, only "passed on, as agreed" reaches them.
REACHING = frozenset({"spoke", "message_sent", "not_safe_now"})
PARTIES = ("person", "go_between", "reporter")
MAX_REASON = 2000


class MethodNotSafe(NotAllowed):
    """Not a way this person marked safe (or not a way to this person at all)."""


class VoicemailRefused(NotAllowed):
    """They said no voicemail (or did not say yes)."""


class OutsideSafeWindow(NotAllowed):
    """Now is outside their safe windows, and no reason was recorded."""


class OutcomeNotPossible(NotAllowed):
    """Not something that can happen that way (a voicemail on an e-mail, "passed on" by the person themselves)."""


class ProfileNotChecked(NotAllowed):
    """The safe-contact profile was not re-checked before this contact."""


@dataclass
class Profile:
    about: str  # person | reporter
    answers: dict[str, Any]
    version: int  # 1: as the report gave it
    at: datetime
    staff_name: str | None = None  # who changed it (None: the report itself, or the reporter)
    by_reporter: bool = False
    unopened: Unopened | None = None

    def times(self, tz: str) -> SafeTimes:
        return SafeTimes.from_answers(self.answers, local_date(self.at, tz))

    @property
    def methods(self) -> list[str]:
        return list(self.answers.get("contact_methods") or [])

    @property
    def voicemail_allowed(self) -> bool:
        return self.answers.get("voicemail") == "yes"


receipt_holder = holder  # whose receipt a conversation is


def original_profiles(report: Report, content: dict[str, Any]) -> dict[str, Profile]:
    """The profiles as the report gave them (version 1)."""
    if not content:
        return {}
    answers = content.get("answers", {})
    received = aware(report.received_at)
    if report.reporter_kind == "concerned":
        return {"reporter": Profile("reporter", picked(answers), 1, received)}
    found = {"person": Profile("person", picked(answers), 1, received)}
    if report.reporter_kind in REFERRER_KINDS:
        work = {"contact_methods": [m for m, key in (("call", "work_phone"), ("email", "work_email"))
                                    if (answers.get(key) or "").strip()],
                "phone_call": answers.get("work_phone", ""), "email": answers.get("work_email", ""),
                "voicemail": "yes", "say_who": "yes"}  # a worker's work phone and e-mail, at working times
        found["reporter"] = Profile("reporter", work, 1, received)
    return found


def load_profiles(dbs: Session, report: Report, content: dict[str, Any], keys: Opener) -> dict[str, Profile]:
    """The current profile of each person on the case: the newest version, or the report's own."""
    found = original_profiles(report, content)
    names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
    newest = select(ContactProfile.about, func.max(ContactProfile.version)).where(
        ContactProfile.report_id == report.id).group_by(ContactProfile.about).subquery()
    rows = dbs.scalars(select(ContactProfile).join(newest, (ContactProfile.about == newest.c.about)
                                                   & (ContactProfile.version == newest.c[1]))
                       .where(ContactProfile.report_id == report.id))
    for row in rows:
        opened = try_open(keys, row.sealed, PROFILE_PURPOSE, row.id)
        warn_unopened("profile", opened)
        found[row.about] = Profile(row.about, opened_json(opened).get("answers", {}), row.version, aware(row.at),
                                   names.get(row.staff_id) if row.staff_id else None, row.staff_id is None,
                                   opened if isinstance(opened, Unopened) else None)
    return found


def unseen_profile_change(dbs: Session, report: Report) -> bool:
    return dbs.scalar(select(func.count()).select_from(ContactProfile).where(
        ContactProfile.report_id == report.id, ContactProfile.seen.is_(False))) != 0


def mark_profile_changes_seen(dbs: Session, report: Report) -> None:
    dbs.execute(update(ContactProfile).where(ContactProfile.report_id == report.id, ContactProfile.seen.is_(False))
                .values(seen=True))


# --- who may be contacted, how, and when ---------------------------------------------------------------------

def options(report: Report, profiles: dict[str, Profile]) -> list[tuple[str, str]]:
    """Every (party, method) this case allows: the person's own safe ways (unless they may not be approached
    directly), a go-between they asked for, and the reporter's own ways."""
    found: list[tuple[str, str]] = []
    person = profiles.get("person")
    if person is not None and person.unopened is None and report.approach != "not_at_all":
        if report.approach == "direct":
            found += [("person", m) for m in person.methods if m in DIRECT_METHODS]
        if "trusted" in person.methods:
            found.append(("go_between", "trusted"))
    if report.reporter_kind in REFERRER_KINDS and report.approach != "not_at_all":
        found.append(("go_between", "referrer"))  # the worker who referred them, as the referral allows
    reporter = profiles.get("reporter")
    if reporter is not None and reporter.unopened is None:
        found += [("reporter", m) for m in reporter.methods if m in (*DIRECT_METHODS, "trusted")]
    return found


def profile_for(party: str, profiles: dict[str, Profile]) -> Profile | None:
    return profiles.get("reporter" if party == "reporter" else "person")


def windows_apply(party: str, method: str) -> bool:
    """A go-between is contacted at their own times: the person's safe windows are about the person."""
    return party != "go_between"


@dataclass(frozen=True)
class WindowState:
    restricted: bool
    now: Window | None  # the safe window now is in
    next: Window | None  # the next one to open (or the one now is in)
    not_safe_on: date | None  # the day they said was not safe (never "today")
    safe_on: date | None  # the day they said was safe


def window_state(profile: Profile | None, moment: datetime, tz: str) -> WindowState:
    if profile is None:
        return WindowState(False, None, None, None, None)
    times = profile.times(tz)
    return WindowState(times.restricted, window_at(times, moment, tz), next_window(times, moment, tz),
                       times.said_on if times.safe_that_day is False else None,
                       times.said_on if times.safe_that_day is True else None)


def record_contact(dbs: Session, report: Report, staff: StaffUser, profiles: dict[str, Profile], *, party: str,
                   method: str, outcome: str, profile_checked: bool, reason: str = "", tz: str,
                   moment: datetime | None = None, commit: bool = True) -> ContactAttempt:
    """Log a contact attempt, only in a way and at a time the person said was safe. Raises a NotAllowed:
    MethodNotSafe, VoicemailRefused, OutsideSafeWindow (without a reason) or ProfileNotChecked. Reaching the
    person at risk (not a reporter) stops the first-contact clock."""
    when = moment or now()
    if (party, method) not in options(report, profiles):
        raise MethodNotSafe(f"{party}:{method}")
    if outcome not in OUTCOMES or outcome not in OUTCOMES_FOR.get(method, frozenset()):
        raise OutcomeNotPossible(f"{method}:{outcome}")
    if not profile_checked:
        raise ProfileNotChecked()
    profile = profile_for(party, profiles)
    if outcome == "voicemail" and not (profile is not None and profile.voicemail_allowed):
        raise VoicemailRefused()
    reason = (reason or "").strip()[:MAX_REASON]
    outside = (windows_apply(party, method) and profile is not None
               and window_at(profile.times(tz), when, tz) is None)
    if outside and not reason:
        raise OutsideSafeWindow()
    reached = (party == "person" and outcome in REACHING) or (party == "go_between" and outcome == "passed_on")
    attempt = ContactAttempt(report_id=report.id, at=when, staff_id=staff.id, method=method, outcome=outcome,
                             profile_checked=True, party=party, reached=reached, outside_window=outside)
    dbs.add(attempt)
    if outside:
        dbs.flush()  # the id is bound into the seal
        sealer = current_sealer()
        attempt.key_id = sealer.key_id
        attempt.sealed = sealer.seal_json({"reason": reason}, CONTACT_PURPOSE, str(attempt.id))
    if reached:
        mark_reached(report, when)
        refresh_next(dbs, report)  # the first review date, from the risk level
    if party == "reporter" and report.reporter_contacted_at is None:
        report.reporter_contacted_at = when
    if report.status == "new":
        report.status = "in_contact" if reached else "contact_attempted"
    elif report.status == "contact_attempted" and reached:
        report.status = "in_contact"
    if party == receipt_holder(report) or (party == "go_between" and receipt_holder(report) == "person"):
        note_contact_attempt(dbs, report.id)  # their page may say someone tried (never how or when)
    audit(dbs, staff, "case.contact_recorded", report,
          detail=f"{party}:{method}:{outcome}" + (" outside_window" if outside else ""))
    if commit:  # a monitoring check-in commits the attempt with itself
        dbs.commit()
    return attempt


def mark_reached(report: Report, when: datetime) -> None:
    """The person at risk was reached at `when`: the first time stops the first-contact clock."""
    if report.first_contact_at is None or aware(report.first_contact_at) > when:
        report.first_contact_at = when
    report.contacted = True


TRIAGE_DECISIONS = ("no_safe_way", "reporter_only", "another_agency", "monitor", "other")


def triage_choices(report: Report, tried: bool) -> tuple[str, ...]:
    """The triage decisions a case allows. A report that asks for no contact, or a neighbour's (where the
    person's safe ways are not known), may be triaged; one whose person gave safe ways only once they have been
    tried ("no safe way" after all, or passed to an agency that can), never instead of trying them."""
    if report.clock == "triage":
        return tuple(d for d in TRIAGE_DECISIONS if d != "reporter_only" or report.reporter_kind != "self")
    return ("no_safe_way", "another_agency") if tried else ()


def change_profile(dbs: Session, report: Report, staff: StaffUser, about: str, answers: dict[str, Any], *,
                   nation: str, cutoff: Any, tz: str, moment: datetime | None = None) -> ContactProfile:
    """Staff record a new version of a profile, as the person told them: sealed like the report (and to the
    reporter's receipt, when it is theirs, so they can see it), audited. A change to the person at risk's
    profile re-plans the clock if they have not been reached."""
    row = new_version(dbs, report, about, answers, staff_id=staff.id, moment=moment or now(), nation=nation,
                      cutoff=cutoff, tz=tz)
    if about == "person":
        apply_profile(report, row)
    audit(dbs, staff, "case.profile_changed", report, detail=f"{about}:v{row.version}")
    dbs.commit()
    return row


def apply_profile(report: Report, row: ContactProfile) -> None:
    """What a new profile of the person at risk changes on the report's plaintext columns."""
    if row.approach:
        report.approach = row.approach
        report.no_contact = row.approach == "not_at_all"
    if row.due is not None and not report.contacted:
        report.first_contact_due, report.due_basis = row.due, row.due_basis or "target"
        report.out_of_hours = bool(row.out_of_hours)
    row.applied = True

"""The audit log in words: who (a name, the portal itself, the command line), what (audit_actions.py) and the
detail codes, in the reader's language.

A detail is a few space-separated codes the service wrote (`call:no_answer`, `new->contact_attempted`,
`staff:3 role:lead`). Each is put in words from the names the case pages use, chosen for the action so that a
code with two senses (`declined` closing a case, `declined` on a safeguarding referral) reads right; ids that mean
nothing to a reader (a task's or referral's) are left out, and a code with no name is shown as it is."""
from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, gettext, ngettext
from flask_babel import lazy_gettext as _l

from portal.staff import forms_contact as contact
from portal.staff import forms_perpetrator as perpetrator
from portal.staff import forms_risk as risk
from portal.staff import forms_safeguarding as safeguarding
from portal.staff import forms_sharing as sharing
from portal.staff.audit_actions import ACTION_NAMES
from portal.staff.forms_case import ALL_ACTION_NAMES, CLOSE_REASON_NAMES, METHOD_NAMES
from portal.staff.forms_complaint import COMPLAINT_CHANNEL_NAMES, COMPLAINT_OUTCOME_NAMES, COMPLAINT_TOPIC_NAMES
from portal.staff.forms_intake import UPDATE_AGENCY_NAMES
from portal.staff.forms_links import LEVEL_NAMES as RESTRICTION_NAMES
from portal.staff.forms_links import RELATION_NAMES
from portal.staff.forms_marac import AWARE_NAMES, CRITERION_NAMES, MARAC_CONSENT_NAMES
from portal.staff.forms_monitoring import CHECKIN_OUTCOME_NAMES, ROUTING_NAMES
from portal.staff.forms_review_round import BASIS_NAMES as ROUND_BASIS_NAMES
from portal.staff.forms_review_round import POINT_NAMES
from portal.staff.forms_tasks import RAISED_NAMES, TASK_STATE_NAMES, task_label
from portal.staff.labels import CHANNEL_NAMES, OPEN_ITEM_NAMES, ROLE_NAMES, STATUS_NAMES

_VERSION = re.compile(r"v[0-9]+")
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Words any detail may hold.
COMMON = {
    "yes": _l("yes"), "no": _l("no"), "on": _l("on"), "off": _l("off"), "ended": _l("monitoring ended"),
    "outside_window": _l("outside the safe times, with a reason"), "on_time": _l("on time"), "late": _l("late"),
    "risk_changed": _l("the risk changed"), "new_incident": _l("a new incident"), "restricted": _l("restricted"),
    "lifted": _l("restriction lifted"), "cleared": _l("cleared"), "meeting": _l("meeting date"),
    "outcome": _l("outcome"), "housing_actions": _l("actions for housing"), "own": _l("their own case"),
    "cli": _l("from the command line"), "all": _l("everything"), "to": _l("to"), "nobody": _l("nobody"),
    "dash": _l("DASH"), "skipped": _l("skipped"), "en": _l("in English"), "cy": _l("in Welsh"),
    "notify_to": _l("where new reports are sent"), "oncall_to": _l("the on-call address"),
    "retention_days": _l("how long closed cases are kept"), "sex": _l("sex"), "welsh": _l("Welsh"),
    "inactive_days": _l("after how long open cases with no activity are listed"),
    "exemption": _l("extreme-incident exemption"), "police": _l("reported to the police"),
    "other": _l("not reported to the police"), "month": _l("month"), "quarter": _l("quarter"), "year": _l("year"),
    "custom": _l("dates of your choice"), "pdf": _l("PDF"), "docx": _l("Word document"), "odt": _l("OpenDocument"),
    "html": _l("web page"), "cost_set": _l("cost recorded"), "cost_cleared": _l("cost cleared"),
    "measures_not_ok": _l("the safety measures need changing"),
    "tell_reporter": _l("the reporter's page may say so"), "evidence": _l("with a note of the evidence"),
    "override": _l("without their consent, for a reason recorded"), "json": _l("JSON"),
}
PROFILE_NAMES = {"person": _l("the person at risk's profile"), "reporter": _l("the reporter's profile")}
# What a printed summary held beyond its usual parts (case.opened "print ...").
PRINTED_NAMES = {"contact": _l("with the safe-contact details"), "codeword": _l("with the code word"),
                 "conversation": _l("with the conversation"), "safety_plan": _l("with the safety plan")}
# Which page a case was opened for (case.opened).
VIEW_NAMES = {
    "case": _l("the case page"), "print": _l("the printed summary"), "reply": _l("a reply to the reporter"),
    "risk": _l("a risk assessment"), "closure": _l("closing the case"), "contact": _l("recording contact"),
    "profile": _l("changing how to contact them"), "countersign": _l("countersigning a share"),
    "marac-outcome": _l("a MARAC's outcome"), "marac-pack": _l("a MARAC referral form"),
    "marac-export": _l("downloading a MARAC referral form"), "share": _l("recording a share"),
    "consent": _l("recording consent"), "perpetrator": _l("the perpetrator record"),
    "enforcement": _l("action against a perpetrator"), "checkin": _l("a monitoring check-in"),
    "monitoring": _l("setting monitoring"), "subject-access": _l("a subject access request"),
    "subject-access-json": _l("a subject access request, as JSON"),
    "case-review": _l("a case review in a review round"),
    "complaint": _l("a complaint"),
}
# What a case review's detail may say beyond its counts (round.case_reviewed).
ROUND_REVIEW_NAMES = {"again": _l("recorded again"), "follow_up": _l("with a follow-up for the owner")}
_TASKS = {"case.task_added", "case.task_state", "case.task_reopened", "case.task_owner", "case.task_due",
          "case.task_cost", "case.action_added", "settings.task_days_changed"}
# The names that come first for each action, before COMMON.
BY_ACTION: dict[str, list[Mapping[str, Any]]] = {
    "case.opened": [VIEW_NAMES], "case.routing_added": [ROUTING_NAMES], "case.profile_changed": [PROFILE_NAMES],
    "case.risk_started": [risk.LEVEL_NAMES], "case.risk_continued": [risk.LEVEL_NAMES],
    "case.contact_recorded": [contact.HOW_NAMES, contact.OUTCOME_NAMES, contact.PARTY_NAMES, METHOD_NAMES],
    "case.checkin_done": [CHECKIN_OUTCOME_NAMES, contact.HOW_NAMES], "case.triage_added": [contact.TRIAGE_NAMES],
    "case.update_added": [UPDATE_AGENCY_NAMES], "case.status_changed": [STATUS_NAMES, CLOSE_REASON_NAMES],
    "case.closure_requested": [CLOSE_REASON_NAMES], "case.closure_signed_off": [CLOSE_REASON_NAMES],
    "case.closure_sent_back": [CLOSE_REASON_NAMES], "case.safeguarding_flag": [safeguarding.FLAG_NAMES],
    "case.safeguarding_referral": [safeguarding.CONCERN_NAMES, safeguarding.ROUTE_NAMES],
    "case.safeguarding_outcome": [safeguarding.CONCERN_NAMES, safeguarding.OUTCOME_NAMES],
    "case.risk_recorded": [risk.ASSESSING_AGENCY_NAMES, risk.TOOL_NAMES, risk.LEVEL_NAMES],
    "case.risk_added": [risk.LEVEL_NAMES], "case.risk_from_form": [risk.LEVEL_NAMES],
    "case.share_added": [sharing.AGENCY_NAMES], "share.countersigned": [sharing.AGENCY_NAMES],
    "case.erasure_added": [{"requested": _l("a request to erase"), "kept": _l("the case is kept")}],
    "case.restricted": [RESTRICTION_NAMES], "case.linked": [RELATION_NAMES], "staff.role_changed": [ROLE_NAMES],
    **{f"case.enforcement_{stage}": [perpetrator.KIND_NAMES]
       for stage in ("started", "reviewed", "authorised", "declined", "withdrawn")},
    **{action: [TASK_STATE_NAMES] for action in _TASKS},
    "round.set": [ROUND_BASIS_NAMES], "round.case_reviewed": [ROUND_REVIEW_NAMES],
    "case.complaint_recorded": [COMPLAINT_CHANNEL_NAMES, COMPLAINT_TOPIC_NAMES],
    "case.complaint_responded": [COMPLAINT_OUTCOME_NAMES], "case.complaint_closed": [COMPLAINT_OUTCOME_NAMES],
}


def _words(values: str, names: Mapping[str, Any]) -> str:
    return ", ".join(str(names.get(v, v)) for v in values.split(",") if v and v != "-") or gettext("none")


def _when(value: str) -> str:
    try:
        return format_date(datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value), "d MMM yyyy")
    except ValueError:
        return value


def _named(prefix: str) -> Callable[[str, Mapping[str, str]], str]:
    return lambda value, people: people.get(f"{prefix}:{value}") or gettext("member of staff %(id)s", id=value)


def _span(value: str, _people: Mapping[str, str]) -> str:
    first, _dots, last = value.partition("..")
    return gettext("%(first)s to %(last)s", first=_when(first), last=_when(last)) if last else _when(value)


def _in(names: Mapping[str, Any]) -> Callable[[str, Mapping[str, str]], str]:
    return lambda value, _people: _words(value, names)


PREFIXES: dict[str, Callable[[str, Mapping[str, str]], str]] = {
    "staff": _named("staff"), "actor": lambda v, p: p.get(v) or actor_label(v),
    "role": _in(ROLE_NAMES), "with": lambda v, _p: gettext("with case %(reference)s", reference=v),
    "key": lambda v, _p: gettext("key %(key)s", key=v),
    "previous": lambda v, _p: gettext("previous key %(key)s", key=v) if v != "-" else gettext("no previous key"),
    "count": lambda v, _p: ngettext("%(num)d case", "%(num)d cases", int(v)) if v.isdigit() else v,
    "found": lambda v, _p: ngettext("%(num)d found", "%(num)d found", int(v)) if v.isdigit() else v,
    "days": lambda v, _p: ngettext("%(num)d working day", "%(num)d working days", int(v)) if v.isdigit() else v,
    "checkins": lambda v, _p: ngettext("%(num)d check-in", "%(num)d check-ins", int(v)) if v.isdigit() else v,
    "part-done": lambda v, _p: ngettext("%(num)d question not answered yet", "%(num)d questions not answered yet",
                                        int(v)) if v.isdigit() else v,
    "until": lambda v, _p: gettext("until %(date)s", date=_when(v)),
    "since": lambda v, _p: gettext("from %(date)s", date=_when(v)),
    "referral": lambda _v, _p: "", "format": _in(COMMON), "basis": _in(sharing.BASIS_NAMES),
    "criteria": _in(CRITERION_NAMES), "consent": _in(MARAC_CONSENT_NAMES), "share": _in(sharing.SHARE_ANSWER_NAMES),
    "kinds": _in(sharing.CONSENT_KIND_NAMES), "marac": _in(sharing.MARAC_ANSWER_NAMES),
    "channel": _in(CHANNEL_NAMES), "restricted": _in(RESTRICTION_NAMES), "aware": _in(AWARE_NAMES),
    "tenure": _in(perpetrator.TENURE_NAMES),
    "mediation": _in(perpetrator.MEDIATION_NAMES), "unmatched": _in(ROUTING_NAMES),
    "reason": _in(CLOSE_REASON_NAMES), "open": _in(OPEN_ITEM_NAMES),
    "requested_by": lambda v, p: gettext("recorded by %(name)s", name=p.get(v) or actor_label(v)),
    "action": lambda v, _p: action_label(v), "side": lambda v, _p: {"public": gettext("the public side"),
                                                                 "triage": gettext("the staff side")}.get(v, v),
    "month": _span, "quarter": _span, "year": _span, "custom": _span, "dates": _span,
    # Review rounds: which round, how many cases each reviewer is given, whose cases; a review's answers; the
    # checklist's points turned on or off (a lead's own point's code means nothing to a reader).
    "round": lambda v, _p: gettext("review round %(number)s", number=v),
    "size": lambda v, _p: ngettext("%(num)d case each", "%(num)d cases each", int(v)) if v.isdigit() else v,
    "officer": lambda v, p: gettext("the cases of %(name)s", name=_named("staff")(v, p)),
    "met": lambda v, _p: ngettext("%(num)d point met", "%(num)d points met", int(v)) if v.isdigit() else v,
    "not_met": lambda v, _p: ngettext("%(num)d point not met", "%(num)d points not met", int(v))
    if v.isdigit() else v,
    "na": lambda v, _p: ngettext("%(num)d point not applicable", "%(num)d points not applicable", int(v))
    if v.isdigit() else v,
    "turned_on": lambda v, _p: gettext("turned on: %(points)s", points=_words(v, POINT_NAMES)),
    "turned_off": lambda v, _p: gettext("turned off: %(points)s", points=_words(v, POINT_NAMES)),
    "added": lambda _v, _p: gettext("added a point of their own"),
}


def action_label(code: str) -> str:
    """An action in words; an unknown code as it is."""
    return str(ACTION_NAMES.get(code, code))


def action_choices() -> list[tuple[str, str]]:
    """Every action, for the log's "What" filter, in the reader's language and alphabetical order."""
    return sorted(((code, str(name)) for code, name in ACTION_NAMES.items()), key=lambda c: c[1].casefold())


def actor_label(actor: str, people: Mapping[str, str] | None = None) -> str:
    """Who did it: a member of staff by name, the portal itself, or the command line (with the operator's login)."""
    if people and actor in people:
        return people[actor]
    kind, _colon, who = actor.partition(":")
    if actor == "staff:unknown":
        return gettext("Someone not signed in")
    if kind == "staff":
        return gettext("member of staff %(id)s", id=who)
    if kind == "system":
        return gettext("The portal itself")
    if kind == "cli":
        return gettext("The command line (%(operator)s)", operator=who)
    return actor


def _is_task_kind(code: str) -> bool:
    return code in RAISED_NAMES or code.partition(".")[0] in ALL_ACTION_NAMES


def _word(code: str, names: Mapping[str, Any], action: str) -> str:
    if code in names:
        return str(names[code])
    if _VERSION.fullmatch(code):
        return gettext("version %(number)s", number=code[1:])
    return task_label(code) if action in _TASKS and _is_task_kind(code) else code


def _token(action: str, token: str, names: Mapping[str, Any], people: Mapping[str, str]) -> str:
    if _ID.fullmatch(token):
        return ""  # a task's or a referral's id means nothing to a reader
    if "->" in token:
        before, _arrow, after = token.partition("->")
        return f"{_word(before, names, action)} → {_word(after, names, action)}"
    if token in names or action in _TASKS and _is_task_kind(token):
        return _word(token, names, action)
    prefix, colon, value = token.partition(":")
    if colon and prefix in PREFIXES:
        return PREFIXES[prefix](value, people)
    parts = token.split(":")
    if len(parts) > 2 and ":".join(parts[-2:]) in names:  # an outcome then a way: "spoke person:call"
        parts = parts[:-2] + [":".join(parts[-2:])]
    elif len(parts) > 2 and ":".join(parts[:2]) in names:
        parts = [":".join(parts[:2])] + parts[2:]
    return ": ".join(_word(p, names, action) for p in parts)


_NAMES: dict[str, Mapping[str, Any]] = {action: ChainMap(*(dict(n) for n in names), COMMON)
                                         for action, names in BY_ACTION.items()}


def detail_label(action: str, detail: str, people: Mapping[str, str] | None = None) -> str:
    """An event's detail in words, for this action; "" if it has none."""
    names = _NAMES.get(action, COMMON)
    tokens = detail.split()
    if action in _TASKS and tokens[:1] and tokens[0].isdigit():
        tokens = tokens[1:]  # the task's id: nothing to a reader
    if action == "case.opened" and tokens[:1] == ["print"]:
        return "; ".join([str(VIEW_NAMES["print"]), *(str(PRINTED_NAMES.get(t, t)) for t in tokens[1:])])
    if action == "keys.resealed":  # the key, then a count for every table with sealed values
        counts = [int(v) for _t, _c, v in (t.partition(":") for t in tokens[1:]) if v.isdigit()]
        return "; ".join([*(_token(action, t, names, {}) for t in tokens[:1]),
                          ngettext("%(num)d record sealed again", "%(num)d records sealed again", sum(counts))])
    found = (_token(action, token, names, people or {}) for token in tokens)
    return "; ".join(part for part in found if part)

"""How the person at risk may be reached, and when first contact is due, from what a report or a changed
safe-contact profile says. Worked out wherever the text is in hand: the public side when a report arrives or a
reporter changes their details (it can seal but never open), the triage side when staff change a profile.

A report has up to two people: the **person at risk** and, for a neighbour's, an agency's or a worker's report,
the **reporter**. The clock is about the person at risk:

- a person's own report: their safe ways; "do not contact me" makes it a triage case (`clock` "triage": an
  officer records what was done instead, within the same target);
- an agency's referral, or a report from one of the landlord's own staff, volunteers or contractors: the
  person's safe ways as the worker gave them; "through me" (or another person they trust) only, or "do not
  contact them", means through the worker who told us (`approach` "via_referrer");
- a neighbour's, friend's or relative's report: the person's safe ways are not known (`approach` "unknown"),
  and may be dangerous to guess, so it is a triage case until an officer records a profile of the person.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from portal.workdays.safe_windows import Due, SafeTimes, contact_due

DIRECT_METHODS = ("call", "text", "email", "letter", "in_person")
# A worker who tells us about someone (another agency's, or the landlord's own staff, volunteers and contractors):
# they may be the go-between, and their "do not contact them" sends us to them rather than to nobody.
REFERRER_KINDS = ("agency", "staff")


@dataclass(frozen=True)
class Plan:
    approach: str  # direct | via_referrer | not_at_all | unknown
    clock: str  # reach | triage
    no_contact: bool  # the person asked not to be contacted at all
    due: Due


def approach_for(kind: str, methods: list[str] | None) -> str:
    chosen = set(methods or [])
    if kind == "concerned":
        return "unknown"
    if "none" in chosen:
        return "via_referrer" if kind in REFERRER_KINDS else "not_at_all"
    if kind in REFERRER_KINDS and not chosen & set(DIRECT_METHODS):
        return "via_referrer"  # only "through me, or someone else they trust"
    return "direct"


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def plan_for(kind: str, answers: Mapping[str, Any], received: datetime, *, nation: str, cutoff: time,
             tz: str) -> Plan:
    """The plan for a new report: who may be approached, which clock runs, and when it is due."""
    approach = approach_for(kind, answers.get("contact_methods"))
    clock = "triage" if approach in ("not_at_all", "unknown") else "reach"
    # A neighbour's own safe times are about the neighbour, not the person at risk: they do not move the clock.
    times = (SafeTimes.from_answers(answers, local_date(received, tz)) if kind != "concerned" and approach == "direct"
             else SafeTimes())
    return Plan(approach, clock, approach == "not_at_all", contact_due(received, times, nation, cutoff, tz))


def due_after_change(received: datetime, answers: Mapping[str, Any], changed: datetime, *, nation: str,
                     cutoff: time, tz: str) -> Due:
    """The due time once the person's safe times have changed: as if they had said so from the start, or, if
    that time has already gone by (they told us of a day we had already missed), the next safe time from now."""
    times = SafeTimes.from_answers(answers, local_date(changed, tz))
    due = contact_due(received, times, nation, cutoff, tz)
    if due.at >= changed or not times.restricted:
        return due
    later = contact_due(changed, times, nation, cutoff, tz)
    return Due(later.at, due.target, "window", later.out_of_hours, later.first_window, later.window or
               later.first_window)

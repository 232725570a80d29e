"""The checklist a case review answers, point by point (Met, Not met or Not applicable): seven built-in points,
drawn from what the policies ask of casework, which a lead can turn off and on, and a lead's own points, worded in
English and in Welsh. Kept in the setting `review_checklist` (JSON: `{"off": [codes], "own": [{"code", "en",
"cy", "on"}]}`); a round keeps the points in force when it was set, so changing the checklist never changes a
round under way. A lead's own point is never deleted (past answers name it): it is turned off."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit
from portal.store.models import StaffUser
from portal.store.settings import get_setting, set_setting

SETTING = "review_checklist"
# First contact on time and by a safe way (VIVID 4.1, Plus Dane 7); a DASH risk assessment (MHA 4.2.7); the
# MARAC referral criteria considered; information shared lawfully (VtC 4.4, MHA 4.2.4); the actions agreed done;
# language and the staff member asked for honoured (MHA 4.2.3, VtC 2.5, whg 4.1); clear records (VIVID 4.1, MHA 9.1).
BUILT_IN = ("first_contact", "dash", "marac", "sharing", "actions", "preferences", "records")
OWN_PREFIX = "own-"
MAX_OWN = 20
WORDING_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ChecklistError(NotAllowed):
    """A change to the checklist the rules do not allow."""


class OnlyLeadsChangeIt(ChecklistError):
    """Only a team lead changes the checklist."""


class NoPointOn(ChecklistError):
    """At least one point must stay on: a review with nothing to answer is no review."""


class WordingNeeded(ChecklistError):
    """A lead's own point needs its words in English and in Welsh, on one line, of at most WORDING_MAX characters."""


class TooManyPoints(ChecklistError):
    """At most MAX_OWN points of a lead's own."""


@dataclass(frozen=True)
class Point:
    """A checklist point. A built-in point is named by the staff side, in both languages; a lead's own carries
    its words."""

    code: str
    en: str = ""
    cy: str = ""
    on: bool = True

    @property
    def own(self) -> bool:
        return self.code.startswith(OWN_PREFIX)

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "en": self.en, "cy": self.cy} if self.own else {"code": self.code}


def _stored(dbs: Session) -> dict[str, Any]:
    try:
        value = json.loads(get_setting(dbs, SETTING, "{}"))
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def checklist(dbs: Session) -> list[Point]:
    """Every point, built-in first and then a lead's own in the order they were added, each on or off."""
    stored = _stored(dbs)
    off = set(stored.get("off") or [])
    points = [Point(code, on=code not in off) for code in BUILT_IN]
    for item in stored.get("own") or []:
        if isinstance(item, dict) and str(item.get("code", "")).startswith(OWN_PREFIX):
            points.append(Point(str(item["code"]), str(item.get("en", "")), str(item.get("cy", "")),
                                on=bool(item.get("on", True))))
    return points


def points_in_force(dbs: Session) -> list[Point]:
    return [point for point in checklist(dbs) if point.on]


def wording_ok(text: str) -> bool:
    return bool(text.strip()) and len(text.strip()) <= WORDING_MAX and not _CONTROL.search(text)


def change_checklist(dbs: Session, lead: StaffUser, on: Iterable[str], new_en: str = "", new_cy: str = "") -> str:
    """A lead chooses which points are on, and may add one of their own (on from the start). Returns the new
    point's code ("" if none was added). Raises OnlyLeadsChangeIt, WordingNeeded, TooManyPoints or NoPointOn."""
    if lead.role != "lead":
        raise OnlyLeadsChangeIt(lead.role)
    before = checklist(dbs)
    chosen = set(on)
    after = [Point(p.code, p.en, p.cy, on=p.code in chosen) for p in before]
    added = ""
    if new_en.strip() or new_cy.strip():
        if not (wording_ok(new_en) and wording_ok(new_cy)):
            raise WordingNeeded("both languages, one line each")
        own = [p for p in after if p.own]
        if len(own) >= MAX_OWN:
            raise TooManyPoints(str(len(own)))
        numbers = [int(p.code[len(OWN_PREFIX):]) for p in own if p.code[len(OWN_PREFIX):].isdigit()]
        added = f"{OWN_PREFIX}{max(numbers, default=0) + 1}"
        after.append(Point(added, new_en.strip(), new_cy.strip(), on=True))
    if not any(p.on for p in after):
        raise NoPointOn("none on")
    set_setting(dbs, SETTING, json.dumps({
        "off": [p.code for p in after if not p.own and not p.on],
        "own": [{**p.as_json(), "on": p.on} for p in after if p.own]}, ensure_ascii=False))
    was = {p.code: p.on for p in before}
    turned_on = [p.code for p in after if p.on and was.get(p.code) is False]
    turned_off = [p.code for p in after if not p.on and was.get(p.code)]
    detail = " ".join(part for part in (
        f"turned_on:{','.join(turned_on)}" if turned_on else "", f"turned_off:{','.join(turned_off)}" if turned_off
        else "", f"added:{added}" if added else "") if part)
    if detail:
        audit(dbs, lead, "settings.review_checklist_changed", detail=detail)
    dbs.commit()
    return added


def points_from_json(text: str) -> list[Point]:
    """A round's points, as it kept them."""
    try:
        items = json.loads(text)
    except ValueError:
        return []
    return [Point(str(i["code"]), str(i.get("en", "")), str(i.get("cy", ""))) for i in items
            if isinstance(i, dict) and i.get("code")]


def points_to_json(points: Iterable[Point]) -> str:
    return json.dumps([p.as_json() for p in points], ensure_ascii=False)


__all__ = ["BUILT_IN", "ChecklistError", "NoPointOn", "OnlyLeadsChangeIt", "Point", "TooManyPoints",
           "WordingNeeded", "change_checklist", "checklist", "points_from_json", "points_in_force",
           "points_to_json", "wording_ok"]

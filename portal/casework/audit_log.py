"""The audit log for leads and auditors: filtered by who, what, case and dates, newest first, and paged by a keyset
(the time and id of the last row shown) so that a page costs the same at five million rows as at fifty.

Rows are ordered by (at, id), both descending: `ix_audit_event_at` serves the whole log and a date range, and
`ix_audit_event_actor_at` / `ix_audit_event_action_at` (migration 0010) serve a filter by who or what with or
without dates; a case has few events, found through `ix_audit_event_report_id`. Nothing counts the whole log: a
page says only whether there are older or newer rows (one more row is read to know)."""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import not_, select, tuple_
from sqlalchemy.orm import Session

from portal.intake.reports import find_by_reference
from portal.store.models import AuditEvent, Report

PAGE_SIZE = 100
OTHER_ACTORS = "other"  # the filter for everything that is not a member of staff (the system, the command line)
_CURSOR = re.compile(r"([0-9]{1,20})-([0-9]{1,19})")


class UnknownCase(ValueError):
    """No case has the reference given (it may never have existed, or it was deleted)."""


@dataclass(frozen=True)
class Cursor:
    """A place in the log: the time and id of a row. As text, microseconds since 1970 and the id: no content."""

    at: datetime
    id: int

    def text(self) -> str:
        moment = self.at if self.at.tzinfo else self.at.replace(tzinfo=timezone.utc)
        delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
        return f"{delta // timedelta(microseconds=1)}-{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        found = _CURSOR.fullmatch(text or "")
        if not found:
            return None
        try:
            at = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(found.group(1)))
        except OverflowError:
            return None
        return cls(at, int(found.group(2)))


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # "staff:3", OTHER_ACTORS, or "" for anyone
    action: str = ""  # an action code, or "" for any
    report_id: str | None = None  # the case, from its reference
    since: date | None = None  # local dates, both inclusive
    until: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.actor or self.action or self.report_id or self.since or self.until)


def case_id(dbs: Session, reference: str) -> str:
    """The id of the case with this reference (as typed: spaces, case and a missing hyphen do not matter), for the
    filter; UnknownCase if there is none."""
    found = find_by_reference(dbs, reference)
    if found is None:
        raise UnknownCase(reference)
    return found.id


def _bounds(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _filtered(flt: AuditFilter, tz: str) -> Any:  # a Select of (AuditEvent, reference)
    query = select(AuditEvent, Report.reference).outerjoin(Report, Report.id == AuditEvent.report_id)
    if flt.actor == OTHER_ACTORS:
        query = query.where(not_(AuditEvent.actor.like("staff:%")))
    elif flt.actor:
        query = query.where(AuditEvent.actor == flt.actor)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.report_id:
        query = query.where(AuditEvent.report_id == flt.report_id)
    if flt.since:
        query = query.where(AuditEvent.at >= _bounds(flt.since, tz))
    if flt.until:
        query = query.where(AuditEvent.at < _bounds(flt.until + timedelta(days=1), tz))
    return query


@dataclass(frozen=True)
class AuditPage:
    rows: Sequence[tuple[AuditEvent, str | None]]
    older: Cursor | None  # where the next (older) page starts, if there is one
    newer: Cursor | None  # where the previous (newer) page ends, if there is one


def _rows(dbs: Session, query: Any) -> list[tuple[AuditEvent, str | None]]:
    return [(event, reference) for event, reference in dbs.execute(query)]


def _cursor(event: AuditEvent) -> Cursor:
    return Cursor(event.at, event.id)


def page(dbs: Session, flt: AuditFilter, tz: str, *, before: Cursor | None = None, after: Cursor | None = None,
         size: int = PAGE_SIZE) -> AuditPage:
    """One page, newest first: the rows older than `before`, or the rows newer than `after` (the page before)."""
    query = _filtered(flt, tz)
    key = tuple_(AuditEvent.at, AuditEvent.id)
    if after is not None:
        found = _rows(dbs, query.where(key > tuple_(after.at, after.id))
                      .order_by(AuditEvent.at.asc(), AuditEvent.id.asc()).limit(size + 1))
        more_newer = len(found) > size
        rows = list(reversed(found[:size]))
        if not rows:  # nothing newer any more: the first page
            return page(dbs, flt, tz, size=size)
        return AuditPage(rows, _cursor(rows[-1][0]), _cursor(rows[0][0]) if more_newer else None)
    if before is not None:
        query = query.where(key < tuple_(before.at, before.id))
    found = _rows(dbs, query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(size + 1))
    rows = found[:size]
    older = _cursor(rows[-1][0]) if len(found) > size else None
    newer = _cursor(rows[0][0]) if before is not None and rows else None
    return AuditPage(rows, older, newer)


def export(dbs: Session, flt: AuditFilter, tz: str, batch: int = 2_000) -> Iterator[tuple[AuditEvent, str | None]]:
    """Every row the filter matches, newest first, read a batch at a time by the same keyset as the pages."""
    before: Cursor | None = None
    while True:
        found = page(dbs, flt, tz, before=before, size=batch)
        yield from found.rows
        if found.older is None:
            return
        before = found.older


def export_detail(flt: AuditFilter) -> str:
    """What an export was of, for its own audit event (the case, if any, is the event's report): the filter's
    codes, never content."""
    parts = [f"actor:{flt.actor}" if flt.actor else "", f"action:{flt.action}" if flt.action else "",
             f"since:{flt.since}" if flt.since else "",
             f"until:{flt.until}" if flt.until else ""]
    return " ".join(p for p in parts if p) or "all"


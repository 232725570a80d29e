"""The audit log's filters and keyset paging (on SQLite, and on PostgreSQL in the PostgreSQL pass): every row once,
newest first, in pages that do not drift when rows arrive; filters by who, what, case and local dates."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from portal.casework.audit_log import OTHER_ACTORS, AuditFilter, Cursor, UnknownCase, case_id, export, page
from portal.store.models import AuditEvent
from tests.staff_helpers import SAFE_TEXT, STORY, dbs, new_client, report_row, send_report

TZ = "Europe/London"
START = datetime(2026, 6, 30, 22, 30, tzinfo=timezone.utc)  # 23:30 on 30 June in London (BST)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def logged(app):  # type: ignore[no-untyped-def]
    """250 events an hour apart from START, by three staff and the system; two share one time."""
    with dbs(app) as s:
        for n in range(250):
            actor = "system:index" if n % 10 == 0 else f"staff:{n % 3 + 1}"
            s.add(AuditEvent(at=START + timedelta(hours=n if n != 7 else 6), actor=actor,
                             action=("case.opened", "staff.signed_in")[n % 2], report_id=None, detail=str(n)))
        s.commit()


def details(rows) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(event.detail) for event, _reference in rows]


def test_pages_run_newest_first_with_every_row_once_and_back_again(app, logged):
    with dbs(app) as s:
        first = page(s, AuditFilter(), TZ, size=40)
        assert first.newer is None and first.older is not None
        seen = details(first.rows)
        cursor, pages = first.older, [first]
        while cursor is not None:
            found = page(s, AuditFilter(), TZ, before=Cursor.parse(cursor.text()), size=40)
            pages.append(found)
            seen += details(found.rows)
            cursor = found.older
        # Newest first; 6 and 7 share a time, so the higher id (7) comes first.
        assert seen == sorted(range(250), key=lambda n: (n if n != 7 else 6, n), reverse=True)
        assert len(pages) == 7 and pages[-1].older is None and pages[-1].newer is not None
        back = page(s, AuditFilter(), TZ, after=pages[2].newer, size=40)
        assert details(back.rows) == details(pages[1].rows)
        assert details(page(s, AuditFilter(), TZ, after=pages[1].newer, size=40).rows) == details(first.rows)
        assert page(s, AuditFilter(), TZ, after=pages[1].newer, size=40).newer is None


def test_a_new_event_does_not_shift_the_next_page(app, logged):
    with dbs(app) as s:
        first = page(s, AuditFilter(), TZ, size=50)
        s.add(AuditEvent(at=START + timedelta(days=30), actor="staff:1", action="case.opened", detail="new"))
        s.commit()
        second = page(s, AuditFilter(), TZ, before=first.older, size=50)
        assert details(second.rows)[0] == details(first.rows)[-1] - 1


def test_filters_by_who_what_and_local_dates(app, logged):
    with dbs(app) as s:
        mine = list(export(s, AuditFilter(actor="staff:2"), TZ, batch=7))
        assert {e.actor for e, _ in mine} == {"staff:2"} and len(mine) == len([n for n in range(250)
                                                                                  if n % 10 and n % 3 == 1])
        system = list(export(s, AuditFilter(actor=OTHER_ACTORS), TZ))
        assert len(system) == 25 and {e.actor for e, _ in system} == {"system:index"}
        opened = list(export(s, AuditFilter(action="case.opened"), TZ))
        assert len(opened) == 125
        # 30 June in London is only the first event (23:30 BST); 1 July is the next 24 hours, events 1 to 24.
        june = details(export(s, AuditFilter(since=date(2026, 6, 30), until=date(2026, 6, 30)), TZ))
        assert june == [0]
        july_first = details(export(s, AuditFilter(since=date(2026, 7, 1), until=date(2026, 7, 1)), TZ))
        assert sorted(july_first) == list(range(1, 25))
        both = details(export(s, AuditFilter(actor="staff:2", action="case.opened", since=date(2026, 7, 1),
                                             until=date(2026, 7, 1)), TZ))
        assert sorted(both) == [n for n in range(1, 25) if n % 10 and n % 3 == 1 and n % 2 == 0]


def test_a_case_filter_finds_its_events_by_reference(app):
    reference = send_report(new_client(app), {**SAFE_TEXT, "story": STORY})
    report = report_row(app, reference)
    with dbs(app) as s:
        s.add(AuditEvent(at=START, actor="staff:1", action="case.opened", report_id=report.id, detail=""))
        s.add(AuditEvent(at=START, actor="staff:1", action="case.opened", report_id="another", detail=""))
        s.commit()
        found = page(s, AuditFilter(report_id=case_id(s, reference.lower())), TZ)
        assert [(e.report_id, ref) for e, ref in found.rows] == [(report.id, reference)]
        assert case_id(s, f" {reference.replace('-', '').lower()} ") == report.id  # as someone might type it
        with pytest.raises(UnknownCase):
            case_id(s, "NONE-SUCH")


def test_a_cursor_is_only_digits_and_refuses_anything_else():
    moment = datetime(2026, 12, 3, 7, 30, 1, 123456, tzinfo=timezone.utc)
    cursor = Cursor(moment, 42)
    assert Cursor.parse(cursor.text()) == cursor and cursor.text().replace("-", "").isdigit()
    for bad in ("", "x-1", "1-", "-1", "1-2-3", "9" * 25 + "-1", "99999999999999999999-1"):
        assert Cursor.parse(bad) is None, bad

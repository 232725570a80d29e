"""The triage queue: order, bookmarkable filters, no decryption, claiming (race-safe), assigning."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from portal.casework.queue import QueueFilter
from tests.staff_helpers import (
    SAFE_TEXT,
    add_staff,
    audit_events,
    csrf_from,
    html_of,
    new_client,
    queue_references,
    report_row,
    send_report,
    set_report,
    signed_in,
    utcnow,
)

ALREADY_CLAIMED = "Someone else has already claimed this report"


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def public(app):  # type: ignore[no-untyped-def]
    return new_client(app)


def claim(client, reference: str, back: str = "/staff/"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/"))
    return client.post(f"/staff/cases/{reference}/claim", data={"csrf_token": token, "back": back})


def assign(client, references: list[str], owner: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/"))
    return client.post("/staff/assign", data={"csrf_token": token, "report": references, "owner": owner,
                                              "back": "/staff/"})


def listed(client, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/staff/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return queue_references(html_of(response))


# --- order --------------------------------------------------------------------------------------------


def test_danger_first_then_children_then_the_rest_uncontacted_and_soonest_first(app, public):
    now = utcnow()
    danger, children, other = ({"danger_now": "yes", **SAFE_TEXT}, {"children": "live", **SAFE_TEXT},
                                {"children": "no", **SAFE_TEXT})
    made = {}
    for name, answers, due_hours, contacted in [
        ("other_soon", other, 1, False), ("danger_contacted", danger, -24, True), ("children_later", children, 48,
                                                                                   False),
        ("danger_later", danger, 72, False), ("other_overdue", other, -1, False), ("children_contacted", children,
                                                                                   -48, True),
        ("danger_soon", danger, 1, False), ("other_contacted", other, -72, True), ("children_soon", children, 2, False),
    ]:
        made[name] = send_report(public, answers)
        set_report(app, made[name], first_contact_due=now + timedelta(hours=due_hours), contacted=contacted)
    client, _officer = signed_in(app, "officer")
    expected = ["danger_soon", "danger_later", "danger_contacted", "children_soon", "children_later",
                "children_contacted", "other_overdue", "other_soon", "other_contacted"]
    assert listed(client) == [made[name] for name in expected]
    assert [report_row(app, made[n]).band for n in ("danger_soon", "children_soon", "other_soon")] == [0, 1, 2]


def test_overdue_rows_say_so(app, public):
    late, fine = send_report(public), send_report(public)
    set_report(app, late, first_contact_due=utcnow() - timedelta(days=3))
    set_report(app, fine, first_contact_due=utcnow() + timedelta(days=3))
    client, _ = signed_in(app, "officer")
    html = html_of(client.get("/staff/"))
    rows = {ref: html[html.index(f'id="select-{ref}"'):] for ref in (late, fine)}
    late_row = rows[late][:rows[late].index("</tr>")]
    fine_row = rows[fine][:rows[fine].index("</tr>")]
    assert "Overdue by" in late_row and "Overdue by" not in fine_row
    assert "left" in fine_row
    row_start = {ref: html[html.rfind("<tr", 0, html.index(f'id="select-{ref}"')):][:20] for ref in (late, fine)}
    assert row_start[late].startswith('<tr class="overdue">') and row_start[fine].startswith("<tr>")


# --- filters ------------------------------------------------------------------------------------------


@pytest.fixture
def mixed(app, public):  # type: ignore[no-untyped-def]
    """Five reports of different kinds, flags, owners, statuses and languages; an officer and a lead."""
    officer_client, officer = signed_in(app, "officer")
    lead = add_staff(app, "lead")
    now = utcnow()
    r = {
        "danger_cy": send_report(public, {"danger_now": "yes", "children": "live", "contact_language": "cy",
                                          **SAFE_TEXT}),
        "children": send_report(public, {"children": "visit", "contact_language": "en", **SAFE_TEXT}),
        "concerned": send_report(public, {"contact_methods": ["email"], "email": "n@example.org",
                                          "contact_language": "en"}, slug="someone"),
        "agency_nc": send_report(public, {"org_name": "Gwent IDVA", "worker_name": "Sam", "work_phone": "01632 960001",
                                          "contact_methods": ["none"], "contact_language": "en"}, slug="agency"),
        "closed": send_report(public, {"contact_language": "en", **SAFE_TEXT}),
    }
    set_report(app, r["danger_cy"], owner_id=officer.id, first_contact_due=now - timedelta(hours=2))
    set_report(app, r["children"], status="contact_attempted", contacted=True,
               first_contact_due=now + timedelta(days=1))
    set_report(app, r["concerned"], owner_id=lead.id, contacted=True, status="in_contact",
               first_contact_due=now - timedelta(days=1))
    set_report(app, r["agency_nc"], first_contact_due=now - timedelta(hours=1))
    set_report(app, r["closed"], status="closed", is_open=False, close_reason="duplicate")
    return officer_client, r


FILTER_CASES = [
    ("", {"danger_cy", "children", "concerned", "agency_nc"}),
    ("owner=mine", {"danger_cy"}),
    ("owner=none", {"children", "agency_nc"}),
    ("overdue=1", {"danger_cy", "agency_nc"}),
    ("status=contact_attempted", {"children"}),
    ("status=closed", {"closed"}),
    ("kind=concerned", {"concerned"}),
    ("kind=agency", {"agency_nc"}),
    ("kind=self", {"danger_cy", "children"}),
    ("flag=danger", {"danger_cy"}),
    ("flag=children", {"danger_cy", "children"}),
    ("flag=danger&flag=children", {"danger_cy"}),
    ("flag=children&flag=no_contact", set()),
    # An agency's "do not contact them directly" is contact through the referrer, not a no-contact report.
    ("flag=no_contact", set()),
    ("language=cy", {"danger_cy"}),
    ("language=en", {"children", "concerned", "agency_nc"}),
    ("owner=none&overdue=1", {"agency_nc"}),
    ("owner=none&flag=children", {"children"}),
    ("owner=everyone&status=bogus&kind=x&flag=y&language=fr", {"danger_cy", "children", "concerned", "agency_nc"}),
]


def test_filters_combine_with_and(mixed):
    client, refs = mixed
    names = {ref: name for name, ref in refs.items()}
    for query, expected in FILTER_CASES:
        assert {names[r] for r in listed(client, query)} == expected, query


def test_the_filter_form_is_a_get_form_that_shows_the_filters_in_use(mixed):
    client, _refs = mixed
    html = html_of(client.get("/staff/?owner=none&overdue=1&status=new&kind=agency&flag=no_contact&flag=danger"
                              "&language=en"))
    assert '<form method="get" action="/staff/"' in html
    for selected in ('<option value="none" selected>', '<option value="new" selected>',
                     '<option value="agency" selected>', '<option value="en" selected'):
        assert selected in html, selected
    for box in ("filter-overdue", "filter-flag-no_contact", "filter-flag-danger"):
        assert re.search(rf'id="{box}"[^>]*checked', html), box
    assert not re.search(r'id="filter-flag-children"[^>]*checked', html)
    assert 'class="clear-filters"' in html
    plain = html_of(client.get("/staff/"))
    assert " selected>" not in plain.split('id="filter-owner"')[1].split("</select>")[0]
    assert 'class="clear-filters"' not in plain


def test_filters_round_trip_through_the_query_string():
    f = QueueFilter.from_args(MultiDict([("owner", "mine"), ("overdue", "1"), ("status", "assessed"),
                                         ("kind", "agency"), ("flag", "children"), ("flag", "danger"),
                                         ("language", "cy"), ("page", "3")]))
    assert (f.owner, f.overdue, f.status, f.kind, f.flags, f.language, f.page) == (
        "mine", True, "assessed", "agency", ["danger", "children"], "cy", 3)
    again = QueueFilter.from_args(MultiDict([(k, v) for k, vs in f.args().items()
                                             for v in (vs if isinstance(vs, list) else [vs])]))
    assert again == f
    assert QueueFilter.from_args(MultiDict()).args() == {}


def test_listing_never_decrypts(app, public, monkeypatch):
    references = {send_report(public) for _ in range(3)}
    client, _ = signed_in(app, "officer")

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the queue decrypted something")

    monkeypatch.setattr("portal.crypto.sealing.Opener.open", refuse)
    for query in ("", "owner=none", "overdue=1&flag=children", "status=new&kind=self&language=en"):
        response = client.get(f"/staff/?{query}")
        assert response.status_code == 200
    assert set(listed(client)) == references
    with pytest.raises(AssertionError, match="decrypted"):  # the patch is live: opening a case does decrypt
        client.get(f"/staff/cases/{next(iter(references))}")


# --- claiming and assigning ---------------------------------------------------------------------------


def test_claiming_an_unowned_report(app, public):
    reference = send_report(public)
    client, officer = signed_in(app, "officer")
    html = html_of(client.get("/staff/"))
    assert f'formaction="/staff/cases/{reference}/claim"' in html
    response = claim(client, reference, back="/staff/?owner=none")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/?owner=none"
    assert report_row(app, reference).owner_id == officer.id
    (event,) = audit_events(app, "case.claimed")
    assert event.actor == officer.actor and event.report_id == report_row(app, reference).id
    html = html_of(client.get("/staff/"))
    assert f"You have claimed {reference}." in html
    assert f'formaction="/staff/cases/{reference}/claim"' not in html and officer.name in html
    assert listed(client, "owner=mine") == [reference]


def test_claiming_a_report_someone_owns_changes_nothing(app, public):
    reference = send_report(public)
    first, owner = signed_in(app, "officer")
    second, _other = signed_in(app, "officer")
    claim(first, reference)
    response = claim(second, reference)
    assert response.status_code == 303
    assert ALREADY_CLAIMED in html_of(second.get("/staff/"))
    assert report_row(app, reference).owner_id == owner.id
    assert len(audit_events(app, "case.claimed")) == 1


def test_claim_goes_back_only_to_staff_pages(app, public):
    reference = send_report(public)
    client, _ = signed_in(app, "officer")
    response = claim(client, reference, back="//evil.example/staff/")
    assert response.headers["Location"] == "/staff/"


def race_to_claim(app, reference: str) -> None:  # type: ignore[no-untyped-def]
    """Two officers, each with their own client, press Claim at the same moment: exactly one wins."""
    officers = [signed_in(app, "officer") for _ in range(2)]
    tokens = [csrf_from(client.get("/staff/")) for client, _ in officers]
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def press(i: int) -> None:
        client, _account = officers[i]
        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(f"/staff/cases/{reference}/claim",
                                        data={"csrf_token": tokens[i], "back": "/staff/"}).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert statuses == [303, 303]
    owner_id = report_row(app, reference).owner_id
    ids = [account.id for _client, account in officers]
    assert owner_id in ids
    pages = {account.id: html_of(client.get("/staff/")) for client, account in officers}
    winner, loser = owner_id, next(i for i in ids if i != owner_id)
    assert f"You have claimed {reference}." in pages[winner] and ALREADY_CLAIMED not in pages[winner]
    assert ALREADY_CLAIMED in pages[loser] and f"You have claimed {reference}." not in pages[loser]
    (event,) = audit_events(app, "case.claimed")
    assert event.actor == f"staff:{winner}"


def test_two_officers_claiming_at_once_on_sqlite(app, public):
    race_to_claim(app, send_report(public))


def test_two_officers_claiming_at_once_on_postgresql(pg_schema_url, staff_app_factory):
    app = staff_app_factory()
    assert app.config["DATABASE_URL"] == pg_schema_url
    race_to_claim(app, send_report(new_client(app)))


def test_bulk_assign_and_unassign_with_audit(app, public):
    references = [send_report(public) for _ in range(4)]
    client, officer = signed_in(app, "officer")
    lead = add_staff(app, "lead")
    chosen = references[:3]
    response = assign(client, chosen, str(lead.id))
    assert response.status_code == 303
    assert "3 reports assigned." in html_of(client.get("/staff/"))
    assert [report_row(app, r).owner_id for r in references] == [lead.id] * 3 + [None]
    events = audit_events(app, "case.assigned")
    assert len(events) == 3
    assert {e.report_id for e in events} == {report_row(app, r).id for r in chosen}
    assert {(e.actor, e.detail) for e in events} == {(officer.actor, f"to staff:{lead.id}")}

    assign(client, chosen[:2], "none")
    assert [report_row(app, r).owner_id for r in chosen] == [None, None, lead.id]
    unassigned = audit_events(app, "case.assigned")[3:]
    assert [e.detail for e in unassigned] == ["to nobody", "to nobody"]
    assert set(listed(client, "owner=none")) == {references[0], references[1], references[3]}


def test_bulk_assign_refuses_an_owner_who_cannot_work_cases(app, public):
    reference = send_report(public)
    client, _officer = signed_in(app, "officer")
    auditor = add_staff(app, "auditor")
    for owner in (str(auditor.id), "99999", "not-a-number", ""):
        assert assign(client, [reference], owner).status_code == 303
        assert "Select who the case is for" in html_of(client.get("/staff/"))
    assert report_row(app, reference).owner_id is None
    assert not audit_events(app, "case.assigned")


@pytest.mark.parametrize("owner", ["99999999999999999999", "\u00b2"])  # too big for the column; "²" (isdigit)
def test_bulk_assign_refuses_an_owner_value_that_is_not_a_plain_id(app, public, owner):
    reference = send_report(public)
    client, _officer = signed_in(app, "officer")
    response = assign(client, [reference], owner)  # the test app re-raises a server error
    assert response.status_code == 303
    assert "Select who the case is for" in html_of(client.get("/staff/"))
    assert report_row(app, reference).owner_id is None


def test_bulk_assign_refuses_a_deactivated_owner(app, public):
    reference = send_report(public)
    client, _officer = signed_in(app, "officer")
    lead_client, _lead = signed_in(app, "lead")
    gone = add_staff(app, "officer")
    page = lead_client.get(f"/staff/team/{gone.id}")
    lead_client.post(f"/staff/team/{gone.id}/deactivate", data={"csrf_token": csrf_from(page)})
    assign(client, [reference], str(gone.id))
    assert report_row(app, reference).owner_id is None
    assert f'value="{gone.id}"' not in html_of(client.get("/staff/")).split('id="assign-owner"')[1]


def test_bulk_assign_needs_a_selection(app, public):
    send_report(public)
    client, _ = signed_in(app, "officer")
    assign(client, [], "none")
    assert "Select at least one report" in html_of(client.get("/staff/"))


def test_a_report_sent_from_the_welsh_form_is_in_the_welsh_filter(app, public):
    welsh = send_report(public, SAFE_TEXT, lang="cy")  # no language chosen: the form's language
    english = send_report(public, SAFE_TEXT, lang="en")
    client, _ = signed_in(app, "officer")
    assert listed(client, "language=cy") == [welsh]
    assert listed(client, "language=en") == [english]


def test_the_no_contact_and_out_of_hours_filters(app, public):
    client, _officer = signed_in(app, "officer")
    quiet = send_report(public, {"story": "x", "contact_methods": ["none"]})
    late = send_report(public, {**SAFE_TEXT, "safe_days": ["sat"], "safe_times": ["night"]})
    plain = send_report(public)
    assert queue_references(html_of(client.get("/staff/?flag=no_contact"))) == [quiet]
    assert queue_references(html_of(client.get("/staff/?flag=out_of_hours"))) == [late]
    assert plain in queue_references(html_of(client.get("/staff/")))


# --- after first contact ------------------------------------------------------------------------------


def _today():  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo("Europe/London")).date()


def _contacted(app, reference: str, on, kind: str = "review", **values):  # type: ignore[no-untyped-def]
    """Make a report contacted, with what is next on it due at the start of `on` (as refresh_next keeps it)."""
    with app.test_request_context():
        from portal.casework.followup import start_of
        set_report(app, reference, contacted=True, status="in_contact", next_due=start_of(on), next_kind=kind,
                   next_review_on=values.pop("next_review_on", on), **values)


def _task(app, reference: str, kind: str, due_on, owner_id=None, state: str = "planned") -> None:  # type: ignore[no-untyped-def]
    from portal.store.followup_models import CaseTask
    from tests.staff_helpers import dbs
    with dbs(app) as s, s.begin():
        s.add(CaseTask(report_id=report_row(app, reference).id, kind=kind, created_at=utcnow(), owner_id=owner_id,
                       due_on=due_on, state=state))


def test_after_first_contact_overdue_comes_first_then_soonest(app, public):
    day = _today()
    later, overdue, soon, waiting = (send_report(public) for _ in range(4))
    _contacted(app, later, day + timedelta(days=20))
    _contacted(app, overdue, day - timedelta(days=2), kind="security.locks")
    _contacted(app, soon, day + timedelta(days=1))
    client, _ = signed_in(app, "officer")
    assert listed(client) == [waiting, overdue, soon, later]
    html = html_of(client.get("/staff/"))
    row = html[html.index(f'id="select-{overdue}"'):]
    row = row[:row.index("</tr>")]
    assert "Task: New or stronger locks due" in row and "(overdue)" in row
    soon_row = html[html.index(f'id="select-{soon}"'):]
    assert "Review due" in soon_row[:soon_row.index("</tr>")]
    assert "(overdue)" not in soon_row[:soon_row.index("</tr>")]


def test_a_task_kind_nobody_named_yet_still_shows(app, public):
    reference = send_report(public)
    _contacted(app, reference, _today() + timedelta(days=3), kind="something_new")
    client, _ = signed_in(app, "officer")
    html = html_of(client.get("/staff/"))
    row = html[html.index(f'id="select-{reference}"'):]
    assert "Task due" in row[:row.index("</tr>")]


def test_the_queue_shows_the_risk_level_and_the_persons_preferences(app, public):
    woman, man = send_report(public), send_report(public, {"contact_language": "cy", **SAFE_TEXT})
    set_report(app, woman, staff_sex="woman", risk_level="high")
    set_report(app, man, staff_sex="man")
    client, _ = signed_in(app, "officer")
    html = html_of(client.get("/staff/"))
    rows = {ref: html[html.index(f'id="select-{ref}"'):] for ref in (woman, man)}
    rows = {ref: text[:text.index("</tr>")] for ref, text in rows.items()}
    assert "Asked to speak to a woman" in rows[woman] and "High risk" in rows[woman]
    assert "Asked to speak to a man" in rows[man] and "Cymraeg" in rows[man] and "Not assessed yet" in rows[man]


def test_the_follow_up_filters(app, public):
    client, me = signed_in(app, "officer")
    other = add_staff(app, "officer")
    day = _today()
    r = {name: send_report(public) for name in ("mine_due", "mine_later", "mine_done", "others", "review_late",
                                                 "breathing_soon", "breathing_far", "monitored", "monitor_over",
                                                 "waiting")}
    for name in ("mine_due", "mine_later", "mine_done", "others", "breathing_soon", "breathing_far"):
        _contacted(app, r[name], day + timedelta(days=10))
    _task(app, r["mine_due"], "security", day, owner_id=me.id)
    _task(app, r["mine_later"], "security", day + timedelta(days=1), owner_id=me.id)
    _task(app, r["mine_done"], "security", day - timedelta(days=1), owner_id=me.id, state="done")
    _task(app, r["others"], "security", day - timedelta(days=1), owner_id=other.id)
    _contacted(app, r["review_late"], day - timedelta(days=1))
    _task(app, r["breathing_soon"], "breathing_space_end", day + timedelta(days=7))
    _task(app, r["breathing_far"], "breathing_space_end", day + timedelta(days=40))
    for name, until in (("monitored", day + timedelta(days=30)), ("monitor_over", day - timedelta(days=1))):
        _contacted(app, r[name], day + timedelta(days=5), kind="checkin")
        set_report(app, r[name], is_open=False, status="closed", close_reason="duplicate", monitor_until=until)
    names = {ref: name for name, ref in r.items()}
    for query, expected in [("follow=my_tasks", {"mine_due"}), ("follow=reviews_overdue", {"review_late"}),
                            ("follow=breathing_space", {"breathing_soon"}), ("follow=monitored", {"monitored"}),
                            ("follow=my_tasks&follow=reviews_overdue", set()),
                            ("follow=nonsense", set(r) - {"monitored", "monitor_over"})]:
        assert {names[ref] for ref in listed(client, query) if ref in names} == expected, query
    html = html_of(client.get("/staff/?follow=reviews_overdue"))
    assert re.search(r'id="filter-follow-reviews_overdue"[^>]*checked', html)
    assert not re.search(r'id="filter-follow-my_tasks"[^>]*checked', html)
    f = QueueFilter.from_args(MultiDict([("follow", "monitored"), ("follow", "my_tasks"), ("owner", "mine")]))
    assert f.follow == ["my_tasks", "monitored"] and f.args() == {"owner": "mine", "follow": ["my_tasks", "monitored"]}


def test_monitored_cases_are_listed_by_when_monitoring_ends(app, public):
    day = _today()
    ends_later, ends_soon = send_report(public), send_report(public)
    for reference, until in ((ends_later, day + timedelta(days=60)), (ends_soon, day + timedelta(days=5))):
        _contacted(app, reference, day + timedelta(days=1), kind="checkin")
        set_report(app, reference, is_open=False, status="closed", close_reason="duplicate", monitor_until=until)
    client, _ = signed_in(app, "officer")
    assert [ref for ref in listed(client, "follow=monitored") if ref in (ends_later, ends_soon)] == [ends_soon,
                                                                                                  ends_later]
    assert "Check-in due" in html_of(client.get("/staff/?follow=monitored"))

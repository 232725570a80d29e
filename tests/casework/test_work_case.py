"""A report from one of the landlord's own staff, volunteers or contractors, as the team sees it: its kind named
in the queue and on the case, the queue's filter, the worker's details and the person's safe ways, the worker as
the go-between like an agency's referrer, and the answer naming anyone who must not see it, clearly labelled."""
from __future__ import annotations

from html import unescape

import pytest

from tests.staff_helpers import html_of, new_client, queue_references, report_row, send_report, signed_in

WORKER = {"worker_name": "Dai Jones", "works_as": "contractor", "company": "Valleys Joinery",
          "worker_role": "Joiner", "work_phone": "01632 960 123", "story": "I heard shouting on a repair visit.",
          "their_address": "14 Heol Fawr, CF10 1AA", "their_name": "Ceri", "contact_methods": ["trusted"],
          "trusted_person": "Me, Dai, on my work phone"}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def public(app):  # type: ignore[no-untyped-def]
    return new_client(app)


def test_the_case_shows_the_workers_report_and_who_must_not_see_it(app, public):
    reference = send_report(public, {**WORKER, "must_not_see": "Gareth, the housing officer for Heol Fawr"},
                            slug="work")
    assert report_row(app, reference).restricted == "leads"
    client, _ = signed_in(app, "lead")
    html = unescape(html_of(client.get(f"/staff/cases/{reference}")))
    assert "Our staff, a volunteer or a contractor" in html
    assert "Who must not see this report (as the reporter told us)" in html
    assert "Gareth, the housing officer for Heol Fawr" in html
    for label, answer in [("How do you work with us?", "For a contractor, or another company working for us"),
                          ("Which company do you work for?", "Valleys Joinery"), ("Your job", "Joiner"),
                          ("What did you see or hear?", "I heard shouting on a repair visit."),
                          ("The address or area where you saw or heard it", "14 Heol Fawr, CF10 1AA")]:
        assert label in html and answer in html, label
    assert "As the referrer gave them." in html and "The referring worker's work contact details." in html
    printed = unescape(html_of(client.get(f"/staff/cases/{reference}/print?chosen=1&part=report&part=contact")))
    assert "I heard shouting on a repair visit." in printed and "Gareth" not in printed  # never on paper
    contact = html_of(client.get(f"/staff/cases/{reference}/contact"))
    assert 'value="go_between:referrer"' in contact and 'value="reporter:call"' in contact


def test_a_report_naming_nobody_shows_no_such_row(app, public):
    reference = send_report(public, WORKER, slug="work")
    client, _ = signed_in(app, "officer")
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Who must not see this report" not in html


def test_the_queue_names_the_kind_and_filters_by_it(app, public):
    work = send_report(public, WORKER, slug="work")
    agency = send_report(public, {"org_name": "Gwent IDVA", "worker_name": "Sam", "work_phone": "01632 960001",
                                  "contact_methods": ["none"]}, slug="agency")
    client, _ = signed_in(app, "officer")
    queue = html_of(client.get("/staff/"))
    assert '<option value="staff">Our staff, a volunteer or a contractor</option>' in queue
    assert queue_references(html_of(client.get("/staff/?kind=staff"))) == [work]
    assert queue_references(html_of(client.get("/staff/?kind=agency"))) == [agency]

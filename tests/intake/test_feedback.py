"""The survivor's feedback, the public side's service (VIVID 4.6: asking may not always be appropriate or safe): the
questions are offered only through the person's own receipt, only once the case is closed, and only where contact
is safe; once. The answers are sealed to the team's key before they are stored, and only their codes, by month and
with nothing that leads back to the case, go into the tally the board's counts come from."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect, select

from portal.intake import conversations as conv
from portal.intake import feedback as fb
from portal.intake.profiles import new_version
from portal.intake.reports import find_by_reference
from portal.store.complaint_models import FEEDBACK_PURPOSE, FeedbackTally, SurvivorFeedback
from portal.store.models import Report
from tests.staff_helpers import SAFE_TEXT, dbs, get_receipt, new_client, send_report, set_report

CLOSED = {"is_open": False, "status": "closed", "close_reason": "support_in_place",
          "closed_at": datetime(2026, 11, 30, 12, tzinfo=timezone.utc)}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def case_with_receipt(app: Flask, answers: dict[str, Any] | None = None, slug: str = "you", **closed: Any) -> str:
    client = new_client(app)
    reference = send_report(client, answers or {**SAFE_TEXT, "story": "A story."}, slug)
    get_receipt(client)
    if closed:
        set_report(app, reference, **closed)
    return reference


def offered(app: Flask, reference: str) -> bool:
    with app.test_request_context("/en/"), dbs(app) as s:
        report = find_by_reference(s, reference)
        return fb.feedback_offered(s, report, conv.for_report(s, report.id))


def give(app: Flask, reference: str, **answers: Any) -> None:
    with app.test_request_context("/en/"), dbs(app) as s:
        conversation = conv.for_report(s, find_by_reference(s, reference).id)
        fb.give_feedback(s, conversation, safer=answers.get("safer"), contact_way=answers.get("contact_way"),
                         comment=answers.get("comment", ""), language="cy")


def test_offered_only_once_the_case_is_closed(app):
    reference = case_with_receipt(app)
    assert not offered(app, reference)
    with pytest.raises(fb.FeedbackNotAsked):  # a page posted early stores nothing
        give(app, reference, safer="yes")
    set_report(app, reference, **CLOSED)
    assert offered(app, reference)


@pytest.mark.parametrize("why", ["neighbour", "no_contact", "not_at_all", "profile_says_none", "deleted", "duplicate",
                                 "withheld"])
def test_not_offered_where_it_is_not_the_survivor_s_own_receipt_or_not_safe(app, why):
    if why == "neighbour":  # a neighbour's receipt is the neighbour's: they are not the survivor
        reference = case_with_receipt(app, {"story": "Next door.", "contact_methods": ["email"],
                                            "email": "n@example.org"}, slug="someone", **CLOSED)
    else:
        reference = case_with_receipt(app, **CLOSED)
    assert why == "neighbour" or offered(app, reference)
    if why == "no_contact":
        set_report(app, reference, no_contact=True)
    elif why == "not_at_all":
        set_report(app, reference, approach="not_at_all")
    elif why == "duplicate":
        set_report(app, reference, close_reason="duplicate")
    elif why in ("profile_says_none", "deleted"):
        with app.test_request_context("/en/"), dbs(app) as s:
            report = find_by_reference(s, reference)
            if why == "deleted":
                conv.delete(s, conv.for_report(s, report.id))
            else:  # they told us on the website not to contact them: the triage side has not applied it yet
                new_version(s, report, "person", {"contact_methods": ["none"]}, staff_id=None,
                            moment=datetime.now(timezone.utc), nation="wales", cutoff=app.config["SAME_DAY_CUTOFF"],
                            tz=app.config["TIMEZONE"])
                s.commit()
                assert s.scalar(select(Report.approach).where(Report.id == report.id)) == "direct"
    elif why == "withheld":
        from portal.casework.survivor_feedback import withhold
        from portal.store.models import StaffUser
        from tests.staff_helpers import add_staff
        officer = add_staff(app, "officer")
        with app.test_request_context("/staff/"), dbs(app) as s:
            withhold(s, find_by_reference(s, reference), s.get(StaffUser, officer.id))
    assert not offered(app, reference)
    with pytest.raises(fb.FeedbackNotAsked):
        give(app, reference, safer="no", comment="Asked anyway.")
    with dbs(app) as s:
        assert s.scalars(select(FeedbackTally)).all() == []


def test_answers_are_sealed_on_the_case_and_only_their_codes_go_in_the_tally_once(app):
    reference = case_with_receipt(app, **CLOSED)
    give(app, reference, safer="partly", contact_way="yes", comment="Wombat: the locks helped.")
    assert not offered(app, reference)  # asked once
    with pytest.raises(fb.FeedbackNotAsked):
        give(app, reference, safer="no")
    with app.app_context(), dbs(app) as s:
        row = s.scalars(select(SurvivorFeedback)).one()
        assert (row.state, row.language, row.staff_id) == ("given", "cy", None)
        from portal.casework.common import opener
        assert opener().open_json(row.sealed, FEEDBACK_PURPOSE, row.id) == {
            "safer": "partly", "contact_way": "yes", "comment": "Wombat: the locks helped."}
        assert b"Wombat" not in row.sealed
        tally = s.scalars(select(FeedbackTally)).one()
        assert (tally.safer, tally.contact_way, tally.commented) == ("partly", "yes", True)
        assert len(tally.month) == 7 and tally.month == datetime.now(timezone.utc).strftime("%Y-%m")
        # The tally holds codes and a month: no case, no time, no words.
        assert {c.key for c in inspect(FeedbackTally).columns} == {"id", "month", "safer", "contact_way", "commented"}
        assert row.report_id not in tally.id


def test_no_thank_you_is_remembered_and_nothing_is_counted(app):
    reference = case_with_receipt(app, **CLOSED)
    with app.test_request_context("/en/"), dbs(app) as s:
        fb.decline_feedback(s, conv.for_report(s, find_by_reference(s, reference).id), "en")
    assert not offered(app, reference)
    with dbs(app) as s:
        assert s.scalars(select(SurvivorFeedback.state)).all() == ["declined"]
        assert s.scalars(select(FeedbackTally)).all() == []


def test_an_answer_that_is_not_one_of_the_choices_is_kept_as_not_answered(app):
    reference = case_with_receipt(app, **CLOSED)
    give(app, reference, safer="very", contact_way=None, comment="")
    with dbs(app) as s:
        tally = s.scalars(select(FeedbackTally)).one()
        assert (tally.safer, tally.contact_way, tally.commented) == ("", "", False)

"""The complaints and feedback indicators: complaints received by how they reached us, responded to within the
deadline, waiting past it now, by outcome; survivors' feedback by answer, from the unlinked monthly tally; small
numbers suppressed as everywhere (a second cell too where a total would give one away); on the page and in the
CSV, in English and Welsh."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

import pytest
from flask_babel import force_locale

from portal.casework import complaint_indicators as ci
from portal.casework.indicators import compute
from portal.casework.periods import Period
from portal.staff import indicator_labels as il
from portal.store import complaint_models as cm
from portal.store.complaint_models import Complaint, FeedbackTally
from tests.casework.test_indicators import add as add_report
from tests.staff_helpers import dbs, html_of, signed_in

Q3 = Period.quarter(2026, 7)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)  # "overdue now" is on 24 November, whatever the period


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def complaint(s: Any, report_id: str, received: date, channel: str = "phone", *, due: date | None = None,
              responded: date | None = None, outcome: str = "", closed: date | None = None) -> None:
    state = "closed" if closed else "responded" if responded else "open"
    s.add(Complaint(id=str(uuid.uuid4()), report_id=report_id, received_on=received, at=NOW, channel=channel,
                    about="delay", language="en", due_on=due, target_days=10, state=state, outcome=outcome,
                    responded_on=responded, closed_on=closed, announced=True, key_id="k1",
                    sealed=b"not sealed: the indicators never open one"))


def said(s: Any, month: str, safer: str, contact_way: str, commented: bool = False, times: int = 1) -> None:
    for _ in range(times):
        s.add(FeedbackTally(id=str(uuid.uuid4()), month=month, safer=safer, contact_way=contact_way,
                            commented=commented))


@pytest.fixture
def known(app):  # type: ignore[no-untyped-def]
    with dbs(app) as s, s.begin():
        a = add_report(s, "a", "self", "en", "2026-05-06 10:00", "2026-05-07 10:00")
        s.flush()
        # In Q3: six by phone, two letters, one through the receipt; one received in June (before the period).
        for n in range(6):  # responded in time (4), late (1), open and overdue now (1)
            responded = date(2026, 7, 10) if n < 4 else date(2026, 8, 20) if n == 4 else None
            complaint(s, a, date(2026, 7, 1), due=date(2026, 7, 15), responded=responded,
                      outcome=("upheld", "not_upheld", "not_upheld", "partly_upheld", "upheld", "")[n])
        complaint(s, a, date(2026, 8, 3), "letter", due=date(2026, 8, 17), outcome="withdrawn",
                  closed=date(2026, 8, 5))
        complaint(s, a, date(2026, 9, 1), "letter", due=date(2026, 12, 1))  # open, not yet due on 24 November
        complaint(s, a, date(2026, 9, 2), "receipt", due=date(2026, 9, 16), responded=date(2026, 9, 10),
                  outcome="not_upheld")
        complaint(s, a, date(2026, 6, 30), "email", due=date(2026, 7, 14), responded=date(2026, 7, 14),
                  outcome="upheld")  # received before the period, answered in it
        # Feedback: seven in Q3's months, one in June and one in October (outside).
        said(s, "2026-07", "yes", "yes", commented=True, times=3)
        said(s, "2026-08", "partly", "yes", times=2)
        said(s, "2026-09", "no", "no", commented=True)
        said(s, "2026-09", "", "not_sure")
        said(s, "2026-06", "yes", "yes")
        said(s, "2026-10", "no", "no")
    return app


def figures(app, threshold: int = 1, period: Period = Q3) -> ci.ComplaintFigures:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        result = compute(s, period, now=NOW, threshold=threshold, nation="wales", tz="Europe/London").complaints
        assert result is not None
        return result


def values(group: dict[str, Any]) -> dict[str, int | None]:
    return {key: figure.value for key, figure in group.items()}


def test_every_complaint_and_feedback_figure(known):
    f = figures(known)
    assert f.received.value == 9
    assert values(f.by_channel) == {"phone": 6, "letter": 2, "email": 0, "in_person": 0, "receipt": 1, "agency": 0}
    # Responded to in the period: five received in July (four in time, one late), the receipt's, and June's email.
    assert (f.responded.value, f.in_time.value, f.in_time_percent.value) == (7, 6, 85.7)
    assert f.overdue_now.value == 1  # the July one never answered; September's letter is not due until December
    assert values(f.by_outcome) == {"upheld": 3, "partly_upheld": 1, "not_upheld": 3, "withdrawn": 1}
    assert (f.feedback.value, f.comments.value) == (7, 4)
    assert values(f.safer) == {"yes": 3, "partly": 2, "no": 1, "not_sure": 0, "": 1}
    assert values(f.contact_way) == {"yes": 5, "partly": 0, "no": 1, "not_sure": 1, "": 0}
    assert f.feedback_months == ["2026-07", "2026-08", "2026-09"]


def test_small_numbers_are_suppressed_and_a_second_cell_where_a_total_would_give_one_away(known):
    f = figures(known, threshold=5)
    assert f.received.value == 9 and f.feedback.value == 7
    assert f.by_channel["phone"].value == 6 and f.by_channel["receipt"].suppressed
    assert f.by_channel["letter"].suppressed
    assert f.by_channel["email"].value == 0  # none identifies nobody
    assert f.in_time_percent.bound == "at-least"  # one late response: only a bound
    assert f.overdue_now.suppressed and f.comments.suppressed
    assert all(figure.suppressed for key, figure in f.safer.items() if key in ("yes", "partly", "no", ""))
    assert f.contact_way["yes"].value == 5 and f.contact_way["no"].suppressed and f.contact_way["not_sure"].suppressed


def test_a_custom_period_counts_feedback_only_in_its_whole_months(known):
    f = figures(known, period=Period.custom(date(2026, 7, 15), date(2026, 9, 30)))
    assert f.feedback_months == ["2026-08", "2026-09"] and f.feedback.value == 4
    assert figures(known, period=Period.custom(date(2026, 7, 2), date(2026, 7, 20))).feedback.value == 0


def test_the_codes_agree_with_the_models_and_every_figure_has_a_name():
    assert ci.CHANNELS == cm.COMPLAINT_CHANNELS and ci.OUTCOMES == cm.COMPLAINT_OUTCOMES
    assert ci.ANSWERS[:-1] == cm.FEEDBACK_ANSWERS
    from portal.casework.indicators_base import Disclosure
    rule = Disclosure(1)
    zero = ci.ComplaintFigures(rule.one(0), {c: rule.one(0) for c in ci.CHANNELS}, rule.one(0), rule.one(0),
                               rule.percent(0, 0), rule.one(0), {o: rule.one(0) for o in ci.OUTCOMES}, rule.one(0),
                               {a: rule.one(0) for a in ci.ANSWERS}, {a: rule.one(0) for a in ci.ANSWERS},
                               rule.one(0), [])
    for section, key, _value in zero.rows():
        assert section in il.SECTION_NAMES, section
        assert key in il.GROUP_LABELS[section], (section, key)


def test_the_page_and_the_csv_show_them_in_english_and_welsh(known):
    lead, _ = signed_in(known, "lead")
    query = "period=quarter&quarter=2026-07"
    page = html_of(lead.get(f"/staff/indicators?{query}"))
    assert "Complaints: 9 received" in page and "Survivors' feedback: 7" in page
    assert "Responded to within the deadline" in page and "Do you feel safer?" in page
    section = page.split('id="complaints-title"')[1].split("</section>")[0]
    assert ">6 of 7 (85.7%)<" in section  # exact on screen, for the team
    board = html_of(lead.get(f"/staff/indicators/board?{query}"))
    section = board.split('id="complaints-title"')[1].split("</section>")[0]
    assert ">6 of 7 (at least 42.8%)<" in section  # what leaves the team keeps the small-number rule
    csv = lead.get(f"/staff/indicators.csv?{query}").get_data(as_text=True)
    assert "complaints.received" in csv and "complaints_by_outcome.withdrawn" in csv and "feedback_safer.yes" in csv
    assert "Responded to within the deadline" in csv
    welsh, _ = signed_in(known, "lead", language="cy")
    page = html_of(welsh.get(f"/staff/indicators?{query}"))
    with known.test_request_context("/"), force_locale("cy"):
        from flask_babel import gettext
        assert gettext("Complaints: %(number)s received", number="9") in page
        assert gettext("Do you feel safer?") in page and "Do you feel safer?" not in page
    assert "Complaints: 9 received" not in page

"""Performance indicators (issue 6): every figure computed on a known data set and asserted; small counts
suppressed (with a second cell where a total would give the first away); the page and the CSV in both
languages; every export audited; and nothing decrypted, ever."""
from __future__ import annotations

import csv
import io
import random
import re
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.casework import cases, queue
from portal.casework import indicators as ind
from portal.casework.indicators import Disclosure, Figure, compute, percentile
from portal.casework.periods import Period, period_from_args
from portal.crypto import sealing
from portal.staff import forms_case
from portal.store.models import CaseEntry, PurgedTally, Report, StaffUser
from portal.store.risk_models import InfoShare, MaracReferral, RiskAssessment, SafeguardingReferral
from portal.workdays.working_time import WorkingCalendar, working_seconds_between
from tests.staff_helpers import audit_events, dbs, html_of, signed_in

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
Q3 = Period.quarter(2026, 7)


def at(text: str) -> datetime:
    """A local (Europe/London) time, as UTC: at("2026-07-06 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(timezone.utc)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def add(s: Any, name: str, kind: str, lang: str, received: str, due: str, first: str | None = None, *,
        no_contact: bool = False, danger: bool = False, children: bool = False, repeat: bool | None = None,
        closed: str | None = None, reason: str | None = None, under_16: bool = False) -> str:
    report_id = str(uuid.uuid4())
    s.add(Report(id=report_id, reference=f"T{name}-{report_id[:4]}".upper()[:16], received_at=at(received),
                 first_contact_due=at(due), reporter_kind=kind, danger_now=danger, children=children,
                 contact_language=lang, no_contact=no_contact, status="closed" if closed else "new",
                 clock="triage" if no_contact else "reach", approach="not_at_all" if no_contact else "direct",
                 is_open=closed is None, band=2, contacted=first is not None,
                 first_contact_at=at(first) if first else None, closed_at=at(closed) if closed else None,
                 close_reason=reason, repeat=repeat, idempotency_hash=uuid.uuid4().hex * 2, key_id="k1",
                 under_16=under_16,
                 sealed=b"not a sealed report: the indicators never open one"))
    return report_id


def entry(s: Any, report_id: str, staff_id: int, when: str, kind: str, code: str, flag: bool = False) -> None:
    s.add(CaseEntry(id=str(uuid.uuid4()), report_id=report_id, at=at(when), staff_id=staff_id, kind=kind, code=code,
                    flag=flag, key_id="k1", sealed=b"not sealed either"))


def assessment(s: Any, report_id: str, when: str, level: str, *, tool: str = "dash", source: str = "ours",
               complete: bool = True, escalation: bool = False) -> None:
    s.add(RiskAssessment(id=str(uuid.uuid4()), report_id=report_id, at=at(when), updated_at=at(when), source=source,
                         tool=tool, assessed_on=at(when).date(), level=level if complete else "", complete=complete,
                         escalation=escalation, key_id="k1", sealed=b"not sealed"))
    if complete:  # as portal/casework/risk.py keeps it: the level of the latest completed assessment
        s.get(Report, report_id).risk_level = level


def share(s: Any, report_id: str, staff_id: int, on: str, recipient: str, basis: str, *, due: str | None = None,
          signed: str | None = None) -> None:
    s.add(InfoShare(id=str(uuid.uuid4()), report_id=report_id, at=at(f"{on} 12:00"), staff_id=staff_id,
                    recipient=recipient, shared_on=date.fromisoformat(on), basis=basis,
                    countersign_due=at(due) if due else None, countersigned_at=at(signed) if signed else None,
                    key_id="k1", sealed=b"not sealed"))


def marac(s: Any, report_id: str, staff_id: int, when: str, consent: str, **criteria: bool) -> None:
    s.add(MaracReferral(id=str(uuid.uuid4()), report_id=report_id, at=at(when), staff_id=staff_id, consent=consent,
                        visible_high=criteria.get("visible_high", False), judgement=criteria.get("judgement", False),
                        escalation=criteria.get("escalation", False), repeat=criteria.get("repeat", False),
                        key_id="k1", sealed=b"not sealed"))


@pytest.fixture
def known(app):  # type: ignore[no-untyped-def]
    """The known data set: 15 reports received in July to September 2026 (local time), and some just outside."""
    with dbs(app) as s:
        staff = StaffUser(email="officer@example.org", role="officer", password_hash="x", totp_secret="x",
                          created_at=NOW)
        s.add(staff)
        s.flush()
        r = {}
        # First contact made: A 3 h within; B 2 h late; C 0.5 h within (received after hours on a Friday);
        # D 10 h late (received on a Saturday); F 2 h late (over the August bank holiday); H 4 h and I 1 h within.
        r["A"] = add(s, "A", "self", "en", "2026-07-06 10:00", "2026-07-06 17:00", "2026-07-06 13:00",
                     danger=True, children=True, closed="2026-07-20 12:00", reason="support_in_place", under_16=True)
        r["B"] = add(s, "B", "self", "en", "2026-07-06 16:00", "2026-07-06 17:00", "2026-07-07 10:00",
                     danger=True, repeat=True)
        r["C"] = add(s, "C", "self", "cy", "2026-07-10 18:00", "2026-07-13 17:00", "2026-07-13 09:30",
                     children=True, repeat=False, closed="2026-09-01 10:00", reason="declined")
        r["D"] = add(s, "D", "concerned", "en", "2026-07-11 12:00", "2026-07-13 17:00", "2026-07-14 11:00",
                     children=True)
        r["E"] = add(s, "E", "concerned", "en", "2026-07-15 09:00", "2026-07-15 17:00")  # never contacted
        r["F"] = add(s, "F", "agency", "cy", "2026-08-28 16:00", "2026-08-28 17:00", "2026-09-01 10:00")
        r["G"] = add(s, "G", "self", "en", "2026-07-01 00:30", "2026-07-01 17:00", no_contact=True)  # first hour
        r["H"] = add(s, "H", "self", "cy", "2026-09-03 09:00", "2026-09-03 17:00", "2026-09-03 13:00")
        r["I"] = add(s, "I", "concerned", "en", "2026-09-03 11:00", "2026-09-03 17:00", "2026-09-03 12:00")
        for name, kind, lang in (("J", "self", "en"), ("K", "self", "en"), ("L", "self", "cy"),
                                 ("M", "concerned", "en"), ("N", "agency", "cy"), ("O", "self", "en")):
            r[name] = add(s, name, kind, lang, "2026-08-12 12:00", "2026-08-12 17:00", no_contact=True)
        # Outside the quarter: received the evening before it began, and just after it ended (local time).
        r["P"] = add(s, "P", "self", "en", "2026-06-30 23:30", "2026-07-01 17:00", "2026-07-01 10:00",
                     closed="2026-07-02 10:00", reason="moved_away")  # closed inside: counted as a closure
        r["Q"] = add(s, "Q", "agency", "cy", "2026-10-01 00:30", "2026-10-01 17:00",
                     closed=None)  # not contacted: overdue now
        add(s, "R", "self", "en", "2026-06-20 10:00", "2026-06-22 17:00", "2026-06-22 10:00",
            closed="2026-10-01 00:30", reason="declined")  # closed at 00:30 on 1 October: not in the quarter
        s.flush()
        # Staff's records in the quarter (and one the day after).
        assessment(s, r["A"], "2026-07-07 10:00", "high", escalation=True)
        assessment(s, r["B"], "2026-07-08 10:00", "standard")
        assessment(s, r["B"], "2026-08-08 10:00", "standard")  # repeated after a new incident
        assessment(s, r["D"], "2026-07-15 10:00", "high")  # referred on professional judgement
        assessment(s, r["F"], "2026-08-28 16:00", "high", source="form")  # the referring agency's DASH
        assessment(s, r["H"], "2026-09-03 12:00", "medium", tool="dara", source="agency")
        assessment(s, r["C"], "2026-07-21 10:00", "", complete=False)  # part-done
        marac(s, r["A"], staff.id, "2026-07-07 12:30", "given", visible_high=True)
        marac(s, r["D"], staff.id, "2026-07-16 12:30", "refused", judgement=True)
        s.add(SafeguardingReferral(id=str(uuid.uuid4()), report_id=r["C"], at=at("2026-07-20 13:00"),
                                   staff_id=staff.id, concern="child", referred_to="childrens_services",
                                   referred_on=date(2026, 7, 20), key_id="k1", sealed=b"not sealed"))
        entry(s, r["A"], staff.id, "2026-07-07 11:00", "action", "security")
        entry(s, r["A"], staff.id, "2026-07-07 12:00", "action", "referral.marac")
        entry(s, r["D"], staff.id, "2026-07-16 12:00", "action", "referral.marac")
        entry(s, r["B"], staff.id, "2026-07-09 12:00", "action", "referral.idva")
        entry(s, r["C"], staff.id, "2026-07-20 12:00", "action", "rehousing.management_transfer")
        entry(s, r["C"], staff.id, "2026-07-21 12:00", "action", "breathing_space")
        share(s, r["A"], staff.id, "2026-07-07", "police", "consent")
        share(s, r["A"], staff.id, "2026-07-07", "marac", "marac", due="2026-07-08 17:00", signed="2026-07-08 10:00")
        share(s, r["D"], staff.id, "2026-07-16", "police", "safeguarding", due="2026-07-17 17:00",
              signed="2026-07-20 09:00")  # countersigned late
        share(s, r["B"], staff.id, "2026-09-30", "social_services", "s115", due="2026-10-01 17:00")  # awaiting
        entry(s, r["A"], staff.id, "2026-07-08 09:00", "note", "")
        entry(s, r["A"], staff.id, "2026-10-01 09:00", "action", "security")  # the next quarter
        # Cases already purged: two duplicates received in August count; one from October does not.
        s.add(PurgedTally(month="2026-08", reporter_kind="self", close_reason="duplicate", count=2))
        s.add(PurgedTally(month="2026-10", reporter_kind="agency", close_reason="declined", count=3))
        s.commit()
    return r


def figures(app: Any, period: Period = Q3, threshold: int = 1) -> Any:
    with dbs(app) as s:
        return compute(s, period, now=NOW, threshold=threshold, nation="wales", tz="Europe/London")


def values(group: dict[str, Figure]) -> dict[str, int | None]:
    return {key: f.value for key, f in group.items()}


def test_every_figure_for_a_quarter_with_nothing_suppressed(app, known):
    f = figures(app)
    # Volumes: 15 reports in the quarter and 2 purged duplicates from August.
    assert f.received.value == 17
    assert values(f.by_kind) == {"self": 11, "concerned": 4, "agency": 2, "staff": 0}
    assert values(f.by_language) == {"en": 10, "cy": 5, "unknown": 2}
    assert (f.danger_now.value, f.children.value, f.no_contact.value, f.repeat.value) == (2, 3, 7, 1)
    # First contact: 8 reports wanted contact (A B C D E F H I); within target A C H I; late B D F, E overdue.
    assert (f.due.value, f.within_target.value, f.late.value) == (8, 4, 4)
    assert (f.within_target_percent.value, f.within_target_percent.bound) == (50.0, "")
    # Working hours to first contact: 0.5, 1, 2, 2, 3, 4, 10 -> median 2, 90th percentile 10 (nearest rank).
    assert f.contacted.value == 7
    assert (f.median_hours, f.p90_hours) == (2.0, 10.0)
    # E, Q from the next quarter (overdue is about today), and the 7 no-contact reports nobody has triaged.
    assert f.overdue_now.value == 9
    assert (f.triage_due.value, f.triaged_in_time.value) == (7, 0)
    # Risk: six completed assessments on five of the 15 reports (one part-done); levels per tool, never one scale.
    r = f.risk
    assert (r.assessments.value, r.assessed_cases.value, r.part_done.value, r.escalations.value) == (6, 5, 1, 1)
    assert (r.assessed_percent.value, r.assessed_percent.bound) == (33.3, "")
    assert values(r.by_source) == {"ours": 4, "agency": 1, "form": 1}
    assert {tool: values(group) for tool, group in r.levels.items()} == {
        "dash": {"high": 3, "medium": 0, "standard": 2}, "dara": {"high": 0, "medium": 1, "standard": 0},
        "other": {"high": 0, "medium": 0, "standard": 0}}
    # MARAC: two cases (each also recorded as a referral action), one on each criterion, one without consent.
    assert (r.marac_cases.value, r.marac_without_consent.value, r.idva_cases.value) == (2, 1, 1)
    assert values(r.marac_by_criterion) == {"visible_high": 1, "judgement": 1, "escalation": 0, "repeat": 0}
    # Sharing: four shares; three without consent: one countersigned in time, one late, one awaiting.
    assert r.shares.value == 4
    assert values(r.by_basis) == {"consent": 1, "safeguarding": 1, "agreement": 0, "s115": 1, "marac": 1,
                                  "court": 0}
    assert values(r.shared_with) == {"police": 2, "idva": 0, "marac": 1, "social_services": 1, "health": 0,
                                     "support": 0, "council": 0, "other": 0}
    assert (r.without_consent.value, r.countersigned_in_time.value, r.countersigned_late.value,
            r.awaiting_countersignature.value) == (3, 1, 1, 1)
    assert values(r.safeguarding_referrals) == {"child": 1, "adult": 0, "exploitation": 0}
    assert (r.under_16.value, r.adult_at_risk.value) == (1, 0)
    assert values(f.actions) == {"security": 1, "repairs": 0, "rehousing": 1, "breathing_space": 1,
                                 "money_advice": 0, "referral": 3, "perpetrator": 0}
    assert values(f.referrals) == {"idva": 1, "marac": 2, "police": 0, "social_services": 0, "support": 0,
                                   "perpetrator_programme": 0}
    # Closed in the quarter: A, C and P (received before it), and the 2 purged duplicates.
    assert f.closed.value == 5
    assert values(f.closed_by_reason) == {"support_in_place": 1, "declined": 1, "no_safe_contact": 0,
                                          "moved_away": 1, "another_agency": 0, "not_domestic_abuse": 0,
                                          "duplicate": 2}
    assert f.purged_months == ["2026-08"]


def test_a_month_counts_only_its_own_local_days(app, known):
    july = figures(app, Period.month(2026, 7))
    assert july.received.value == 6  # A B C D E G: G at 00:30 on 1 July (BST) is July's; P is June's
    assert values(july.by_kind) == {"self": 4, "concerned": 2, "agency": 0, "staff": 0}
    june = figures(app, Period.month(2026, 6))
    assert june.received.value == 2  # P, at 23:30 on 30 June, and R
    custom = figures(app, Period.custom(date(2026, 9, 3), date(2026, 9, 3)))
    assert custom.received.value == 2 and custom.contacted.value == 2
    assert custom.purged_months == [] and custom.by_language.get("unknown") is None


def test_small_counts_are_suppressed_and_cannot_be_found_by_subtraction(app, known):
    f = figures(app, threshold=5)
    assert f.received.value == 17
    # Two small cells hide each other.
    assert values(f.by_kind) == {"self": 11, "concerned": None, "agency": None, "staff": 0}
    # One small cell (unknown, 2) would be 17 - 10 - 5: the next smallest (cy, 5) is hidden with it.
    assert values(f.by_language) == {"en": 10, "cy": None, "unknown": None}
    assert f.within_target.suppressed and f.late.suppressed and f.due.value == 8
    # The exact percentage would give the late count away: only a bound is shown.
    assert (f.within_target_percent.value, f.within_target_percent.bound) == (50.0, "at-least")
    assert f.contacted.value == 7 and f.median_hours == 2.0  # 7 reports: enough for a median
    assert values(f.risk.levels["dash"]) == {"high": None, "medium": 0, "standard": None}
    assert f.risk.countersigned_in_time_percent.value is None  # of 3: too few to say
    assert f.actions["referral"].suppressed and f.actions["repairs"].value == 0  # none identifies nobody
    few = figures(app, Period.custom(date(2026, 9, 3), date(2026, 9, 3)), threshold=5)
    assert few.contacted.suppressed and few.median_hours is None and few.p90_hours is None
    assert few.within_target_percent.value is None


def test_the_disclosure_rule():
    rule = Disclosure(5)
    assert [rule.one(n).value for n in (0, 1, 4, 5, 6)] == [0, None, None, 5, 6]
    assert values(rule.group({"a": 20, "b": 3, "c": 0})) == {"a": None, "b": None, "c": 0}
    assert values(rule.group({"a": 20, "b": 3, "c": 7})) == {"a": 20, "b": None, "c": None}
    assert values(rule.group({"a": 20, "b": 3, "c": 7}, total_shown=False)) == {"a": 20, "b": None, "c": 7}
    assert values(Disclosure(1).group({"a": 1, "b": 2})) == {"a": 1, "b": 2}
    assert rule.percent(90, 100).bound == "" and rule.percent(90, 100).value == 90.0
    assert (rule.percent(98, 100).value, rule.percent(98, 100).bound) == (96.0, "at-least")
    assert (rule.percent(2, 100).value, rule.percent(2, 100).bound) == (4.0, "at-most")
    assert rule.percent(2, 3).value is None


def test_the_fast_working_calendar_agrees_with_the_slow_one():
    calendar = WorkingCalendar(date(2026, 1, 1), date(2027, 6, 30), "wales", "Europe/London")
    rng = random.Random(6)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for _ in range(300):
        a = start + timedelta(seconds=rng.randrange(0, 500 * 86400))
        b = a + timedelta(seconds=rng.randrange(0, 20 * 86400))
        assert calendar.between(a, b) == working_seconds_between(a, b, "wales", "Europe/London"), (a, b)


def test_the_indicators_know_the_same_codes_as_the_rest_of_the_portal():
    """portal.casework.indicators writes the codes out (it imports nothing that can open a sealed value): they must
    stay the codes the queue, the cases and the staff forms use."""
    assert ind.KINDS == queue.KINDS and ind.CLOSE_REASONS == cases.CLOSE_REASONS
    assert set(ind.ACTIONS) == set(forms_case.ACTION_NAMES)
    assert set(ind.REFERRALS) == set(forms_case.REFERRAL_NAMES)


def test_the_indicators_module_cannot_open_anything():
    """By construction: importing it (in a fresh interpreter) loads no sealing, key or case code."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, portal.casework.indicators; "
                             "print(' '.join(m for m in sys.modules if m.startswith('portal')))"],
                            capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert "portal.casework.indicators" in loaded
    assert not {"portal.crypto.sealing", "portal.crypto.keys", "portal.casework.cases",
                "portal.intake.reports"} & set(loaded), loaded


def test_percentiles_are_nearest_rank():
    assert percentile([1.0], 0.5) == 1.0
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 101)), 0.9) == 90


@pytest.mark.parametrize("args, expected, problem", [
    ({}, Period.month(2026, 11), ""),
    ({"period": "quarter"}, Period.quarter(2026, 10), ""),
    ({"period": "quarter", "quarter": "2026-04"}, Period.quarter(2026, 4), ""),
    ({"period": "quarter", "quarter": "2026-05"}, Period.quarter(2026, 10), "start"),
    ({"period": "month", "month": "2025-02"}, Period.month(2025, 2), ""),
    ({"period": "custom", "from": "2026-01-05", "to": "2026-03-01"}, Period.custom(date(2026, 1, 5), date(2026, 3,
                                                                                                          1)), ""),
    ({"period": "custom", "from": "2026-03-05", "to": "2026-03-01"}, Period.month(2026, 11), "order"),
    ({"period": "custom", "from": "2020-01-01", "to": "2026-03-01"}, Period.month(2026, 11), "too-long"),
    ({"period": "custom", "from": "5 March"}, Period.month(2026, 11), "dates"),
])
def test_the_period_comes_from_the_query_string(args, expected, problem):
    assert period_from_args(args, date(2026, 11, 24)) == (expected, problem)


def test_the_page_shows_the_figures_without_decrypting_anything(app, known, monkeypatch):
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the indicators tried to decrypt something")
    monkeypatch.setattr(sealing.Opener, "open", refuse)
    monkeypatch.setattr(sealing.Opener, "open_json", refuse)
    app.config["INDICATOR_MIN_COUNT"] = 5
    client, lead = signed_in(app, "lead")
    response = client.get("/staff/indicators?period=quarter&quarter=2026-07")
    html = html_of(response)
    assert response.status_code == 200
    assert "July to September 2026" in html
    assert '<svg class="chart" aria-hidden="true"' in html and "<script" not in html.split("</head>")[1]
    assert '<th scope="row">The person themselves</th><td class="number">11</td>' in html
    # On screen, for the team, every count is exact; what leaves the team hides the small ones.
    assert re.search(r'<th scope="row">An agency</th><td class="number">[1-4]</td>', html)
    assert "fewer than 5" not in html.split("<h2")[1] and "at least 50%" not in html
    assert "These are exact counts, for the team." in html and "/staff/indicators/board?" in html
    assert "2 working hours" in html and "10 working hours" in html
    events = audit_events(app, "indicators.viewed")
    assert [(e.actor, e.detail) for e in events] == [(f"staff:{lead.id}", "quarter:2026-07-01..2026-09-30")]
    board = html_of(client.get("/staff/indicators/board?period=quarter&quarter=2026-07"))
    assert "Performance indicators: board pack" in board and "July to September 2026" in board
    assert '<th scope="row">The person themselves</th><td class="number">11</td>' in board
    assert '<th scope="row">An agency</th><td class="number">fewer than 5</td>' in board
    assert "at least 50%" in board and 'class="period-picker' not in board
    (packed,) = audit_events(app, "indicators.board_pack")
    assert (packed.actor, packed.detail) == (f"staff:{lead.id}", "quarter:2026-07-01..2026-09-30")


def test_the_page_in_welsh_names_the_months_in_welsh(app, known):
    client, _ = signed_in(app, "auditor", language="cy")
    html = html_of(client.get("/staff/indicators?period=quarter&quarter=2026-07"))
    assert '<html lang="cy"' in html
    assert "Gorffennaf i Fedi 2026" in html  # the month after "i" takes the soft mutation
    assert "Ionawr i Fawrth 2026" in html and "Hydref i Ragfyr 2026" in html  # the quarters to choose from
    assert "Dangosyddion perfformiad" in html


def test_a_bad_period_says_so_and_shows_this_month(app, known):
    client, _ = signed_in(app, "lead")
    response = client.get("/staff/indicators?period=custom&from=2026-09-01&to=2026-08-01")
    assert response.status_code == 400
    assert "The end of the period must be on or after its start." in html_of(response)


def test_the_csv_export_has_the_same_figures_and_is_audited(app, known):
    app.config["INDICATOR_MIN_COUNT"] = 5
    client, auditor = signed_in(app, "auditor")
    response = client.get("/staff/indicators.csv?period=quarter&quarter=2026-07")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="indicators-2026-07-01-2026-09-30.csv"' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    by_code = {row[2]: row[3] for row in rows[3:]}
    assert by_code["received.total"] == "17"
    assert by_code["received_by_kind.self"] == "11" and by_code["received_by_kind.agency"] == "<5"
    assert by_code["first_contact.within_target_percent"] == ">=50"
    assert by_code["first_contact.median_working_hours"] == "2"
    assert by_code["closed_by_reason.moved_away"] == "<5" and by_code["closed_by_reason.no_safe_contact"] == "0"
    assert rows[0][1] == "July to September 2026"
    events = audit_events(app, "indicators.exported")
    assert [(e.actor, e.detail) for e in events] == [(f"staff:{auditor.id}", "quarter:2026-07-01..2026-09-30")]


def test_the_csv_export_in_welsh(app, known):
    client, _ = signed_in(app, "lead", language="cy")
    text = client.get("/staff/indicators.csv?period=month&month=2026-07").get_data(as_text=True)
    assert "Gorffennaf 2026" in text
    values = {row[2]: row[3] for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if len(row) == 4}
    assert values["follow_up.reviews_on_time_percent"] == "wedi'i guddio"  # nothing to share: said in Welsh
    assert "suppressed" not in text


def test_staff_record_whether_a_report_is_a_repeat(app, known):
    from tests.staff_helpers import csrf_from, new_client, report_row, send_report
    reference = send_report(new_client(app))
    client, officer = signed_in(app, "officer")
    page = client.get(f"/staff/cases/{reference}/repeat")
    assert page.status_code == 200
    saved = client.post(f"/staff/cases/{reference}/repeat", data={"csrf_token": csrf_from(page), "repeat": "yes"})
    assert saved.status_code in (302, 303)
    assert report_row(app, reference).repeat is True
    assert [e.detail for e in audit_events(app, "case.repeat_marked")] == ["yes"]
    again = client.get(f"/staff/cases/{reference}/repeat")
    assert 'value="yes" checked' in html_of(again)
    refused = client.post(f"/staff/cases/{reference}/repeat", data={"csrf_token": csrf_from(again)})
    assert refused.status_code == 400 and report_row(app, reference).repeat is True


def test_reaching_the_person_is_counted_apart_from_the_reporter_and_from_triage(app):
    """The figures issue 14 adds: within the working-day target; within target or at their first safe time;
    reporter-only contact; no-contact reports triaged in time."""
    with dbs(app) as s:
        def report(name: str, **values: Any) -> None:
            report_id = str(uuid.uuid4())
            s.add(Report(id=report_id, reference=f"W{name}", received_at=at("2026-07-06 10:00"),
                         reporter_kind="self", danger_now=False, children=False, contact_language="en",
                         status="new", is_open=True, band=2,
                         idempotency_hash=uuid.uuid4().hex * 2, key_id="k1", sealed=b"x", **values))
        # Reached by the target; reached after the target but within their first safe time (Thursday); late.
        report("A", first_contact_due=at("2026-07-06 17:00"), target_due=at("2026-07-06 17:00"),
               first_contact_at=at("2026-07-06 12:00"), contacted=True, no_contact=False)
        report("B", first_contact_due=at("2026-07-09 17:00"), target_due=at("2026-07-06 17:00"),
               due_basis="window", first_contact_at=at("2026-07-09 14:00"), contacted=True, no_contact=False)
        report("C", first_contact_due=at("2026-07-06 17:00"), target_due=at("2026-07-06 17:00"),
               first_contact_at=at("2026-07-07 10:00"), contacted=True, no_contact=False)
        # A neighbour's report: only the neighbour contacted; triaged a day late.
        report("D", first_contact_due=at("2026-07-06 17:00"), target_due=at("2026-07-06 17:00"), clock="triage",
               approach="unknown", reporter_contacted_at=at("2026-07-06 11:00"), triaged_at=at("2026-07-07 10:00"),
               contacted=True, no_contact=False)
        # Do not contact: triaged in time.
        report("E", first_contact_due=at("2026-07-06 17:00"), target_due=at("2026-07-06 17:00"), clock="triage",
               approach="not_at_all", no_contact=True, triaged_at=at("2026-07-06 15:00"), contacted=True)
        s.commit()
    f = figures(app)
    assert (f.due.value, f.within_target.value, f.within_window.value, f.late.value) == (3, 1, 2, 1)
    assert f.reporter_only.value == 1
    assert (f.triage_due.value, f.triaged_in_time.value) == (2, 1)
    assert f.overdue_now.value == 0


def test_the_dash_completion_rate_counts_reached_people_with_a_finished_dash(app):
    with dbs(app) as s:
        reached = [add(s, f"D{i}", "self", "en", f"2026-07-0{i + 6} 10:00", f"2026-07-0{i + 6} 17:00",
                       f"2026-07-0{i + 6} 12:00") for i in range(4)]
        not_reached = add(s, "DX", "self", "en", "2026-07-10 10:00", "2026-07-10 17:00")
        s.flush()
        assessment(s, reached[0], "2026-07-06 13:00", "high")  # ours, finished
        assessment(s, reached[1], "2026-07-07 13:00", "medium", source="form")  # from a referral form
        assessment(s, reached[2], "2026-07-08 13:00", "", complete=False)  # part-done: not complete
        assessment(s, reached[3], "2026-07-09 13:00", "medium", tool="dara", source="agency")  # not a DASH
        assessment(s, not_reached, "2026-07-10 13:00", "high")  # not reached: not in the rate
        s.commit()
    r = figures(app).risk
    assert (r.dash_due.value, r.dash_completed.value, r.dash_completed_percent.value) == (4, 2, 50.0)
    hidden = figures(app, threshold=5).risk
    assert hidden.dash_due.suppressed and hidden.dash_completed_percent.value is None

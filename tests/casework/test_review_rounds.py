"""Review rounds (issue 19; MHA 13.2, whg 3.3-3.4): a lead sets a round and the portal draws a reproducible random
sample of the period's cases (by when received, closed, or open at some time), optionally one officer's; restricted
cases are in the sample only of reviewers who may see them, and nobody else's sample is a case short; a lead or an
auditor answers the round's checklist for each case (findings sealed); a follow-up becomes the owner's task."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.casework import review_checklist as rc
from portal.casework import review_rounds as rr
from portal.casework.digest import due_for
from portal.casework.restriction import CaseRestricted
from portal.intake.reports import new_submission_key, submit
from portal.store.assurance_models import ROUND_REVIEW_PURPOSE, ReviewRound, RoundAnswer, RoundCase
from portal.store.followup_models import CaseTask
from portal.store.models import CaseAccess, CaseEntry, Report, StaffUser
from portal.workdays.working_time import add_working_days
from tests.staff_helpers import add_staff, audit_events, dbs

TZ = "Europe/London"
JANUARY = (date(2026, 1, 1), date(2026, 1, 31))
ALL = list(rc.BUILT_IN)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def team(app):  # type: ignore[no-untyped-def]
    return {role: add_staff(app, role) for role in ("officer", "lead", "auditor")} | {
        "other_officer": add_staff(app, "officer"), "other_lead": add_staff(app, "lead")}


@contextmanager
def session(app) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    with app.test_request_context("/staff/"), dbs(app) as s:
        yield s


def case(app, received: datetime, *, owner: int | None = None, restricted: str = "",  # type: ignore[no-untyped-def]
         closed: datetime | None = None, story: str = "A report for the round.") -> str:
    """A report as the public form stores it (sealed), received at `received`; returns its id."""
    with session(app) as s:
        receipt = submit(s, kind="self", answers={"story": story, "contact_methods": ["text"],
                                                  "phone_text": "07700 900982"},
                         flags={"danger_now": False, "children": False, "no_contact": False}, contact_language="en",
                         submission_key=new_submission_key(), now=received, restricted=restricted)
        report = s.scalar(select(Report).where(Report.reference == receipt.reference))
        report.owner_id = owner
        if closed is not None:
            report.is_open, report.status, report.closed_at, report.close_reason = False, "closed", closed, "declined"
        s.commit()
        return report.id


def january(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=ZoneInfo(TZ)).astimezone(timezone.utc)


def set_round(app, who, **kwargs: Any) -> ReviewRound:  # type: ignore[no-untyped-def]
    values = {"basis": "received", "first": JANUARY[0], "last": JANUARY[1], "size": 5} | kwargs
    with session(app) as s:
        rnd = rr.set_round(s, s.get(StaffUser, who.id), **values)
        s.expunge(rnd)
        return rnd


def drawn(app, rnd_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(RoundCase.report_id).where(RoundCase.round_id == rnd_id)
                              .order_by(RoundCase.position)))


def sample_of(app, who, rnd_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with session(app) as s:
        return [r.id for _c, r in rr.sample(s, s.get(StaffUser, who.id), s.get(ReviewRound, rnd_id))]


# --- drawing --------------------------------------------------------------------------------------------------

def test_a_round_draws_the_size_asked_from_the_period_at_random_and_reproducibly(app, team):
    in_january = [case(app, january(d)) for d in range(2, 14)]
    case(app, datetime(2026, 2, 3, 10, tzinfo=timezone.utc))  # received in February: never drawn
    case(app, datetime(2025, 12, 31, 23, 30, tzinfo=timezone.utc))  # 23:30 on 31 December in London
    rnd = set_round(app, team["lead"], seed="the-seed")
    chosen = drawn(app, rnd.id)
    assert len(chosen) == 5 and set(chosen) <= set(in_january) and len(set(chosen)) == 5
    assert chosen == rr.drawn_order(in_january, "the-seed")[:5]  # anyone can repeat the draw from the seed
    assert drawn(app, set_round(app, team["lead"], seed="the-seed").id) == chosen
    others = {tuple(drawn(app, set_round(app, team["lead"]).id)) for _ in range(3)}  # random seeds
    assert others != {tuple(chosen)}
    with dbs(app) as s:
        stored = s.get(ReviewRound, rnd.id)
        assert stored.seed == "the-seed" and (stored.size, stored.basis) == (5, "received")
        assert [p["code"] for p in json.loads(stored.points)] == ALL
    (event,) = [e for e in audit_events(app, "round.set") if f"round:{rnd.id} " in e.detail]
    assert event.detail == f"round:{rnd.id} received dates:2026-01-01..2026-01-31 size:5"
    assert event.actor == f"staff:{team['lead'].id}" and event.report_id is None


def test_fewer_cases_than_asked_draws_them_all_and_an_empty_period_draws_nothing(app, team):
    few = {case(app, january(d)) for d in (5, 6)}
    rnd = set_round(app, team["lead"], size=10)
    assert set(drawn(app, rnd.id)) == few
    with pytest.raises(rr.NothingToDraw):
        set_round(app, team["lead"], first=date(2025, 6, 1), last=date(2025, 6, 30))
    with dbs(app) as s:
        assert s.scalar(select(ReviewRound.id).where(ReviewRound.period_first == date(2025, 6, 1))) is None


def test_one_officers_cases_only(app, team):
    theirs = {case(app, january(d), owner=team["officer"].id) for d in (2, 3, 4)}
    for d in (5, 6, 7, 8):
        case(app, january(d), owner=team["other_officer"].id)
    case(app, january(9))  # nobody's
    rnd = set_round(app, team["lead"], size=10, officer_id=team["officer"].id)
    assert set(drawn(app, rnd.id)) == theirs
    with pytest.raises(rr.NotAnOfficer):
        set_round(app, team["lead"], officer_id=team["auditor"].id)


def test_closed_in_or_open_at_some_time_in_the_period(app, team):
    before = datetime(2025, 11, 3, 10, tzinfo=timezone.utc)
    closed_in_jan = case(app, before, closed=january(20))
    closed_before = case(app, before, closed=datetime(2025, 12, 1, tzinfo=timezone.utc))
    still_open = case(app, before)
    received_in_jan = case(app, january(12))
    later = case(app, datetime(2026, 2, 2, 10, tzinfo=timezone.utc))
    assert set(drawn(app, set_round(app, team["lead"], basis="closed", size=10).id)) == {closed_in_jan}
    assert set(drawn(app, set_round(app, team["lead"], basis="open", size=10).id)) == {
        closed_in_jan, still_open, received_in_jan}
    assert set(drawn(app, set_round(app, team["lead"], size=10).id)) == {received_in_jan}
    assert {closed_before, later}.isdisjoint(drawn(app, set_round(app, team["lead"], basis="open", size=10).id))


def test_only_a_lead_sets_a_round_and_only_a_sensible_one(app, team):
    case(app, january(3))
    for role in ("officer", "auditor"):
        with pytest.raises(rr.OnlyLeadsSetRounds):
            set_round(app, team[role])
    with session(app) as s:
        today = datetime.now(ZoneInfo(TZ)).date()
        lead = s.get(StaffUser, team["lead"].id)
        for first, last in ((JANUARY[1], JANUARY[0]), (today, today + timedelta(days=1)),
                            (date(2020, 1, 1), date(2025, 12, 31))):
            with pytest.raises(rr.BadPeriod):
                rr.set_round(s, lead, basis="received", first=first, last=last, size=5)
        for size in (0, rr.MAX_SIZE + 1):
            with pytest.raises(rr.BadSize):
                rr.set_round(s, lead, basis="received", first=JANUARY[0], last=JANUARY[1], size=size)
    assert not audit_events(app, "round.set")


def seed_putting_first(ids: list[str], wanted: str) -> str:
    return next(seed for seed in (f"seed-{n}" for n in range(1000)) if rr.drawn_order(ids, seed)[0] == wanted)


def test_restricted_cases_are_drawn_only_for_those_who_may_see_them_and_no_sample_is_short(app, team):
    plain = [case(app, january(d)) for d in (2, 3, 4, 5, 6)]
    for_leads = case(app, january(7), restricted="leads")
    named = case(app, january(8))
    with dbs(app) as s:
        s.get(Report, named).restricted = "named"
        s.add(CaseAccess(report_id=named, staff_id=team["officer"].id, kind="named", at=datetime.now(timezone.utc),
                         granted_by=team["lead"].id))
        s.commit()
    everything = [*plain, for_leads, named]
    seed = seed_putting_first(everything, for_leads)
    rnd = set_round(app, team["lead"], size=3, seed=seed)
    order = rr.drawn_order(everything, seed)
    stored = drawn(app, rnd.id)
    assert stored[0] == for_leads and stored == order[:len(stored)]
    assert sum(1 for rid in stored if rid in plain) == 3  # enough open to everyone for a full sample
    auditor, lead = sample_of(app, team["auditor"], rnd.id), sample_of(app, team["lead"], rnd.id)
    assert len(auditor) == len(lead) == 3
    assert for_leads not in auditor and named not in auditor and set(auditor) <= set(plain)
    assert lead[0] == for_leads and named not in lead  # a lead sees "leads only", not a case named to others
    with session(app) as s:
        staff, rnd_row = s.get(StaffUser, team["auditor"].id), s.get(ReviewRound, rnd.id)
        reference = s.get(Report, for_leads).reference
        with pytest.raises(CaseRestricted):
            rr.find_case(s, staff, rnd_row, reference)
    refused = audit_events(app, "case.refused")
    assert [(e.report_id, e.actor) for e in refused] == [(for_leads, f"staff:{team['auditor'].id}")]
    assert audit_events(app, "round.set")[-1].detail.endswith(" size:3")  # no count of what was drawn


def test_a_round_no_case_of_which_the_lead_may_see_is_not_set(app, team):
    only = case(app, january(4))
    with dbs(app) as s:
        s.get(Report, only).restricted = "named"
        s.add(CaseAccess(report_id=only, staff_id=team["officer"].id, kind="named", at=datetime.now(timezone.utc),
                         granted_by=team["other_lead"].id))
        s.commit()
    with pytest.raises(rr.NothingToDraw):
        set_round(app, team["lead"])


# --- the checklist --------------------------------------------------------------------------------------------

def test_the_checklist_has_its_points_a_lead_turns_off_and_adds_and_rounds_keep_theirs(app, team):
    case(app, january(3))
    first = set_round(app, team["lead"])
    with session(app) as s:
        assert [p.code for p in rc.points_in_force(s)] == ALL
        lead = s.get(StaffUser, team["lead"].id)
        added = rc.change_checklist(s, lead, [c for c in ALL if c != "dash"], "Tenancy officer told of the risk",
                                    "Swyddog tenantiaeth wedi cael gwybod am y risg")
        assert added == "own-1"
        with pytest.raises(rc.WordingNeeded):
            rc.change_checklist(s, lead, ALL, "Only in English", "")
        with pytest.raises(rc.NoPointOn):
            rc.change_checklist(s, lead, [])
        with pytest.raises(rc.OnlyLeadsChangeIt):
            rc.change_checklist(s, s.get(StaffUser, team["auditor"].id), ALL)
        points = rc.checklist(s)
        assert [(p.code, p.on) for p in points] == [(c, c != "dash") for c in ALL] + [("own-1", True)]
        assert (points[-1].en, points[-1].cy) == ("Tenancy officer told of the risk",
                                                   "Swyddog tenantiaeth wedi cael gwybod am y risg")
    (event,) = audit_events(app, "settings.review_checklist_changed")
    assert event.detail == "turned_off:dash added:own-1"
    second = set_round(app, team["lead"])
    assert [p.code for p in rr.round_points(first)] == ALL  # set before the change: as it was
    assert [p.code for p in rr.round_points(second)] == [c for c in ALL if c != "dash"] + ["own-1"]
    with session(app) as s:
        rc.change_checklist(s, s.get(StaffUser, team["lead"].id), ALL)  # dash back on, own-1 off
        assert [p.code for p in rc.points_in_force(s)] == ALL
    assert audit_events(app, "settings.review_checklist_changed")[-1].detail == "turned_on:dash turned_off:own-1"


# --- reviewing a case ------------------------------------------------------------------------------------------

def answers(codes: list[str], **special: str) -> dict[str, str]:
    return {code: special.get(code, "met") for code in codes}


def review(app, who, rnd_id: int, report_id: str, given: rr.Findings) -> None:  # type: ignore[no-untyped-def]
    with session(app) as s:
        rnd = s.get(ReviewRound, rnd_id)
        report = s.get(Report, report_id)
        rc_row = s.scalar(select(RoundCase).where(RoundCase.round_id == rnd_id, RoundCase.report_id == report_id))
        rr.record_case_review(s, s.get(StaffUser, who.id), rnd, rc_row, report, given)


def snapshot(app, report_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        report = s.get(Report, report_id)
        return {"report": {c.key: getattr(report, c.key) for c in Report.__table__.columns},
                "entries": s.scalars(select(CaseEntry.id).where(CaseEntry.report_id == report_id)).all(),
                "tasks": s.scalars(select(CaseTask.id).where(CaseTask.report_id == report_id)).all()}


def test_an_auditor_reviews_a_case_and_the_case_does_not_change(app, team):
    rid = case(app, january(3), owner=team["officer"].id)
    rnd = set_round(app, team["lead"])
    before = snapshot(app, rid)
    given = rr.Findings(answers(ALL, dash="not_met", marac="na"),
                        findings={"dash": "No DASH although she disclosed strangulation."}, notes="Read in full.")
    review(app, team["auditor"], rnd.id, rid, given)
    assert snapshot(app, rid) == before  # nothing on the case itself: no entry, no task, no column
    with app.test_request_context("/staff/"), dbs(app) as s:
        row = s.scalar(select(RoundCase).where(RoundCase.report_id == rid))
        assert (row.reviewed_by, row.reviewed_on) == (team["auditor"].id, datetime.now(ZoneInfo(TZ)).date())
        stored = dict(s.execute(select(RoundAnswer.point, RoundAnswer.answer)
                                .where(RoundAnswer.round_case_id == row.id)).all())
        assert stored == given.answers
        assert b"strangulation" not in row.sealed
        from portal.casework.common import opener
        assert opener().open_json(row.sealed, ROUND_REVIEW_PURPOSE, str(row.id)) == {
            "findings": {"dash": "No DASH although she disclosed strangulation."}, "notes": "Read in full."}
    (event,) = audit_events(app, "round.case_reviewed")
    assert (event.report_id, event.actor) == (rid, f"staff:{team['auditor'].id}")
    assert event.detail == f"round:{rnd.id} met:5 not_met:1 na:1" and "strangulation" not in event.detail
    review(app, team["auditor"], rnd.id, rid, rr.Findings(answers(ALL)))  # again: the answers replaced
    with dbs(app) as s:
        assert set(s.scalars(select(RoundAnswer.answer))) == {"met"}
    assert audit_events(app, "round.case_reviewed")[-1].detail == f"round:{rnd.id} met:7 not_met:0 na:0 again"


def test_every_point_must_be_answered_and_only_by_a_lead_or_auditor_not_the_owner(app, team):
    rid = case(app, january(3), owner=team["other_lead"].id)
    rnd = set_round(app, team["lead"])
    with pytest.raises(rr.Unanswered) as missing:
        review(app, team["auditor"], rnd.id, rid, rr.Findings({**answers(ALL[:-2]), "actions": "maybe"}))
    assert missing.value.points == ["actions", "preferences", "records"]
    with pytest.raises(rr.NotAReviewer):
        review(app, team["officer"], rnd.id, rid, rr.Findings(answers(ALL)))
    with pytest.raises(rr.OwnCase):
        review(app, team["other_lead"], rnd.id, rid, rr.Findings(answers(ALL)))
    review(app, team["lead"], rnd.id, rid, rr.Findings(answers(ALL)))  # a lead who does not own it
    assert len(audit_events(app, "round.case_reviewed")) == 1


def test_a_follow_up_becomes_the_owners_task_with_its_words_sealed_on_the_case(app, team):
    rid = case(app, january(3), owner=team["officer"].id)
    nobodys = case(app, january(4))
    rnd = set_round(app, team["lead"])
    words = "Record the lawful basis for the share with the police on 5 January."
    review(app, team["auditor"], rnd.id, rid, rr.Findings(answers(ALL, sharing="not_met"), follow_up=words))
    today = datetime.now(ZoneInfo(TZ)).date()
    with app.test_request_context("/staff/"), dbs(app) as s:
        (task,) = s.scalars(select(CaseTask).where(CaseTask.report_id == rid)).all()
        due = add_working_days(today, rr.FOLLOW_UP_DAYS, "wales")
        assert (task.kind, task.owner_id, task.state, task.due_on, task.created_by) == (
            rr.FOLLOW_UP_KIND, team["officer"].id, "planned", due, team["auditor"].id)
        entry = s.get(CaseEntry, task.entry_id)
        assert (entry.kind, entry.code, entry.report_id) == ("followup", f"round:{rnd.id}", rid)
        assert words.encode() not in entry.sealed
        from portal.casework.common import opener
        assert opener().open_json(entry.sealed, "followup", entry.id) == {"text": words}
        assert due_for(s, team["officer"].id, due).tasks_today == 1  # in the officer's daily digest
        assert [t.id for t in rr.follow_ups(s, s.get(ReviewRound, rnd.id), [rid])[rid]] == [task.id]
    assert audit_events(app, "round.case_reviewed")[-1].detail.endswith(" follow_up")
    assert audit_events(app, "case.followup_added")[-1].detail == f"round:{rnd.id}"
    assert audit_events(app, "case.task_added")[-1].detail == f"{task.id} review_followup planned"
    # A case nobody owns: the follow-up goes to the lead who set the round.
    review(app, team["auditor"], rnd.id, nobodys, rr.Findings(answers(ALL), follow_up="Assign this case."))
    with dbs(app) as s:
        assert s.scalar(select(CaseTask.owner_id).where(CaseTask.report_id == nobodys)) == team["lead"].id


def test_results_count_each_point_over_the_reviewers_sample(app, team):
    ids = [case(app, january(d)) for d in (2, 3, 4)]
    rnd = set_round(app, team["lead"], size=3)
    review(app, team["auditor"], rnd.id, ids[0], rr.Findings(answers(ALL, dash="not_met")))
    review(app, team["auditor"], rnd.id, ids[1], rr.Findings(answers(ALL, dash="na")))
    with session(app) as s:
        cases = rr.sample(s, s.get(StaffUser, team["auditor"].id), s.get(ReviewRound, rnd.id))
        found = rr.answers_of(s, [c.id for c, _r in cases])
    results = rr.results(found, rr.round_points(rnd))
    assert len(found) == 2
    assert results["dash"] == {"not_met": 1, "na": 1} and results["records"] == {"met": 2}


def test_purging_a_reviewed_case_takes_its_review_with_it(app, team):
    from portal.casework.retention import purge

    gone = case(app, january(3), closed=january(10))
    kept = case(app, january(4))
    rnd = set_round(app, team["lead"], size=2)
    for rid in (gone, kept):
        review(app, team["auditor"], rnd.id, rid, rr.Findings(answers(ALL), findings={"dash": "Fine."}))
    result = purge(app.extensions["sessionmaker"], app.config, now=datetime(2040, 1, 1, tzinfo=timezone.utc))
    assert result.cases == 1
    with dbs(app) as s:
        assert s.scalars(select(RoundCase.report_id)).all() == [kept]
        assert s.scalar(select(func.count()).select_from(RoundAnswer)) == len(ALL)
        assert s.get(ReviewRound, rnd.id) is not None
    assert gone in {e.report_id for e in audit_events(app, "round.case_reviewed")}  # the trail stays whole

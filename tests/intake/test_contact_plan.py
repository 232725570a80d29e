"""Who may be approached, and which clock runs, for each kind of report: a report from one of the landlord's own
staff, volunteers or contractors ("staff") is planned exactly as an agency's referral is: "through me" or "do not
contact them" goes through the worker, never to nobody, and never to a triage clock."""
from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.intake.contact_plan import approach_for, plan_for

# A Tuesday morning in term time, no bank holiday near.
RECEIVED = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)
SETTINGS = {"nation": "wales", "cutoff": time(15, 0), "tz": "Europe/London"}


def plan(kind, **answers):  # type: ignore[no-untyped-def]
    return plan_for(kind, answers, RECEIVED, **SETTINGS)


@pytest.mark.parametrize("kind", ["agency", "staff"])
@pytest.mark.parametrize(("methods", "approach"), [
    (["trusted"], "via_referrer"),  # "through me, or someone else they trust" only
    (["none"], "via_referrer"),  # "do not contact them": through the worker, not nobody
    ([], "via_referrer"),
    (["call"], "direct"),
    (["text", "trusted"], "direct"),
    (["letter"], "direct"),
])
def test_a_workers_report_is_planned_like_an_agency_referral(kind, methods, approach):
    found = plan(kind, contact_methods=methods, phone_call="07700 900982")
    assert (found.approach, found.clock, found.no_contact) == (approach, "reach", False)
    assert approach_for(kind, methods) == approach


def test_only_a_persons_own_do_not_contact_me_means_not_at_all():
    assert (plan("self", contact_methods=["none"]).approach, plan("self", contact_methods=["none"]).clock) == (
        "not_at_all", "triage")
    assert plan("self", contact_methods=["none"]).no_contact is True
    assert plan("staff", contact_methods=["none"]).no_contact is False
    assert plan("concerned", contact_methods=["call"]).approach == "unknown"


@pytest.mark.parametrize("answers", [
    {"contact_methods": ["call"], "safe_days": ["thu"], "safe_times": ["afternoon"]},
    {"contact_methods": ["email"], "safe_days": ["wed"]},
    {"contact_methods": ["call"], "safe_days": ["sat"], "safe_times": ["evening"]},
    {"contact_methods": ["trusted"], "safe_days": ["fri"], "safe_times": ["morning"]},
    {"contact_methods": ["none"], "safe_days": ["fri"]},
])
def test_the_clock_of_a_workers_report_is_the_agencys_clock(answers):
    assert plan("staff", **answers) == plan("agency", **answers)


def test_the_persons_safe_times_move_the_clock_only_when_they_are_approached_directly():
    direct = plan("staff", contact_methods=["call"], safe_days=["thu"], safe_times=["afternoon"])
    assert direct.due.basis == "window"
    assert direct.due.at.astimezone(ZoneInfo("Europe/London")).weekday() == 3  # Thursday
    through = plan("staff", contact_methods=["trusted"], safe_days=["thu"], safe_times=["afternoon"])
    assert through.due.basis == "target" and through.due.at == plan("staff", contact_methods=["trusted"]).due.at

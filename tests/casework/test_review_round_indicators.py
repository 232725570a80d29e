"""The board's figures from case reviews: for each point, the share of the cases reviewed in the period that met it,
of those it applied to; small counts suppressed, and a share shown only as a bound where it would give one away."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from portal.casework import review_checklist as rc
from portal.casework import review_round_indicators as rri
from portal.casework import review_rounds as rr
from portal.casework.indicators import compute
from portal.casework.indicators_base import Disclosure, Figure, Percent
from portal.casework.periods import Period
from portal.store.assurance_models import RoundCase
from tests.casework.test_review_rounds import ALL, answers, case, january, review, set_round
from tests.staff_helpers import add_staff, dbs


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def this_month() -> Period:
    return Period.containing("month", datetime.now(ZoneInfo("Europe/London")).date())


@pytest.fixture
def reviewed(app):  # type: ignore[no-untyped-def]
    """Six cases reviewed today: DASH met in five, MARAC applied to two, records met in all; and one reviewed last
    year, which no figure for this month counts."""
    lead, auditor = add_staff(app, "lead"), add_staff(app, "auditor")
    ids = [case(app, january(d)) for d in range(2, 9)]
    rnd = set_round(app, lead, size=7)
    for n, rid in enumerate(ids):
        review(app, auditor, rnd.id, rid, rr.Findings(answers(
            ALL, dash="not_met" if n == 0 else "met", marac="met" if n < 2 else "na")))
    with dbs(app) as s:
        s.execute(update(RoundCase).where(RoundCase.report_id == ids[-1]).values(reviewed_on=date(2025, 3, 3)))
        s.commit()
    return ids


def figures(app, threshold: int) -> rri.ReviewRoundFigures:  # type: ignore[no-untyped-def]
    period = this_month()
    with dbs(app) as s:
        return rri.compute_review_rounds(s, Disclosure(threshold), period.first, period.last)


def test_each_points_share_is_of_the_cases_it_applied_to(app, reviewed):
    found = figures(app, 1)
    assert found.reviewed == Figure(6, 1)
    assert list(found.met) == ALL  # in the checklist's order
    assert (found.applied["dash"], found.met["dash"], found.met_percent["dash"]) == (
        Figure(6, 1), Figure(5, 1), Percent(83.3))
    assert (found.applied["marac"], found.met["marac"], found.met_percent["marac"]) == (
        Figure(2, 1), Figure(2, 1), Percent(100.0))  # "not applicable" left out of the share
    assert found.met_percent["records"] == Percent(100.0)


def test_small_counts_are_suppressed_and_shares_near_the_edges_are_bounds(app, reviewed):
    found = figures(app, 5)
    assert found.reviewed == Figure(6, 5)
    assert found.met["dash"] == Figure(5, 5) and found.applied["dash"] == Figure(6, 5)
    assert found.met_percent["dash"] == Percent(33.3, "at-least")  # one not met: the exact share would show it
    assert found.applied["marac"] == Figure(None, 5) and found.met_percent["marac"] == Percent(None)


def test_nothing_reviewed_gives_no_rows_for_points(app):
    found = figures(app, 5)
    assert found.reviewed == Figure(0, 5) and found.met == {} and found.rows() == [("review_rounds", "reviewed",
                                                                                       Figure(0, 5))]


def test_a_leads_own_point_follows_the_built_in_ones(app):
    from portal.store.models import StaffUser
    from tests.casework.test_review_rounds import session

    lead, auditor = add_staff(app, "lead"), add_staff(app, "auditor")
    rid = case(app, january(3))
    with session(app) as s:
        rc.change_checklist(s, s.get(StaffUser, lead.id), ALL, "Tenancy officer told", "Swyddog tenantiaeth")
    rnd = set_round(app, lead)
    review(app, auditor, rnd.id, rid, rr.Findings(answers([*ALL, "own-1"])))
    assert list(figures(app, 1).met) == [*ALL, "own-1"]


def test_the_indicators_carry_the_figures_and_their_rows(app, reviewed):
    with dbs(app) as s:
        whole = compute(s, this_month(), now=datetime.now(ZoneInfo("UTC")), threshold=5, nation="wales",
                        tz="Europe/London")
    assert whole.review_rounds is not None and whole.review_rounds.reviewed == Figure(6, 5)
    rows = {(section, key): value for section, key, value in whole.rows()}
    assert rows[("review_rounds", "reviewed")] == Figure(6, 5)
    assert rows[("review_points_met_percent", "dash")] == Percent(33.3, "at-least")


def test_the_codes_are_the_checklists_and_the_module_cannot_open_anything():
    assert rri.POINTS == rc.BUILT_IN
    loaded = subprocess.run([sys.executable, "-c", "import sys, portal.casework.review_round_indicators; "
                             "print(' '.join(m for m in sys.modules if m.startswith('portal')))"],
                            capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert "portal.casework.review_round_indicators" in loaded
    assert not {"portal.crypto.sealing", "portal.crypto.keys", "portal.casework.cases",
                "portal.intake.reports"} & set(loaded), loaded

"""Equality monitoring: the optional questions a person reporting for themselves (and a referring agency) may
answer are sealed with the report but apart from its answers; the triage side counts them into monthly totals
only in batches, then seals the report again without them; the board sees each question's answers, exact on the
page and under the small-number rule in the CSV, in English and Welsh."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.casework import equality
from portal.casework.equality_indicators import compute_equality
from portal.casework.indicators_base import Disclosure
from portal.store.models import EqualityCount, Report
from tests.conftest import Reporter, open_all
from tests.staff_helpers import SAFE_TEXT, audit_events, dbs, html_of, send_report, signed_in

ANSWERED = {**SAFE_TEXT, "story": "He took my phone.", "eq_age": "25_34", "eq_sex": "female",
            "eq_disability": "prefer_not", "eq_ethnic": "white"}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def documents(app: Flask) -> dict[str, dict[str, Any]]:
    return {d["row"].reference: d for d in open_all(app)}


def count(app: Flask, **kwargs: Any) -> equality.CountRun:
    with app.app_context(), dbs(app) as s:
        return equality.count_answers(s, **kwargs)


def totals(app: Flask) -> dict[tuple[str, str, str], int]:
    with dbs(app) as s:
        return {(r.month, r.question, r.answer): r.n for r in s.scalars(select(EqualityCount))}


def test_the_answers_are_sealed_apart_from_the_report_and_only_on_forms_that_ask(app: Flask):
    mine = send_report(app.test_client(), ANSWERED)
    neighbour = send_report(app.test_client(), {**SAFE_TEXT, "story": "Shouting next door."}, slug="someone")
    skipped = send_report(app.test_client(), {**SAFE_TEXT, "story": "He took my keys."})
    held = documents(app)
    assert held[mine]["equality"] == {"age": "25_34", "sex": "female", "disability": "prefer_not", "ethnic": "white"}
    assert not any(name.startswith("eq_") for name in held[mine]["answers"])  # never among the case's answers
    assert held[mine]["answers"]["story"] == "He took my phone."
    assert held[skipped]["equality"] == {}  # asked, not answered: counted as such
    assert "equality" not in held[neighbour]  # a neighbour's form does not ask
    assert [held[r]["row"].equality_pending for r in (mine, skipped, neighbour)] == [True, True, False]


def test_an_answer_the_form_does_not_offer_is_refused_and_nothing_typed_is_lost(app: Flask):
    client = app.test_client()
    response = Reporter(client).send({**ANSWERED, "eq_ethnic": "martian"}, "you", "en")
    assert response.status_code == 400
    page = html_of(response)
    assert "He took my phone." in page and 'value="25_34" checked' in page
    assert "<details class=\"equality\" open>" in page  # the answers stay in sight
    assert open_all(app) == []


def test_the_answers_are_counted_only_in_batches_then_removed_from_the_reports(app: Flask):
    references = [send_report(app.test_client(), ANSWERED) for _ in range(equality.BATCH_MIN - 1)]
    assert count(app).counted == 0  # nine waiting: one batch's change would say too much about too few
    assert totals(app) == {}
    references.append(send_report(app.test_client(), {**SAFE_TEXT, "story": "He shouts.", "eq_sex": "male"}))
    run = count(app)
    assert (run.counted, run.waiting) == (equality.BATCH_MIN, 0)
    month = f"{datetime.now(timezone.utc):%Y-%m}"  # (the test zone's month: Europe/London is UTC or UTC+1)
    got = totals(app)
    assert got[(month, "age", "25_34")] == 9 and got[(month, "age", "not_answered")] == 1
    assert got[(month, "sex", "female")] == 9 and got[(month, "sex", "male")] == 1
    assert got[(month, "disability", "prefer_not")] == 9 and got[(month, "ethnic", "white")] == 9
    assert sum(n for (_m, q, _a), n in got.items() if q == "ethnic") == equality.BATCH_MIN
    held = documents(app)
    for reference in references:
        assert "equality" not in held[reference]  # sealed again without them: no record ties them to a case
        assert held[reference]["answers"]["story"] in ("He took my phone.", "He shouts.")
        assert held[reference]["row"].equality_pending is False
    assert [e.detail for e in audit_events(app, "equality.counted")] == [f"count:{equality.BATCH_MIN}"]
    assert count(app, force=True).counted == 0  # counted once


def test_a_small_batch_is_counted_when_asked_or_once_it_has_waited_long_enough(app: Flask):
    first = send_report(app.test_client(), ANSWERED)
    assert count(app).counted == 0
    with dbs(app) as s, s.begin():
        s.execute(update(Report).where(Report.reference == first).values(
            received_at=datetime.now(timezone.utc) - equality.WAIT_AT_MOST - timedelta(hours=1)))
    assert count(app).counted == 1  # a quiet month is still counted
    send_report(app.test_client(), ANSWERED)
    assert count(app, force=True).counted == 1  # an operator's `portal equality count --now`


def test_the_board_figures_are_exact_on_the_page_and_suppressed_in_the_csv(app: Flask):
    app.config["INDICATOR_MIN_COUNT"] = 5
    with dbs(app) as s, s.begin():
        s.add_all([EqualityCount(month="2026-10", question="age", answer="25_34", n=7),
                   EqualityCount(month="2026-10", question="age", answer="45_54", n=2),
                   EqualityCount(month="2026-11", question="age", answer="25_34", n=1),
                   EqualityCount(month="2026-10", question="ethnic", answer="white", n=9)])
    with dbs(app) as s:
        exact = compute_equality(s, Disclosure(1), ["2026-10"])
        ruled = compute_equality(s, Disclosure(5), ["2026-10"])
    assert exact.asked.value == 9 and exact.by_question["age"]["45_54"].value == 2
    assert exact.by_question["ethnic"]["white"].value == 9 and exact.by_question["sex"]["female"].value == 0
    assert ruled.by_question["age"]["45_54"].suppressed and ruled.by_question["age"]["25_34"].suppressed  # (the next)

    client, _lead = signed_in(app, "lead")
    page = html_of(client.get("/staff/indicators?period=month&month=2026-10"))
    assert 'id="equality-age"' in page and ">7</td>" in page and ">2</td>" in page
    exported = client.get("/staff/indicators.csv?period=quarter&quarter=2026-10").get_data(as_text=True)
    rows = {row[2]: row[3] for row in csv.reader(io.StringIO(exported.lstrip("\ufeff"))) if len(row) == 4}
    assert rows["equality.asked"] == "10" and rows["equality_ethnic.white"] == "9"
    # 2 is small; 8 is hidden only so that the 2 cannot be worked out from the total, and says so
    assert rows["equality_age.45_54"] == "<5" and rows["equality_age.25_34"] == "suppressed"
    board = html_of(client.get("/staff/indicators/board?period=quarter&quarter=2026-10"))
    assert "hidden, so that a smaller count cannot be worked out" in board and "fewer than 5" in board
    # A month leaves the team without them: it and the quarter around it would give a hidden count away.
    monthly = client.get("/staff/indicators.csv?period=month&month=2026-10").get_data(as_text=True)
    rows = {row[2]: row[3] for row in csv.reader(io.StringIO(monthly.lstrip("\ufeff"))) if len(row) == 4}
    assert rows["equality.asked"] == rows["equality_ethnic.white"] == rows["equality_age.25_34"] == "suppressed"
    assert "Equality figures leave the team only for a whole quarter" in html_of(
        client.get("/staff/indicators/board?period=month&month=2026-10"))


def test_the_welsh_form_asks_the_questions_in_welsh(app: Flask):
    page = html_of(app.test_client().get("/cy/tell-us/you"))
    assert "Beth yw eich grŵp ethnig?" in page and "Mae'n well gen i beidio â dweud" in page
    agency = html_of(app.test_client().get("/cy/tell-us/agency"))
    assert "Beth yw grŵp ethnig y person?" in agency and "Ddim yn hysbys" in agency
    assert "eq_age" not in html_of(app.test_client().get("/cy/tell-us/someone"))


def test_a_subject_access_shows_answers_still_held_and_the_case_page_never_does(app: Flask):
    import json

    reference = send_report(app.test_client(), ANSWERED)
    lead, _ = signed_in(app, "lead")
    assert "What is your age?" not in html_of(lead.get(f"/staff/cases/{reference}"))
    assert "25 to 34" not in html_of(lead.get(f"/staff/cases/{reference}"))
    page = html_of(lead.get(f"/staff/cases/{reference}/subject-access"))
    assert "Equality monitoring answers, held until they are counted" in page and "25 to 34" in page
    held = json.loads(lead.get(f"/staff/cases/{reference}/subject-access.json").get_data(as_text=True))
    assert held["equality_monitoring"]["ethnic"] == "white"
    count(app, force=True)
    assert "Equality monitoring answers" not in html_of(lead.get(f"/staff/cases/{reference}/subject-access"))
    after = json.loads(lead.get(f"/staff/cases/{reference}/subject-access.json").get_data(as_text=True))
    assert "equality_monitoring" not in after and after["answers"]["story"] == "He took my phone."


def test_a_count_that_fails_half_way_counts_nothing_and_leaves_every_report_as_it_was(app: Flask, monkeypatch):
    references = [send_report(app.test_client(), ANSWERED) for _ in range(3)]

    class Broken:
        key_id = "broken"

        def seal_json(self, *_args: Any) -> bytes:
            raise OSError("the disk went away")

    with monkeypatch.context() as patched:
        patched.setattr(equality, "current_sealer", lambda: Broken())
        with pytest.raises(OSError):
            count(app, force=True)
    assert totals(app) == {}
    held = documents(app)
    assert all(held[r]["row"].equality_pending and held[r]["equality"]["age"] == "25_34" for r in references)
    assert count(app, force=True).counted == 3  # the next run counts them

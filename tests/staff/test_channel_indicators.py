"""Reports by channel in the performance indicators (issue 16): how each report reached us, counted from the
plaintext `channel` column only, small counts suppressed like every other group (and a second cell with them),
purged cases counted as not known; on the page, in both languages, and in the CSV."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.casework import indicators as ind
from portal.casework.indicators import compute
from portal.casework.periods import Period
from portal.intake.reports import CHANNELS
from portal.staff.indicator_views import CHANNEL_LABELS
from portal.store.models import PurgedTally, Report
from tests.staff_helpers import dbs, html_of, signed_in

LONDON = ZoneInfo("Europe/London")
Q3 = Period.quarter(2026, 7)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
# Received in July to September 2026: 9 from the website, 6 by phone, 2 in person, 1 from a colleague, 5 from the
# police, none from the rest; and 3 by phone just after the quarter (not counted).
IN_QUARTER = {"web": 9, "phone": 6, "in_person": 2, "colleague": 1, "police": 5}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def add(s: Any, channel: str, received: datetime) -> None:
    report_id = str(uuid.uuid4())
    s.add(Report(id=report_id, reference=f"C{report_id[:7]}".upper(), received_at=received,
                 first_contact_due=received, reporter_kind="agency" if channel in ("police",) else "self",
                 contact_language="en", status="new", is_open=True, band=2, contacted=False, channel=channel,
                 idempotency_hash=uuid.uuid4().hex * 2, key_id="k1", sealed=b"never opened by the indicators"))


@pytest.fixture
def known(app):  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        for n, (channel, count) in enumerate(IN_QUARTER.items()):
            for i in range(count):
                add(s, channel, datetime(2026, 8, 3 + n, 9 + i, 0, tzinfo=LONDON))
        for i in range(3):
            add(s, "phone", datetime(2026, 10, 1, 0, 30 + i, tzinfo=LONDON))
        s.add(PurgedTally(month="2026-08", reporter_kind="self", close_reason="duplicate", count=2))
        s.commit()


def figures(app: Any, threshold: int = 1) -> Any:
    with dbs(app) as s:
        return compute(s, Q3, now=NOW, threshold=threshold, nation="wales", tz="Europe/London")


def test_the_indicators_know_the_same_channels_as_the_reports():
    assert ind.CHANNELS == CHANNELS
    assert set(CHANNEL_LABELS) == {*CHANNELS, "unknown"}


def test_reports_by_channel_with_nothing_suppressed(app, known):
    f = figures(app)
    expected = {channel: IN_QUARTER.get(channel, 0) for channel in CHANNELS}
    assert {k: v.value for k, v in f.by_channel.items()} == {**expected, "unknown": 2}
    assert sum(v.value for v in f.by_channel.values()) == f.received.value == 25


def test_small_channel_counts_are_hidden_and_cannot_be_worked_out(app, known):
    f = figures(app, threshold=5)
    shown = {k: v.value for k, v in f.by_channel.items()}
    # 2 in person, 1 colleague and 2 not known are below 5; three hidden cells already protect each other.
    assert shown == {"web": 9, "phone": 6, "in_person": None, "colleague": None, "police": 5, "marac": 0,
                     "idva": 0, "other_agency": 0, "unknown": None}


def test_one_small_channel_hides_the_next_smallest_as_well(app):
    with dbs(app) as s:
        for i in range(8):
            add(s, "web", datetime(2026, 8, 3, 9, i, tzinfo=LONDON))
        for i in range(6):
            add(s, "phone", datetime(2026, 8, 4, 9, i, tzinfo=LONDON))
        add(s, "marac", datetime(2026, 8, 5, 9, 0, tzinfo=LONDON))
        s.commit()
    shown = {k: v.value for k, v in figures(app, threshold=5).by_channel.items()}
    assert shown["marac"] is None and shown["phone"] is None and shown["web"] == 8  # not 15 - 8 - 6 = 1


def test_the_page_and_the_csv_show_reports_by_channel(app, known):
    app.config["INDICATOR_MIN_COUNT"] = 5
    client, _ = signed_in(app, "lead")
    for path, in_person, unknown in (("/staff/indicators", "2", "2"),  # exact, for the team
                                     ("/staff/indicators/board", "fewer than 5", "fewer than 5")):  # leaves it
        html = html_of(client.get(f"{path}?period=quarter&quarter=2026-07"))
        table = html[html.index('id="by-channel"'):]
        table = table[:table.index("</table>")]
        assert ">How reports reached us</caption>" in table
        assert '<th scope="row">Phone call</th><td class="number">6</td>' in table
        assert '<th scope="row">Police</th><td class="number">5</td>' in table
        assert f'<th scope="row">In person</th><td class="number">{in_person}</td>' in table
        assert f'<th scope="row">Not known (deleted cases)</th><td class="number">{unknown}</td>' in table
    text = client.get("/staff/indicators.csv?period=quarter&quarter=2026-07").get_data(as_text=True)
    rows = {row[2]: row for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if len(row) == 4}
    assert rows["received_by_channel.phone"] == ["How reports reached us", "Phone call",
                                                 "received_by_channel.phone", "6"]
    assert rows["received_by_channel.colleague"][3] == "<5"
    assert rows["received_by_channel.web"][1:] == ["Website", "received_by_channel.web", "9"]


def test_the_page_in_welsh_names_the_channels_in_welsh(app, known):
    client, _ = signed_in(app, "auditor", language="cy")
    html = html_of(client.get("/staff/indicators?period=quarter&quarter=2026-07"))
    table = html[html.index('id="by-channel"'):]
    table = table[:table.index("</table>")]
    assert "Phone call" not in table and "Website" not in table
    assert '<th scope="row">Gwefan</th><td class="number">9</td>' in table


def test_a_share_of_a_suppressed_whole_mutates_in_welsh(app):
    """"2 of fewer than 5" is "… o lai na 5" in Welsh: the suppressed whole is its own sentence, not "fewer than 5"
    slotted after "o" (which read "o llai na 5")."""
    app.config["INDICATOR_MIN_COUNT"] = 5
    with dbs(app) as s:
        for day in (3, 4):
            add(s, "web", datetime(2026, 8, day, 10, 0, tzinfo=LONDON))
        s.commit()
    welsh, _ = signed_in(app, "lead", language="cy")
    html = html_of(welsh.get("/staff/indicators/board?period=quarter&quarter=2026-07"))
    assert " o lai na 5 (" in html and "o llai na" not in html
    english, _ = signed_in(app, "lead")
    assert " of fewer than 5 (" in html_of(english.get("/staff/indicators/board?period=quarter&quarter=2026-07"))

"""The indicators page in a browser with JavaScript off: choose a period with the form (bookmarkable URL),
download the CSV from the link, and print (the picker and links go; the charts and tables stay)."""
from __future__ import annotations

import csv
import io

import pytest
from reporter_steps import path_of
from staff_steps import lead_signs_in, make_report, make_staff

pytestmark = pytest.mark.browser


def test_a_lead_chooses_a_quarter_downloads_it_and_prints_it(new_context, live_server):
    make_report(live_server, kind="agency", language="cy")
    lead = make_staff(live_server, "lead", "en", enrolled=True)
    context = new_context(js=False)
    page = context.new_page()
    lead_signs_in(page, lead)
    page.click(".staff-nav a[href='/staff/indicators']")
    page.wait_for_url("**/staff/indicators")
    this_quarter = page.locator("#quarter option").first.get_attribute("value")
    page.check("#period-quarter")
    page.select_option("#quarter", this_quarter)
    page.click("form.period-picker button[type='submit']")
    page.wait_for_url(lambda url: "period=quarter" in url and f"quarter={this_quarter}" in url)
    assert page.locator("#period-quarter").is_checked()
    assert page.locator("#by-kind tbody tr").count() == 4  # self, concerned, agency, staff

    with page.expect_download() as download_info:
        page.click("a[href^='/staff/indicators.csv']")
    download = download_info.value
    assert download.suggested_filename.startswith(f"indicators-{this_quarter}-01-")
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert rows[2] == ["Section", "Figure", "Code", "Value"]
    assert any(row[2] == "received_by_kind.agency" for row in rows)

    page.emulate_media(media="print")
    assert not page.locator("form.period-picker").is_visible()
    assert not page.locator(".staff-header").is_visible()
    assert page.locator("svg.chart").first.is_visible() and page.locator("table.figures").first.is_visible()
    assert path_of(page).startswith("/staff/indicators?")

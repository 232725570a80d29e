"""The audit log as an auditor reads it, in a real browser, JavaScript off, on a 360 px phone, in English and Welsh:
an officer opens a case and adds a note; the auditor filters the log by case reference and by what was done, using
the filters' visible labels; every action and detail reads as words in the auditor's language, never a raw code;
the scrollable table takes keyboard focus; and the CSV download of the filtered events is itself in the log."""
from __future__ import annotations

import csv

import pytest
from reporter_steps import LOCALES, assert_no_sideways_scrolling, page_language
from staff_steps import lead_signs_in, make_report, make_staff, officer_adds_note, officer_opens_case

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
RAW_CODES = ("case.opened", "case.note_added", "audit.exported", "staff.signed_in", "view:", "call:")


@pytest.mark.parametrize("lang", LANGS)
def test_an_auditor_filters_the_log_and_reads_it_in_words(new_context, live_server, lang):
    say = {text: live_server.gettext(lang, text) for text in (
        "Case reference", "What", "Apply filters", "Opened a case", "Download these events (CSV)",
        "Downloaded the audit log", "Clear filters")}
    reference = make_report(live_server, answers={"story": f"audit {lang}: the door was kicked in."}, language=lang)
    officer_account = make_staff(live_server, "officer", lang, name=f"Officer Audit {lang}", enrolled=True)
    officer = new_context(js=False, width=360, locale=LOCALES[lang]).new_page()
    lead_signs_in(officer, officer_account)
    officer_opens_case(officer, reference)
    officer_adds_note(officer, reference, "Rang the IDVA back.")

    auditor = new_context(js=False, width=360, locale=LOCALES[lang]).new_page()
    lead_signs_in(auditor, make_staff(live_server, "auditor", lang, enrolled=True))
    auditor.goto("/staff/audit")
    assert page_language(auditor) == lang
    auditor.get_by_label(say["Case reference"]).fill(reference.lower().replace("-", ""))  # as someone might type it
    with auditor.expect_navigation():
        auditor.get_by_role("button", name=say["Apply filters"]).click()
    table = auditor.locator("table.data-table")
    rows = table.locator("tbody tr")
    assert rows.count() >= 2
    assert all(reference in text for text in rows.all_inner_texts())  # only this case's events
    assert officer_account.name in table.inner_text()
    text = auditor.inner_text("main")
    assert not [code for code in RAW_CODES if code in text], text  # words, not codes

    auditor.get_by_label(say["What"], exact=True).select_option(label=say["Opened a case"])
    with auditor.expect_navigation():
        auditor.get_by_role("button", name=say["Apply filters"]).click()
    whats = [row.locator("td").nth(2).inner_text() for row in rows.all()]
    assert whats and set(whats) == {say["Opened a case"]}
    auditor.locator(".table-wrap").focus()  # the scrollable region takes the keyboard
    assert auditor.evaluate("document.activeElement.classList.contains('table-wrap')")
    assert_no_sideways_scrolling(auditor, 360)

    with auditor.expect_download() as download:
        auditor.get_by_role("link", name=say["Download these events (CSV)"]).click()
    exported = list(csv.reader(open(download.value.path(), encoding="utf-8-sig")))
    assert len(exported) >= 2 and all(row[3] == reference for row in exported[1:])
    assert {row[2] for row in exported[1:]} == {say["Opened a case"]}  # in words, with the stable code beside it
    assert {row[5] for row in exported[1:]} == {"case.opened"}
    auditor.get_by_role("link", name=say["Clear filters"]).click()
    auditor.wait_for_load_state()
    auditor.get_by_label(say["What"], exact=True).select_option(label=say["Downloaded the audit log"])
    with auditor.expect_navigation():
        auditor.get_by_role("button", name=say["Apply filters"]).click()
    assert rows.count() >= 1  # the download is itself in the log

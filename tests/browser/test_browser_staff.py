"""The staff side in a real browser: a new officer enrols and works a case by keyboard alone; the whole officer
flow with JavaScript off; the live first-contact clock in English and Welsh; reporter text shown as text; the
safe-contact profile first; and the printed summary.

Accounts and reports are made in the live server's database (staff_steps); everything else is done as staff
do it, in the browser, under the real Content-Security-Policy (except where a test says otherwise).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from reporter_steps import focused, page_language, path_of, reporter_tabs_until
from staff_steps import (
    CLOCK_WORDS,
    ENGLISH_CLOCK_WORDS,
    clock_cell,
    comes_before,
    fill_case_record,
    flash_text,
    lead_signs_in,
    live_clock_data,
    make_report,
    make_staff,
    officer_adds_note,
    officer_claims,
    officer_opens_case,
    officer_opens_queue,
    officer_signs_in,
    officer_signs_out,
    queue_row,
    self_report_answers,
    server_clock_text,
    staff_goes_to_sign_in,
    worked_between,
)

pytestmark = pytest.mark.browser

TABS = 250  # the queue holds every report the browser tests made


def tab_to(page, matches):
    return reporter_tabs_until(page, matches, limit=TABS)


# ---- a new officer, by keyboard alone --------------------------------------------------------------------

def test_new_officer_enrols_and_records_a_contact_attempt_by_keyboard_alone(new_context, live_server):
    """Tab, Shift+Tab, Space, Enter, arrow keys in a drop-down, and typing: no clicks, from the sign-in page
    to a recorded contact attempt."""
    officer = make_staff(live_server, "officer")
    reference = make_report(live_server, days_ago=10)  # long overdue and nobody's yet
    page = new_context().new_page()
    keys = page.keyboard

    staff_goes_to_sign_in(page)
    tab_to(page, lambda f: f.get("id") == "email")
    keys.type(officer.email)
    keys.press("Tab")
    assert focused(page).get("id") == "password"
    keys.type(officer.password)
    keys.press("Enter")
    page.wait_for_url("**/staff/sign-in/set-up")

    # First sign-in: the QR code (made on the server, as an SVG data URI) and the key to type instead.
    qr = page.locator("main img.qr")
    assert qr.is_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert (qr.get_attribute("alt") or "").strip(), "the QR code image has no text alternative"
    assert page.evaluate("document.querySelector('main img.qr').naturalWidth") > 0, "the QR code did not load"
    assert page.inner_text("main code.secret").replace(" ", "") == officer.secret
    tab_to(page, lambda f: f.get("id") == "code")
    keys.type(officer.next_code())
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/staff/$"))
    assert page.locator("h1").inner_text() == live_server.gettext("en", "Queue")

    # Filter: unassigned, overdue; Apply filters; the filters are in the address, to bookmark.
    tab_to(page, lambda f: f.get("id") == "filter-owner")
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    assert page.input_value("#filter-owner") == "none"
    tab_to(page, lambda f: f.get("id") == "filter-overdue")
    keys.press("Space")
    assert focused(page)["checked"]
    tab_to(page, lambda f: f.get("tag") == "button" and f.get("text") == live_server.gettext("en", "Apply filters"))
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/staff/\?.*overdue=1"))
    assert re.search(r"[?&]owner=none(&|$)", page.url), page.url
    assert page.is_checked("#filter-overdue") and page.input_value("#filter-owner") == "none"
    assert queue_row(page, reference).count() == 1

    # Open the case, then "Record a contact attempt".
    tab_to(page, lambda f: f.get("href") == f"/staff/cases/{reference}")
    keys.press("Enter")
    page.wait_for_url(f"**/staff/cases/{reference}")
    tab_to(page, lambda f: f.get("href") == f"/staff/cases/{reference}/contact")
    keys.press("Enter")
    page.wait_for_url(f"**/staff/cases/{reference}/contact")

    # A safe way (the first the report gave: a phone call to her), what happened, why now (the report's safe
    # days may not include today: a reason is asked for then), the profile re-checked.
    tab_to(page, lambda f: f.get("id") == "how-0")
    keys.press("Space")
    assert focused(page)["checked"] and focused(page)["value"] == "person:call"
    keys.press("Tab")
    assert focused(page).get("id") == "outcome-0", f"Tab after the method went to {focused(page)}"
    keys.press("Space")
    tab_to(page, lambda f: f.get("id") == "reason")
    keys.type("She rang and asked us to call back now")
    tab_to(page, lambda f: f.get("id") == "profile_checked")
    keys.press("Space")
    assert focused(page)["checked"]
    tab_to(page, lambda f: f.get("tag") == "button" and f.get("type") == "submit")
    keys.press("Enter")
    page.wait_for_url(f"**/staff/cases/{reference}")
    assert live_server.gettext("en", "Contact attempt recorded.") in flash_text(page)
    attempts = page.locator("main table.data-table tbody tr")
    assert attempts.count() == 1
    assert live_server.gettext("en", "Phone call") in attempts.inner_text()


# ---- the safe-contact profile first ----------------------------------------------------------------------

def test_the_safe_contact_profile_comes_first(new_context, live_server):
    """Before anything else about a case (and before the report itself) staff see how to contact safely:
    on the case page, the contact page and the printed summary."""
    officer = make_staff(live_server, "officer", enrolled=True)
    reference = make_report(live_server, answers=self_report_answers("Profile order: he reads my texts."))
    page = new_context().new_page()
    officer_signs_in(page, officer)
    the_report = live_server.gettext("en", "The report")

    for path in (f"/staff/cases/{reference}", f"/staff/cases/{reference}/print?chosen=1&part=contact&part=report"):
        page.goto(path)
        after_header = page.evaluate("document.querySelector('.case-header').nextElementSibling.outerHTML")
        assert after_header.startswith('<section class="profile"'), (
            f"{path}: the first thing after the case header is not the profile: {after_header[:120]}")
        order = page.evaluate("""(heading) => {
            const all = [...document.querySelectorAll('main section.profile, main h2')];
            return all.map(el => el.matches('section.profile') ? 'PROFILE' : el.textContent.trim());
        }""", the_report)
        assert the_report in order and order.index("PROFILE") < order.index(the_report), (path, order)
        assert order.index("PROFILE") == 0, f"{path}: something comes before the profile: {order}"

    page.goto(f"/staff/cases/{reference}/contact")
    assert comes_before(page, "main section.profile", "main form[method='post']")
    assert comes_before(page, "main section.profile", "#how-0")


# ---- JavaScript off --------------------------------------------------------------------------------------

def test_officer_works_the_queue_with_javascript_off(new_context, live_server):
    """Sign-in (with set-up), queue, claim, case, note and sign-out all work as plain HTML forms; the
    first-contact clock says what the server worked out."""
    officer = make_staff(live_server, "officer")
    reference = make_report(live_server, days_ago=10)
    page = new_context(js=False).new_page()

    lead_signs_in(page, officer)
    assert path_of(page) == "/staff/"
    page.select_option("#filter-owner", "none")
    page.check("#filter-overdue")
    page.click("form.filters button[type='submit']")
    page.wait_for_url(re.compile(r"/staff/\?.*overdue=1"))
    filtered = path_of(page)
    assert "owner=none" in filtered, filtered
    cell = clock_cell(page, reference)
    text = cell.inner_text().strip()
    assert text == server_clock_text(live_server, "en", int(cell.get_attribute("data-left"))), text
    assert text.startswith(live_server.gettext("en", "Overdue by %(duration)s", duration="").strip())
    assert cell.locator("strong.overdue-label").count() == 1
    assert "overdue" in (queue_row(page, reference).get_attribute("class") or "")

    officer_claims(page, reference)
    assert path_of(page) == filtered, "after claiming, the filters were lost"
    assert live_server.gettext("en", "You have claimed %(reference)s.", reference=reference) in flash_text(page)
    assert queue_row(page, reference).count() == 0  # no longer unassigned
    officer_opens_queue(page, "owner=mine")
    assert officer.name in queue_row(page, reference).inner_text()

    officer_opens_case(page, reference)
    assert officer.name in page.inner_text(".case-header")
    officer_adds_note(page, reference, "No-JS note: left a message with the IDVA.")
    assert live_server.gettext("en", "Note added.") in flash_text(page)
    assert "No-JS note: left a message with the IDVA." in page.inner_text("main .record-list")

    officer_signs_out(page)
    page.goto("/staff/")
    assert path_of(page).startswith("/staff/sign-in"), "after signing out, the queue is still open"


# ---- the live clock --------------------------------------------------------------------------------------

def _a_working_moment(windows, after: int) -> int:
    """A moment at least a minute from now, with at least 90 working minutes of the same window after it."""
    for opens, closes in windows:
        start = max(opens, after + 60)
        if closes - start >= 90 * 60:
            return start
    raise AssertionError(f"no working window of 90 minutes in {windows}")


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_live_clock_counts_down_in_the_servers_words(new_context, live_server, lang):
    """staff.js re-words the first-contact clock as working time passes, in the same words as the server (in
    the staff member's language). page.clock moves the browser's time to working hours and on by an hour."""
    officer = make_staff(live_server, "officer", language=lang, enrolled=True)
    fresh = make_report(live_server, answers=self_report_answers(f"Clock {lang}: fresh."), owner=officer)
    overdue = make_report(live_server, answers=self_report_answers(f"Clock {lang}: overdue."), days_ago=10,
                          owner=officer)
    page = new_context().new_page()
    officer_signs_in(page, officer)
    officer_opens_queue(page, "owner=mine")  # just these two, however many reports other tests left
    assert page_language(page) == lang

    def check_wording(text):
        if lang == "en":
            assert CLOCK_WORDS["en"].search(text), text
        else:
            assert not ENGLISH_CLOCK_WORDS.search(text), (
                f"the Welsh queue's clock says {text!r}: English words in a Welsh session "
                "(translations/cy/LC_MESSAGES/messages.po has no Welsh for the clock's strings)")

    # On the real clock: whatever the script wrote is what the server would say at some moment since it rendered.
    data = live_clock_data(page)
    now = int(datetime.now(timezone.utc).timestamp()) + 2
    for reference in (fresh, overdue):
        cell = clock_cell(page, reference)
        left, text = int(cell.get_attribute("data-left")), cell.inner_text().strip()
        possible = {server_clock_text(live_server, lang, left - worked_between(data["windows"], data["rendered"], t))
                    for t in range(data["rendered"], now + 1)}
        assert text in possible, f"{reference}: the script wrote {text!r}; the server would say one of {possible}"
        check_wording(text)

    # In working hours, an hour later: the text moves on by an hour, still in the server's words.
    moment = _a_working_moment(data["windows"], now)
    page.clock.install(time=datetime.fromtimestamp(moment, timezone.utc))
    page.reload()
    page.clock.pause_at(datetime.fromtimestamp(moment + 10, timezone.utc))
    data = live_clock_data(page)
    before = {}
    for reference in (fresh, overdue):
        before[reference] = clock_cell(page, reference).inner_text().strip()
    page.clock.fast_forward("01:00:00")
    for reference in (fresh, overdue):
        cell = clock_cell(page, reference)
        left, text = int(cell.get_attribute("data-left")), cell.inner_text().strip()
        expected = server_clock_text(live_server, lang,
                                     left - worked_between(data["windows"], data["rendered"], moment + 10 + 3600))
        assert text == expected, f"{reference}: an hour on, the script wrote {text!r}; the server says {expected!r}"
        assert text != before[reference], f"{reference}: the clock did not move in an hour of working time"
        check_wording(text)
    assert clock_cell(page, overdue).locator("strong.overdue-label").count() == 1


# ---- reporter text is text -------------------------------------------------------------------------------

PAYLOAD = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script>'


def test_what_a_reporter_typed_is_shown_as_text_and_never_run(new_context, live_server):
    """Markup in a report (and in a note) is shown literally on the case and print pages. The context bypasses
    the CSP, so this tests the escaping itself, not the CSP's backstop."""
    officer = make_staff(live_server, "officer", enrolled=True)
    answers = self_report_answers(f"Story {PAYLOAD}", safe_times_note=f"Times {PAYLOAD}")
    reference = make_report(live_server, answers=answers)
    page = new_context(bypass_csp=True).new_page()
    officer_signs_in(page, officer)
    page.goto(f"/staff/cases/{reference}")
    officer_adds_note(page, reference, f"Note {PAYLOAD}")

    printed = f"/staff/cases/{reference}/print?chosen=1&part=report&part=notes&part=contact"
    for path in (f"/staff/cases/{reference}", printed):
        page.goto(path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)  # time for a broken image's onerror, were there one
        assert page.evaluate("typeof window.__pwned") == "undefined", f"{path}: reporter text ran as script"
        assert page.locator("main img[src='x'], main script").count() == 0, f"{path}: reporter markup became HTML"
        shown = page.inner_text("main")
        for text in (f"Story {PAYLOAD}", f"Times {PAYLOAD}", f"Note {PAYLOAD}"):
            assert text in shown, f"{path}: {text!r} is not shown literally"


# ---- printing --------------------------------------------------------------------------------------------

def test_the_printed_summary_leaves_off_the_navigation_and_keeps_the_profile_only_if_chosen(new_context, live_server):
    officer = make_staff(live_server, "officer", enrolled=True)
    answers = self_report_answers("Print: he took my keys.")
    reference = make_report(live_server, answers=answers)
    fill_case_record(live_server, reference, officer, answers)
    page = new_context().new_page()
    officer_signs_in(page, officer)
    page.goto(f"/staff/cases/{reference}/print")
    assert page.locator("section.profile").count() == 0 and "07700 900982" not in page.inner_text("main")
    # The officer chooses the safe-contact details for the paper (with JavaScript, as without: a GET form).
    page.check("#part-contact")
    page.click("form.print-choice button[type='submit']")
    page.wait_for_url("**/print?*")
    assert page.locator(".staff-header").is_visible()  # on screen: the header and a way back
    page.emulate_media(media="print")
    for hidden in (".staff-header", ".staff-nav", ".skip-link", ".print-only-note"):
        assert not page.locator(hidden).first.is_visible(), f"{hidden} is printed"
    for shown in ("main h1", ".confidential", "section.profile", ".case-header", "ol.answers"):
        assert page.locator(shown).first.is_visible(), f"{shown} is not printed"
    assert "07700 900982" in page.inner_text("section.profile")

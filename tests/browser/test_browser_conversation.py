"""The receipt and the conversation, in a real browser: a reporter with JavaScript off gets a receipt, keeps it,
comes back with it, writes to the team, reads the team's reply, signs out and deletes it all; a member of the
team sees the new message flagged in the queue and replies in the reporter's language. And axe-core on every
new page, in English and in Welsh.

The reporter's browsers run with JavaScript off (the journey must work without it) under the real CSP; the
axe contexts bypass the CSP only to inject axe, as in test_browser_axe.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from reporter_steps import (
    LOCALES,
    assert_no_sideways_scrolling,
    axe_violations,
    confirmation_reference,
    describe_violations,
    page_language,
    path_of,
    reporter_fills_in,
    reporter_goes_back,
    reporter_presses_exit_button,
    reporter_sends,
    stored_text,
    waits_for_neutral_page,
)
from staff_steps import StaffAccount, lead_signs_in, make_staff, queue_row

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
RECEIPT = re.compile(r"^\d{4} \d{4} \d{4} \d{4}$")


# ---- steps -----------------------------------------------------------------------------------------------

def reporter_sends_a_report(page: Any, lang: str, story: str) -> str:
    page.goto(f"/{lang}/tell-us/you")
    reporter_fills_in(page, "you", story)
    reporter_sends(page)
    return confirmation_reference(page)


def reporter_gets_a_receipt(page: Any, lang: str) -> str:
    """From the confirmation page: read about receipts, choose one, note it down, say it is kept."""
    page.click(f"main a[href='/{lang}/receipt/new']")
    page.wait_for_url(f"**/{lang}/receipt/new")
    page.click(f"form[action='/{lang}/receipt/new'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/receipt")
    shown = " ".join(page.locator(".panel .receipt .receipt-pair").all_inner_texts())
    assert RECEIPT.match(shown), f"the receipt {shown!r} is not four groups of four digits"
    # A screen reader hears it digit by digit, group by group.
    spoken = page.inner_text(".panel .visually-hidden").strip()
    assert spoken == ", ".join(" ".join(group) for group in shown.split(" "))
    page.click(f"form[action='/{lang}/receipt'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/replies/messages")
    return shown


def reporter_signs_in(page: Any, lang: str, receipt: str) -> None:
    page.goto(f"/{lang}/replies")
    page.fill("#receipt", receipt)
    page.click(f"form[action='/{lang}/replies'] button[type='submit']")
    page.wait_for_load_state()


def reporter_writes(page: Any, lang: str, text: str) -> None:
    page.fill("#text", text)
    page.click(f"form[action='/{lang}/replies/messages'] button[type='submit']")
    page.wait_for_url(re.compile(rf"/{lang}/replies/messages(#latest)?$"))


def reporter_signs_out(page: Any, lang: str) -> None:
    page.click(f"form[action='/{lang}/replies/sign-out'] button[type='submit']")
    page.wait_for_load_state()


def messages_on_page(page: Any) -> list[dict[str, str]]:
    return page.evaluate("""() => [...document.querySelectorAll('ol.conversation li.message')].map(li => ({
        team: li.classList.contains('message-team'),
        text: li.querySelector('.message-text').innerText.trim(),
        lang: li.querySelector('.message-text').lang}))""")


def staff_replies(page: Any, reference: str, text: str) -> None:
    page.goto(f"/staff/cases/{reference}")
    page.click(f".case-actions a[href='/staff/cases/{reference}/reply']")
    page.wait_for_url(f"**/staff/cases/{reference}/reply")
    page.fill("#text", text)
    page.click("main form button[type='submit']")
    page.wait_for_url(f"**/staff/cases/{reference}")


def cookies_here(context: Any) -> list[dict[str, Any]]:
    return [c for c in context.cookies() if c["domain"] == "127.0.0.1"]


# ---- the whole journey -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_reporter_hears_back_through_a_receipt_without_javascript(new_context, live_server, lang):
    marker = f"Wombat{lang.upper()}plugh"  # appears nowhere else
    reporter = new_context(js=False, locale=LOCALES[lang])
    page = reporter.new_page()
    reference = reporter_sends_a_report(page, lang, f"{marker}: he reads my texts.")
    receipt = reporter_gets_a_receipt(page, lang)
    assert page_language(page) == lang
    assert live_server.gettext(lang, "We have received your report. Our team has not picked it up yet.") \
        in page.inner_text(".status")

    # Shown once: Back to the receipt page never shows the digits again.
    reporter_goes_back(page)
    assert receipt not in page.content()
    assert receipt.replace(" ", "") not in page.content()
    page.goto(f"/{lang}/receipt")
    assert receipt not in page.content()

    page.goto(f"/{lang}/replies/messages")
    reporter_writes(page, lang, f"{marker} asks: can you call after six instead?")
    assert live_server.gettext(lang, "Message sent") in page.inner_text("main")
    assert [m["text"] for m in messages_on_page(page)] == [f"{marker} asks: can you call after six instead?"]
    traces = json.dumps(stored_text(page))
    assert marker not in traces and receipt.replace(" ", "") not in traces and receipt not in traces
    assert [c["name"] for c in cookies_here(reporter)] == ["s"]

    # The team sees the message flagged, replies in the reporter's language (chosen for them already).
    officer = make_staff(live_server, "officer", "en", enrolled=True)
    staff = new_context().new_page()
    lead_signs_in(staff, officer)
    staff.goto("/staff/?flag=messages")
    row = queue_row(staff, reference)
    assert row.count() == 1
    assert live_server.gettext("en", "New message") in row.inner_text()
    staff.goto(f"/staff/cases/{reference}/reply")
    assert staff.is_checked(f"main input[name='language'][value='{lang}']")
    assert f"{marker} asks: can you call after six instead?" in staff.inner_text(".conversation-section")
    staff_replies(staff, reference, f"Reply {marker}: yes, we can do that.")
    assert f"Reply {marker}: yes, we can do that." in staff.inner_text(".conversation-section")
    staff.goto("/staff/?flag=messages")
    assert queue_row(staff, reference).count() == 0, "the message has been read: no longer flagged"

    # The team tries a phone call (the way the report said was safe): the reporter is told only that someone
    # tried, in a way they said was safe; never how, when, or what happened.
    staff.goto(f"/staff/cases/{reference}/contact")
    staff.check("#how-0")
    staff.check("input[name='outcome'][value='no_answer']")
    staff.fill("#reason", "They asked us to try whenever we could")  # in case now is outside their safe times
    staff.check("#profile_checked")
    staff.click("main form button[type='submit']")
    staff.wait_for_url(f"**/staff/cases/{reference}")

    # The reporter reads the reply, and sees only that someone tried to contact them (the phone call), in a way
    # they said was safe: never how, when, or what happened.
    page.goto(f"/{lang}/replies/messages")
    found = messages_on_page(page)
    assert found[-1] == {"team": True, "text": f"Reply {marker}: yes, we can do that.", "lang": lang}
    assert page.inner_text(".status").strip() == live_server.gettext(
        lang, "Someone from our team has tried to contact you, in a way you told us was safe.")
    assert "07700" not in page.content()
    # Having read the reply, they have been reached: the case says so, and their page says we are working on it.
    staff.goto(f"/staff/cases/{reference}")
    assert "Person at risk reached" in staff.inner_text(".case-header")
    page.goto(f"/{lang}/replies/messages")
    assert live_server.gettext(lang, "Our team is looking at your report.") in page.inner_text(".status")

    # Sign out: nothing left in the browser, and Back does not show the conversation.
    reporter_signs_out(page, lang)
    assert live_server.gettext(lang, "You have signed out") in page.inner_text("h1")
    assert cookies_here(reporter) == []
    reporter_goes_back(page)
    assert marker not in page.content()
    assert path_of(page).startswith(f"/{lang}/replies")
    assert page.locator("#receipt").count() == 1, "Back lands on the sign-in form, not the messages"
    page.goto(f"/{lang}/replies/messages")
    assert marker not in page.content()

    # Signing in again works; then delete the conversation and the receipt, which then no longer works.
    reporter_signs_in(page, lang, receipt)
    assert path_of(page) == f"/{lang}/replies/messages"
    page.click(f"a[href='/{lang}/replies/delete']")
    page.click(f"form[action='/{lang}/replies/delete'] button[type='submit']")
    page.wait_for_load_state()
    assert live_server.gettext(lang, "Conversation deleted") in page.inner_text("h1")
    assert cookies_here(reporter) == []
    reporter_signs_in(page, lang, receipt)
    assert path_of(page) == f"/{lang}/replies"
    assert live_server.gettext(
        lang, "We could not open a conversation with that receipt. Check the numbers and try again.") \
        in page.inner_text(".error-summary")
    assert marker not in page.content()

    # The team still has the report and the messages, and sees that the reporter deleted the conversation.
    staff.goto(f"/staff/cases/{reference}")
    section = staff.inner_text(".conversation-section")
    assert f"{marker} asks" in section
    assert staff.locator(f"a[href='/staff/cases/{reference}/reply']").count() == 0


def test_a_wrong_receipt_and_a_real_one_get_the_same_answer_until_it_is_right(new_context, live_server):
    """No hint: a well-formed receipt that does not exist, and one that was deleted, read the same."""
    page = new_context(js=False).new_page()
    reporter_sends_a_report(page, "en", "A report for a receipt that will be deleted.")
    receipt = reporter_gets_a_receipt(page, "en")
    page.click("a[href='/en/replies/delete']")
    page.click("form[action='/en/replies/delete'] button[type='submit']")
    page.wait_for_load_state()
    answers = []
    for attempt in (receipt, "0000 0000 0000 0001"):
        response = page.goto("/en/replies")
        page.fill("#receipt", attempt)
        with page.expect_response(lambda r: r.url.endswith("/en/replies") and r.request.method == "POST") as sent:
            page.click("form[action='/en/replies'] button[type='submit']")
        response = sent.value
        answers.append((response.status, page.inner_text(".error-summary"), page.input_value("#receipt")))
    assert answers[0][:2] == answers[1][:2]
    assert answers[0][2] == "" and answers[1][2] == "", "a receipt is never typed back into the page"


def test_exit_from_the_conversation_leaves_nothing_and_back_shows_nothing(new_context, live_server):
    reporter = new_context(js=True)
    page = reporter.new_page()
    reporter_sends_a_report(page, "en", "A report before the exit test.")
    reporter_gets_a_receipt(page, "en")
    reporter_writes(page, "en", "Numbat before the exit.")
    reporter_presses_exit_button(page)
    waits_for_neutral_page(page, live_server)
    assert cookies_here(reporter) == []
    assert page.evaluate("[localStorage.length, sessionStorage.length]") == [0, 0]
    reporter_goes_back(page)
    assert "Numbat" not in page.content()


def test_a_message_typed_after_the_session_timed_out_is_kept_and_sent_after_sign_in(new_context, live_server):
    """Nothing lost: the session has gone (here, its cookie was deleted, as an idle time-out does), and the
    message being typed is carried to the sign-in form and sent once the receipt is entered."""
    reporter = new_context(js=False)
    page = reporter.new_page()
    reporter_sends_a_report(page, "en", "A report before the time-out test.")
    receipt = reporter_gets_a_receipt(page, "en")
    reporter.clear_cookies()
    reporter_writes_expecting_sign_in = "Kept across the time-out, Bilby."
    page.fill("#text", reporter_writes_expecting_sign_in)
    page.click("form[action='/en/replies/messages'] button[type='submit']")
    page.wait_for_load_state()
    assert page.input_value("#pending").strip() == reporter_writes_expecting_sign_in
    page.fill("#receipt", receipt)
    page.click("form[action='/en/replies'] button[type='submit']")
    page.wait_for_url(re.compile(r"/en/replies/messages(#latest)?$"))
    assert [m["text"] for m in messages_on_page(page)] == [reporter_writes_expecting_sign_in]


@pytest.mark.parametrize("lang", LANGS)
def test_every_conversation_page_fits_a_320px_screen_and_the_receipt_shows_whole(new_context, lang):
    """WCAG 1.4.10 Reflow, and more than that for the receipt: every digit must be on the screen to be copied."""
    page = new_context(js=False, locale=LOCALES[lang], width=320, height=640).new_page()
    reporter_sends_a_report(page, lang, "A report from a small phone.")
    assert_no_sideways_scrolling(page)
    page.click(f"main a[href='/{lang}/receipt/new']")
    assert_no_sideways_scrolling(page)
    page.click(f"form[action='/{lang}/receipt/new'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/receipt")
    assert_no_sideways_scrolling(page)
    boxes = page.evaluate("""() => [...document.querySelectorAll('.receipt-pair')].map(el => {
        const box = el.getBoundingClientRect(), panel = el.closest('.panel').getBoundingClientRect();
        return {left: box.left, right: box.right, inside: box.left >= panel.left && box.right <= panel.right,
                clipped: el.scrollWidth > Math.ceil(box.width)}; })""")
    assert len(boxes) == 2 and all(b["inside"] and not b["clipped"] for b in boxes), boxes
    page.click(f"form[action='/{lang}/receipt'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/replies/messages")
    reporter_writes(page, lang,
                    "A message long enough to wrap on a small screen, with a longwordthatdoesnotbreakeasily.")
    assert_no_sideways_scrolling(page)
    page.click(f"a[href='/{lang}/replies/contact']")
    assert_no_sideways_scrolling(page)
    page.goto(f"/{lang}/replies/messages")
    page.click(f"a[href='/{lang}/replies/delete']")
    assert_no_sideways_scrolling(page)
    page.goto(f"/{lang}/replies")
    assert_no_sideways_scrolling(page)


# ---- axe-core on the new pages ---------------------------------------------------------------------------

REPORTER_PAGES = ["sent-with-offer", "receipt-offer", "receipt", "messages-empty", "messages", "messages-errors",
                  "contact-details", "contact-details-errors", "contact-changed", "delete", "deleted", "signed-out",
                  "replies", "replies-errors"]


def _assert_axe_clean(page: Any, lang: str, name: str) -> None:
    assert page_language(page) == lang
    violations = axe_violations(page)
    assert not violations, (f"axe found {len(violations)} violation(s) on {path_of(page)} ({lang}, {name}):\n"
                            + describe_violations(violations))


@pytest.mark.parametrize("lang", LANGS)
def test_reporter_conversation_pages_have_no_axe_violations(new_context, live_server, lang):
    page = new_context(locale=LOCALES[lang], bypass_csp=True).new_page()
    seen = []

    def check(name: str) -> None:
        _assert_axe_clean(page, lang, name)
        seen.append(name)

    page.goto(f"/{lang}/replies")
    check("replies")
    page.fill("#receipt", "12")
    with page.expect_navigation():  # the next page, not the one still showing
        page.click(f"form[action='/{lang}/replies'] button[type='submit']")
    assert page.locator(".error-summary").count() == 1
    check("replies-errors")
    reporter_sends_a_report(page, lang, "axe: a report to reach the receipt pages.")
    assert page.locator(f"main a[href='/{lang}/receipt/new']").count() == 1
    check("sent-with-offer")
    with page.expect_navigation():
        page.click(f"main a[href='/{lang}/receipt/new']")
    check("receipt-offer")
    page.click(f"form[action='/{lang}/receipt/new'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/receipt")
    check("receipt")
    page.click(f"form[action='/{lang}/receipt'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/replies/messages")
    check("messages-empty")
    with page.expect_navigation():  # the next page, not the one still showing
        page.click(f"form[action='/{lang}/replies/messages'] button[type='submit']")  # empty: an error
    assert page.locator(".error-summary").count() == 1
    check("messages-errors")
    reporter_writes(page, lang, "axe: a message to the team.")
    check("messages")
    with page.expect_navigation():
        page.click(f"a[href='/{lang}/replies/contact']")
    check("contact-details")
    page.check("input[name='contact_methods'][value='call']")
    with page.expect_navigation():  # the next page, not the one still showing
        page.click("button[name='action'][value='save']")  # no number: an error on its own field
    assert page.locator(".error-summary").count() == 1
    check("contact-details-errors")
    page.fill("#phone_call", "07700 900123")
    page.click("button[name='action'][value='save']")
    page.wait_for_url(f"**/{lang}/replies/messages")
    check("contact-changed")
    with page.expect_navigation():
        page.click(f"a[href='/{lang}/replies/delete']")
    check("delete")
    with page.expect_navigation():  # the next page, not the one still showing
        page.click(f"form[action='/{lang}/replies/delete'] button[type='submit']")
    check("deleted")
    reporter_sends_a_report(page, lang, "axe: another report, to sign out.")
    reporter_gets_a_receipt(page, lang)
    reporter_signs_out(page, lang)
    check("signed-out")
    assert sorted(seen) == sorted(REPORTER_PAGES)


@pytest.mark.parametrize("lang", LANGS)
def test_staff_conversation_pages_have_no_axe_violations(new_context, live_server, lang):
    reporter = new_context(js=False, locale=LOCALES[lang]).new_page()
    reference = reporter_sends_a_report(reporter, lang, "axe: a report with a conversation.")
    reporter_gets_a_receipt(reporter, lang)
    reporter_writes(reporter, lang, "axe: a message for the staff pages.")

    officer: StaffAccount = make_staff(live_server, "officer", lang, enrolled=True)
    page = new_context(bypass_csp=True).new_page()
    lead_signs_in(page, officer)
    page.goto("/staff/")
    assert page.locator("p.messages-waiting").count() == 1
    _assert_axe_clean(page, lang, "queue with messages waiting")
    page.goto("/staff/?flag=messages")
    assert queue_row(page, reference).locator(".tag-new").count() == 1
    _assert_axe_clean(page, lang, "queue, new messages only")
    page.goto(f"/staff/cases/{reference}")
    assert page.locator(".conversation-section .message-in").count() == 1
    _assert_axe_clean(page, lang, "case with a conversation")
    page.goto(f"/staff/cases/{reference}/reply")
    _assert_axe_clean(page, lang, "reply")
    page.click("main form button[type='submit']")  # empty: an error
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    _assert_axe_clean(page, lang, "reply with errors")
    staff_replies(page, reference, "axe: a reply.")
    _assert_axe_clean(page, lang, "case after a reply")
    page.goto(f"/staff/cases/{reference}/print")
    _assert_axe_clean(page, lang, "print")

"""axe-core on every public page, in English and Welsh: no violations at any impact level against WCAG 2.0,
2.1 and 2.2 A and AA, nor against axe's best practices (every part of a page in a landmark, the h1 the first
heading, landmarks named uniquely...).

axe is injected with page.add_script_tag(path=...), which adds an *inline* script: the portal's CSP
(script-src 'self') rightly refuses it, so these contexts, and only these, are made with bypass_csp=True.
Every other browser test runs under the real CSP and fails on any CSP refusal.
"""
from __future__ import annotations

import pytest
from reporter_steps import (
    LOCALES,
    axe_violations,
    confirmation_reference,
    describe_violations,
    page_language,
    path_of,
    reporter_fills_in,
    reporter_sends,
)

pytestmark = pytest.mark.browser

PAGES = ["landing", "start", "who", "tell-us/you", "tell-us/someone", "tell-us/agency", "tell-us/work",
         "your-behaviour", "safety", "privacy", "accessibility", "sent", "sent-again", "form-with-errors",
         "work-form-with-errors", "work-sent", "follow-ups-open", "replies", "replies-with-an-error", "not-found",
         "complaint", "complaint-with-errors", "messages-after-a-complaint", "feedback", "feedback-with-errors",
         "equality-open", "agency-equality-open"]
# The receipt's pages for a complaint and the survivor's feedback: a report sent, a receipt kept, and for the
# feedback the case closed behind the scenes (tests/browser/test_browser_complaints.py).
RECEIPT_PAGES = {"complaint", "complaint-with-errors", "messages-after-a-complaint", "feedback", "feedback-with-errors"}


def open_receipt_page(page, lang: str, name: str, live_server) -> None:  # type: ignore[no-untyped-def]
    from staff_steps import make_staff
    from test_browser_complaints import close_case
    from test_browser_conversation import reporter_gets_a_receipt, reporter_sends_a_report
    reference = reporter_sends_a_report(page, lang, "axe: a report for the complaint and feedback pages.")
    reporter_gets_a_receipt(page, lang)
    if name.startswith("feedback") or name == "messages-after-a-complaint":
        close_case(live_server, reference, make_staff(live_server, "lead", lang, enrolled=True))
    if name.startswith("feedback"):
        page.goto(f"/{lang}/replies/feedback")
        assert page.locator("input[name='safer']").count() == 4
        if name == "feedback-with-errors":  # nothing answered
            page.click("button[name='action'][value='send']")
            page.wait_for_selector(".error-summary")
        return
    page.goto(f"/{lang}/replies/complaint")
    if name == "complaint-with-errors":  # a topic chosen, nothing written
        page.check("input[name='about'][value='help']")
        page.click("button[name='action'][value='send']")
        page.wait_for_selector(".error-summary")
    elif name == "messages-after-a-complaint":  # the complaint listed, the questions offered
        page.fill("#text", "axe: nobody rang me back.")
        page.click("button[name='action'][value='send']")
        page.wait_for_url(f"**/{lang}/replies/messages")
        assert page.locator(".complaint-sent").count() == 1 and page.locator(".feedback-offer").count() == 1


def open_page(page, lang: str, name: str, live_server=None) -> None:  # type: ignore[no-untyped-def]
    if name in RECEIPT_PAGES:
        open_receipt_page(page, lang, name, live_server)
    elif name == "landing":
        page.goto("/")  # the browser prefers `lang`, so that column comes first and sets <html lang>
    elif name == "start":
        page.goto(f"/{lang}/")
    elif name == "sent":
        page.goto(f"/{lang}/tell-us/someone")
        reporter_fills_in(page, "someone", "axe: a report to reach the confirmation page.")
        reporter_sends(page)
        confirmation_reference(page)
    elif name == "sent-again":  # the confirmation once its reference has been shown
        open_page(page, lang, "sent")
        page.reload()
        assert page.locator(".panel .reference").count() == 0
    elif name == "follow-ups-open":
        page.goto(f"/{lang}/tell-us/you")
        for option in ("#contact_methods-0", "#contact_methods-1", "#voicemail-0", "#say_who-1", "#consent_share-0"):
            page.check(option)
    elif name in ("equality-open", "agency-equality-open"):  # the optional questions unfolded, one answered
        page.goto(f"/{lang}/tell-us/{'agency' if name.startswith('agency') else 'you'}")
        page.click("details.equality summary")
        page.check("#eq_age-2")
    elif name == "replies-with-an-error":
        page.goto(f"/{lang}/replies")
        page.fill("#receipt", "12")
        page.press("#receipt", "Enter")
        page.wait_for_selector(".error-summary")
    elif name == "form-with-errors":
        page.goto(f"/{lang}/tell-us/agency")
        page.fill("#story", "axe: errors")
        page.check("#danger_now-0")  # yes: the 999 box shows as well as the error summary
        page.fill("#work_email", "not an address")
        page.check("#dash_done-0")  # yes: the question it reveals
        page.fill("#dash_score", "99")
        page.check("#contact_methods-0")
        reporter_sends(page)
        assert page.locator(".error-summary li").count() >= 4
    elif name == "work-form-with-errors":  # a worker's form: their own details missing, a follow-up revealed
        page.goto(f"/{lang}/tell-us/work")
        page.fill("#story", "axe: a contractor's report with errors")
        page.check("#works_as-2")  # a contractor: the company question it reveals
        page.fill("#work_email", "not an address")
        page.check("#contact_methods-5")  # through me: who to go through
        reporter_sends(page)
        assert page.locator(".error-summary li").count() >= 3
    elif name == "work-sent":  # the confirmation a worker reads
        page.goto(f"/{lang}/tell-us/work")
        page.fill("#worker_name", "Dai")
        page.fill("#work_phone", "01632 960 123")
        page.fill("#must_not_see", "axe: someone named")
        page.check("#contact_methods-6")  # do not contact them: through the worker
        reporter_sends(page)
        confirmation_reference(page)
    elif name == "not-found":
        response = page.goto(f"/{lang}/no-such-page")
        assert response.status == 404
    else:
        page.goto(f"/{lang}/{name}")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_page_has_no_axe_violations(new_context, live_server, lang, name):
    page = new_context(locale=LOCALES[lang], bypass_csp=True).new_page()
    open_page(page, lang, name, live_server)
    assert page_language(page) == lang
    violations = axe_violations(page)
    assert not violations, (f"axe found {len(violations)} violation(s) on {path_of(page)} ({lang}, {name}):\n"
                            + describe_violations(violations))


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_page_has_no_axe_violations_with_helplines_open_on_a_small_screen(new_context, lang):
    page = new_context(locale=LOCALES[lang], bypass_csp=True, width=320, height=640).new_page()
    page.goto(f"/{lang}/tell-us/you")
    page.click("details:not(.equality) summary")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_axe_is_really_running(new_context):
    """A check on the checker: on a page with known faults, the same injection finds them."""
    page = new_context(bypass_csp=True).new_page()
    page.goto("/__neutral")
    page.evaluate("""() => {
        document.documentElement.removeAttribute('lang');
        document.body.insertAdjacentHTML('beforeend', '<img src="data:,"><input type="text">');
    }""")
    found = {v["id"] for v in axe_violations(page)}
    assert {"html-has-lang", "image-alt", "label"} <= found, found


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_landing_heading_marks_the_other_language(new_context, live_server, lang):
    """WCAG 3.1.2 Language of Parts (AA), which axe does not check: the landing page's h1 joins both
    languages ("Get help / Cael help") under one <html lang>, so a screen reader speaks the second half
    with the first half's voice. The other language's words need their own lang attribute (technique H58)."""
    other = "cy" if lang == "en" else "en"
    page = new_context(locale=LOCALES[lang]).new_page()
    page.goto("/")
    assert page_language(page) == lang
    words = live_server.gettext(other, "Get help")
    assert words in page.inner_text("h1")
    marked = page.locator(f"h1 [lang='{other}']")
    assert marked.count() == 1 and marked.inner_text().strip() == words, (
        f"the {other} part of the landing h1 is not marked lang={other!r}: {page.inner_html('h1')!r}")

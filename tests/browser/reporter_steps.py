"""What a person does on the portal, as small steps the browser tests read like a story.

Selectors use ids, hrefs and data attributes rather than visible words, so the steps work in Welsh while
the Welsh catalogue is still being translated. Expected words come from the live app's own catalogue
(`live_server.gettext`).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import axe_playwright_python

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The public pages are held to axe's best practices too (landmarks, one h1 first, unique names...).
AXE_PUBLIC_TAGS = [*AXE_TAGS, "best-practice"]
REFERENCE = re.compile(r"^[ABCDEFGHJKMNPQRSTVWXYZ2-9]{4}-[ABCDEFGHJKMNPQRSTVWXYZ2-9]{4}$")
SLUGS = ("you", "someone", "agency")
LOCALES = {"en": "en-GB", "cy": "cy"}  # what the browser says it prefers (Accept-Language)


# ---- looking ---------------------------------------------------------------------------------------

def settled(page: Any) -> Any:
    """The page, once the document a click or a submit led to has parsed. A click returns when its navigation
    commits, before the new document has a body, so anything that looks at the page waits for this first."""
    page.wait_for_load_state("domcontentloaded")
    return page


def page_language(page: Any) -> str:
    return settled(page).evaluate("document.documentElement.lang")


def path_of(page: Any) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def focused(page: Any) -> dict[str, Any]:
    """What has keyboard focus: enough to say which element it is and whether a sighted user sees it."""
    return settled(page).evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return {tag: 'body'};
        const box = el.getBoundingClientRect();
        return {tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href'), type: el.type || '',
                value: el.value, checked: !!el.checked, classes: el.className,
                name: el.getAttribute('name'), text: (el.innerText || '').trim(),
                onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
                          && box.left < window.innerWidth && box.top < window.innerHeight};
    }""")


def focus_under_exit_bar(page: Any) -> dict[str, Any] | None:
    """The focused element, if the sticky exit bar covers any of it (WCAG 2.2, 2.4.11); else None. The bar's
    own links and the skip links (drawn over the bar) do not count."""
    return page.evaluate("""() => {
        const el = document.activeElement, bar = document.querySelector('.exit-bar');
        if (!el || el === document.body || !bar || bar.contains(el) || el.classList.contains('skip-link')) return null;
        const box = el.getBoundingClientRect(), barBottom = bar.getBoundingClientRect().bottom;
        if (!box.width && !box.height) return null;
        return box.top < barBottom - 0.5 && box.bottom > 0
            ? {id: el.id || el.getAttribute('href') || el.tagName, top: box.top, barBottom: barBottom} : null;
    }""")


def under_exit_bar(page: Any, selector: str) -> bool:
    """Whether the exit bar covers any part of the element, or it is above the top of the window."""
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top < document.querySelector('.exit-bar').getBoundingClientRect().bottom - 0.5;
    }""", selector)


def horizontal_overflow(page: Any) -> dict[str, Any]:
    """The page's scroll width, and the elements that stick out past the right edge of the viewport."""
    return settled(page).evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 0.5) wide.push(el.outerHTML.slice(0, 120));
        }
        return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, wide: wide.slice(0, 8)};
    }""")


def assert_no_sideways_scrolling(page: Any, width: int = 320) -> None:
    found = horizontal_overflow(page)
    assert found["scrollWidth"] <= width, (
        f"{path_of(page)} scrolls sideways at {width} px: scrollWidth {found['scrollWidth']}; "
        f"too wide: {found['wide']}")


def exit_announcement(page: Any) -> str:
    return page.inner_text("#exit-status").strip()


def stored_text(page: Any) -> dict[str, Any]:
    """Everything the browser keeps for this page where someone else might look."""
    settled(page)
    return {"url": page.url, "title": page.title(), "cookies": page.context.cookies(),
            "localStorage": page.evaluate("JSON.stringify(Object.entries(localStorage))"),
            "sessionStorage": page.evaluate("JSON.stringify(Object.entries(sessionStorage))")}


def assert_page_is_usable(page: Any) -> None:
    """Not blank: the quick exit's 'exiting' class is gone and the heading can be seen."""
    assert "exiting" not in (page.evaluate("document.documentElement.className") or "")
    assert page.locator("h1").first.is_visible(), f"{path_of(page)}: the h1 is not visible"


# ---- moving about ------------------------------------------------------------------------------------

def reporter_arrives_at_landing(page: Any) -> None:
    page.goto("/")


def reporter_chooses_language_on_landing(page: Any, lang: str) -> None:
    page.click(f".language-choice a[href='/{lang}/']")
    page.wait_for_url(f"**/{lang}/")


def reporter_continues_from_start(page: Any, lang: str) -> None:
    page.click(f"main a.button[href='/{lang}/who']")
    page.wait_for_url(f"**/{lang}/who")


def reporter_says_who(page: Any, lang: str, slug: str) -> None:
    page.click(f"a.choice-link[href='/{lang}/tell-us/{slug}']")
    page.wait_for_url(f"**/{lang}/tell-us/{slug}")


def reporter_fills_in(page: Any, slug: str, story: str) -> dict[str, Any]:
    """Fill in a plausible report of the given kind, with contact details that pass validation.

    Returns the answers the stored (sealed) report should then hold.
    """
    expected: dict[str, Any] = {"story": story}
    if slug == "agency":
        page.fill("#org_name", "Example Women's Aid")
        page.fill("#worker_name", "Sam Worker")
        page.fill("#work_email", "sam.worker@example.org")
        page.check("#dash_done-0")  # yes
        page.fill("#dash_score", "14")
        expected.update(org_name="Example Women's Aid", worker_name="Sam Worker", dash_done="yes",
                        dash_score=14)
    elif slug == "someone":
        page.fill("#your_name", "A neighbour")
        page.check("#relationship-0")  # neighbour
        expected.update(your_name="A neighbour", relationship="neighbour")
    page.fill("#story", story)
    page.check("#danger_now-1")  # no
    page.check("#children-2")  # no
    expected.update(danger_now="no", children="no")
    if slug == "you":
        page.check("#contact_methods-0")  # a phone call
        page.fill("#phone_call", "07700 900982")
        weekdays = ["mon", "tue", "wed", "thu", "fri"]  # weekday afternoons: the working-day target stands
        for day in weekdays:
            page.check(f"input[name='safe_days'][value='{day}']")
        page.check("input[name='safe_times'][value='afternoon']")
        expected.update(contact_methods=["call"], phone_call="07700 900982", safe_days=weekdays,
                        safe_times=["afternoon"])
    elif slug == "someone":
        page.check("#contact_methods-2")  # email
        page.fill("#email", "neighbour@example.org")
        expected.update(contact_methods=["email"], email="neighbour@example.org")
    else:
        page.check("#contact_methods-5")  # through the worker
        page.fill("#trusted_person", "Through Sam at Example Women's Aid, 01632 960 001")
        expected.update(contact_methods=["trusted"])
    return expected


def reporter_sends(page: Any) -> None:
    page.click("button[name='action'][value='send']")
    page.wait_for_load_state()


def reporter_presses_exit_button(page: Any) -> None:
    page.click(".exit-bar a.exit-button")


def reporter_presses_shift(page: Any) -> None:
    page.keyboard.press("Shift")


def reporter_presses_shift_three_times(page: Any) -> None:
    for _ in range(3):
        page.keyboard.press("Shift")


def reporter_types_with_a_capital(page: Any, word: str) -> None:
    """Type `word`, holding Shift for its first letter, as a person does for a capital."""
    page.keyboard.press(f"Shift+{word[0].upper()}")
    page.keyboard.type(word[1:])


def reporter_tabs_until(page: Any, matches: Any, limit: int = 150, backwards: bool = False) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until `matches(focused)` is true; fail if focus never gets there."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if matches(now):
            return now
        seen.append(now.get("id") or now.get("href") or now.get("tag"))
    raise AssertionError(f"keyboard focus never reached the element on {path_of(page)}; went through {seen}")


def reporter_goes_back(page: Any) -> None:
    """The Back button. A page restored from the back/forward cache fires no `load`, so wait for the
    navigation to commit and then for the page's heading."""
    page.go_back(wait_until="commit")
    page.locator("h1").first.wait_for(state="attached")


def reporter_goes_forward(page: Any) -> None:
    page.go_forward(wait_until="commit")
    page.locator("h1").first.wait_for(state="attached")


def reporter_types_without_sending(page: Any, story: str) -> None:
    """Half-fill the form someone is on: a story, "Text message" and a mobile number."""
    page.fill("#story", story)
    page.check("#contact_methods-1")  # text message
    page.fill("#phone_text", "07700 900461")


def typed_on_the_form(page: Any) -> dict[str, Any]:
    return {"story": page.input_value("#story"), "text": page.is_checked("#contact_methods-1"),
            "phone_text": page.input_value("#phone_text")}


NOTHING_TYPED = {"story": "", "text": False, "phone_text": ""}


def waits_for_neutral_page(page: Any, live_server: Any) -> None:
    page.wait_for_url(live_server.neutral_url)
    assert page.title() == "Weather"


# ---- the confirmation page ---------------------------------------------------------------------------

def confirmation_reference(page: Any) -> str:
    reference = page.inner_text(".panel .reference").strip()
    assert REFERENCE.match(reference), f"reference {reference!r} is not like ABCD-2345"
    return reference


def expected_contact_sentence(live_server: Any, lang: str, due: Any, kind: str = "self") -> re.Pattern[str]:
    """The sentence the confirmation page should show, from the live app's catalogue, as a pattern.

    The date's capitals are the app's business (Welsh lower-cases a day name mid-sentence), so the day is
    matched without regard to case.
    """
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from flask_babel import force_locale, format_date, gettext
    app = live_server.app
    zone = ZoneInfo(app.config["TIMEZONE"])
    local_due = due.astimezone(zone)
    with app.test_request_context("/"), force_locale(lang):
        today = local_due.date() == datetime.now(timezone.utc).astimezone(zone).date()
        if kind == "agency":  # the worker who referred is told when we aim to reach the person
            if today:
                return re.compile(re.escape(gettext(
                    "Our community safety team aims to contact the person today, in the ways you told us are safe "
                    "for them. If we need to know more, we will contact you at the work phone number or email "
                    "address you gave.")))
            sentence = ("Our community safety team aims to contact the person by the end of %(day)s, in the ways you "
                        "told us are safe for them. If we need to know more, we will contact you at the work phone "
                        "number or email address you gave.")
        elif today:
            return re.compile(re.escape(gettext(
                "Our community safety team aims to contact you today, in the ways you told us are safe.")))
        else:
            sentence = ("Our community safety team aims to contact you by the end of %(day)s, in the ways you told us "
                        "are safe.")
        day = format_date(local_due, "EEEE d MMMM")
        before, after = gettext(sentence, day="\x00").split("\x00")
        return re.compile(re.escape(before) + "(?i:" + re.escape(day) + ")" + re.escape(after))


# ---- axe-core ----------------------------------------------------------------------------------------

def axe_violations(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page, against WCAG 2.0-2.2 A and AA and, on public pages, best practice."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           tags or AXE_PUBLIC_TAGS)
    return result["violations"]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)

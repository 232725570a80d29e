"""After sending, nothing of the report is left where someone checking the browser could find it."""
from __future__ import annotations

import json

import pytest
from reporter_steps import (
    LOCALES,
    confirmation_reference,
    path_of,
    reporter_fills_in,
    reporter_goes_back,
    reporter_sends,
    stored_text,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_report_text_is_nowhere_in_the_browser_after_sending(new_context, live_server, lang):
    marker = f"Quokka{lang.upper()}xyzzy"  # a word that appears nowhere else
    context = new_context(locale=LOCALES[lang])
    page = context.new_page()
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    page.goto(f"/{lang}/tell-us/you")
    reporter_fills_in(page, "you", f"{marker}: he checks my phone every night.")
    page.fill("#address", f"12 {marker} Road")
    page.fill("#your_name", f"{marker} Jones")
    reporter_sends(page)
    reference = confirmation_reference(page)
    assert marker in live_server.report(reference)["content"]["answers"]["story"]

    traces = stored_text(page)
    assert marker not in json.dumps(traces), f"report text left in the browser: {traces}"
    assert marker.lower() not in json.dumps(traces).lower()
    assert not any(marker in url for url in urls), urls
    assert marker not in page.content(), "the confirmation page repeats the report"
    assert [c["name"] for c in traces["cookies"]] == ["s"], traces["cookies"]

    # Back, from the confirmation: the form again, empty (not restored with what was sent).
    reporter_goes_back(page)
    assert path_of(page) == f"/{lang}/tell-us/you"
    assert page.input_value("#story") == ""
    assert marker not in page.content()
    assert marker not in json.dumps(stored_text(page))

"""Hostile input, end to end, in a real browser.

Every text field of the three report forms (/en/tell-us/you, /someone, /agency: 64 fields, read from
portal/questions/report_forms.py with their maximum lengths) is filled with hostile text and sent; the stored report,
decrypted, must hold exactly what was typed; and every staff page that shows report or case content (case,
contact, print; the queue shows none, only the owner, whose name is hostile too) must show it whole, as text,
never run, and isolated so that bidi controls in it cannot reorder the page around it. Staff free text (notes,
actions, records of sharing, risk checklist comments and reasons) goes the same way. Every text field is also
filled at the longest the form accepts (stored and shown whole) and one over (a visible error, with the text
kept); and invalid UTF-8 is posted as raw bytes. The bugs this file found (a file posted for a text field,
a lost leading line break, line breaks counted twice, foreign error wording, a wrong limit) are tested at the
end.

The payloads: script tags, event handlers, attribute break-outs, javascript: URLs, markup that tries to close
the elements around it, template syntax ({{7*7}} must never turn into 49), SQL fragments, control characters,
bidi overrides and isolates, zero-width characters, NUL, emoji and other astral characters, Welsh letters.

What the browser itself changes, and the tests allow for (none of it is the portal's doing):
- a textarea's line breaks are sent as CRLF (HTML form submission); every form reads them as LF
  (portal/forms.py), so they are stored, and counted, as the one character the person sees;
- the HTML parser reads CR and CRLF in a page as LF, drops a NUL in text, and turns a NUL inside an
  attribute value or a textarea into U+FFFD: so staff pages show a NUL as nothing, and a form shown again
  after a validation error holds U+FFFD where a NUL was typed (sent again, that U+FFFD is what is stored).

Every page is watched: a dialog, a console error or a message from a payload, a page error, a response of
500 or more, a request for a payload's `src=x`, or a request leaving the test server fails the test. A
payload that runs calls `pwn()` (defined on every page by an init script), which sets `window.__pwned` and
the title. Contexts bypass the Content-Security-Policy, so what is tested is the escaping itself, not the
CSP's backstop. One officer is signed in once for the module.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from reporter_steps import confirmation_reference, path_of, reporter_sends
from staff_steps import make_staff, officer_signs_in

pytestmark = pytest.mark.browser

# ---- payloads ----------------------------------------------------------------------------------------------

# Tab and LF are ordinary; a browser turns CR into LF in a textarea and takes it out of an input (so CR is
# posted raw, in test_invalid_utf8_posted_as_raw_bytes_...).
CONTROL = "".join(chr(c) for c in range(0x01, 0x20) if c not in (0x09, 0x0A, 0x0D))
PAYLOADS = {
    "script": "<script data-pw>pwn(1)</script>",
    "img": "<img data-pw src=x onerror=alert(2)>",
    "svg": '"><svg data-pw onload="pwn(3)">',
    "attribute": "'><svg data-pw onload=pwn(4)>",
    "javascript_url": "javascript:pwn(5) <a data-pw href=javascript:pwn(6)>a</a>",
    "markup": "<b data-pw>b</b></span></textarea></dd><iframe data-pw src=javascript:pwn(7)></iframe><!--",
    "template": "t{{7*7}}t {{7*'7'}} {{config}} {% raw %} ${7*7} #{7*7} <%= 7*7 %>",
    "sql": "'; DROP TABLE report;\t-- \" OR 1=1 --",
    "control": CONTROL,
    "zero_width": "z\u200b\u200c\u200d\u2060\ufeffz",
    "nul": "n\x00n",
    "astral": ("\U0001F600 \U0001F469\u200d\U0001F467 \U0001D54F "  # an emoji, a ZWJ sequence, a maths letter,
               "\U0001F3F4\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F"),  # the flag of Wales (tags)
    "welsh": "Ŵ ŵ Ŷ ŷ ẁ ỳ",
    # Last, and left open: the value ends inside a right-to-left override (and an embedding or two), which
    # would reverse whatever the page puts after it, were the value not isolated.
    "bidi": "\u2066i \u2067i \u2068i \u2069 \u202do \u202be \u202ae \u202c \u202eRLO",
}
# What a template engine would make of the template payloads (and the staff name): none may appear anywhere.
EVALUATED = ("t49t", "7777777", "<Config", "SECRET_KEY", "49 Ŵyn")
# Short enough for a 40-character field; no whitespace or @, so it also makes an email address's local part.
COMPACT = "\"><svg/onload=pwn(8)>{{7*7}}'--\u200b\x00\x01\U0001F600ŵ\u202e"
SEND_PHONE = {"phone_call": "07700 900982", "phone_text": "07700 900983"}


def joined(name: str, textarea: bool, leading_newline: bool = True) -> str:
    """Every payload, in one value, tagged with the field's name. In a textarea, a line each, after a blank
    first line (unless `leading_newline` is false: see test_a_leading_line_break_survives_a_validation_error)."""
    if textarea:
        return ("\n" if leading_newline else "") + f"[{name}]\n" + "\n".join(PAYLOADS.values())
    return f"[{name}] " + " ".join(PAYLOADS.values())


def as_email(local: str, length: int | None = None) -> str:
    """`local` (whitespace and @ taken out, as the format check requires) as an address, padded to `length`."""
    local = "".join(ch for ch in local if ch != "@" and not ch.isspace())
    domain = "@example.org"
    if length is not None:
        local = (local + "x" * length)[:length - len(domain)]
    return local + domain


def padded(value: str, length: int) -> str:
    """`value`, cut or padded (with a Welsh letter, an astral character and ASCII) to exactly `length` characters."""
    filler = "ŵ\U0001F600abc "
    while len(value) < length:
        value += filler
    return value[:length]


# ---- what the browser does to text (see the module docstring) -------------------------------------------------

def stored_matches(stored: Any, typed: str, textarea: bool) -> bool:
    return stored == typed or (textarea and stored == typed.replace("\n", "\r\n"))


def as_shown(text: str) -> str:
    """Text as it ends up in a page's DOM (textContent) when the page holds it escaped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def as_kept(text: str) -> str:
    """What a form field holds when the page shows it again after a validation error."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


# ---- the form's text fields, from portal/questions/report_forms.py ---------------------------------------------

@dataclass(frozen=True)
class Spec:
    name: str
    textarea: bool
    length: int  # the Length validator's maximum
    format: str = ""  # "phone" or "email": the form checks the shape (portal/questions/report_forms.py PHONE, EMAIL)

    @property
    def longest_valid(self) -> int:
        """The longest answer the form accepts: PHONE's own limit (20) is below Length's (40)."""
        if self.format != "phone":
            return self.length
        from portal.questions.report_forms import PHONE
        return int(re.search(r"\{\d+,(\d+)\}", PHONE.pattern).group(1))  # type: ignore[union-attr]


FORMATS = {"phone_call": "phone", "phone_text": "phone", "email": "email", "work_email": "email"}


def text_fields(live_server: Any, kind: str) -> dict[str, Spec]:
    from wtforms.validators import Length

    from portal.questions.kinds import FORMS
    with live_server.app.test_request_context("/en/"):
        form = FORMS[kind](formdata=None, meta={"csrf": False})
        specs = {}
        for f in form:
            if f.type not in ("StringField", "TextAreaField"):
                continue
            limits = [v.max for v in f.validators if isinstance(v, Length)]
            assert limits, f"{kind}.{f.name} has no maximum length"
            specs[f.name] = Spec(f.name, f.type == "TextAreaField", min(limits), FORMATS.get(f.name, ""))
    assert len(specs) >= 17, specs
    return specs


def hostile_value(spec: Spec) -> str:
    if spec.format == "phone":
        return SEND_PHONE[spec.name]  # only digits, spaces and + ( ) -: hostile text is refused (limits flow)
    if spec.format == "email":
        return as_email(f"[{spec.name}]" + COMPACT + PAYLOADS["template"] + PAYLOADS["sql"])
    if spec.length < 100:  # work_phone: 40 characters, any shape
        return COMPACT
    value = joined(spec.name, spec.textarea)
    assert len(value) <= spec.length, (spec, len(value))
    return value


KINDS = {"you": "self", "someone": "concerned", "agency": "agency"}


def choose(page: Any, name: str, *values: str) -> None:
    for value in values:
        page.check(f"input[name='{name}'][value='{value}']")


def answer_the_choices(page: Any, slug: str, dash_score: str = "7") -> None:
    """Every choice that opens a free-text field, and a safe way of contact through each of them."""
    choose(page, "danger_now", "no")
    choose(page, "children", "visit")  # opens "How old are the children?"
    choose(page, "help_wanted", "other")
    choose(page, "contact_methods", "call", "text", "email", "letter", "in_person", "trusted")
    choose(page, "voicemail", "yes")
    choose(page, "say_who", "no")
    choose(page, "someone_else", "other")
    if slug != "someone":
        choose(page, "consent_share", "yes")
        choose(page, "share_with", "police")
    if slug == "someone":
        choose(page, "relationship", "neighbour")
    if slug == "agency":
        choose(page, "dash_done", "yes")
        page.fill("#dash_score", dash_score)


def enter(page: Any, selector: str, value: str) -> None:
    """Type `value` into a field. Thousands of characters are pasted (set as the field's value, with the input
    event a paste fires): Playwright's fill takes seconds over a long text with line breaks."""
    if len(value) <= 1000:
        page.fill(selector, value)
    else:
        page.locator(selector).evaluate(
            "(el, value) => { el.value = value; el.dispatchEvent(new Event('input', {bubbles: true})); }", value)
    assert page.input_value(selector) == value, f"{selector} does not hold what was typed"


def error_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".error-summary a").all_inner_texts()]


# ---- watching every page ------------------------------------------------------------------------------------

PWN = ("window.pwn = (what) => { window.__pwned = String(what); document.title = 'PWNED'; "
       "console.log('PWNED ' + what); };")


class Watch:
    """Everything a page does that hostile text must never make it do."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[str] = []

    def attach(self, context: Any) -> Any:
        context.add_init_script(PWN)
        context.on("page", self._page)
        context.on("request", self._request)
        return context

    def _page(self, page: Any) -> None:
        page.on("dialog", lambda dialog: self._dialog(page, dialog))
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"page error on {page.url}: {error}"))
        page.on("response", lambda response: self._response(response))

    def _dialog(self, page: Any, dialog: Any) -> None:
        self.problems.append(f"a {dialog.type} dialog on {page.url}: {dialog.message!r}")
        dialog.dismiss()

    def _console(self, page: Any, message: Any) -> None:
        if message.text.startswith("Failed to load resource") and message.location.get("url") == page.url:
            return  # the page itself, answered 400 for a refused form: not something a payload did
        if message.type == "error" or "PWNED" in message.text:
            self.problems.append(f"console {message.type} on {page.url}: {message.text[:200]}")

    def _response(self, response: Any) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.request.method} {response.url}")

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.base + "/") or url.startswith("data:")):
            self.problems.append(f"request left the test server: {url[:200]}")
        elif urlsplit(url).path.rsplit("/", 1)[-1] == "x":
            self.problems.append(f"a payload's <img src=x> was fetched: {url}")

    def assert_clean(self, where: str = "") -> None:
        found, self.problems[:] = list(self.problems), []
        assert not found, f"{where}: hostile text made the browser do something:\n" + "\n".join(found)


def assert_inert(page: Any, where: str) -> None:
    """Nothing a payload carries became markup or ran."""
    page.wait_for_timeout(100)  # time for a broken image's onerror, were there one
    found = page.evaluate("""() => ({
        pwned: window.__pwned === undefined ? null : window.__pwned,
        title: document.title,
        elements: [...document.querySelectorAll(
                      '[data-pw], [onload], [onerror], img[src="x"], iframe, a[href^="javascript:" i]')]
                  .map(el => el.outerHTML.slice(0, 80)),
        text: document.body.innerText,
    })""")
    assert found["pwned"] is None, f"{where}: a payload ran ({found['pwned']})"
    assert "PWNED" not in found["title"], f"{where}: a payload set the title"
    assert not found["elements"], f"{where}: hostile text became markup: {found['elements']}"
    evaluated = [e for e in EVALUATED if e in found["text"]]
    assert not evaluated, f"{where}: template syntax was evaluated: {evaluated}"


# ---- module fixtures: one watch, one reporter context, one signed-in officer ------------------------------------

@pytest.fixture(scope="module")
def watch(live_server: Any) -> Watch:
    return Watch(live_server.url)


def _context(browser: Any, live_server: Any, watch: Watch) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True,
                                  service_workers="block", viewport={"width": 1024, "height": 768})
    context.set_default_timeout(15_000)
    return watch.attach(context)


@pytest.fixture(scope="module")
def reporter_page(browser: Any, live_server: Any, watch: Watch) -> Iterator[Any]:
    context = _context(browser, live_server, watch)
    yield context.new_page()
    context.close()


STAFF_NAME = "<img data-pw src=x onerror=pwn('name')>{{7*7}} Ŵyn \U0001F600 \u202eeman"


@pytest.fixture(scope="module")
def officer(live_server: Any) -> Any:
    return make_staff(live_server, "officer", name=STAFF_NAME, enrolled=True)


@pytest.fixture(scope="module")
def staff_page(browser: Any, live_server: Any, watch: Watch, officer: Any) -> Iterator[Any]:
    context = _context(browser, live_server, watch)
    page = context.new_page()
    officer_signs_in(page, officer)
    watch.assert_clean("signing in")
    yield page
    context.close()


@dataclass
class Sent:
    slug: str
    reference: str
    fields: dict[str, Spec]
    typed: dict[str, str]
    over: dict[str, str] = field(default_factory=dict)  # what was typed one over each maximum
    kept: dict[str, str] = field(default_factory=dict)  # what the form held after the validation error
    errors: dict[str, str] = field(default_factory=dict)  # each field's error message, as shown
    summary: list[str] = field(default_factory=list)
    stored_before: int = 0
    stored_after_error: int = 0


def own(live_server: Any, reference: str, officer: Any) -> None:
    """Give the report to the officer (behind the scenes, as staff_steps.make_report does), so that other tests'
    queues are not filled with it and `?owner=mine` lists it. Every text field is filled, `must_not_see` too, so
    each report arrives for the leads only: open it to the team, as a lead who had read it would."""
    from sqlalchemy import update

    from portal.store.models import Report
    with live_server.app.extensions["sessionmaker"]() as dbs:
        dbs.execute(update(Report).where(Report.reference == reference).values(owner_id=officer.id, restricted=""))
        dbs.commit()


def count_reports(live_server: Any) -> int:
    from sqlalchemy import func, select

    from portal.store.models import Report
    with live_server.app.extensions["sessionmaker"]() as dbs:
        return dbs.scalar(select(func.count()).select_from(Report))


def send_and_read_reference(page: Any, where: str) -> str:
    reporter_sends(page)
    assert path_of(page).endswith("/sent"), f"{where}: not sent: {error_texts(page)}"
    return confirmation_reference(page)


@pytest.fixture(scope="module")
def hostile_reports(reporter_page: Any, live_server: Any, watch: Watch, officer: Any) -> dict[str, Sent]:
    """One report of each kind with every payload in every text field, sent straight away."""
    page, sent = reporter_page, {}
    for slug, kind in KINDS.items():
        fields = text_fields(live_server, kind)
        page.goto(f"/en/tell-us/{slug}")
        answer_the_choices(page, slug)  # first: each opens the follow-up questions it shows
        typed = {}
        for name, spec in fields.items():
            assert page.locator(f"#{name}").count() == 1, f"{name} is not on the {slug} form"
            typed[name] = hostile_value(spec)
            enter(page, f"#{name}", typed[name])
        assert_inert(page, f"/en/tell-us/{slug}")
        reference = send_and_read_reference(page, slug)
        watch.assert_clean(f"sending the hostile {slug} report")
        own(live_server, reference, officer)
        sent[slug] = Sent(slug, reference, fields, typed)
    return sent


# Within the length limit, but not a phone number or an email address.
WRONG_SHAPE = {"phone_text": "<svg onload=pwn(9)>", "work_email": "<svg onload=pwn(10)> @example.org"}


def _limits_flow(page: Any, live_server: Any, watch: Watch, slug: str, lang: str) -> Sent:
    """Every field one over its maximum length (but the mobile number and the work email address: hostile text
    in the wrong shape; and the DASH score: not a number): refused, visibly, with everything kept. Then every
    field at exactly the longest the form accepts: sent."""
    kind = KINDS[slug]
    fields = text_fields(live_server, kind)
    page.goto(f"/{lang}/tell-us/{slug}")
    answer_the_choices(page, slug, dash_score="{{7*7}}")  # first: each opens the follow-up questions it shows
    over = {}
    for name, spec in fields.items():
        if name in WRONG_SHAPE:
            over[name] = WRONG_SHAPE[name]
        elif spec.format == "email":
            over[name] = as_email(f"[{name}]" + COMPACT, spec.length + 1)
        elif spec.length >= 500:
            over[name] = padded(joined(name, spec.textarea, leading_newline=False), spec.length + 1)
        else:
            over[name] = padded(f"[{name}]" + COMPACT, spec.length + 1)
        enter(page, f"#{name}", over[name])
    result = Sent(slug, "", fields, {}, over=over, stored_before=count_reports(live_server))
    reporter_sends(page)
    result.stored_after_error = count_reports(live_server)
    assert_inert(page, f"/{lang}/tell-us/{slug} shown again with errors")
    result.summary = error_texts(page)
    for name in [*fields, "dash_score"] if slug == "agency" else fields:
        result.kept[name] = page.input_value(f"#{name}")
        error = page.locator(f"#{name}-error")
        # The message, without the visually hidden "Error:" before it.
        result.errors[name] = (error.evaluate("el => el.lastChild.textContent").strip()
                               if error.count() and error.is_visible() else "")
    watch.assert_clean(f"the over-long {slug} report")

    at_max = {}
    for name, spec in fields.items():
        if spec.format == "phone":
            at_max[name] = "07700 900982 0000000"  # 20 characters: the most the shape allows
        elif spec.format == "email":
            at_max[name] = as_email(f"[{name}]" + COMPACT, spec.length)
        else:
            # No line breaks: a browser sends each as CRLF, two characters (see test_line_breaks_...).
            at_max[name] = padded(f"[{name}] " + " ".join(PAYLOADS.values()), spec.length)
        assert len(at_max[name]) == spec.longest_valid
        enter(page, f"#{name}", at_max[name])
    if slug == "agency":
        page.fill("#dash_score", "24")
    result.reference = send_and_read_reference(page, f"the longest {slug} report")
    result.typed = at_max
    watch.assert_clean(f"the longest {slug} report")
    return result


@pytest.fixture(scope="module")
def longest_reports(reporter_page: Any, live_server: Any, watch: Watch, officer: Any) -> dict[str, Sent]:
    """For each kind (the someone-else form in Welsh): refused one over every maximum, then sent at it."""
    found = {}
    for slug in KINDS:
        result = _limits_flow(reporter_page, live_server, watch, slug, "cy" if slug == "someone" else "en")
        own(live_server, result.reference, officer)
        found[slug] = result
    return found


# ---- the public side ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", list(KINDS))
def test_every_field_stores_exactly_what_was_typed(hostile_reports, live_server, slug):
    sent = hostile_reports[slug]
    stored = live_server.report(sent.reference)
    answers = stored["content"]["answers"]
    assert stored["kind"] == KINDS[slug]
    wrong = {name: (answers.get(name), typed) for name, typed in sent.typed.items()
             if not stored_matches(answers.get(name), typed, sent.fields[name].textarea)}
    assert not wrong, f"{slug}: stored text differs from what was typed: {wrong}"
    if slug == "agency":
        assert answers["dash_score"] == 7


@pytest.mark.parametrize("slug", list(KINDS))
def test_over_the_maximum_is_refused_visibly_and_nothing_is_lost(longest_reports, live_server, slug):
    result = longest_reports[slug]
    lang = "cy" if slug == "someone" else "en"
    assert result.stored_after_error == result.stored_before, f"{slug}: an over-long report was stored"
    for name in result.fields:
        assert result.errors[name], f"{slug}: no visible error for {name}: {result.over[name]!r}"
    short = live_server.gettext(lang, "Your answer must be 500 characters or fewer.")
    long_ = live_server.gettext(lang, "Your answer must be 20,000 characters or fewer. You can send the rest in "
                                      "another report.")
    shape = {"phone": live_server.gettext(lang, "Enter a phone number, like 01632 960 001 or 07700 900 982"),
             "email": live_server.gettext(lang, "Enter an email address in the correct format, like name@example.com")}
    for name, spec in result.fields.items():
        if name in WRONG_SHAPE:
            assert result.errors[name] == shape[spec.format], (name, result.errors[name])
        elif not spec.format and spec.length == 500:
            assert result.errors[name] == short, (name, result.errors[name])
        elif spec.length == 20_000:
            assert result.errors[name] == long_, (name, result.errors[name])
    if slug == "agency":
        assert result.errors["dash_score"], "the DASH score '{{7*7}}' was not refused"
        assert result.kept["dash_score"] == "{{7*7}}"
    assert len(result.summary) >= len(result.fields), result.summary
    # Not truncated, not lost: each field holds all it was given (a NUL comes back as U+FFFD: the HTML parser).
    lost = {name: (len(result.kept[name]), len(result.over[name]))
            for name in result.fields if result.kept[name] != as_kept(result.over[name])}
    assert not lost, f"{slug}: text changed after the error (kept, typed lengths): {lost}"


@pytest.mark.parametrize("slug", list(KINDS))
def test_every_field_at_its_maximum_is_stored_whole(longest_reports, live_server, slug):
    result = longest_reports[slug]
    answers = live_server.report(result.reference)["content"]["answers"]
    for name, spec in result.fields.items():
        assert answers.get(name) == result.typed[name], (
            f"{slug}.{name}: {len(answers.get(name) or '')} characters stored of {len(result.typed[name])}")
        assert len(answers[name]) == spec.longest_valid


# ---- the staff side: what staff type ---------------------------------------------------------------------------

COMMENT_LENGTH = 2_000  # a risk checklist comment's maximum (portal/staff/forms_risk.py)


def checklist(live_server: Any) -> Any:
    from portal.casework.dash import load_checklist
    return load_checklist(live_server.app.config["DASH_FILE"])


@dataclass
class CaseRecord:
    reference: str
    typed: dict[str, str]  # keyed as staff_texts() keys what was stored
    over: dict[str, str] = field(default_factory=dict)  # typed into a form that was refused
    kept: dict[str, str] = field(default_factory=dict)  # what that form then held
    errors: dict[str, str] = field(default_factory=dict)


def staff_saves(page: Any, reference: str, where: str) -> None:
    page.click("main form button[type='submit']")
    page.wait_for_load_state()
    assert path_of(page) == f"/staff/cases/{reference}", (
        f"{where} was not saved: {error_texts(page)} {page.inner_text('main')[:300]}")


@pytest.fixture(scope="module")
def case_record(staff_page: Any, hostile_reports: dict[str, Sent], live_server: Any, watch: Watch) -> CaseRecord:
    """On the hostile self-report: a note (first refused as one over the maximum), a note at the maximum, an
    action, a record of sharing, and a risk checklist with every comment box filled, one of them at its maximum
    (first refused for want of answers and with that comment one over)."""
    page, reference = staff_page, hostile_reports["you"].reference
    record = CaseRecord(reference, {})
    base = f"/staff/cases/{reference}"

    for form in ("status", "note", "action", "share", "risk"):  # every page where staff type about this case
        page.goto(f"{base}/{form}")
        assert_inert(page, f"{base}/{form}")

    page.goto(f"{base}/note")
    record.over["note"] = padded(joined("note-over", True, leading_newline=False), 20_001)
    enter(page, "#text", record.over["note"])
    page.click("main form button[type='submit']")
    page.wait_for_load_state()
    assert_inert(page, f"{base}/note, refused")
    record.kept["note"] = page.input_value("#text")
    record.errors["note"] = page.locator("#text-error").inner_text() if page.locator("#text-error").count() else ""
    record.typed["note"] = joined("note", True)
    enter(page, "#text", record.typed["note"])
    staff_saves(page, reference, "the note")
    page.goto(f"{base}/note")
    record.typed["note-longest"] = padded(joined("note-longest", False),
                                          20_000)  # no CRLF: line breaks are tested below
    enter(page, "#text", record.typed["note-longest"])
    staff_saves(page, reference, "the longest note")

    page.goto(f"{base}/action")
    choose(page, "kind", "money_advice")
    record.typed["action"] = joined("action", True)
    enter(page, "#detail", record.typed["action"])
    staff_saves(page, reference, "the action")

    page.goto(f"{base}/share")
    choose(page, "agency", "police")
    page.fill("#shared_on", date.today().isoformat())
    choose(page, "basis", "consent")
    record.typed["share"] = joined("share", True)
    enter(page, "#what", record.typed["share"])
    staff_saves(page, reference, "the record of sharing")

    page.goto(f"{base}/risk")
    questions = checklist(live_server).questions
    # These go through a refused form first: no leading line break (see
    # test_a_leading_line_break_survives_a_validation_error), and a NUL comes back as U+FFFD.
    for q in questions:
        record.typed[f"comment:{q.id}"] = joined(f"c_{q.id}", True, leading_newline=False)
        enter(page, f"#c_{q.id}", record.typed[f"comment:{q.id}"])
    first = f"comment:{questions[0].id}"
    record.over[first] = padded(joined(f"c_{questions[0].id}", False), COMMENT_LENGTH + 1)
    enter(page, f"#c_{questions[0].id}", record.over[first])
    for name in ("judgement_reason", "notes"):
        record.typed[name] = joined(name, True, leading_newline=False)
        enter(page, f"#{name}", record.typed[name])
    page.click("main form button[type='submit']")  # no answers yet: refused, everything kept
    page.wait_for_load_state()
    assert_inert(page, f"{base}/risk, refused")
    for q in questions:
        record.kept[f"comment:{q.id}"] = page.input_value(f"#c_{q.id}")
    for name in ("judgement_reason", "notes"):
        record.kept[name] = page.input_value(f"#{name}")
    record.errors["risk"] = " ".join(error_texts(page))
    record.errors[first] = page.locator(f"#c_{questions[0].id}-error").evaluate("el => el.lastChild.textContent")
    record.typed[first] = padded(joined(f"c_{questions[0].id}", False), COMMENT_LENGTH)
    enter(page, f"#c_{questions[0].id}", record.typed[first])
    for q in questions:
        choose(page, f"q_{q.id}", "no")
    staff_saves(page, reference, "the risk checklist")
    watch.assert_clean("recording hostile staff text")
    return record


def staff_texts(live_server: Any, reference: str) -> dict[str, str]:
    """What staff wrote on the case, as sealed (opened with the development key), keyed as CaseRecord.typed."""
    from sqlalchemy import select

    from portal.store.models import CaseEntry, Report
    from portal.store.risk_models import RISK_PURPOSE, InfoShare, RiskAssessment
    live_server.report(reference)  # unwraps the private key once, into live_server._opener
    with live_server.app.extensions["sessionmaker"]() as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        rows = dbs.scalars(select(CaseEntry).where(CaseEntry.report_id == report.id).order_by(CaseEntry.at)).all()
        entries: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            entries.setdefault(row.kind, []).append(live_server._opener.open_json(row.sealed, row.kind, row.id))
        for assessed in dbs.scalars(select(RiskAssessment).where(RiskAssessment.report_id == report.id)):
            entries.setdefault("risk", []).append(live_server._opener.open_json(assessed.sealed, RISK_PURPOSE,
                                                                                assessed.id))
        for share in dbs.scalars(select(InfoShare).where(InfoShare.report_id == report.id)):
            entries.setdefault("share", []).append(live_server._opener.open_json(share.sealed, "share", share.id))
    assert {kind: len(found) for kind, found in entries.items()} == {"note": 2, "action": 1, "share": 1, "risk": 1}
    (note, longest), risk = entries["note"], entries["risk"][0]
    return {"note": note["text"], "note-longest": longest["text"], "action": entries["action"][0]["detail"],
            "share": entries["share"][0]["what"], "judgement_reason": risk["judgement_reason"],
            "notes": risk["notes"], **{f"comment:{qid}": text for qid, text in risk["comments"].items()}}


def test_staff_free_text_is_stored_exactly(case_record, live_server):
    stored = staff_texts(live_server, case_record.reference)
    assert set(stored) == set(case_record.typed)
    # What went through the refused risk form is stored as that form held it (a NUL as U+FFFD); what was
    # refused as too long was typed afresh.
    refused = {name for name in case_record.kept if name not in case_record.over}
    wrong = [name for name, typed in case_record.typed.items()
             if not stored_matches(stored[name], as_kept(typed) if name in refused else typed, True)]
    assert not wrong, f"staff text stored differently from what was typed: {wrong}"
    assert len(stored["note-longest"]) == 20_000
    assert len(stored[f"comment:{checklist(live_server).questions[0].id}"]) == COMMENT_LENGTH


def test_staff_forms_keep_hostile_text_after_an_error(case_record, live_server):
    assert case_record.errors["note"].strip().endswith(
        live_server.gettext("en", "This must be 20,000 characters or fewer")), case_record.errors
    assert case_record.errors["risk"], "the risk checklist without answers was not refused"
    first = f"comment:{checklist(live_server).questions[0].id}"
    assert case_record.errors[first].strip(), "a risk comment one over its maximum was not refused"
    lost = [name for name, kept in case_record.kept.items()
            if kept != as_kept(case_record.over.get(name, case_record.typed[name]))]
    assert not lost, f"text changed after the error: {lost}"


# ---- the staff side: what staff see ---------------------------------------------------------------------------

SHOWN = """() => {
    // A risk checklist's answers and comments are folded away on the case page: open them, as staff would.
    document.querySelectorAll('main details').forEach(d => { d.open = true; });
    const hiddenBy = (el) => {
        if (!el.getClientRects().length) return 'not rendered';
        for (let at = el; at && at !== document.body; at = at.parentElement) {
            const s = getComputedStyle(at);
            if (s.display === 'none' || s.visibility === 'hidden') return 'hidden by ' + at.tagName;
            const clips = /hidden|clip/.test(s.overflowX + ' ' + s.overflowY);
            if (clips && (at.scrollHeight > at.clientHeight + 1 || at.scrollWidth > at.clientWidth + 1))
                return 'cut off by ' + at.tagName + '.' + at.className;
            if (s.textOverflow === 'ellipsis' || (s.webkitLineClamp && s.webkitLineClamp !== 'none'))
                return 'shortened by ' + at.tagName;
        }
        return '';
    };
    // A word put straight after the text, in the same line: were the text not isolated, an override left
    // open inside it would reverse the word.
    const keepsItsOrder = (el) => {
        const probe = document.createElement('span');
        probe.textContent = 'PROBE';
        probe.style.whiteSpace = 'nowrap';
        el.after(probe);
        const text = probe.firstChild, range = document.createRange();
        range.setStart(text, 0); range.setEnd(text, 1);
        const first = range.getBoundingClientRect();
        range.setStart(text, 4); range.setEnd(text, 5);
        const last = range.getBoundingClientRect();
        probe.remove();
        return first.left < last.left;
    };
    return [...document.querySelectorAll('main .user-text')].map(el => ({
        text: el.textContent, hidden: hiddenBy(el), bidi: getComputedStyle(el).unicodeBidi,
        order: el.textContent.includes('\\u202e') ? keepsItsOrder(el) : true,
    }));
}"""
ISOLATED = {"isolate", "plaintext", "isolate-override"}


def check_staff_page(page: Any, watch: Watch, path: str, expected: dict[str, str]) -> list[str]:
    """Open `path`; return what is wrong with how it shows `expected` (label → text as stored)."""
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    assert_inert(page, path)
    watch.assert_clean(path)
    shown = page.evaluate(SHOWN)
    texts = [item["text"] for item in shown]
    problems = []
    if path.endswith("/print"):  # on paper too: nothing folded away or cut off
        page.emulate_media(media="print")
        problems += [f"{path} printed: {item['text'][:30]!r} is {item['hidden']}"
                     for item in page.evaluate(SHOWN) if item["hidden"]]
        page.emulate_media(media="screen")
    for label, stored in expected.items():
        if as_shown(stored) not in texts:
            near = [t for t in texts if t[:12] == as_shown(stored)[:12]]
            problems.append(f"{path}: {label} is not shown whole and as text "
                            f"(stored {len(stored)} characters; shown: {[len(t) for t in near] or 'nowhere'})")
    for item in shown:
        where = f"{path}: {item['text'][:30]!r}"
        if item["hidden"]:
            problems.append(f"{where} is {item['hidden']}")
        if item["bidi"] not in ISOLATED:
            problems.append(f"{where} is not isolated (unicode-bidi: {item['bidi']})")
        if not item["order"]:
            problems.append(f"{where}: an override left open in it reverses the text after it")
        if "49" in item["text"]:
            problems.append(f"{where} contains 49, which nobody typed")
    return problems


def report_texts(live_server: Any, sent: Sent, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """What the report's text fields (all, or those of `names`) hold, as stored."""
    answers = live_server.report(sent.reference)["content"]["answers"]
    return {f"{sent.reference} {name}": answers[name] for name in sent.fields
            if name in answers and (names is None or name in names)}


# The printed summary, with everything chosen (by default it leaves out the contact details and code words).
EVERYTHING = "&".join(f"part={part}" for part in ("report", "risk", "actions", "shares", "attempts", "notes",
                                                    "contact", "codeword", "conversation"))
VIEWS = {"case": "/staff/cases/{}", "print": "/staff/cases/{}/print?chosen=1&" + EVERYTHING,
         "contact": "/staff/cases/{}/contact"}


@pytest.mark.parametrize("view", list(VIEWS))
def test_staff_pages_show_what_was_typed_whole_as_text_and_isolated(staff_page, hostile_reports, longest_reports,
                                                                    case_record, live_server, watch, view):
    """Every free-text answer of six reports (every payload; every field at its maximum) and every piece of staff
    text: shown in full, each in its own element, escaped, never run, and isolated."""
    from portal.staff.report_view import PERSON_CENTRED, SAFE_CONTACT
    problems = []
    for sent in [*hostile_reports.values(), *longest_reports.values()]:
        names = SAFE_CONTACT + PERSON_CENTRED if view == "contact" else None
        expected = report_texts(live_server, sent, names)
        if view == "print":  # who must not see the report never goes onto paper (portal/staff/case_views.py)
            expected = {label: text for label, text in expected.items() if not label.endswith(" must_not_see")}
        assert len(expected) >= (8 if view == "contact" else 17), expected.keys()
        if sent.reference == case_record.reference and view != "contact":
            expected.update(staff_texts(live_server, sent.reference))
        problems += check_staff_page(staff_page, watch, VIEWS[view].format(sent.reference), expected)
    assert not problems, "\n".join(problems)


def test_the_queue_and_staff_names_show_as_text(staff_page, hostile_reports, longest_reports, case_record,
                                               live_server, watch, officer):
    """The queue shows no report text, only the reports' owner: this officer, whose name holds markup, template
    syntax and an override left open. The name is text in the queue, the case header, the record and the
    printed summary."""
    page, reference = staff_page, case_record.reference
    name = as_shown(STAFF_NAME)
    page.goto("/staff/?owner=mine")
    assert_inert(page, "the queue")
    listed = set(page.locator("table.queue a.reference-link").all_inner_texts())
    mine = {sent.reference for sent in [*hostile_reports.values(), *longest_reports.values()]}
    assert mine <= listed, f"not in the queue: {mine - listed}"
    for ref in mine:
        row = page.locator(f"table.queue tbody tr:has(a[href='/staff/cases/{ref}'])")
        assert name in row.evaluate("tr => [...tr.cells].map(td => td.textContent.trim())"), f"{ref}: the owner"
    assert name in page.locator("#assign-owner option").evaluate_all("os => os.map(o => o.textContent)")
    for path in (f"/staff/cases/{reference}", f"/staff/cases/{reference}/print"):
        page.goto(path)
        assert_inert(page, path)
        header = page.locator(".case-header dd").evaluate_all("dds => dds.map(dd => dd.textContent)")
        assert name in header, f"{path}: the owner's name in the case header: {header}"
        metas = page.locator("main .record-list .meta").evaluate_all("ps => ps.map(p => p.textContent)")
        # The record's five entries, and on the case page its task too ("Owner: <name>"): the name as text in each.
        assert len(metas) == (5 if path.endswith("/print") else 6) and all(name in meta for meta in metas), metas
    watch.assert_clean("staff names")


# ---- invalid UTF-8, posted as raw bytes --------------------------------------------------------------------------

# Latin-1 é, two bytes never valid in UTF-8, an overlong "/", a UTF-16 surrogate, a cut-off "€", and a NUL.
# And control characters a browser never sends as typed: CR (made LF in a textarea, taken out of an input), VT, US.
RAW = b"caf\xe9 \xff\xfe \xc0\xaf \xed\xa0\x80 \xe2\x82 end\x00\r\x0b\x1f."
BOUNDARY = "hostile-boundary"


def post_raw(page: Any, body: Any, content_type: str, slug: str = "you") -> tuple[Any, bytes]:
    """POST the report form with the browser's own cookies (the session) and a CSRF token read from the form,
    with `body(tokens)` as the request body, byte for byte."""
    from tests.conftest import form_tokens
    tokens = form_tokens(page.request.get(f"/en/tell-us/{slug}").text())
    data = body(tokens)
    return page.request.post(f"/en/tell-us/{slug}", data=data, headers={"Content-Type": content_type},
                             max_redirects=0), data


def urlencoded(story: bytes) -> Any:
    return lambda t: (f"csrf_token={quote(t['csrf_token'])}&submission_key={quote(t['submission_key'])}"
                      "&action=send&contact_methods=none&story=").encode() + story


def multipart(story: bytes) -> Any:
    def body(t: dict[str, str]) -> bytes:
        parts = [*(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                   for name, value in {**t, "action": "send", "contact_methods": "none"}.items()),
                 f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="story"\r\n\r\n'.encode() + story + b"\r\n",
                 f"--{BOUNDARY}--\r\n".encode()]
        return b"".join(parts)
    return body


def sent_reference(page: Any) -> str:
    match = re.search(r'class="reference">([A-Z0-9-]+)<', page.request.get("/en/sent").text())
    assert match, "no reference on the confirmation page"
    return match.group(1)


def test_invalid_utf8_posted_as_raw_bytes_is_stored_replaced_or_refused_visibly(reporter_page, staff_page, live_server,
                                                                              watch, officer):
    """Browsers always send UTF-8; a hand-made request need not. Never a 500: the report is stored with the bad
    bytes made visible, or refused with an error the person can see."""
    from urllib.parse import parse_qsl

    import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" codec error handler)
    page = reporter_page
    stored: dict[str, tuple[str, str]] = {}

    # Raw bytes in a urlencoded body: Werkzeug cannot decode the body, so the form arrives empty and is refused.
    before = count_reports(live_server)
    for content_type in ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1"):
        response, _ = post_raw(page, urlencoded(RAW.replace(b" ", b"+")), content_type)
        assert response.status == 400, (content_type, response.status)
        html = response.text()
        assert 'class="error-summary"' in html and 'role="alert"' in html, f"{content_type}: no visible error"
    assert count_reports(live_server) == before, "a report was stored from a body that could not be read"

    # Percent-encoded invalid bytes: Werkzeug keeps each one as its %XX escape, as text. Nothing is lost.
    escaped = b"".join(b"%%%02X" % byte if byte > 0x7E or byte < 0x21 else bytes([byte]) for byte in RAW)
    response, body = post_raw(page, urlencoded(escaped), "application/x-www-form-urlencoded")
    assert response.status == 303, response.status
    expected = dict(parse_qsl(body.decode("ascii"), errors="werkzeug.url_quote"))["story"]
    assert "%E9" in expected and "%FF%FE" in expected
    stored["percent-encoded"] = (sent_reference(page), expected)

    # Raw bytes in a multipart body: each invalid sequence becomes U+FFFD; the NUL is kept.
    response, _ = post_raw(page, multipart(RAW), f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status == 303, response.status
    stored["multipart"] = (sent_reference(page), RAW.decode("utf-8", "replace"))
    assert "\ufffd" in stored["multipart"][1]

    for how, (reference, sent) in stored.items():
        expected = sent.replace("\r\n", "\n").replace("\r", "\n")  # every form reads line breaks as LF
        assert live_server.report(reference)["content"]["answers"]["story"] == expected, how
        own(live_server, reference, officer)
        problems = check_staff_page(staff_page, watch, f"/staff/cases/{reference}", {how: expected})
        assert not problems, "\n".join(problems)
    watch.assert_clean("invalid UTF-8")


# ---- bugs this file found, fixed in portal/forms.py, templates/macros/form.html and the messages ---------------

@pytest.mark.parametrize("side", ["public", "staff"])
def test_a_file_in_place_of_a_text_field_is_refused_not_a_crash(reporter_page, staff_page, hostile_reports, side):
    from tests.conftest import form_tokens
    from tests.staff_helpers import csrf_from
    if side == "public":
        page, url = reporter_page, "/en/tell-us/you"
        fields: dict[str, Any] = {**form_tokens(page.request.get(url).text()), "action": "send",
                                  "contact_methods": "none"}
        name = "story"
    else:
        page, url = staff_page, f"/staff/cases/{hostile_reports['agency'].reference}/note"
        fields, name = {"csrf_token": csrf_from(page.request.get(url).text())}, "text"
    fields[name] = {"name": "a.txt", "mimeType": "text/plain", "buffer": b"not a note"}
    response = page.request.post(url, multipart=fields, max_redirects=0)
    assert response.status < 500, f"{url}: {response.status}"


def test_a_leading_line_break_survives_a_validation_error(reporter_page):
    page = reporter_page
    page.goto("/en/tell-us/you")
    typed = "\n\nTwo blank lines, then the story."
    page.fill("#story", typed)
    reporter_sends(page)  # no way of contact chosen: refused
    assert error_texts(page), "the form was not refused"
    assert page.input_value("#story") == typed


def test_line_breaks_count_once_towards_the_maximum(reporter_page, live_server):
    page = reporter_page
    page.goto("/en/tell-us/you")
    typed = "A line.\n" * 2_500  # 20,000 characters, as the browser counts them
    enter(page, "#story", typed)
    assert page.evaluate("document.querySelector('#story').value.length") == 20_000
    choose(page, "contact_methods", "none")
    reporter_sends(page)
    assert path_of(page).endswith("/sent"), error_texts(page)


def test_every_refusal_uses_the_portals_own_words(longest_reports, live_server):
    from flask_babel import force_locale

    from portal.questions import messages
    foreign = []
    for slug, result in longest_reports.items():
        lang = "cy" if slug == "someone" else "en"
        with live_server.app.test_request_context("/"), force_locale(lang):
            catalogue = {str(value) for value in vars(messages).values() if hasattr(value, "_args")}
        foreign += [(slug, name, text) for name, text in result.errors.items() if text not in catalogue]
    assert not foreign, foreign


def test_an_over_long_risk_comment_is_told_its_own_limit(case_record, live_server):
    question = checklist(live_server).questions[0]
    message = case_record.errors[f"comment:{question.id}"].strip()
    assert message, "a comment one over its maximum was not refused"
    assert re.search(r"(?<![\d,])2,000(?![\d,])", message), message

"""What a member of the community safety team does on the staff side, as small steps the browser tests read
like a story; and the few things set up behind the scenes (accounts, reports) in the live server's database.

Like reporter_steps, selectors use ids, hrefs, names and classes rather than visible words, so the steps work
in Welsh while the Welsh catalogue is still being translated; expected words come from the live app's own
catalogue (`live_server.gettext`).

Accounts and reports are made directly in the live server's database (portal.team.accounts.create_staff and
portal.intake.reports.submit, the same functions the CLI and the public form use). A TOTP code is accepted once per
30-second step, so each account remembers the last step it used and `StaffAccount.next_code()` never repeats
one (it waits for the next step only if two sign-ins of one account come within the same step twice).
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pyotp
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from reporter_steps import path_of

TOTP_STEP = 30
CLOCK_WORDS = {"en": re.compile(r"\bleft\b|Overdue by|Due now")}
ENGLISH_CLOCK_WORDS = re.compile(r"\bleft\b|\bOverdue\b|\bDue now\b|\bworking days?\b|\bhours?\b|\bminutes?\b")


# ---- behind the scenes: accounts and reports -----------------------------------------------------------

@dataclass
class StaffAccount:
    id: int
    email: str
    password: str
    secret: str
    role: str
    language: str
    name: str
    last_step: int = field(default=0)

    def next_code(self) -> str:
        """A code the server will accept now and has not seen: this step's, or the next step's if this one
        was used (the server accepts one step either side for clock drift)."""
        now_step = int(time.time() // TOTP_STEP)
        step = max(now_step, self.last_step + 1)
        if step > now_step + 1:  # both this step and the next were used: wait for the next one to start
            time.sleep((now_step + 1) * TOTP_STEP - time.time() + 0.1)
            return self.next_code()
        self.last_step = step
        return pyotp.TOTP(self.secret, interval=TOTP_STEP).at(step * TOTP_STEP)


def _sessions(live_server: Any) -> Any:
    return live_server.app.extensions["sessionmaker"]()


def make_staff(live_server: Any, role: str = "officer", language: str = "en", name: str = "",
               enrolled: bool = False) -> StaffAccount:
    """A new account with a unique address. `enrolled=True` marks its authenticator as already set up (the
    sign-in then asks for a code rather than showing the QR code), as after a first sign-in."""
    from portal.store.models import StaffUser
    from portal.team.accounts import create_staff

    tag = uuid.uuid4().hex[:8]
    email = f"{role}-{tag}@example.org"
    password = f"correct horse {tag} staple"
    name = name or f"{role.title()} {tag}"
    with _sessions(live_server) as dbs:
        staff, secret = create_staff(dbs, email=email, role=role, password=password, name=name, language=language,
                                     secret_key=live_server.app.config["SECRET_KEY"])
        if enrolled:
            dbs.get(StaffUser, staff.id).totp_enrolled = True
            dbs.commit()
        return StaffAccount(staff.id, email, password, secret, role, language, name)


def self_report_answers(story: str, **more: Any) -> dict[str, Any]:
    """A report from the person themselves, with a safe-contact profile staff can act on."""
    answers = {"story": story, "danger_now": "no", "children": "no", "contact_methods": ["call", "text"],
               "phone_call": "07700 900982", "phone_text": "07700 900983", "safe_days": ["mon", "wed"],
               "safe_times": ["afternoon"], "safe_times_note": "After 2pm, when he is at work."}
    answers.update(more)
    return answers


def make_report(live_server: Any, *, kind: str = "self", answers: dict[str, Any] | None = None,
                danger_now: bool = False, children: bool = False, no_contact: bool = False,
                language: str = "en", days_ago: float = 0, owner: StaffAccount | None = None) -> str:
    """Store a report as the public form would (sealed), received `days_ago` days ago (10 days ago is long
    overdue for first contact); optionally already claimed by `owner`. Returns its reference."""
    from sqlalchemy import select

    from portal.intake.reports import new_submission_key, submit
    from portal.store.models import Report

    answers = answers if answers is not None else self_report_answers(f"A report made {days_ago} days ago.")
    received = datetime.now(timezone.utc) - timedelta(days=days_ago)
    with live_server.app.app_context(), _sessions(live_server) as dbs:
        receipt = submit(dbs, kind=kind, answers=answers,
                         flags={"danger_now": danger_now, "children": children, "no_contact": no_contact},
                         contact_language=language, submission_key=new_submission_key(), now=received)
        if owner is not None:
            dbs.scalar(select(Report).where(Report.reference == receipt.reference)).owner_id = owner.id
            dbs.commit()
        return receipt.reference


def restrict_to(live_server: Any, reference: str, account: StaffAccount) -> None:
    """Restrict a case to one named member of staff, as a lead's "Who may see this case" page would."""
    from sqlalchemy import select

    from portal.store.models import CaseAccess, Report

    with live_server.app.app_context(), _sessions(live_server) as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        report.restricted = "named"
        dbs.add(CaseAccess(report_id=report.id, staff_id=account.id, kind="named", at=datetime.now(timezone.utc),
                           granted_by=account.id))
        dbs.commit()


def fill_case_record(live_server: Any, reference: str, by: StaffAccount, answers: dict[str, Any]) -> None:
    """Give a case a record to show: a contact attempt, a risk checklist, an action (and its task), a share and a
    note."""
    from datetime import date

    from sqlalchemy import select

    from portal.casework.cases import add_entry
    from portal.casework.contact import original_profiles, record_contact
    from portal.casework.dash import load_checklist
    from portal.casework.risk import save_checklist
    from portal.casework.sharing import record_share
    from portal.casework.tasks import TaskPlan, record_action
    from portal.store.models import Report, StaffUser

    app = live_server.app
    with app.app_context(), _sessions(live_server) as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        staff = dbs.get(StaffUser, by.id)
        record_contact(dbs, report, staff, original_profiles(report, {"answers": answers}), party="person",
                       method=answers["contact_methods"][0], outcome="no_answer", profile_checked=True,
                       reason="Recorded for the test, whatever the time", tz=app.config["TIMEZONE"])
        checklist = load_checklist(app.config["DASH_FILE"])
        risk = {q.id: ("yes" if i % 3 == 0 else "no") for i, q in enumerate(checklist.questions)}
        save_checklist(dbs, report, staff, checklist, answers=risk, comments={checklist.questions[0].id: "Said twice."},
                       escalation=False, judgement=False, judgement_reason="", notes="Seemed frightened.",
                       finished=True, threshold=app.config["DASH_MARAC_THRESHOLD"], tz=app.config["TIMEZONE"])
        record_action(dbs, report, staff, "security", {"measures": ["locks", "door_alarm"], "no_recharge": False,
                                                       "detail": "Locks fitted on Tuesday."}, TaskPlan())
        record_share(dbs, report, staff, recipient="idva", shared_on=date.today(), basis="safeguarding",
                     what="The risk checklist, for MARAC.", reason="High risk: he has threatened to kill her.")
        add_entry(dbs, report, staff, "note", {"text": "Spoke to the IDVA service."})


# ---- looking -------------------------------------------------------------------------------------------

def flash_text(page: Any) -> str:
    """The flash messages on the page a click has led to. A click that submits a form returns once the navigation
    commits, before the new page has parsed, so this waits for the flashes to arrive (up to 10 s) rather than
    reading an empty, half-loaded page."""
    try:
        page.wait_for_selector(".flashes", state="attached", timeout=10_000)
    except PlaywrightTimeout:
        return ""
    return page.inner_text(".flashes")


def queue_row(page: Any, reference: str) -> Any:
    return page.locator(f"table.queue tbody tr:has(a[href='/staff/cases/{reference}'])")


def clock_cell(page: Any, reference: str) -> Any:
    return queue_row(page, reference).locator("td.clock")


def live_clock_data(page: Any) -> dict[str, Any]:
    """What the server gave staff.js: when it rendered, the working windows, and the translated forms."""
    table = page.locator("table.queue")
    return {"rendered": int(table.get_attribute("data-rendered")),
            "windows": json.loads(table.get_attribute("data-windows")),
            "strings": json.loads(table.get_attribute("data-strings"))}


def worked_between(windows: list[list[int]], start: int, end: int) -> int:
    """Working seconds between two moments, from the windows the server sent (as staff.js counts them)."""
    return sum(max(0, min(w[1], end) - max(w[0], start)) for w in windows)


def server_clock_text(live_server: Any, lang: str, seconds: int) -> str:
    """The server's own wording for `seconds` of working time left (negative: overdue), in `lang`."""
    from flask_babel import force_locale

    from portal.staff.clock import describe
    with live_server.app.test_request_context("/staff/"), force_locale(lang):
        return describe(seconds)


def page_overflow(page: Any) -> dict[str, Any]:
    """The page's scroll width, and what sticks out past the right edge. What is inside a .table-wrap scrolls
    with it and is left out, unless it is positioned out of the wrapper's flow (absolute or fixed, with no
    positioned ancestor inside the wrapper): then the wrapper does not contain it and the page scrolls."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = [];
        const escapes = (el, wrap) => {
            for (let at = el; at && at !== wrap; at = at.parentElement) {
                const position = getComputedStyle(at).position;
                if (position === 'fixed') return true;
                if (position === 'absolute') {
                    for (let up = at.parentElement; up && up !== wrap; up = up.parentElement)
                        if (getComputedStyle(up).position !== 'static') return false;
                    return getComputedStyle(wrap).position === 'static';
                }
            }
            return false;
        };
        for (const el of document.querySelectorAll('body *')) {
            const wrap = el.closest('.table-wrap');
            if (wrap && !escapes(el, wrap)) continue;
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 0.5) wide.push(el.outerHTML.slice(0, 140));
        }
        return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, wide: wide.slice(0, 8)};
    }""")


def comes_before(page: Any, first: str, second: str) -> bool:
    """Whether the element matched by CSS `first` comes before the one matched by `second` in the DOM."""
    return page.evaluate("""([a, b]) => {
        const x = document.querySelector(a), y = document.querySelector(b);
        return !!(x && y && (x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING));
    }""", [first, second])


# ---- moving about --------------------------------------------------------------------------------------

def staff_goes_to_sign_in(page: Any, lang: str | None = None) -> None:
    page.goto("/staff/sign-in" + (f"?lang={lang}" if lang else ""))


def staff_enters_password(page: Any, account: StaffAccount) -> None:
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("form[action='/staff/sign-in'] button[type='submit']")
    page.wait_for_url(re.compile(r"/staff/sign-in/(set-up|code)$"))


def staff_enters_code(page: Any, account: StaffAccount) -> None:
    page.fill("#code", account.next_code())
    page.click("main form button[type='submit']")
    page.wait_for_url(re.compile(r"/staff/(?!sign-in)"))


def lead_signs_in(page: Any, account: StaffAccount, lang: str | None = None) -> None:
    """Sign in by e-mail address, password and a code from the authenticator app (setting the app up
    first, if this is the account's first sign-in); lands on the account's home page."""
    staff_goes_to_sign_in(page, lang)
    staff_enters_password(page, account)
    staff_enters_code(page, account)
    assert not path_of(page).startswith("/staff/sign-in"), f"still signing in at {path_of(page)}"


officer_signs_in = lead_signs_in


def staff_switches_language(page: Any) -> None:
    """The header's language button: saved with the account, and back to the same page."""
    before = path_of(page)
    page.click(".staff-tools button.lang-switch")
    page.wait_for_url(lambda url: url.endswith(before))


def officer_opens_queue(page: Any, query: str = "") -> None:
    page.goto("/staff/" + (f"?{query}" if query else ""))


def officer_claims(page: Any, reference: str) -> None:
    queue_row(page, reference).locator("button[formaction$='/claim']").click()
    page.wait_for_load_state()


def officer_opens_case(page: Any, reference: str) -> None:
    page.click(f"a.reference-link[href='/staff/cases/{reference}']")
    page.wait_for_url(f"**/staff/cases/{reference}")


def officer_adds_note(page: Any, reference: str, text: str) -> None:
    page.click(f".case-actions a[href='/staff/cases/{reference}/note']")
    page.wait_for_url(f"**/staff/cases/{reference}/note")
    page.fill("#text", text)
    page.click("main form button[type='submit']")
    page.wait_for_url(f"**/staff/cases/{reference}")


def officer_signs_out(page: Any) -> None:
    page.click(".staff-tools form[action='/staff/sign-out'] button")
    page.wait_for_url("**/staff/signed-out")

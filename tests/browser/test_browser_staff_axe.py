"""axe-core on every staff page, in English and in Welsh: no violations at any impact level against WCAG 2.0,
2.1 and 2.2 A and AA. And every staff page fits a 320 px wide screen (WCAG 1.4.10 Reflow): the page itself
never scrolls sideways; only a wide table scrolls, inside its own .table-wrap.

To stay quick, each language signs in once: a team lead (who sees every page but the 403), an officer (for
the 403), and a signed-out browser for the sign-in pages. The Welsh lead's account starts in English and is
switched to Cymraeg with the header's language button, as a person would; that browser itself prefers
English (as a work PC often does), so any page that forgets the saved choice shows up in English.

As in test_browser_axe, axe is injected as an inline script, so these contexts, and only these, bypass the
CSP. A JavaScript error on any page still fails its test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from reporter_steps import LOCALES, axe_violations, describe_violations, page_language, path_of
from staff_steps import (
    StaffAccount,
    fill_case_record,
    lead_signs_in,
    make_report,
    make_staff,
    page_overflow,
    queue_row,
    restrict_to,
    self_report_answers,
    staff_enters_password,
    staff_goes_to_sign_in,
    staff_switches_language,
)
from test_browser_complaints import closed_with_feedback, complaint_on
from test_browser_enforcement import give_enforcement, make_authoriser
from test_browser_monitoring import closed_with_checkin, text_only_answers
from test_browser_reviews import contacted
from test_browser_safeguarding import flag_for_safeguarding, give_referrals
from test_browser_tasks import task_of

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
SIGNED_OUT = ["sign-in", "sign-in-errors", "code", "set-up", "signed-out"]
LEAD_PAGES = ["queue", "queue-filtered", "case", "contact", "contact-errors", "contact-outside", "profile",
              "profile-errors", "triage", "status", "risk", "action", "share", "note", "repeat", "print",
              "print-chosen", "team", "team-new", "team-person", "settings", "audit", "audit-filtered", "audit-errors",
              "account", "not-found",
              "case-not-found", "indicators", "indicators-board", "indicators-errors", "search", "search-results",
              "link", "access",
              "break-glass", "new-case", "new-case-errors", "new-case-self", "new-case-concerned", "new-case-agency",
              "new-case-details-errors", "update", "update-errors", "closures", "risk-agency",
              "risk-agency-errors", "incident", "marac", "marac-errors", "marac-outcome", "marac-pack", "marac-print",
              "share-refused", "consent", "countersign", "shares-awaiting",
              "case-safeguarding", "safeguarding", "safeguarding-referral", "safeguarding-referral-errors",
              "safeguarding-outcome", "task", "task-errors", "task-settings",
              "monitoring", "checkin", "checkin-errors", "case-monitored", "routing",
              "perpetrator", "perpetrator-errors", "perpetrator-ral", "perpetrator-joint",
              "enforcement-start", "enforcement-start-errors", "enforcement-review", "enforcement-decision",
              "enforcement-withdraw", "enforcement-awaiting",
              "review", "review-errors", "queue-follow-up", "case-reviewed",
              "retention", "erasure", "erasure-errors", "subject-access",
              "review-rounds", "review-rounds-errors", "review-round", "review-round-case", "review-round-case-errors",
              "review-checklist",
              "complaint-new", "complaint-new-errors", "complaint", "complaint-errors", "complaints",
              "complaint-settings", "case-feedback"]
OFFICER_PAGES = ["forbidden"]
PAGES = SIGNED_OUT + LEAD_PAGES + OFFICER_PAGES


@dataclass
class Browsers:
    """One language's signed-in (and signed-out) browsers, and what they need."""
    lang: str
    lead: StaffAccount
    officer: StaffAccount
    newcomer: StaffAccount  # never signed in: the set-up page
    pages: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class World:
    case: str  # a case with a full record, claimed by the officer
    overdue: str  # unassigned and long overdue, someone in danger: top of the queue
    claimed: str  # someone in danger, overdue, claimed: near the top, whatever else is in the queue
    search_for: str = ""  # the case's phone number, written another way
    restricted: str = ""  # restricted to the English officer: every lead meets the break glass
    safeguarding: str = ""  # every safeguarding flag raised, no referral yet: all three prompts
    referral: str = ""  # the case's safeguarding referral still awaiting its outcome
    task: int = 0  # the case's task (its security action)
    monitored: str = ""  # closed, with a check-in due today
    checkin: str = ""  # …its id
    routing: str = ""  # unowned, in danger, long overdue, asked to speak to a woman: claiming it asks why
    perpetrator: str = ""  # the case's perpetrator record (joint, on the Restricted Access List)
    at_review: str = ""  # an action against them at its proportionality review
    awaiting: str = ""  # an action waiting for a decision (the leads may authorise)
    review: str = ""  # contacted, its review two days overdue (the review page has its form)
    reviewed: str = ""  # contacted and reviewed: the risk changed, so the case page points to a new assessment
    review_round: int = 0  # a round of the English officer's cases (the case among them), one of them reviewed
    complaint: str = ""  # a complaint on the case, by phone, waiting for a response
    feedback: str = ""  # closed, and its survivor answered the questions through the receipt
    browsers: dict[str, Browsers] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(browser, live_server):
    officer_en = make_staff(live_server, "officer", "en", name="Olwen Officer", enrolled=True)
    officer_cy = make_staff(live_server, "officer", "cy", name="Owain Swyddog", enrolled=True)
    answers = self_report_answers("axe: he takes my phone and my bank card.", access_needs="Large print, please.",
                                  interpreter="no", staff_sex="woman")
    case = make_report(live_server, answers=answers, children=True, days_ago=1, owner=officer_en)
    fill_case_record(live_server, case, officer_en, answers)
    made = World(
        case=case,
        overdue=make_report(live_server, danger_now=True, children=True, days_ago=10),
        claimed=make_report(live_server, danger_now=True, days_ago=3, owner=officer_cy, language="cy"))
    make_report(live_server, kind="agency", no_contact=True, days_ago=0.5,
                answers={"story": "axe: an agency referral.", "org_name": "Example Women's Aid",
                         "worker_name": "Sam Worker", "danger_now": "no", "children": "yes",
                         "contact_methods": ["none"]})
    make_report(live_server, kind="concerned",
                answers={"story": "axe: a neighbour worried.", "your_name": "A neighbour", "danger_now": "no",
                         "children": "no", "contact_methods": ["email"], "email": "neighbour@example.org"})
    phone = answers.get("phone_text") or answers.get("phone_call") or ""
    made.search_for = "+44 " + phone.replace(" ", "")[1:]
    made.restricted = make_report(live_server, days_ago=2)
    restrict_to(live_server, made.restricted, officer_en)
    made.safeguarding = make_report(live_server, days_ago=1)
    flag_for_safeguarding(live_server, made.safeguarding)
    made.referral = give_referrals(live_server, case, officer_en.id)
    made.task = task_of(live_server, case)
    made.monitored, made.checkin = closed_with_checkin(live_server, officer_en)
    made.routing = make_report(live_server, answers=text_only_answers("axe: a woman, please.", staff_sex="woman"),
                               danger_now=True, days_ago=60)
    made.perpetrator, made.at_review, made.awaiting = give_enforcement(live_server, case, officer_en.id)
    made.review = make_report(live_server, days_ago=45, owner=officer_en)
    contacted(live_server, made.review, date.today() - timedelta(days=2))
    made.reviewed = make_report(live_server, days_ago=45, owner=officer_en)
    contacted(live_server, made.reviewed, date.today() + timedelta(days=3))
    review_it(live_server, made.reviewed, officer_en)
    made.review_round = review_round(live_server, officer_en, made.reviewed)
    made.complaint = complaint_on(live_server, case, officer_en)
    made.feedback = closed_with_feedback(live_server, officer_en)
    contexts = []
    for lang, officer in (("en", officer_en), ("cy", officer_cy)):
        b = Browsers(lang, lead=make_staff(live_server, "lead", "en", enrolled=True), officer=officer,
                     newcomer=make_staff(live_server, "officer", lang))
        make_authoriser(live_server, b.lead.id)
        for who in ("lead", "officer", "anonymous"):
            locale = LOCALES[lang] if who == "anonymous" else "en-GB"
            context = browser.new_context(base_url=live_server.url, locale=locale, bypass_csp=True,
                                          viewport={"width": 1024, "height": 768}, service_workers="block")
            context.set_default_timeout(10_000)
            contexts.append(context)
            page = context.new_page()
            page.on("pageerror", lambda error, p=page, b=b: b.errors.append(f"page error on {p.url}: {error}"))
            b.pages[who] = page
        lead_signs_in(b.pages["lead"], b.lead)
        if lang == "cy":
            staff_switches_language(b.pages["lead"])  # the header's button: saved with the account
        assert page_language(b.pages["lead"]) == lang
        lead_signs_in(b.pages["officer"], b.officer)
        made.browsers[lang] = b
    yield made
    for context in contexts:
        context.close()


def review_it(live_server: Any, reference: str, by: StaffAccount) -> None:
    """A review that found the risk changed (so the case page points to a new assessment and actions)."""
    from sqlalchemy import select

    from portal.casework.reviews import record_review
    from portal.store.models import Report, StaffUser

    with live_server.app.test_request_context("/staff/"), live_server.app.extensions["sessionmaker"]() as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        record_review(dbs, report, dbs.get(StaffUser, by.id), True, False, True, "axe: he has been seen nearby.")


def review_round(live_server: Any, officer: StaffAccount, reviewed: str) -> int:
    """A round of the officer's cases of the last 60 days, set by a lead; one case reviewed by an auditor (so the
    round page has results), with a follow-up."""
    from sqlalchemy import select

    from portal.casework import review_rounds as rr
    from portal.store.assurance_models import ReviewRound, RoundCase
    from portal.store.models import Report, StaffUser

    lead, auditor = make_staff(live_server, "lead", "en"), make_staff(live_server, "auditor", "en")
    app = live_server.app
    with app.test_request_context("/staff/"), app.extensions["sessionmaker"]() as dbs:
        today = date.today()
        rnd = rr.set_round(dbs, dbs.get(StaffUser, lead.id), basis="received", first=today - timedelta(days=60),
                           last=today, size=10, officer_id=officer.id)
        report = dbs.scalar(select(Report).where(Report.reference == reviewed))
        case = dbs.scalar(select(RoundCase).where(RoundCase.round_id == rnd.id, RoundCase.report_id == report.id))
        rr.record_case_review(dbs, dbs.get(StaffUser, auditor.id), dbs.get(ReviewRound, rnd.id), case, report,
                              rr.Findings({p.code: "met" for p in rr.round_points(rnd)} | {"dash": "not_met"},
                                          follow_up="axe: finish the DASH."))
        return rnd.id


def open_page(world: World, lang: str, name: str) -> Any:
    """Go to the named page as the right person; check it is the page meant. Returns the Playwright page."""
    b = world.browsers[lang]
    who = "anonymous" if name in SIGNED_OUT else "officer" if name in OFFICER_PAGES else "lead"
    page = b.pages[who]
    case = f"/staff/cases/{world.case}"
    status = 200
    if name == "sign-in":
        staff_goes_to_sign_in(page)
    elif name == "sign-in-errors":
        staff_goes_to_sign_in(page)
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 2
    elif name == "code":
        staff_goes_to_sign_in(page)
        staff_enters_password(page, b.lead)
        assert path_of(page) == "/staff/sign-in/code"
    elif name == "set-up":
        staff_goes_to_sign_in(page)
        staff_enters_password(page, b.newcomer)
        assert path_of(page) == "/staff/sign-in/set-up"
        assert page.get_attribute("main img.qr", "src").startswith("data:image/svg+xml")
    elif name == "signed-out":
        page.goto("/staff/signed-out")
    elif name == "queue":
        response = page.goto("/staff/")
        assert queue_row(page, world.overdue).locator("strong.overdue-label").count() == 1, "no overdue row"
        assert "Owain Swyddog" in queue_row(page, world.claimed).inner_text(), "no claimed row"
        assert page.locator("table.queue button[formaction$='/claim']").count() >= 1, "no row to claim"
        status = response.status
    elif name == "queue-filtered":
        response = page.goto("/staff/?owner=none&overdue=1&flag=danger&flag=children&kind=self")
        assert queue_row(page, world.overdue).count() == 1
        assert page.locator("a.clear-filters").count() == 1
        status = response.status
    elif name == "review":
        status = page.goto(f"/staff/cases/{world.review}/review").status
        assert page.locator("input[name='risk_changed']").count() == 2
    elif name == "review-errors":  # nothing answered
        page.goto(f"/staff/cases/{world.review}/review")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 3
        status = None
    elif name in {"complaint-new", "complaint-new-errors"}:
        status = page.goto(f"{case}/complaint").status
        if name == "complaint-new-errors":  # the date cleared, nothing chosen or written
            page.fill("#received_on", "")
            page.click("main form button[type='submit']")
            page.wait_for_load_state()
            assert page.locator(".error-summary li").count() == 4
            status = None
    elif name in {"complaint", "complaint-errors"}:
        status = page.goto(f"{case}/complaints/{world.complaint}").status
        assert page.locator("main form").count() == 2
        if name == "complaint-errors":  # an outcome with no summary
            page.check("input[name='outcome'][value='upheld']")
            page.click(f"main form[action$='/complaints/{world.complaint}/outcome'] button[type='submit']")
            page.wait_for_load_state()
            assert page.locator(".error-summary li").count() == 1
            status = None
    elif name == "complaints":
        status = page.goto("/staff/complaints").status
        assert page.locator("table.complaints-waiting tbody tr").count() >= 1
    elif name == "complaint-settings":
        status = page.goto("/staff/settings/complaints").status
    elif name == "case-feedback":
        status = page.goto(f"/staff/cases/{world.feedback}").status
        assert page.locator("section.survivor-feedback dl.feedback-answers > div").count() == 2
    elif name == "queue-follow-up":
        response = page.goto("/staff/?follow=reviews_overdue")
        assert queue_row(page, world.review).count() == 1
        assert page.locator("#filter-follow-reviews_overdue:checked").count() == 1
        status = response.status
    elif name == "case-reviewed":
        status = page.goto(f"/staff/cases/{world.reviewed}").status
        assert page.locator(".review-follow-up").count() == 1 and page.locator(".case-reviews li").count() >= 1
    elif name == "review-rounds":
        status = page.goto("/staff/review-rounds").status
        assert page.locator("table.review-rounds tbody tr").count() >= 1 and page.locator("form.new-round").count()
    elif name == "review-rounds-errors":  # no dates given
        page.goto("/staff/review-rounds")
        page.click("form.new-round button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 2
        status = None
    elif name == "review-round":
        status = page.goto(f"/staff/review-rounds/{world.review_round}").status
        assert page.locator("table.round-sample tbody tr").count() >= 3
        assert page.locator("table.round-results tbody tr").count() == 7
    elif name == "review-round-case":
        status = page.goto(f"/staff/review-rounds/{world.review_round}/cases/{world.case}").status
        assert page.locator(".review-case .profile").count() == 1 and page.locator(".review-point").count() == 7
    elif name == "review-round-case-errors":  # nothing answered
        page.goto(f"/staff/review-rounds/{world.review_round}/cases/{world.case}")
        page.click("#review-form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 7
        status = None
    elif name == "review-checklist":
        status = page.goto("/staff/settings/review-checklist").status
    elif name == "contact-errors":
        page.goto(f"{case}/contact")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 3
        status = None
    elif name == "contact-outside":  # a safe way, but not a safe time, and no reason given
        page.goto(f"{case}/contact")
        page.check("input[name='how'][value='person:call']")
        page.check("input[name='outcome'][value='no_answer']")
        page.check("#profile_checked")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        status = None
    elif name == "profile":
        status = page.goto(f"{case}/profile/person").status
    elif name == "profile-errors":
        page.goto(f"{case}/profile/person")
        page.uncheck("input[name='contact_methods'][value='text']")
        page.check("input[name='contact_methods'][value='email']")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() >= 1
        status = None
    elif name == "print-chosen":
        status = page.goto(f"{case}/print?chosen=1&part=contact&part=codeword&part=conversation").status
    elif name == "indicators":  # this quarter: the world's reports, some counts suppressed, every chart drawn
        status = page.goto("/staff/indicators?period=quarter").status
        assert page.locator("svg.chart").count() >= 5 and page.locator("table.figures").count() >= 8
    elif name == "indicators-board":  # the board pack: small counts hidden, the equality tables among them
        status = page.goto("/staff/indicators/board?period=quarter").status
        assert page.locator("#equality-ethnic").count() == 1
    elif name == "indicators-errors":
        assert page.goto("/staff/indicators?period=custom&from=2026-09-01&to=2026-08-01").status == 400
        assert page.locator(".notice-warning").count() == 1
        status = None
    elif name == "search":
        status = page.goto("/staff/search").status
    elif name == "closures":
        status = page.goto("/staff/closures").status
    elif name == "search-results":  # the case's own phone number, typed another way: found
        page.goto(case)  # opening a case indexes it (the timer would, otherwise)
        page.goto("/staff/search")
        page.fill("#q", world.search_for)
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(f"#results ~ .table-wrap a[href='{case}']").count() == 1, "the case was not found"
        status = None
    elif name == "link":
        status = page.goto(f"{case}/link?other={world.overdue}").status
    elif name == "access":
        status = page.goto(f"{case}/access").status
    elif name == "break-glass":
        assert page.goto(f"/staff/cases/{world.restricted}").status == 403
        assert page.locator("textarea#reason").count() == 1
        status = None
    elif name == "new-case":
        status = page.goto("/staff/new-case").status
    elif name == "new-case-errors":  # a channel that needs an agency, and the person themselves
        assert page.goto("/staff/new-case?channel=police&kind=self&next=1").status == 400
        assert page.locator(".error-summary li").count() == 1
        status = None
    elif name in {"new-case-self", "new-case-concerned", "new-case-agency"}:
        channel = {"new-case-self": "phone", "new-case-concerned": "in_person", "new-case-agency": "marac"}[name]
        status = page.goto(f"/staff/new-case/{channel}/{name.rsplit('-', 1)[1]}").status
    elif name == "new-case-details-errors":  # saved with nothing entered, an earlier disclosure with no date
        page.goto("/staff/new-case/phone/self")
        page.check("#disclosed-1")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 3
        status = None
    elif name == "update":
        status = page.goto(f"{case}/update").status
    elif name == "update-errors":
        page.goto(f"{case}/update")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 3
        status = None
    elif name == "risk-agency-errors":  # nothing chosen: the agency, the date, the tool and MARAC
        page.goto(f"{case}/risk/agency")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 4
        status = None
    elif name in {"risk-agency", "incident"}:
        status = page.goto(f"{case}/{name.replace('-', '/')}").status
    elif name in {"marac", "marac-errors"}:
        status = page.goto(f"{case}/marac").status
        if name == "marac-errors":
            page.click("main form button[type='submit']")
            page.wait_for_load_state()
            assert page.locator(".error-summary li").count() >= 2
            status = None
    elif name in {"marac-outcome", "marac-pack", "marac-print"}:
        status = open_marac_page(page, case, name)
    elif name == "share-refused":  # "with consent" to an agency they never agreed to: refused, the bases offered
        page.goto(f"{case}/share")
        page.check("#agency-7")
        page.fill("#shared_on", date.today().isoformat())
        page.check("#basis-0")
        page.fill("#what", "axe: the risk summary.")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 1 and page.locator(".notice-warning").count() == 1
        status = None
    elif name == "shares-awaiting":
        status = page.goto("/staff/shares/countersign").status
        assert page.locator("table.awaiting tbody tr").count() >= 1
    elif name == "case-safeguarding":
        status = page.goto(f"/staff/cases/{world.safeguarding}").status
        assert page.locator(".safeguarding-prompt").count() == 3
    elif name == "safeguarding-referral-errors":  # nothing chosen, no date
        page.goto(f"{case}/safeguarding/referral")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 3
        status = None
    elif name == "safeguarding-outcome":
        status = page.goto(f"{case}/safeguarding/{world.referral}/outcome").status
    elif name == "task":
        status = page.goto(f"{case}/tasks/{world.task}").status
        assert page.locator("main form").count() == 4  # state, owner, due date, cost
    elif name == "task-errors":  # a due date in the past
        page.goto(f"{case}/tasks/{world.task}")
        page.fill("#due_on", "2020-01-06")
        page.click(f"main form[action$='/tasks/{world.task}/due'] button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 1
        status = None
    elif name == "task-settings":
        status = page.goto("/staff/settings/tasks").status
    elif name == "monitoring":
        status = page.goto(f"/staff/cases/{world.monitored}/monitoring").status
    elif name == "case-monitored":
        status = page.goto(f"/staff/cases/{world.monitored}").status
        assert page.locator("section.monitoring").count() == 1
    elif name == "checkin":
        status = page.goto(f"/staff/cases/{world.monitored}/checkins/{world.checkin}").status
    elif name == "checkin-errors":  # a contact without the safety check, and nothing chosen
        page.goto(f"/staff/cases/{world.monitored}/checkins/{world.checkin}")
        page.check("input[name='outcome'][value='well']")
        page.locator("main form button[type='submit']").first.click()
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == 1
        status = None
    elif name == "routing":
        page.goto("/staff/?owner=none&flag=danger")
        queue_row(page, world.routing).locator("button[formaction$='/claim']").click()
        page.wait_for_load_state()
        assert page.locator("ul.routing-mismatches li").count() == 1
        status = None
    elif name == "perpetrator":
        status = page.goto(f"{case}/perpetrator/{world.perpetrator}").status
    elif name in {"perpetrator-errors", "enforcement-start-errors"}:  # nothing entered
        page.goto(f"{case}/perpetrator" if name == "perpetrator-errors"
                  else f"{case}/perpetrator/{world.perpetrator}/enforcement")
        page.click("main form button[type='submit']")
        page.wait_for_load_state()
        assert page.locator(".error-summary li").count() == (2 if name == "perpetrator-errors" else 3)
        status = None
    elif name in {"perpetrator-ral", "perpetrator-joint", "enforcement-start"}:
        tail = {"perpetrator-ral": "restricted-access", "perpetrator-joint": "joint-tenancy",
                "enforcement-start": "enforcement"}[name]
        status = page.goto(f"{case}/perpetrator/{world.perpetrator}/{tail}").status
    elif name in {"enforcement-review", "enforcement-withdraw"}:
        status = page.goto(f"{case}/enforcement/{world.at_review}/{name.split('-')[1]}").status
    elif name == "enforcement-decision":
        status = page.goto(f"{case}/enforcement/{world.awaiting}/decision").status
        assert page.locator("input[name='decision']").count() == 2
    elif name == "enforcement-awaiting":
        status = page.goto("/staff/enforcement/awaiting").status
        assert page.locator("table.awaiting tbody tr").count() >= 1
    elif name in {"safeguarding", "safeguarding-referral"}:
        status = page.goto(f"{case}/{name.replace('-', '/')}").status
    elif name in {"case", "contact", "status", "risk", "action", "share", "note", "repeat", "print", "triage",
                  "consent", "countersign"}:
        status = page.goto(case if name == "case" else f"{case}/{name}").status
    elif name in {"team", "settings", "account"}:
        status = page.goto(f"/staff/{name}").status
    elif name == "team-new":
        status = page.goto("/staff/team/new").status
    elif name == "team-person":
        status = page.goto(f"/staff/team/{b.officer.id}").status
    elif name == "audit":
        status = page.goto("/staff/audit").status
    elif name == "audit-filtered":
        status = page.goto(f"/staff/audit?case={world.case}&since=2000-01-01").status
    elif name == "retention":
        status = page.goto("/staff/retention?days=30").status
    elif name == "erasure":
        status = page.goto(f"/staff/cases/{world.case}/erasure").status
    elif name == "erasure-errors":  # nothing answered, and an exception with no reason
        page.goto(f"/staff/cases/{world.case}/erasure")
        page.locator('input[name="exception"][value="yes"]').check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert page.locator(".error-summary li").count() == 3
        status = None
    elif name == "subject-access":
        status = page.goto(f"/staff/cases/{world.case}/subject-access").status
    elif name == "audit-errors":
        assert page.goto("/staff/audit?since=yesterday&case=NO-SUCH").status == 400
        assert page.locator(".error-summary li").count() == 2
        status = None
    elif name == "not-found":
        status = page.goto("/staff/no-such-page").status
        assert status == 404
    elif name == "case-not-found":
        status = page.goto("/staff/cases/ZZZZ-ZZZZ").status
        assert status == 404
    elif name == "forbidden":
        status = page.goto("/staff/team").status
        assert status == 403
    else:
        raise AssertionError(f"unknown page {name}")
    if status is not None and name not in {"not-found", "case-not-found", "forbidden"}:
        assert status == 200, f"{name}: {path_of(page)} answered {status}"
    assert not path_of(page).startswith("/staff/sign-in?"), f"{name}: signed out unexpectedly"
    broken = page.evaluate("""() => [...document.querySelectorAll('.error-summary a[href^="#"]')]
        .map(a => a.getAttribute('href')).filter(h => !document.getElementById(h.slice(1)))""")
    assert not broken, f"{name}: error summary links to nothing: {broken}"
    return page


def open_marac_page(page: Any, case: str, name: str) -> int | None:
    """A page about the case's MARAC referral: referred first (on judgement, with consent), if not yet."""
    page.goto(f"{case}/marac/pack")
    if page.locator(f"main a.button[href='{case}/marac']").count():
        page.goto(f"{case}/marac")
        page.check("input[name='criteria'][value='judgement']")
        page.fill("#judgement_reason", "axe: her fear is rising.")
        page.check("input[name='consent'][value='given']")
        page.check("input[name='aware'][value='yes']")
        page.click("main form button[type='submit']")
        page.wait_for_url(f"**{case}")
    if name == "marac-outcome":
        return page.goto(f"{case}/marac/outcome").status
    response = page.goto(f"{case}/marac/pack")
    if name == "marac-pack":
        return response.status
    page.click("main form button[type='submit']")  # save the pack, then its printable page
    page.wait_for_load_state()
    page.click("form.marac-export button[value='html']")
    page.wait_for_load_state()
    assert page.locator("dl.marac-pack").count() == 1
    return None


def check_no_page_errors(world: World, lang: str) -> None:
    errors = world.browsers[lang].errors
    found, errors[:] = list(errors), []
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_staff_page_has_no_axe_violations(world, lang, name):
    page = world.browsers[lang].pages["anonymous" if name in SIGNED_OUT else
                                      "officer" if name in OFFICER_PAGES else "lead"]
    page.set_viewport_size({"width": 1024, "height": 768})
    page = open_page(world, lang, name)
    violations = axe_violations(page)
    check_no_page_errors(world, lang)
    assert not violations, (f"axe found {len(violations)} violation(s) on {path_of(page)} ({lang}, {name}):\n"
                            + describe_violations(violations))
    # Checked after axe, so axe has run on the page whatever its language.
    assert page_language(page) == lang, (
        f"{name}: {path_of(page)} is in {page_language(page)!r} for a staff member who chose {lang!r}")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_staff_page_fits_a_320px_screen(world, lang, name):
    page = world.browsers[lang].pages["anonymous" if name in SIGNED_OUT else
                                      "officer" if name in OFFICER_PAGES else "lead"]
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        page = open_page(world, lang, name)
        found = page_overflow(page)
    finally:
        page.set_viewport_size({"width": 1024, "height": 768})
    check_no_page_errors(world, lang)
    assert found["scrollWidth"] <= 320, (
        f"{name}: {path_of(page)} ({lang}) scrolls sideways at 320 px: scrollWidth {found['scrollWidth']}; "
        f"sticking out (a .table-wrap scrolls on its own): {found['wide']}")


# Pages with a table that scrolls on its own on a narrow screen: there the scrolling region must be reachable by
# keyboard (axe's scrollable-region-focusable only fires when the table is wider than the screen).
NARROW = ["audit", "queue", "case", "indicators", "team", "search-results", "shares-awaiting", "enforcement-awaiting",
          "review-rounds", "review-round", "review-round-case", "complaints", "retention"]


@pytest.mark.parametrize("name", NARROW)
@pytest.mark.parametrize("lang", LANGS)
def test_staff_tables_have_no_axe_violations_at_360px(world, lang, name):
    page = world.browsers[lang].pages["lead"]
    page.set_viewport_size({"width": 360, "height": 740})
    try:
        page = open_page(world, lang, name)
        violations = axe_violations(page)
    finally:
        page.set_viewport_size({"width": 1024, "height": 768})
    check_no_page_errors(world, lang)
    assert not violations, (f"axe found {len(violations)} violation(s) at 360 px on {path_of(page)} ({lang}, "
                            f"{name}):\n" + describe_violations(violations))


def test_staff_axe_is_really_running(world):
    """A check on the checker, on a staff page: a label taken away is found."""
    page = open_page(world, "en", "note")
    page.evaluate("document.querySelector('label[for=text]').remove()")
    assert "label" in {v["id"] for v in axe_violations(page)}

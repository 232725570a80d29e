"""The public journey through the test client: every page, every kind of reporter, nothing lost."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.store.models import Report
from tests.conftest import form_tokens, open_all

PAGES = ["/", "/{l}/", "/{l}/who", "/{l}/tell-us/you", "/{l}/tell-us/someone", "/{l}/tell-us/agency",
         "/{l}/tell-us/work", "/{l}/your-behaviour", "/{l}/safety", "/{l}/privacy", "/{l}/accessibility",
         "/{l}/replies"]
STORY = "He took my phone and locked the door. Cymraeg: ŵ ŷ â."
# Pages that hold what someone types are answered 203, which Chromium never keeps for Back (web/security.py).
TYPED_ON = ("/tell-us/", "/replies")


def count_reports(app) -> int:
    with app.extensions["sessionmaker"]() as dbs:
        return dbs.scalar(select(func.count()).select_from(Report))


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("page", PAGES)
def test_every_public_page_renders_clean(client, page, lang):
    response = client.get(page.format(l=lang))
    assert response.status_code == (203 if any(part in page for part in TYPED_ON) else 200)
    html = response.get_data(as_text=True)
    assert "999" in html  # the emergency panel is on every page
    assert "Exit this page" in html or "Gadael" in html


def test_page_titles_are_neutral_in_history(client):
    for page in PAGES:
        for lang in ("en", "cy"):
            html = client.get(page.format(l=lang)).get_data(as_text=True)
            title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).lower()
            assert "abuse" not in title and "cam-drin" not in title, (page, title)


def test_landing_page_shows_both_languages_browser_preference_first(client):
    welsh_first = client.get("/", headers={"Accept-Language": "cy, en;q=0.5"}).get_data(as_text=True)
    english_first = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert welsh_first.index('lang="cy"', 100) < welsh_first.index('lang="en"', 100)
    assert english_first.index('href="/en/"') < english_first.index('href="/cy/"')
    assert 'href="/cy/"' in english_first and 'href="/en/"' in welsh_first


def test_unknown_language_is_not_found(client):
    assert client.get("/fr/who").status_code == 404


def test_language_link_keeps_the_page(client):
    html = client.get("/en/safety").get_data(as_text=True)
    assert 'href="/cy/safety"' in html and 'hreflang="cy"' in html


def test_self_report_is_stored_sealed_and_confirmed(app, client, reporter, instance: Path):
    response = reporter.send({"story": STORY, "danger_now": "no", "children": "live",
                              "contact_methods": ["text"], "phone_text": "07700 900982",
                              "safe_days": ["mon", "wed"], "say_who": "no", "cover_name": "Sam from the surgery",
                              "help_wanted": ["security", "repairs"]})
    assert response.status_code == 303 and response.headers["Location"] == "/en/sent"
    page = client.get("/en/sent").get_data(as_text=True)
    reference = re.search(r'class="reference">([A-Z0-9-]+)<', page).group(1)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reference)
    # Which promise depends on the day and hour the test runs (safe on Mondays and Wednesdays): either is a promise.
    assert "aims to contact you" in page or "We will try to contact you on" in page
    (stored,) = open_all(app)
    row = stored["row"]
    assert row.reference == reference and row.reporter_kind == "self"
    assert row.children is True and row.danger_now is False and row.no_contact is False
    assert stored["answers"]["story"] == STORY
    assert stored["answers"]["cover_name"] == "Sam from the surgery"
    assert stored["answers"]["safe_days"] == ["mon", "wed"]
    # Nothing typed is in the database file in the clear.
    raw = b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    for secret in ("took my phone", "07700 900982", "Sam from the surgery"):
        assert secret.encode() not in raw


def test_a_report_with_no_story_is_still_a_report(app, reporter):
    assert reporter.send({"contact_methods": ["none"]}).status_code == 303
    assert count_reports(app) == 1


def test_anonymous_no_contact_report_is_told_we_will_not_contact(app, client, reporter):
    reporter.send({"story": STORY, "contact_methods": ["none"]})
    page = client.get("/en/sent").get_data(as_text=True)
    assert "asked us not to contact you" in page
    (stored,) = open_all(app)
    assert stored["row"].no_contact is True


def test_danger_now_shows_999_and_still_accepts_the_report(app, client, reporter):
    response = reporter.send({"danger_now": "yes", "contact_methods": ["call"]})  # no number: an error
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "danger-box" in html and "press 55" in html
    response = reporter.send({"danger_now": "yes", "contact_methods": ["call"], "phone_call": "01632 960001"})
    assert response.status_code == 303
    assert "danger-box" in client.get("/en/sent").get_data(as_text=True)
    assert open_all(app)[0]["row"].danger_now is True


ALL_ANSWERS = {
    "story": STORY + " <b>bold</b> {{7*7}}", "danger_now": "unsure", "children": "visit", "tenant": "yes",
    "address": "1 Heol y Dŵr\nCaerdydd", "abuser_tenant": "no", "help_wanted": ["move", "other"],
    "help_other": "A dog-friendly refuge", "consent_share": "discuss", "crime_reference": "CR-123",
    "contact_methods": ["call", "email"], "phone_call": "not a number", "email": "me@example",
    "safe_days": ["tue"], "safe_times": ["morning"], "safe_times_note": "Only before 10",
    "safe_today": "no", "voicemail": "no", "voicemail_message": "", "say_who": "no", "cover_name": "",
    "check_question": "What colour is the kettle?", "someone_else": "other", "someone_else_note": "Say sorry",
    "contact_language": "cy", "interpreter": "Polish", "bsl": "y", "access_needs": "Large print",
    "staff_sex": "woman", "your_name": "Alex",
}


def test_validation_errors_keep_everything_typed(app, reporter):
    response = reporter.send(ALL_ANSWERS)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Tell us what is happening" in html
    assert 'class="error-summary"' in html
    for message, target in [("Enter a phone number, like", "phone_call"),
                            ("Enter an email address in the correct format", "email"),
                            ("Enter the name we should use instead of ours", "cover_name")]:
        assert message in html and f'href="#{target}"' in html
    assert "He took my phone" in html and "&lt;b&gt;bold&lt;/b&gt; {{7*7}}" in html  # escaped, not run
    for value in ("1 Heol y Dŵr", "A dog-friendly refuge", "CR-123", "not a number", "me@example",
                  "Only before 10", "What colour is the kettle?", "Say sorry", "Polish", "Large print", "Alex"):
        assert value in html, value
    for name, value in [("danger_now", "unsure"), ("children", "visit"), ("help_wanted", "move"),
                        ("help_wanted", "other"), ("contact_methods", "email"), ("safe_today", "no"),
                        ("staff_sex", "woman"), ("contact_language", "cy"), ("bsl", "y")]:
        assert re.search(rf'name="{name}" type="(radio|checkbox)" value="{value}" checked', html), (name, value)
    assert count_reports(app) == 0


def test_do_not_contact_cannot_be_combined_with_a_way_to_contact(reporter):
    html = reporter.send({"contact_methods": ["none", "email"], "email": "a@b.cy"}).get_data(as_text=True)
    assert "not both" in html


def test_contact_methods_are_required_for_a_victim(reporter):
    html = reporter.send({"story": STORY}).get_data(as_text=True)
    assert "Select how we can contact you safely" in html and STORY in html


def test_an_unknown_choice_is_refused_not_stored(app, reporter):
    response = reporter.send({"contact_methods": ["carrier-pigeon"]})
    assert response.status_code == 400 and count_reports(app) == 0


def test_too_long_text_is_refused_with_a_message_not_truncated(app, reporter):
    response = reporter.send({"story": "x" * 20_001, "contact_methods": ["none"]})
    assert response.status_code == 400 and "20,000 characters or fewer" in response.get_data(as_text=True)
    assert count_reports(app) == 0


def test_language_switch_posts_the_form_and_keeps_it_without_sending(app, client, reporter):
    tokens = reporter.open_form("you", "en")
    response = client.post("/cy/tell-us/you", data={**tokens, "story": STORY, "contact_methods": ["call"],
                                                     "action": "switch-language"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="cy"' in html[:200]
    assert STORY in html and 'value="call" checked' in html
    assert tokens["submission_key"] in html  # the same report, still one submission
    assert 'class="error-summary"' not in html  # not judged yet
    assert count_reports(app) == 0


def test_an_expired_csrf_token_keeps_everything_and_lets_them_send_again(app, client, reporter):
    tokens = reporter.open_form()
    stale = {**tokens, "csrf_token": "expired-token"}
    response = reporter.send({"story": STORY, "contact_methods": ["none"]}, tokens=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "the form timed out" in html and STORY in html
    assert count_reports(app) == 0
    again = reporter.send({"story": STORY, "contact_methods": ["none"]}, tokens=form_tokens(html))
    assert again.status_code == 303 and count_reports(app) == 1


def test_a_lost_session_does_not_stop_a_report(app, client, reporter):
    tokens = reporter.open_form()
    client.get("/exit")  # session gone (another tab, the server swept it, or the database was down)
    response = reporter.send({"story": STORY, "contact_methods": ["none"]}, tokens=tokens)
    assert response.status_code == 303  # the signed token, still in date, is enough
    assert count_reports(app) == 1


def test_a_lost_session_with_a_forged_token_is_refused_with_everything_kept(app, client, reporter):
    tokens = reporter.open_form()
    client.get("/exit")
    forged = {**tokens, "csrf_token": tokens["csrf_token"][:-4] + "AAAA"}
    response = reporter.send({"story": STORY, "contact_methods": ["none"]}, tokens=forged)
    assert response.status_code == 200 and STORY in response.get_data(as_text=True)
    assert "the form timed out" in response.get_data(as_text=True)
    assert count_reports(app) == 0


def test_a_double_tap_creates_one_report(app, client, reporter):
    tokens = reporter.open_form()
    answers = {"story": STORY, "contact_methods": ["none"]}
    first = reporter.send(answers, tokens=tokens)
    reference = re.search(r'reference">([^<]+)<', client.get("/en/sent").get_data(as_text=True)).group(1)
    second = reporter.send(answers, tokens=tokens)
    assert first.status_code == second.status_code == 303
    assert re.search(r'reference">([^<]+)<', client.get("/en/sent").get_data(as_text=True)).group(1) == reference
    assert count_reports(app) == 1


def test_simultaneous_retries_create_one_report(app):
    """Two requests with the same submission key racing each other: exactly one report."""
    from tests.conftest import Reporter

    clients = [app.test_client() for _ in range(4)]
    key = "same-key-for-all-of-them-123456"
    tokens = [{**form_tokens(c.get("/en/tell-us/you").get_data(as_text=True)), "submission_key": key}
              for c in clients]
    statuses: list[int] = []

    def go(i: int) -> None:
        statuses.append(Reporter(clients[i]).send({"story": STORY, "contact_methods": ["none"]},
                                                  tokens=tokens[i]).status_code)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [303] * 4
    assert count_reports(app) == 1


def test_concerned_person_report(app, reporter):
    response = reporter.send({"relationship": "neighbour", "their_name": "Jo", "they_know": "no",
                              "their_safe_contact": "Mornings only", "contact_methods": ["email"],
                              "email": "neighbour@example.org"}, slug="someone")
    assert response.status_code == 303
    (stored,) = open_all(app)
    assert stored["row"].reporter_kind == "concerned" and stored["answers"]["their_name"] == "Jo"


def test_agency_referral_needs_the_workers_details(app, reporter):
    html = reporter.send({"contact_methods": ["trusted"], "trusted_person": "Me"}, slug="agency").get_data(as_text=True)
    assert "Enter the name of your organisation" in html and "Enter a work phone number or email address" in html
    response = reporter.send({"org_name": "Gwent IDVA", "worker_name": "Sam", "work_email": "sam@idva.example",
                              "contact_methods": ["trusted"], "trusted_person": "Through me",
                              "dash_done": "yes", "dash_score": "15", "marac": "planned"}, slug="agency")
    assert response.status_code == 303
    (stored,) = open_all(app)
    assert stored["row"].reporter_kind == "agency" and stored["answers"]["dash_score"] == 15


def test_dash_score_out_of_range_is_refused(reporter):
    html = reporter.send({"org_name": "X", "worker_name": "Y", "work_phone": "01632 960001",
                          "contact_methods": ["none"], "dash_score": "30"}, slug="agency").get_data(as_text=True)
    assert "whole number from 0 to 24" in html


def test_own_behaviour_page_signposts_and_takes_no_report(client):
    html = client.get("/en/your-behaviour").get_data(as_text=True)
    assert "0808 8024 040" in html and "<form" not in html


def test_helplines_follow_the_nation(instance, monkeypatch):
    from tests.conftest import make_app

    wales = make_app().test_client().get("/en/").get_data(as_text=True)
    monkeypatch.setenv("PORTAL_NATION", "england")
    england = make_app().test_client().get("/en/").get_data(as_text=True)
    assert "0808 80 10 800" in wales and "0808 2000 247" not in wales
    assert "0808 2000 247" in england and "0808 80 10 800" not in england


def test_sensitive_fields_do_not_autocomplete(client):
    html = client.get("/en/tell-us/you").get_data(as_text=True)
    assert '<form id="report-form" method="post" action="/en/tell-us/you" novalidate autocomplete="off">' in html


def test_a_missing_welsh_page_is_in_welsh(client):
    response = client.get("/cy/dim-yma")
    assert response.status_code == 404 and 'lang="cy"' in response.get_data(as_text=True)[:120]


def test_expired_sessions_are_purged(app):
    from datetime import datetime, timedelta, timezone

    from portal.store.models import WebSession
    from portal.store.sessions import purge_expired

    with app.extensions["sessionmaker"]() as dbs, dbs.begin():
        dbs.add(WebSession(id_hash="a" * 64, data="{}", expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        dbs.add(WebSession(id_hash="b" * 64, data="{}", expires_at=datetime.now(timezone.utc) + timedelta(hours=1)))
    assert purge_expired(app.extensions["sessionmaker"]) == 1


def test_consent_to_share_names_the_kinds_of_agency(app, reporter):
    reporter.send({"consent_share": "yes", "share_with": ["police", "support"], "contact_methods": ["none"]})
    (stored,) = open_all(app)
    assert stored["answers"]["consent_share"] == "yes" and stored["answers"]["share_with"] == ["police", "support"]


def test_a_dash_score_of_zero_is_kept(app, reporter):
    reporter.send({"org_name": "X", "worker_name": "Y", "work_phone": "01632 960001",
                   "contact_methods": ["none"], "dash_done": "yes", "dash_score": "0"}, slug="agency")
    assert open_all(app)[0]["answers"]["dash_score"] == 0


def test_the_confirmation_survives_the_session_store_dropping_after_sending(app, client, reporter):
    """Seen 2 in 129 during an outage: the report stored, the session gone by GET /sent, no reference."""
    from sqlalchemy import delete

    from portal.store.models import WebSession
    response = reporter.send({"story": STORY, "contact_methods": ["none"]})
    assert response.status_code == 303
    carried = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("c=") and "HttpOnly" in c and "SameSite=Strict" in c for c in carried), carried
    assert STORY not in " ".join(carried) and open_all(app)[0]["row"].reference not in " ".join(carried)
    with app.extensions["sessionmaker"]() as dbs, dbs.begin():
        dbs.execute(delete(WebSession))  # the session store lost everything between the 303 and the GET
    sent = client.get("/en/sent")
    assert sent.status_code == 203
    assert open_all(app)[0]["row"].reference in sent.get_data(as_text=True)
    assert any(c.startswith("c=;") for c in sent.headers.getlist("Set-Cookie"))  # shown, then dropped
    assert client.get("/en/sent").status_code == 302


def test_a_forged_or_stale_carried_confirmation_shows_nothing(app, client):
    client.set_cookie("c", "gAAAAABforged")
    assert client.get("/en/sent").status_code == 302


@pytest.mark.parametrize("path", ["/en/tell-us/you", "/cy/tell-us/agency", "/en/replies", "/en/receipt/new"])
def test_head_on_a_form_page_is_a_get_and_sends_nothing(app, client, path):
    """HEAD ran the sending branch (the views tested `method == "GET"`)."""
    head = client.head(path)
    get = client.get(path)
    assert head.status_code == get.status_code and head.status_code < 400, (head.status_code, get.status_code)
    assert count_reports(app) == 0


def test_the_confirmation_says_when_we_will_try_as_they_asked(app, client, reporter):
    """Not safe today, safe only on afternoons of the second working day from today (always after the working-day
    target, whatever day the test runs): the deadline is the end of that safe window, and the confirmation says so
    instead of promising today."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from portal.workdays.working_time import next_working_day
    now = datetime.now(ZoneInfo("Europe/London"))
    safe = next_working_day(next_working_day(now.date(), "wales"), "wales")
    answers = {"story": STORY, "contact_methods": ["text"], "phone_text": "07700 900982", "safe_today": "no",
               "safe_days": [f"{safe:%a}".lower()], "safe_times": ["afternoon"]}
    assert reporter.send(answers).status_code == 303
    page = client.get("/en/sent").get_data(as_text=True)
    (row,) = [r["row"] for r in open_all(app)]
    def aware(moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))

    assert row.due_basis == "window" and aware(row.first_contact_due) > aware(row.target_due)
    local = aware(row.first_contact_due).astimezone(ZoneInfo("Europe/London"))
    assert local.date() == safe and local.hour == 17
    promise = f"We will try to contact you on {safe:%A} {local.day} {local:%B} between 12:00 and 17:00, as you asked."
    assert promise in page
    assert "aims to contact you today" not in page


def test_a_saturday_evening_only_report_is_told_it_is_out_of_hours(app, client, reporter):
    answers = {"story": STORY, "contact_methods": ["text"], "phone_text": "07700 900982",
               "safe_days": ["sat"], "safe_times": ["evening"]}
    assert reporter.send(answers).status_code == 303
    page = client.get("/en/sent").get_data(as_text=True)
    assert "outside our team's usual working hours" in page
    (row,) = [r["row"] for r in open_all(app)]
    assert row.out_of_hours


def test_an_agency_that_asked_for_no_direct_contact_is_not_told_it_asked_for_none(app, client, reporter):
    answers = {"org_name": "Joiners Ltd", "worker_name": "Dai", "work_phone": "01632 960001",
               "contact_methods": ["none"]}
    assert reporter.send(answers, slug="agency").status_code == 303
    page = client.get("/en/sent").get_data(as_text=True)
    assert "You told us not to contact the person directly." in page
    assert "You asked us not to contact you" not in page


@pytest.mark.parametrize("slug", ["you", "someone", "agency"])
def test_texts_without_a_mobile_number_is_said_under_the_mobile_number(reporter, slug):
    """Each error sits on its own field: "Text message" with no number is about the texts field, not the calls
    one (and the summary links there)."""
    answers = {"contact_methods": ["text"]}
    if slug == "agency":
        answers.update(org_name="Support", worker_name="Jo", work_phone="01632 960 002")
    html = reporter.send(answers, slug=slug).get_data(as_text=True)
    assert '<p id="phone_text-error" class="error-message">' in html
    assert "Enter a mobile number we can text safely" in html[html.index('id="phone_text-error"'):][:300]
    assert 'id="phone_call-error"' not in html
    assert '<a href="#phone_text">Enter a mobile number we can text safely</a>' in html
    # Texts and calls both ticked, one number: texts go to the calls number, so only that one is asked for.
    both = reporter.send({**answers, "contact_methods": ["call", "text"]}, slug=slug).get_data(as_text=True)
    assert 'id="phone_call-error"' in both and 'id="phone_text-error"' not in both
    sent = reporter.send({**answers, "contact_methods": ["call", "text"], "phone_call": "07700 900982"}, slug=slug)
    assert sent.status_code == 303


@pytest.mark.parametrize("slug", ["you", "someone", "agency", "work"])
def test_each_field_gets_the_keyboard_its_answer_needs(client, slug):
    """A phone field is tel, an e-mail address field email, and nothing else is (the voicemail's message is
    text, though its name holds the letters of "email")."""
    html = client.get(f"/en/tell-us/{slug}").get_data(as_text=True)
    types = dict(re.findall(r'<input class="input[^"]*" id="([a-z_]+)" name="[a-z_]+" type="([a-z]+)"', html))
    assert types, "no text inputs found"
    for name, kind in types.items():
        wanted = "tel" if "phone" in name else "email" if name == "email" or name.endswith("_email") else "text"
        assert kind == wanted, (name, kind)
    if slug == "you":
        assert types["voicemail_message"] == "text" and types["email"] == "email"

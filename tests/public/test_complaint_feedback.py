"""The receipt's pages for a complaint and the survivor's feedback, in English and Welsh, without JavaScript: a clear,
optional way to complain from the conversation; the feedback questions offered only once the case is closed, only
where safe, and never shown, named or reachable without signing in with the receipt; nothing in the URL; nothing
typed lost to an error, an expired token, the language switch or a session that ended meanwhile."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.store.complaint_models import Complaint, FeedbackTally, SurvivorFeedback
from tests.staff_helpers import (
    csrf_from,
    dbs,
    get_receipt,
    html_of,
    messages_page,
    new_client,
    send_report,
    set_report,
    sign_in_with,
)

CLOSED = {"is_open": False, "status": "closed", "close_reason": "support_in_place"}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def reporter(app: Any, lang: str = "en", **closed: Any) -> tuple[Any, str, str]:
    client = new_client(app)
    reference = send_report(client, lang=lang)
    receipt = get_receipt(client, lang)
    if closed:
        set_report(app, reference, **closed)
    return client, reference, receipt


def stored(app: Any) -> list[Complaint]:
    with dbs(app) as s:  # closed at once: an open transaction would hold PostgreSQL's schema past the test
        return list(s.scalars(select(Complaint)))


def key_of(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def complain(client: Any, lang: str = "en", **data: Any) -> Any:
    page = html_of(client.get(f"/{lang}/replies/complaint"))
    return client.post(f"/{lang}/replies/complaint",
                       data={"csrf_token": csrf_from(page), "submission_key": key_of(page), "action": "send", **data})


def answer(client: Any, lang: str = "en", **data: Any) -> Any:
    page = html_of(client.get(f"/{lang}/replies/feedback"))
    return client.post(f"/{lang}/replies/feedback", data={"csrf_token": csrf_from(page), **data})


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_reporter_complains_from_their_conversation_in_their_language(app, lang):
    client, _reference, _receipt = reporter(app, lang)
    page = messages_page(client, lang)
    assert f'href="/{lang}/replies/complaint"' in page
    form = client.get(f"/{lang}/replies/complaint")
    assert form.status_code == 203 and f'<html lang="{lang}"' in html_of(form)
    sent = complain(client, lang, about=["delay", "help"], text="Wombat: it took too long.")
    assert sent.status_code == 303 and sent.headers["Location"] == f"/{lang}/replies/messages"
    (row,) = stored(app)
    assert (row.channel, row.about, row.language, row.state) == ("receipt", "delay help", lang, "open")
    after = messages_page(client, lang)
    assert "Wombat: it took too long." in after and 'class="message complaint-sent"' in after
    if lang == "en":
        assert "Complaint sent" in after and "You sent a complaint on" in after
    else:
        assert "Complaint sent" not in after and "Anfonoch chi gŵyn ddydd" in after


def test_an_empty_complaint_is_refused_and_what_was_chosen_stays(app):
    client, _reference, _receipt = reporter(app)
    refused = complain(client, about=["treatment"], text="   ")
    assert refused.status_code == 400
    html = html_of(refused)
    assert "Tell us what your complaint is about" in html and 'value="treatment" checked' in html
    assert stored(app) == []


def test_an_expired_token_and_the_language_switch_keep_the_complaint(app):
    client, _reference, _receipt = reporter(app)
    page = html_of(client.get("/en/replies/complaint"))
    data = {"submission_key": key_of(page), "about": ["sharing"], "text": "Quokka: you told my landlord."}
    stale = client.post("/en/replies/complaint", data={**data, "csrf_token": "stale", "action": "send"})
    assert stale.status_code == 200 and "Quokka: you told my landlord." in html_of(stale)
    assert "the page timed out" in html_of(stale)
    switched = client.post("/cy/replies/complaint", data={**data, "csrf_token": csrf_from(page),
                                                          "action": "switch-language"})
    assert '<html lang="cy"' in html_of(switched) and "Quokka: you told my landlord." in html_of(switched)
    assert 'value="sharing" checked' in html_of(switched)
    assert stored(app) == []


def test_a_complaint_typed_after_the_session_ended_is_carried_through_the_sign_in_and_sent_once_checked(app):
    client, _reference, receipt = reporter(app)
    page = html_of(client.get("/en/replies/complaint"))
    client.delete_cookie("s")  # the session has ended, as an idle time-out does
    carried = client.post("/en/replies/complaint", data={"csrf_token": csrf_from(page), "submission_key": key_of(page),
                                                         "about": ["contact"], "text": "Bilby: kept through sign-in.",
                                                         "action": "send"})
    html = html_of(carried)
    assert carried.status_code == 200 and "Your complaint has not been sent yet" in html
    assert "Bilby: kept through sign-in." in html and 'name="pending_kind" value="complaint"' in html
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    assert fields["about"] == "contact" and fields["submission_key"] == key_of(page)
    signed = client.post("/en/replies", data={"csrf_token": csrf_from(html), "receipt": receipt,
                                              "pending_kind": "complaint", "about": "contact",
                                              "submission_key": fields["submission_key"],
                                              "text": "Bilby: kept through sign-in."})
    again = html_of(signed)
    assert "You are signed in again. Check your complaint, then send it." in again
    assert "Bilby: kept through sign-in." in again and 'value="contact" checked' in again
    assert stored(app) == []  # nothing sent until they send it
    sent = client.post("/en/replies/complaint", data={"csrf_token": csrf_from(again), "submission_key": key_of(again),
                                                      "about": "contact", "text": "Bilby: kept through sign-in.",
                                                      "action": "send"})
    assert sent.status_code == 303 and len(stored(app)) == 1


def test_the_feedback_questions_are_offered_only_once_the_case_is_closed(app):
    client, reference, _receipt = reporter(app)
    open_page = messages_page(client)
    assert "/en/replies/feedback" not in open_page and "How did we do?" not in open_page
    early = client.get("/en/replies/feedback")
    assert early.status_code == 303 and early.headers["Location"] == "/en/replies/messages"
    set_report(app, reference, **CLOSED)
    closed_page = messages_page(client)
    assert 'href="/en/replies/feedback"' in closed_page and "How did we do?" in closed_page


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_survivor_answers_in_their_language_and_is_not_asked_again(app, lang):
    client, _reference, _receipt = reporter(app, lang, **CLOSED)
    form = html_of(client.get(f"/{lang}/replies/feedback"))
    assert 'name="safer"' in form and 'name="contact_way"' in form and 'name="comment"' in form
    if lang == "cy":
        assert "Ydych chi'n teimlo'n fwy diogel?" in form and "Do you feel safer?" not in form
    sent = answer(client, lang, safer="yes", contact_way="partly", comment="Quoll: thank you.", action="send")
    assert sent.status_code == 303 and sent.headers["Location"] == f"/{lang}/replies/messages"
    after = messages_page(client, lang)
    assert f"/{lang}/replies/feedback" not in after
    with dbs(app) as s:
        assert s.scalars(select(SurvivorFeedback.state)).all() == ["given"]
        assert [(t.safer, t.contact_way, t.commented) for t in s.scalars(select(FeedbackTally))] == [
            ("yes", "partly", True)]
    assert client.get(f"/{lang}/replies/feedback").status_code == 303  # asked once


def test_no_answer_at_all_asks_for_one_and_no_thank_you_stops_the_questions(app):
    client, _reference, _receipt = reporter(app, **CLOSED)
    empty = answer(client, action="send", comment="  ")
    assert empty.status_code == 400 and "Answer at least one question, or choose No thank you" in html_of(empty)
    declined = answer(client, action="decline", comment="Typed, then thought better of it.")
    assert declined.status_code == 303
    assert "We will not ask you again" in messages_page(client)
    with dbs(app) as s:
        assert s.scalars(select(SurvivorFeedback.state)).all() == ["declined"]
        assert s.scalars(select(FeedbackTally)).all() == []


def test_nothing_of_the_feedback_shows_without_signing_in_with_the_receipt(app):
    client, _reference, _receipt = reporter(app, **CLOSED)
    stranger = new_client(app)
    for path in ("/en/replies/feedback", "/en/replies/complaint", "/en/replies"):
        html = html_of(stranger.get(path))
        assert 'action="/en/replies"' in html  # the sign-in form
        words = re.sub(r"<[^>]+>", " ", html).lower()  # what the page says (its own address aside)
        for word in ("How did we do", "feel safer", "complaint", "feedback", "closed"):
            assert word.lower() not in words, (path, word)
    posted = stranger.post("/en/replies/feedback", data={"safer": "yes"})
    assert "feel safer" not in html_of(posted).lower() and 'action="/en/replies"' in html_of(posted)
    with dbs(app) as s:
        assert s.scalars(select(SurvivorFeedback)).all() == []
    # The signed-in reporter's page says nothing in its address or cookie: a fixed path, only the session id.
    page = client.get("/en/replies/feedback")
    assert page.status_code == 203 and page.request.path == "/en/replies/feedback" and not page.request.query_string
    assert [c.key for c in client._cookies.values()] == ["s"]  # type: ignore[attr-defined]


def test_feedback_typed_after_the_session_ended_is_carried_to_the_questions_after_sign_in(app):
    client, _reference, receipt = reporter(app, **CLOSED)
    page = html_of(client.get("/en/replies/feedback"))
    client.delete_cookie("s")
    carried = html_of(client.post("/en/replies/feedback", data={"csrf_token": csrf_from(page), "safer": "no",
                                                                "comment": "Dingo: kept.", "action": "send"}))
    assert "Your answers have not been sent yet" in carried and "Dingo: kept." in carried
    assert "feel safer" not in carried.lower()  # the question itself is not named before signing in
    signed = html_of(sign_in_with(client, receipt, pending_kind="feedback", safer="no", comment="Dingo: kept."))
    assert "Check your answers, then send them." in signed and "Dingo: kept." in signed
    assert re.search(r'name="safer" type="radio" value="no" checked', signed)

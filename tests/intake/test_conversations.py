"""A reporter's receipt, status and messages (issue 5): opt-in, unguessable and underivable, rate-limited
without a hint, sealed both ways, readable by the team in the case, deletable, and nothing lost."""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from portal.crypto.keys import load_private_keys
from portal.crypto.sealing import CannotOpen, Opener
from portal.intake import conversations as conv
from portal.store.models import AuditEvent, ContactAttempt, Conversation, Message, WebSession
from tests.staff_helpers import (
    RECEIPT_SHOWN,
    SAFE_TEXT,
    STORY,
    csrf_from,
    dbs,
    get_receipt,
    html_of,
    messages_page,
    new_client,
    post_form,
    record_assessment,
    report_row,
    reporter_with_receipt,
    send_report,
    set_report,
    sign_in_with,
    signed_in,
    write,
)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def public(app):  # type: ignore[no-untyped-def]
    return new_client(app)


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def rows(app: Any, model: Any) -> list[Any]:
    with dbs(app) as s:
        return list(s.scalars(select(model)))


def team_opener(app: Any) -> Opener:
    return Opener(load_private_keys(Path(app.config["PRIVATE_KEY_DIR"]), app.config["KEY_PASSPHRASE"]))


def database_bytes(app: Any, instance: Path) -> bytes:
    """Every stored byte: the SQLite files, or (PostgreSQL pass) a dump of the tables that matter."""
    if app.config["DATABASE_URL"].startswith("sqlite"):
        return b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    dump = []
    with dbs(app) as s:
        for table in ("conversation", "message", "web_session", "report", "audit_event"):
            for row in s.execute(text(f"SELECT * FROM {table}")):
                dump.append(repr(tuple(row)).encode())
    return b"\n".join(dump)


# --- the receipt itself ------------------------------------------------------------------------------------


def test_receipts_are_16_random_digits_shown_in_groups():
    receipts = [conv.new_receipt() for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9]{16}", r) for r in receipts)
    assert len(set(receipts)) == 2000
    # Every position uses every digit (a fixed or narrow position would cut the entropy).
    for position in range(16):
        assert len(Counter(r[position] for r in receipts)) == 10, position
    assert conv.grouped("0123456789012345") == "0123 4567 8901 2345"


@pytest.mark.parametrize("typed", ["0123 4567 8901 2345", "0123-4567-8901-2345", " 0123456789012345 ",
                                   "0123.4567.8901.2345", "(0123) 4567 8901 2345"])
def test_a_receipt_may_be_typed_as_a_phone_number_is(typed):
    assert conv.normalise(typed) == "0123456789012345"


@pytest.mark.parametrize("typed", ["", "0123 4567 8901 234", "0123 4567 8901 23456", "O123 4567 8901 2345",
                                   "０１２３４５６７８９０１２３４５", "0123456789012345x"])
def test_anything_else_is_not_a_receipt(typed):
    assert conv.normalise(typed) is None


def test_the_kdf_is_memory_hard_and_peppered():
    assert conv.ARGON2["memory_cost"] >= 19 * 1024 and conv.ARGON2["iterations"] >= 2
    one = conv.derive("0123456789012345", b"pepper one")
    assert one == conv.derive("0123456789012345", b"pepper one")
    assert one.lookup != conv.derive("0123456789012345", b"pepper two").lookup  # the database alone cannot test
    assert one.lookup != conv.derive("0123456789012346", b"pepper one").lookup
    assert one.seed not in bytes.fromhex(one.lookup) and len(one.seed) == 32


def test_nothing_stored_derives_the_receipt(app, instance):
    client, reference, receipt = reporter_with_receipt(app)
    digits = receipt.replace(" ", "")
    stored = database_bytes(app, instance)
    for form in (digits, receipt, "-".join(receipt.split())):
        assert form.encode() not in stored
    (conversation,) = rows(app, Conversation)
    # Neither a plain hash of the receipt nor an unpeppered Argon2id of it is what is stored.
    assert conversation.lookup != hashlib.sha256(digits.encode()).hexdigest()
    assert conversation.lookup != conv.derive(digits, b"").lookup
    peppered = conv.derive(digits, conv.pepper(app.config))
    assert conversation.lookup == peppered.lookup
    public, _private = conv.key_pair(peppered.seed)
    assert conversation.public_key == public.raw
    # The session row keeps the seed only wrapped under the cookie's id, which the database does not hold.
    sessions = [row.data for row in rows(app, WebSession)]
    assert not any(peppered.seed.hex() in data or digits in data for data in sessions)
    state = next(json.loads(data)["conv"] for data in sessions if "conv" in data)
    assert state["id"] == conversation.id
    row_id = next(row.id_hash for row in rows(app, WebSession) if "conv" in row.data)
    assert conv.unwrap(row_id, conversation.id, state["key"]) is None  # the stored hash does not unwrap it


def test_the_database_alone_cannot_open_a_reply(app, officer):
    client, reference, receipt = reporter_with_receipt(app)
    staff, _account = officer
    assert post_form(staff, f"/staff/cases/{reference}/reply", {"language": "en",
                                                                "text": "We can meet on Tuesday."}).status_code == 303
    (message,) = rows(app, Message)
    team = team_opener(app)
    # The team's copy opens with the team's key; the reporter's copy does not, and is bound to its message.
    assert team.open(message.sealed, conv.TEAM_PURPOSE, message.id) == b"We can meet on Tuesday."
    with pytest.raises(CannotOpen):
        team.open(message.reporter_sealed, conv.REPORTER_PURPOSE, message.id)
    seed = conv.derive(receipt.replace(" ", ""), conv.pepper(app.config)).seed
    _public, private = conv.key_pair(seed)
    reporter = Opener({private.key_id: private})
    assert reporter.open(message.reporter_sealed, conv.REPORTER_PURPOSE, message.id) == b"We can meet on Tuesday."
    with pytest.raises(CannotOpen):
        reporter.open(message.reporter_sealed, conv.REPORTER_PURPOSE, "another-message")


# --- opting in ------------------------------------------------------------------------------------------


def test_a_receipt_is_only_made_when_asked_for(app, public):
    send_report(public)
    sent = html_of(public.get("/en/sent"))
    assert "Hear back from us on this website" in sent
    offer = html_of(public.get("/en/receipt/new"))
    for words in ("Anyone who finds your receipt can read the messages", "save it as a phone number in your contacts",
                  "we cannot find it or give you a new one", "delete the conversation and the receipt"):
        assert words in offer
    assert rows(app, Conversation) == []  # reading about it makes nothing


def test_someone_without_the_report_cannot_get_its_receipt(app, public):
    send_report(public)
    stranger = new_client(app)
    assert stranger.get("/en/receipt/new").headers["Location"] == "/en/replies"
    page = stranger.get("/en/replies")
    assert stranger.post("/en/receipt/new", data={"csrf_token": csrf_from(page)}).headers["Location"] == "/en/replies"
    assert rows(app, Conversation) == []


def test_a_double_tap_on_get_a_receipt_makes_one_and_shows_it(app, public):
    send_report(public)
    offer = public.get("/en/receipt/new")
    token = csrf_from(offer)
    first = public.post("/en/receipt/new", data={"csrf_token": token})
    second = public.post("/en/receipt/new", data={"csrf_token": token})
    assert first.headers["Location"] == second.headers["Location"] == "/en/receipt"
    assert len(rows(app, Conversation)) == 1
    assert RECEIPT_SHOWN.search(html_of(public.get("/en/receipt")))


def test_a_receipt_is_shown_once_and_never_again(app, public):
    send_report(public)
    receipt = get_receipt(public)  # shown by its first GET
    again = public.get("/en/receipt")
    assert again.status_code == 203 and "Your receipt has already been shown" in html_of(again)
    assert receipt not in html_of(again) and receipt.replace(" ", "") not in html_of(again)
    assert "If you did not keep it" in html_of(again) and 'href="/en/replies/delete"' in html_of(again)
    page = messages_page(public)
    assert receipt not in page and receipt.replace(" ", "") not in page
    # Asked again for the same report, it cannot be shown: it was never kept.
    offer = public.get("/en/receipt/new")
    refused = public.post("/en/receipt/new", data={"csrf_token": csrf_from(offer)})
    assert refused.status_code == 409 and "already has a receipt" in html_of(refused)
    assert receipt not in html_of(refused)
    assert len(rows(app, Conversation)) == 1


def test_the_first_request_for_the_receipt_takes_it_whoever_asks(app, public):
    """Shown once means once for the browser: a second tab (the same cookies) asking first gets it, and the
    tab that asked for it then gets only the explanation. A HEAD shows nothing, so it takes nothing."""
    send_report(public)
    offer = public.get("/en/receipt/new")
    assert public.post("/en/receipt/new", data={"csrf_token": csrf_from(offer)}).status_code == 303
    assert public.head("/en/receipt").status_code == 203
    first = html_of(public.get("/en/receipt"))
    digits = " ".join(RECEIPT_SHOWN.search(first).groups())  # type: ignore[union-attr]
    second = html_of(public.get("/en/receipt"))
    assert RECEIPT_SHOWN.search(second) is None and digits not in second
    assert public.get("/en/replies/messages").status_code == 203  # and the conversation is open


def test_the_reference_is_shown_once_and_the_page_says_why(app, public):
    from tests.conftest import Reporter
    assert Reporter(public).send({**SAFE_TEXT, "story": STORY}).status_code == 303
    first = html_of(public.get("/en/sent"))
    reference = re.search(r'class="reference">([A-Z0-9-]+)<', first).group(1)  # type: ignore[union-attr]
    again = public.get("/en/sent")
    assert again.status_code == 203 and reference not in html_of(again)
    assert "we show the reference only once" in html_of(again)
    assert 'href="/en/receipt/new"' in html_of(again)  # a receipt can still be had


def test_a_spooled_report_offers_no_receipt(app, public, monkeypatch):
    from portal.intake import reports
    from portal.intake.reports import Receipt

    real = reports.submit

    def spooled(*args: Any, **kwargs: Any) -> Receipt:
        kwargs.pop("with_receipt", None)
        receipt = real(*args, **kwargs)
        return Receipt(receipt.reference, receipt.first_contact_due, receipt.danger_now, receipt.no_contact, True)

    monkeypatch.setattr(reports, "submit", spooled)
    from tests.conftest import Reporter
    page = html_of(Reporter(public).send({**SAFE_TEXT, "story": STORY}))
    assert "reference" in page and "/en/receipt/new" not in page


# --- signing in -------------------------------------------------------------------------------------------


def _without_tokens(html: str) -> str:
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_a_wrong_receipt_and_a_deleted_one_get_the_same_answer(app):
    client, reference, receipt = reporter_with_receipt(app)
    page = messages_page(client)
    client.post("/en/replies/delete", data={"csrf_token": csrf_from(page)})
    tries = [sign_in_with(new_client(app), r) for r in (receipt, "0000 0000 0000 0001")]
    assert [t.status_code for t in tries] == [400, 400]
    assert _without_tokens(html_of(tries[0])) == _without_tokens(html_of(tries[1]))
    assert "We could not open a conversation with that receipt" in html_of(tries[0])
    assert receipt not in html_of(tries[0]) and receipt.replace(" ", "") not in html_of(tries[0]), \
        "a receipt is never written back into the page, as a password is not"


def test_a_receipt_not_in_the_right_shape_is_asked_for_again(app, public):
    response = sign_in_with(public, "1234")
    assert response.status_code == 400
    assert "Enter your receipt as 16 numbers" in html_of(response)
    assert 'value="1234"' not in html_of(response)  # like a password, never written back into the page
    assert 'id="receipt" name="receipt" type="text" value=""' in html_of(response)


def test_signing_in_is_limited_per_connection_and_counted_before_checking(staff_app_factory):
    app = staff_app_factory({"RECEIPT_SIGN_IN_LIMIT": "3 per minute"})
    client, _reference, receipt = reporter_with_receipt(app)
    guesser = new_client(app)
    for n in range(3):
        assert sign_in_with(guesser, f"0000 0000 0000 000{n}").status_code == 400
    refused = sign_in_with(guesser, receipt)  # the right receipt, but over the limit: not even checked
    assert refused.status_code == 429 and "Too many tries" in html_of(refused)
    assert "/replies/messages" not in refused.headers.get("Location", "")
    assert guesser.get("/en/replies/messages").status_code == 203  # the sign-in page
    assert "Your conversation" not in html_of(guesser.get("/en/replies/messages"))


def test_a_sign_in_gets_a_new_session_id_and_opens_the_conversation(app):
    _client, _reference, receipt = reporter_with_receipt(app)
    other = new_client(app)
    other.get("/en/replies")
    before = other.get_cookie("s").value
    response = sign_in_with(other, receipt)
    assert response.status_code == 303 and response.headers["Location"] == "/en/replies/messages"
    assert other.get_cookie("s").value != before
    with dbs(app) as s:
        stored = {row.id_hash for row in s.scalars(select(WebSession))}
    assert hashlib.sha256(before.encode()).hexdigest() not in stored  # the old session is gone
    assert "Your conversation with our team" in messages_page(other)


# --- messages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_messages_both_ways_in_the_reporters_language(app, officer, lang):
    client, reference, receipt = reporter_with_receipt(app, lang=lang)
    assert write(client, "The locks still have not been changed.",
                 lang).headers["Location"] == f"/{lang}/replies/messages#latest"
    staff, _account = officer
    case = html_of(staff.get(f"/staff/cases/{reference}"))
    assert "The locks still have not been changed." in case and f'lang="{lang}"' in case
    form = html_of(staff.get(f"/staff/cases/{reference}/reply"))
    assert re.search(rf'value="{lang}" checked', form)  # the reporter's language is chosen for the reply
    reply = "Byddwn yn newid y cloeon ddydd Iau." if lang == "cy" else "We will change the locks on Thursday."
    assert post_form(staff, f"/staff/cases/{reference}/reply", {"language": lang, "text": reply}).status_code == 303
    page = messages_page(client, lang)
    assert reply in page and f'lang="{lang}" dir="auto">{reply}' in page
    assert 'class="new"' in page
    assert 'class="new"' not in messages_page(client, lang)  # seen now
    assert "Read by the reporter" in html_of(staff.get(f"/staff/cases/{reference}"))
    team = team_opener(app)
    texts = [team.open(m.sealed, conv.TEAM_PURPOSE, m.id).decode() for m in sorted(rows(app, Message),
                                                                                   key=lambda m: m.at)]
    assert texts == ["The locks still have not been changed.", reply]


def test_a_reply_is_a_contact_attempt_that_reaches_them_once_read(app, officer):
    client, reference, receipt = reporter_with_receipt(app, {"contact_methods": ["none"], "story": STORY})
    staff, account = officer
    post_form(staff, f"/staff/cases/{reference}/reply", {"language": "en", "text": "We have read your report."})
    report = report_row(app, reference)
    assert not report.contacted and report.first_contact_at is None and report.status == "contact_attempted"
    messages_page(client)  # they read it
    html_of(staff.get("/staff/"))
    assert report_row(app, reference).first_contact_at is not None
    (attempt,) = rows(app, ContactAttempt)
    assert (attempt.method, attempt.outcome, attempt.staff_id) == ("message", "message_sent", account.id)
    actions = [e.action for e in rows(app, AuditEvent) if e.report_id == report.id]
    assert "case.message_sent" in actions
    assert "Message on the website (receipt)" in html_of(staff.get(f"/staff/cases/{reference}"))


def test_a_reply_needs_text_and_a_language_and_keeps_what_was_typed(app, officer):
    _client, reference, _receipt = reporter_with_receipt(app)
    staff, _account = officer
    missing = post_form(staff, f"/staff/cases/{reference}/reply", {"language": "", "text": "Half a reply"})
    assert missing.status_code == 400 and "Select the language of your reply" in html_of(missing)
    assert "Half a reply" in html_of(missing)
    assert post_form(staff, f"/staff/cases/{reference}/reply", {"language": "en", "text": ""}).status_code == 400
    assert rows(app, Message) == []


def test_no_reply_form_without_a_receipt(app, public, officer):
    reference = send_report(public)
    staff, _account = officer
    assert staff.get(f"/staff/cases/{reference}/reply").status_code == 404
    assert "Reply to the reporter" not in html_of(staff.get(f"/staff/cases/{reference}"))


def test_a_double_tap_sends_one_message(app):
    client, _reference, _receipt = reporter_with_receipt(app)
    page = messages_page(client)
    first = write(client, "Only once, please.", page=page)
    second = write(client, "Only once, please.", page=page)
    assert first.status_code == second.status_code == 303
    assert len(rows(app, Message)) == 1


def test_an_empty_or_too_long_message_comes_back_with_what_was_typed(app):
    client, _reference, _receipt = reporter_with_receipt(app)
    empty = write(client, "   ")
    assert empty.status_code == 400 and "Enter your message" in html_of(empty)
    long = "x" * (conv.MAX_MESSAGE + 1)
    refused = write(client, long)
    assert refused.status_code == 400 and "20,000 characters or fewer" in html_of(refused)
    assert long in html_of(refused)
    assert rows(app, Message) == []


def test_an_expired_token_keeps_the_message(app):
    client, _reference, _receipt = reporter_with_receipt(app)
    page = messages_page(client).replace(csrf_from(messages_page(client)), "expired")
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/en/replies/messages", data={"csrf_token": "not-a-token", "submission_key": key,
                                                         "text": "Please keep this."})
    assert response.status_code == 200 and "Please keep this." in html_of(response)
    assert "Nothing has been sent yet" in html_of(response)
    assert rows(app, Message) == []
    assert write(client, "Please keep this.", page=html_of(response)).status_code == 303


def test_a_message_written_past_the_idle_limit_is_sent_after_signing_in_again(app):
    client, _reference, receipt = reporter_with_receipt(app)
    writing = messages_page(client)
    app.config["REPORTER_IDLE"] = timedelta(seconds=0)  # as if they had been writing for half an hour
    page = html_of(client.get("/en/replies/messages"))
    assert "You have been signed out" in page
    # A message posted from a page opened before the time-out is not lost: the sign-in form carries it.
    response = client.post("/en/replies/messages", data={"csrf_token": csrf_from(writing), "submission_key": "k" * 20,
                                                         "text": "Written slowly, line one.\nLine two."})
    carried = html_of(response)
    assert "Your message has not been sent yet" in carried and "Written slowly, line one.\nLine two." in carried
    assert rows(app, Message) == []
    app.config["REPORTER_IDLE"] = timedelta(minutes=30)
    sent = client.post("/en/replies", data={"csrf_token": csrf_from(carried), "receipt": receipt,
                                            "pending": "Written slowly, line one.\nLine two.", "pending_key": "k" * 20})
    assert sent.status_code == 303
    (message,) = rows(app, Message)
    assert team_opener(app).open(message.sealed, conv.TEAM_PURPOSE,
                                 message.id) == b"Written slowly, line one.\nLine two."


def test_a_message_that_cannot_be_sealed_is_kept_and_not_stored(app, monkeypatch):
    client, _reference, _receipt = reporter_with_receipt(app)
    page = messages_page(client)
    Path(app.config["PUBLIC_KEY_FILE"]).rename(Path(app.config["PUBLIC_KEY_FILE"]).with_suffix(".away"))
    response = write(client, "Keep me.", page=page)
    assert response.status_code == 503 and "Keep me." in html_of(response)
    assert "Your message has not been sent" in html_of(response)
    assert rows(app, Message) == []


# --- status -----------------------------------------------------------------------------------------------


def test_the_status_says_only_what_is_safe(app, officer):
    answers = {"contact_methods": ["text"], "phone_text": "07700 900982", "story": STORY}
    client, reference, _receipt = reporter_with_receipt(app, answers)
    assert "Our team has not picked it up yet" in messages_page(client)
    staff, account = officer
    set_report(app, reference, owner_id=account.id)
    assert "Our team is looking at your report" in messages_page(client)
    post_form(staff, f"/staff/cases/{reference}/contact",
              {"how": "person:text", "outcome": "wrong_details", "profile_checked": "y"})
    page = messages_page(client)
    assert "Someone from our team has tried to contact you" in page
    main = page.split("<main")[1].split("</main>")[0]
    for detail in ("Text message", "text message", "07700", "did not work", "details", account.name, "voicemail"):
        assert detail not in main
    post_form(staff, f"/staff/cases/{reference}/contact", {"how": "person:text", "outcome": "spoke",
                                                           "profile_checked": "y"})
    assert "Our team is looking at your report" in messages_page(client)
    record_assessment(app, reference)
    post_form(staff, f"/staff/cases/{reference}/status", {"status": "closed", "close_reason": "support_in_place"})
    assert "finished working on your report" in messages_page(client)
    assert write(client, "One more thing.").status_code == 303  # a closed case can still be written to


# --- the queue and notifications --------------------------------------------------------------------------


def test_new_messages_are_flagged_in_the_queue_even_on_a_closed_case(app, officer):
    client, reference, _receipt = reporter_with_receipt(app)
    staff, _account = officer
    record_assessment(app, reference)
    post_form(staff, f"/staff/cases/{reference}/status", {"status": "closed", "close_reason": "support_in_place"})
    write(client, "Things have changed again.")
    queue = html_of(staff.get("/staff/"))
    assert "1 report has a new message from the reporter." in queue
    assert reference not in queue  # closed: not in the default queue, but the banner leads to it
    flagged = html_of(staff.get("/staff/?flag=messages"))
    assert reference in flagged and "New message" in flagged
    staff.get(f"/staff/cases/{reference}")  # reading the case clears the flag
    assert reference not in html_of(staff.get("/staff/?flag=messages"))
    assert "new message from the reporter." not in html_of(staff.get("/staff/"))


def test_an_auditor_cannot_read_or_reply(app):
    _client, reference, _receipt = reporter_with_receipt(app)
    auditor, _account = signed_in(app, "auditor")
    assert auditor.get(f"/staff/cases/{reference}/reply").status_code == 403
    assert auditor.get(f"/staff/cases/{reference}").status_code == 403


def test_the_notification_counts_messages_in_both_languages_and_says_nothing_else(app):
    from flask_babel import force_locale, ngettext

    from portal.casework.notify import compose

    with app.test_request_context("/staff/"):
        message = compose({**app.config, "MAIL_FROM": "portal@example.org"}, "team@example.org", 0, 2)
        with force_locale("cy"):
            welsh = ngettext("%(num)d new message from a reporter is waiting.",
                             "%(num)d new messages from reporters are waiting.", 2)
    body = message.get_content()
    assert "2 new messages from reporters are waiting." in body
    assert welsh in body and "reporters" not in welsh  # a real Welsh sentence, not the English one
    assert "report is waiting" not in body  # no reports arrived: only the messages are counted


def test_notify_announces_each_message_once(app, monkeypatch):
    import portal.casework.notify
    from portal.casework.notify import notify
    from portal.store.db import db

    client, _reference, _receipt = reporter_with_receipt(app)
    write(client, "Please call after six.")
    sent: list[Any] = []
    monkeypatch.setattr(portal.casework.notify, "send", lambda smtp, message: sent.append(message))
    config = {**app.config, "SMTP": {"host": "mail.example.org", "port": 25}, "MAIL_FROM": "p@example.org",
              "NOTIFY_TO": "team@example.org"}
    with app.test_request_context("/staff/"):
        first = notify(db(), config)
        second = notify(db(), config)
    assert first.messages == 1 and first.sent and second.messages == 0 and not second.sent
    (mail,) = sent
    body = mail.get_content()
    assert "1 new message from a reporter is waiting." in body
    assert "Please call after six" not in body and _reference not in body


# --- ending it --------------------------------------------------------------------------------------------


def test_signing_out_ends_the_session_here_and_in_the_browser(app):
    client, _reference, _receipt = reporter_with_receipt(app)
    cookie = client.get_cookie("s").value
    page = messages_page(client)
    response = client.post("/en/replies/sign-out", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200 and response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "You have signed out" in html_of(response)
    assert client.get_cookie("s") is None
    with dbs(app) as s:
        assert s.get(WebSession, hashlib.sha256(cookie.encode()).hexdigest()) is None
    client.set_cookie("s", cookie)  # an old copy of the cookie opens nothing
    assert "Your conversation" not in html_of(client.get("/en/replies/messages"))


def test_the_quick_exit_ends_a_signed_in_session(app):
    client, _reference, _receipt = reporter_with_receipt(app)
    cookie = client.get_cookie("s").value
    assert client.get("/exit").status_code == 303
    client.set_cookie("s", cookie)
    assert "Your conversation" not in html_of(client.get("/en/replies/messages"))


def test_deleting_ends_the_receipt_and_the_reporters_copies_but_not_the_case_record(app, officer):
    client, reference, receipt = reporter_with_receipt(app)
    write(client, "Here is more information.")
    staff, _account = officer
    post_form(staff, f"/staff/cases/{reference}/reply", {"language": "en", "text": "Thank you."})
    confirm = html_of(client.get("/en/replies/delete"))
    assert "stay in our team's confidential case records" in confirm
    done = client.post("/en/replies/delete", data={"csrf_token": csrf_from(confirm)})
    assert done.status_code == 200 and done.headers["Clear-Site-Data"]
    assert "The receipt no longer works" in html_of(done)
    (conversation,) = rows(app, Conversation)
    assert conversation.lookup is None and conversation.public_key is None and conversation.deleted_at
    assert all(m.reporter_sealed is None for m in rows(app, Message))
    assert sign_in_with(new_client(app), receipt).status_code == 400
    case = html_of(staff.get(f"/staff/cases/{reference}"))
    assert "The reporter deleted this conversation" in case and "Here is more information." in case
    assert "Reply to the reporter" not in case
    assert staff.get(f"/staff/cases/{reference}/reply").status_code == 404


def test_purging_a_case_removes_its_conversation(app, officer):
    from datetime import datetime, timezone

    from portal.casework.retention import purge

    client, reference, _receipt = reporter_with_receipt(app)
    write(client, "Old news.")
    set_report(app, reference, is_open=False, status="closed", close_reason="declined",
               closed_at=datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert purge(app.extensions["sessionmaker"], app.config).cases == 1
    assert rows(app, Conversation) == [] and rows(app, Message) == []


# --- pages ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/cy/replies", "/cy/receipt/new"])
def test_reporter_pages_are_in_welsh(app, path):
    client = new_client(app)
    send_report(client, lang="cy")
    page = html_of(client.get(path))
    assert '<html lang="cy"' in page
    for english in ("Read replies from our team", "Hear back from us on this website", "Sign in"):
        assert english not in page


def test_the_migrations_make_what_the_models_describe(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from portal.store.models import Base

    with app.extensions["engine"].connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_switching_language_keeps_a_message_being_written(app):
    client, _reference, _receipt = reporter_with_receipt(app)
    page = messages_page(client)
    assert 'form="report-form"' in page and 'id="report-form"' in page  # the switch posts the message form
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    switched = client.post("/cy/replies/messages", data={"csrf_token": csrf_from(page), "submission_key": key,
                                                         "text": "Half written", "action": "switch-language"})
    assert switched.status_code == 200 and '<html lang="cy"' in html_of(switched)
    assert "Half written" in html_of(switched) and key in html_of(switched)
    assert rows(app, Message) == []


def test_switching_language_on_the_sign_in_page_keeps_a_carried_message(app):
    client = new_client(app)
    page = html_of(client.get("/en/replies"))
    switched = client.post("/cy/replies", data={"csrf_token": csrf_from(page), "receipt": "1234",
                                                "pending": "Carried text", "pending_key": "p" * 20,
                                                "action": "switch-language"})
    html = html_of(switched)
    assert switched.status_code == 200 and "Carried text" in html
    assert 'value="1234"' not in html  # the receipt, like a password, is typed again
    assert '<html lang="cy"' in html

"""A reporter's way back (portal/conversations.py): get a receipt, sign in with it, read replies, write,
sign out, delete. Every page works without JavaScript, is never cached, and leaves nothing in the browser
but the session cookie, which signing out, deleting and the quick exit all end."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone
from typing import Any

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.casework.sharing import REPORTER_KINDS, told_kinds
from portal.intake import conversations as conv
from portal.intake import feedback as fb
from portal.intake.reports import new_submission_key
from portal.public.conversation_forms import ButtonOnlyForm, MessageForm, ReceiptForm, carried_fields
from portal.public.views import bp
from portal.questions import messages as m
from portal.store.db import db
from portal.store.models import Conversation, Report
from portal.web.form_errors import error_summary
from portal.web.limits import receipt_attempt_allowed
from portal.web.security import keep_out_of_back_forward_cache

CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
# How the reporter's page names a kind of agency we told, in "We have shared information with: …" (never which
# agency, never what): only where the officer judged it safe to say.
TOLD_NAMES = {"police": _l("the police"), "support": _l("a support service"), "social_services": _l("social services"),
              "health": _l("health services"), "council": _l("the council's housing team"),
              "marac": _l("a MARAC (a meeting of agencies about keeping someone safe)"), "other": _l("another agency")}
assert set(TOLD_NAMES) == set(REPORTER_KINDS.values())


@bp.app_template_filter("reporter_datetime")
def _reporter_datetime(moment: datetime) -> str:
    """"Tuesday 24 November, 10:15" in the page's language and the organisation's time zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    text = format_datetime(aware, "EEEE d MMMM, HH:mm")
    return text[:1].lower() + text[1:] if g.get("lang_code") == "cy" else text  # "dydd Mawrth" mid-sentence


@bp.app_template_filter("reporter_date")
def _reporter_date(day: date) -> str:
    """"Tuesday 1 December", mid-sentence ("by Tuesday…", "erbyn dydd Mawrth…")."""
    text = format_date(day, "EEEE d MMMM")
    return text[:1].lower() + text[1:] if g.get("lang_code") == "cy" else text


@bp.app_template_filter("reporter_on_day")
def _reporter_on_day(day: date) -> str:
    """"on Tuesday 1 December" as the translation puts it: Welsh says it "ddydd Mawrth", with the adverbial soft
    mutation, which its msgstr then need not add."""
    text = _reporter_date(day)
    return "d" + text if g.get("lang_code") == "cy" and text.startswith("dydd") else text


def _idle_seconds() -> float:
    return current_app.config["REPORTER_IDLE"].total_seconds()


def _signed_in() -> tuple[Conversation, bytes] | None:
    """The conversation this browser is signed in to, and its seed; None if not (or no longer)."""
    state = session.get("conv")
    if not state:
        return None
    now = time.time()
    if now - float(state.get("seen", 0)) > _idle_seconds():
        session.pop("conv", None)
        g.timed_out = True
        return None
    session_id = getattr(session, "session_id", None)
    seed = conv.unwrap(session_id, state["id"], state["key"]) if session_id else None
    conversation = db().get(Conversation, state["id"]) if seed else None
    if conversation is None or conversation.deleted_at is not None or not conv.seed_matches(conversation, seed or b""):
        session.pop("conv", None)
        return None
    state["seen"] = now
    session["conv"] = state  # refreshes the idle timer
    return conversation, seed  # type: ignore[return-value]


def _sign_in(conversation: Conversation, seed: bytes, digits: str | None = None) -> None:
    """A fresh session id, and the seed (and, just after making it, the receipt) wrapped under it."""
    receipt = session.get("receipt")  # the just-sent report's confirmation stays available
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    session_id = session.session_id  # type: ignore[attr-defined]
    state: dict[str, Any] = {"id": conversation.id, "key": conv.wrap(session_id, conversation.id, seed),
                             "seen": time.time()}
    if digits:
        state["receipt"] = conv.wrap(session_id, conversation.id, digits.encode("ascii"), purpose="receipt")
    if receipt:
        session["receipt"] = receipt
    session["conv"] = state


def _end_session(template: str, status: int = 200) -> Response:
    """Sign out: the session goes from the database and the cookie, and the browser is told to forget us."""
    session.destroy()  # type: ignore[attr-defined]
    response = current_app.make_response((render_template(template), status))
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


# --- getting a receipt, just after sending a report ---------------------------------------------------------

def _sent_report() -> Report | None:
    receipt = session.get("receipt")
    if not receipt:
        return None
    return db().scalar(select(Report).where(Report.reference == receipt["reference"]))


@bp.route("/receipt/new", methods=["GET", "POST"])
def receipt_offer() -> Any:
    """What a receipt is, what it risks, and the choice to get one (never made for anyone by default)."""
    try:
        report = _sent_report()
    except SQLAlchemyError:
        return render_template("public/receipt_offer.html", form=ButtonOnlyForm(), notice="not-now"), 503
    if report is None:
        return redirect(url_for("public.replies"))
    form = ButtonOnlyForm()
    notice = None
    if request.method == "POST":
        if not form.validate():
            notice = "expired"  # the button's token timed out: nothing was made; they can press it again
        else:
            try:
                digits, conversation, seed = conv.start(db(), report, conv.pepper(current_app.config))
            except conv.AlreadyHasReceipt:
                state = session.get("conv") or {}
                if state.get("receipt") and _signed_in():  # a double tap: the first press made it
                    return redirect(url_for("public.receipt"), code=303)
                notice = "already"
            except (SQLAlchemyError, conv.MessageNotStored):
                db().rollback()
                notice = "not-now"
            else:
                _sign_in(conversation, seed, digits)
                return redirect(url_for("public.receipt"), code=303)
    status = {"not-now": 503, "already": 409}.get(notice or "", 200)
    return render_template("public/receipt_offer.html", form=form, notice=notice,
                           no_contact=report.no_contact or _sent_without_contact(),
                           kind=report.reporter_kind), status


@bp.route("/receipt", methods=["GET", "POST"])
def receipt() -> Any:
    """The receipt, shown once. It is never stored in the clear: the session holds it wrapped under the
    session id, and the first GET takes it out before showing it, so that no later request (a refresh,
    another tab, Back and Forward, someone else with the browser later) can show it again."""
    keep_out_of_back_forward_cache()
    signed_in = _signed_in()
    if signed_in is None:
        return redirect(url_for("public.replies"), code=303)
    if request.method == "POST":  # "I have kept it safe: continue"
        return redirect(url_for("public.messages"), code=303)
    state = session.get("conv") or {}
    if not state.get("receipt") or request.method != "GET":  # a HEAD shows nothing, so it takes nothing
        return render_template("public/receipt_shown.html", no_contact=_sent_without_contact())
    conversation, _seed = signed_in
    wrapped = state.pop("receipt")
    session["conv"] = state  # taken now: this is the only answer that will ever show it
    digits = conv.unwrap(session.session_id, conversation.id, wrapped, purpose="receipt")  # type: ignore[attr-defined]
    if digits is None:
        return render_template("public/receipt_shown.html", no_contact=_sent_without_contact())
    grouped = conv.grouped(digits.decode("ascii"))
    # A screen reader would say "1234" as a number: read it digit by digit, a pause after each group.
    spoken = ", ".join(" ".join(group) for group in grouped.split(" "))
    return render_template("public/receipt.html", receipt=grouped, receipt_spoken=spoken, form=ButtonOnlyForm())


def _sent_without_contact() -> bool:
    """Whether the report just sent from this browser asked for no contact (then a receipt was the only way
    back, and losing it matters more)."""
    return bool((session.get("receipt") or {}).get("no_contact"))


# --- signing in -------------------------------------------------------------------------------------------

@bp.route("/replies", methods=["GET", "POST"])
def replies() -> Any:
    """Sign in with a receipt. Every try is counted first; a wrong receipt and one that was deleted (or never
    existed) get the same answer, after the same slow derivation."""
    g.form_page = True  # the language switch posts the form, so a carried message is not lost
    keep_out_of_back_forward_cache()
    if request.method != "POST":
        if _signed_in():
            return redirect(url_for("public.messages"))
        return render_template("public/replies.html", form=ReceiptForm(formdata=None), errors=[],
                               notice="timed-out" if g.get("timed_out") else None)
    form = ReceiptForm()
    notice = None
    carried = carried_fields(request.form, form.pending_kind.data)  # a complaint or answers, kept through sign-in
    if request.form.get("action") == "switch-language":  # the same page in the other language, as typed
        notice = "send-after-sign-in" if form.pending.data else f"{form.pending_kind.data}-after-sign-in" \
            if carried else None
        return render_template("public/replies.html", form=form, errors=[], notice=notice, carried=carried)
    if form.validate():
        if not receipt_attempt_allowed():
            notice = "too-many"
        else:
            try:
                found = conv.find(db(), form.digits(), conv.pepper(current_app.config))
            except SQLAlchemyError:
                db().rollback()
                found, notice = None, "not-now"
            if found is not None:
                conversation, seed = found
                _sign_in(conversation, seed)
                pending = (form.pending.data or "").strip()
                if pending:
                    key = form.pending_key.data if 0 < len(form.pending_key.data or "") <= 64 else new_submission_key()
                    return _send(conversation, seed, form.pending.data, key)
                if carried:
                    from portal.public.feedback_views import carried_on  # (it imports this module)
                    return carried_on(form.pending_kind.data, conversation, seed)
                return redirect(url_for("public.messages"), code=303)
            if notice is None:
                form.receipt.errors = [str(m.RECEIPT_NOT_FOUND)]
    elif form.csrf_token.errors and not form.receipt.errors:
        notice = "expired"
    status = {"too-many": 429, "not-now": 503, "expired": 200}.get(notice or "", 400)
    return render_template("public/replies.html", form=form, errors=error_summary(form), notice=notice,
                           carried=carried), status


# --- the conversation -------------------------------------------------------------------------------------

def _messages_page(conversation: Conversation, seed: bytes, form: MessageForm, notice: str | None = None,
                   status: int = 200) -> Any:
    g.form_page = True  # the language switch posts the message form: nothing typed is lost
    keep_out_of_back_forward_cache()  # Back must not bring a conversation or a half-written message back
    report = db().get(Report, conversation.report_id)
    shown = conv.reporter_messages(db(), conversation, seed)
    state = session.get("conv") or {}
    shown_notice = state.pop("notice", None)
    sent = shown_notice == "sent"
    if shown_notice:
        session["conv"] = state
        notice = notice or (shown_notice if shown_notice != "sent" else None)
    return render_template("public/messages.html", form=form, errors=error_summary(form), notice=notice, sent=sent,
                           status_word=conv.reporter_status(report, conversation) if report else "closed",
                           messages=shown, actions=ButtonOnlyForm(),
                           told=[TOLD_NAMES[kind] for kind in told_kinds(db(), conversation.report_id)],
                           complaints=fb.reporter_complaints(db(), conversation, seed),
                           ask_feedback=report is not None and fb.feedback_offered(db(), report, conversation)), status


def _fresh_message_form() -> MessageForm:
    form = MessageForm(formdata=None)
    form.submission_key.data = new_submission_key()
    return form


@bp.get("/replies/messages")
def messages() -> Any:
    """What is happening with the report, the conversation, and a box to write in."""
    signed_in = _signed_in()
    if signed_in is None:
        return _signed_out_page()
    state = session.get("conv") or {}
    if state.get("receipt"):
        return redirect(url_for("public.receipt"))  # made, but not shown yet: show it first
    return _messages_page(*signed_in, form=_fresh_message_form())


def _signed_out_page() -> Any:
    g.form_page = True
    keep_out_of_back_forward_cache()
    notice = "timed-out" if g.get("timed_out") else None
    return render_template("public/replies.html", form=ReceiptForm(formdata=None), errors=[], notice=notice)


@bp.post("/replies/messages")
def send_message() -> Any:
    """Send a message. Nothing written is lost: not to an error, an expired token, a double tap or a
    time-out (then the sign-in form carries the message, and sends it once the receipt is entered)."""
    form = MessageForm()
    if not form.submission_key.data or len(form.submission_key.data) > 64:
        form.submission_key.data = new_submission_key()
    signed_in = _signed_in()
    if signed_in is None:
        g.form_page = True
        # Signed out meanwhile (idle, or this is the sign-in page's language switch): carry the message on.
        sign_in_form = ReceiptForm(formdata=None)
        sign_in_form.pending.data = form.text.data or request.form.get("pending", "")
        pending_key = request.form.get("pending_key", "")
        sign_in_form.pending_key.data = pending_key if 0 < len(pending_key) <= 64 else form.submission_key.data
        sign_in_form.receipt.data = request.form.get("receipt", "")[:100]
        notice = "send-after-sign-in" if sign_in_form.pending.data.strip() else None
        return render_template("public/replies.html", form=sign_in_form, errors=[], notice=notice), 200
    conversation, seed = signed_in
    if request.form.get("action") == "switch-language":  # the page in the other language, the message kept
        return _messages_page(conversation, seed, form)
    if form.validate():
        return _send(conversation, seed, form.text.data, form.submission_key.data)
    notice = "expired" if form.csrf_token.errors and not form.text.errors else None
    return _messages_page(conversation, seed, form, notice, 200 if notice else 400)


def _send(conversation: Conversation, seed: bytes, text: str, submission_key: str) -> Any:
    form = MessageForm(formdata=None)
    form.text.data, form.submission_key.data = (text or "").replace("\r\n", "\n"), submission_key
    if len(form.text.data) > conv.MAX_MESSAGE:  # only a message carried through sign-in can get here
        form.text.errors = [str(m.MESSAGE_TOO_LONG)]
        return _messages_page(conversation, seed, form, None, 400)
    try:
        conv.send_from_reporter(db(), conversation, form.text.data, g.lang_code, submission_key)
    except conv.NoConversation:
        return _signed_out_page()
    except conv.MessageNotStored:
        return _messages_page(conversation, seed, form, "not-stored", 503)
    state = session.get("conv") or {}
    state["notice"] = "sent"
    session["conv"] = state
    return redirect(url_for("public.messages", _anchor="latest"), code=303)


@bp.post("/replies/sign-out")
def sign_out() -> Any:
    """End the session here and in the browser. No token is asked for, as the quick exit asks none: leaving
    must always work, even from a page left open past its token's life. (The cookie is SameSite=Strict, so
    another site cannot sign anyone out either.)"""
    return _end_session("public/signed_out.html")


@bp.route("/replies/delete", methods=["GET", "POST"])
def delete_conversation() -> Any:
    """Delete the conversation and the receipt, after saying exactly what that does and does not do."""
    signed_in = _signed_in()
    if signed_in is None:
        return _signed_out_page()
    form = ButtonOnlyForm()
    notice = None
    if request.method == "POST":
        if form.validate():
            try:
                conv.delete(db(), signed_in[0])
            except SQLAlchemyError:
                db().rollback()
                notice = "not-now"
            else:
                return _end_session("public/conversation_deleted.html")
        else:
            notice = "expired"
    status = {"not-now": 503}.get(notice or "", 200)
    return render_template("public/conversation_delete.html", form=form, notice=notice), status

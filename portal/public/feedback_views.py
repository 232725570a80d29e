"""A reporter signed in with their receipt may complain about how we handled their report, and, once the case is
closed and only where it is safe, answer a few optional questions about how we did (portal/intake/feedback.py
seals both on this side, which can seal and never open).

Like every conversation page: no JavaScript needed, never cached, nothing in the URL, cookies or the browser but
the session cookie; the language switch posts the form, so what was written comes back in the other language;
an expired token keeps everything; and if the session ended while they wrote, the sign-in page carries it on
(conversation_views `replies`), to be checked and sent once they are signed in again. The questions are never
reachable, nor named, without signing in: a page that does not offer them shows the conversation instead."""
from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.intake import feedback as fb
from portal.intake.conversations import NoConversation
from portal.intake.reports import new_submission_key
from portal.public.conversation_forms import ComplaintForm, FeedbackForm, ReceiptForm, carried_fields
from portal.public.conversation_views import _signed_in, _signed_out_page
from portal.public.views import bp
from portal.store.db import db
from portal.store.models import Conversation, Report
from portal.web.form_errors import error_summary
from portal.web.security import keep_out_of_back_forward_cache


def _carry(kind: str) -> tuple[str, int]:
    """Signed out meanwhile: the sign-in page, carrying what they wrote, to check and send once signed in."""
    g.form_page = True
    keep_out_of_back_forward_cache()
    form = ReceiptForm(formdata=None)
    form.pending_kind.data = kind
    carried = carried_fields(request.form, kind)
    notice = f"{kind}-after-sign-in" if carried else None
    return render_template("public/replies.html", form=form, errors=[], notice=notice, carried=carried), 200


def _to_messages(notice: str) -> Response:
    state = session.get("conv") or {}
    state["notice"] = notice
    session["conv"] = state
    return redirect(url_for("public.messages"), code=303)


def _complaint_page(form: ComplaintForm, notice: str | None = None, status: int = 200) -> tuple[str, int]:
    g.form_page = True  # the language switch posts the form: nothing written is lost
    keep_out_of_back_forward_cache()
    return render_template("public/complaint.html", form=form, errors=error_summary(form), notice=notice), status


@bp.route("/replies/complaint", methods=["GET", "POST"])
def complaint() -> Any:
    """Make a complaint about how we handled this report: what it is about, and what went wrong."""
    signed_in = _signed_in()
    if signed_in is None:
        return _carry("complaint") if request.method == "POST" else _signed_out_page()
    conversation, _seed = signed_in
    if request.method != "POST":
        form = ComplaintForm(formdata=None)
        form.submission_key.data = new_submission_key()
        return _complaint_page(form)
    form = ComplaintForm()
    if not form.submission_key.data or len(form.submission_key.data) > 64:
        form.submission_key.data = new_submission_key()
    if request.form.get("action") == "switch-language":
        return _complaint_page(form)
    notice = None
    if form.validate():
        try:
            fb.complain(db(), conversation, form.about.data or [], (form.text.data or "").replace("\r\n", "\n"),
                        g.lang_code, form.submission_key.data)
        except NoConversation:
            return _signed_out_page()
        except fb.ComplaintNotStored:
            notice = "not-stored"
        else:
            return _to_messages("complaint-sent")
    elif form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        notice = "expired"
    return _complaint_page(form, notice, {"not-stored": 503, "expired": 200}.get(notice or "", 400))


def _offered(conversation: Conversation) -> bool:
    report = db().get(Report, conversation.report_id)
    return report is not None and fb.feedback_offered(db(), report, conversation)


def _feedback_page(form: FeedbackForm, notice: str | None = None, status: int = 200) -> tuple[str, int]:
    g.form_page = True
    keep_out_of_back_forward_cache()
    return render_template("public/feedback.html", form=form, errors=error_summary(form), notice=notice), status


@bp.route("/replies/feedback", methods=["GET", "POST"])
def feedback() -> Any:
    """A few optional questions about how we did, offered only once the case is closed and where it is safe; or
    "No thank you", and they are not offered again. Anywhere else, this is the conversation page."""
    signed_in = _signed_in()
    if signed_in is None:
        return _carry("feedback") if request.method == "POST" else _signed_out_page()
    conversation, _seed = signed_in
    try:
        offered = _offered(conversation)
    except SQLAlchemyError:
        db().rollback()
        offered = False
    if not offered:
        return redirect(url_for("public.messages"), code=303)
    if request.method != "POST":
        return _feedback_page(FeedbackForm(formdata=None))
    form = FeedbackForm()
    action = request.form.get("action")
    if action == "switch-language":
        return _feedback_page(form)
    notice = None
    if action == "decline" and form.csrf_token.validate(form):  # "No thank you" needs only the token
        try:
            fb.decline_feedback(db(), conversation, g.lang_code)
        except fb.FeedbackNotAsked:
            return redirect(url_for("public.messages"), code=303)
        except fb.FeedbackNotStored:
            notice = "not-stored"
        else:
            return _to_messages("feedback-declined")
    elif action != "decline" and form.validate():
        try:
            fb.give_feedback(db(), conversation, safer=form.safer.data, contact_way=form.contact_way.data,
                             comment=form.comment.data or "", language=g.lang_code)
        except fb.FeedbackNotAsked:
            return redirect(url_for("public.messages"), code=303)
        except fb.FeedbackNotStored:
            notice = "not-stored"
        else:
            return _to_messages("feedback-thanks")
    elif form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        notice = "expired"
    return _feedback_page(form, notice, {"not-stored": 503, "expired": 200}.get(notice or "", 400))


def carried_on(kind: str, conversation: Conversation, seed: bytes) -> Any:
    """Just signed in again with a complaint or answers carried through the sign-in: their page, with what they
    wrote, to check and send (nothing is sent until they do)."""
    del seed  # signed in: the page reads the conversation itself
    if kind == "complaint":
        form = ComplaintForm()
        if not form.submission_key.data or len(form.submission_key.data) > 64:
            form.submission_key.data = new_submission_key()
        return _complaint_page(form, "signed-in-again")
    if not _offered(conversation):
        return redirect(url_for("public.messages"), code=303)
    return _feedback_page(FeedbackForm(), "signed-in-again")

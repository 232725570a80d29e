"""The reporting journey, in /en/ and /cy/. Views are thin: forms in questions/, storing in intake/reports.py."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import format_date, get_locale
from werkzeug.wrappers import Response

from portal.intake.reports import ReportNotStored, new_submission_key, send
from portal.public import confirmation
from portal.questions import equality
from portal.questions.kinds import FORMS
from portal.store.db import db
from portal.web.form_errors import error_summary
from portal.web.i18n import LANGUAGES
from portal.web.limits import submission_allowed
from portal.web.security import keep_out_of_back_forward_cache

bp = Blueprint("public", __name__, url_prefix="/<lang_code>")

# Neutral words in the URL: a history list shows "tell-us/you", not what the report is about.
KIND_SLUGS = {"you": "self", "someone": "concerned", "agency": "agency", "work": "staff"}
SLUG_FOR_KIND = {kind: slug for slug, kind in KIND_SLUGS.items()}


@bp.url_value_preprocessor
def _pull_lang(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    lang = (values or {}).pop("lang_code", None)
    if lang not in LANGUAGES:
        abort(404)
    g.lang_code = lang


@bp.url_defaults
def _add_lang(_endpoint: str, values: dict[str, Any]) -> None:
    values.setdefault("lang_code", g.get("lang_code", "en"))


@bp.get("/")
def start() -> str:
    """Before the first form: how to leave quickly, and an honest word about history."""
    return render_template("public/start.html")


@bp.get("/who")
def who() -> str:
    """Who is reporting: about me, about someone else, an agency, our own staff or contractors, or my own behaviour."""
    return render_template("public/who.html")


@bp.get("/safety")
def safety() -> str:
    """Cover your tracks: private browsing, history, safer devices, helplines."""
    return render_template("public/safety.html")


@bp.get("/your-behaviour")
def own_behaviour() -> str:
    """For a person worried about their own behaviour: signposting only, no report."""
    return render_template("public/own_behaviour.html")


@bp.get("/privacy")
def privacy() -> str:
    """Privacy notice."""
    return render_template("public/privacy.html")


@bp.get("/accessibility")
def accessibility() -> str:
    """Accessibility statement."""
    return render_template("public/accessibility.html")


@bp.route("/tell-us/<slug>", methods=["GET", "POST"])
def report(slug: str) -> str | Response | tuple[str, int]:
    """The report form for one kind of reporter. Nothing typed is ever lost on the way."""
    kind = KIND_SLUGS.get(slug) or abort(404)
    form_class = FORMS[kind]
    g.form_page = True
    keep_out_of_back_forward_cache()  # Back after leaving, however they left, must show an empty form
    notice = None
    if request.method != "POST":  # GET, and HEAD (which must never run the sending branch)
        form = form_class(formdata=None)
        form.submission_key.data = new_submission_key()
        form.contact_language.data = str(get_locale())
        return render_template("public/report.html", form=form, kind=kind, slug=slug, errors=[], notice=None)

    form = form_class()
    if not form.submission_key.data or len(form.submission_key.data) > 64:
        form.submission_key.data = new_submission_key()
    if request.form.get("action") == "switch-language":
        # The language link posts the form here: show it again in this language, as typed, unjudged.
        return render_template("public/report.html", form=form, kind=kind, slug=slug, errors=[], notice=None)

    if form.validate():
        if not submission_allowed():
            notice = "too-many"
        else:
            try:
                receipt = send(db(), session, kind=kind, answers=form.answers(),  # type: ignore[arg-type]
                               flags=form.flags(), contact_language=form.contact_language.data or str(get_locale()),
                               submission_key=form.submission_key.data, restricted=form.restriction(),
                               equality=equality.offered(form))
            except ReportNotStored:
                notice = "not-stored"
            else:
                kept = receipt.for_session()  # with who sent it: the page speaks to them
                if receipt.spooled:
                    # The database is down, so no session can carry the receipt to /sent: show it now.
                    # A refresh posts again with the same submission key and gets this same receipt.
                    return _sent_page(kept, offer_receipt=False)
                return confirmation.carry(redirect(url_for("public.sent"), code=303), kept)
    elif form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        # Only the security token had expired (or the session was cleared): keep everything, ask again.
        notice = "expired"
    errors = error_summary(form)
    status = {"expired": 200, "not-stored": 503, "too-many": 429}.get(notice or "", 400)
    return render_template("public/report.html", form=form, kind=kind, slug=slug, errors=errors, notice=notice), status


@bp.get("/sent")
def sent() -> Response:
    """Confirmation: the reference (shown once), when to expect contact, and what to do if in danger."""
    keep_out_of_back_forward_cache()  # Back and Forward ask again, and a second answer has no reference
    receipt = session.get("receipt") or confirmation.carried()  # the carried copy, if the session is gone
    if not receipt:
        return redirect(url_for("public.start"))
    first_time = not receipt.get("shown")
    if first_time and request.method == "GET" and session.get("receipt"):
        # Marked before it is shown: no later request, from this tab or another, shows the reference again.
        session["receipt"] = {**receipt, "shown": True}
    response = make_response(_sent_page(receipt, show_reference=first_time))
    confirmation.drop(response)
    return response


def _sent_page(receipt: dict[str, Any], offer_receipt: bool = True, show_reference: bool = True) -> str:
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local_due = datetime.fromisoformat(receipt["due"]).astimezone(zone)
    local_today = datetime.now(timezone.utc).astimezone(zone).date()
    due_text = format_date(local_due, "EEEE d MMMM")
    if g.lang_code == "cy":
        due_text = due_text[:1].lower() + due_text[1:]  # "erbyn diwedd dydd Mawrth", lower case mid-sentence
    window = None
    if receipt.get("basis") == "window" and receipt.get("window_start"):
        start = datetime.fromisoformat(receipt["window_start"]).astimezone(zone)
        day = format_date(start, "EEEE d MMMM")
        # Welsh "on Thursday" is "ddydd Iau" (the adverbial soft mutation), which the translation then needs.
        day = "ddydd" + day[4:] if g.lang_code == "cy" and day[:4].lower() == "dydd" else day
        window = {"day": day, "start": start.strftime("%H:%M"), "end": local_due.strftime("%H:%M"),
                  "whole_day": bool(receipt.get("window_whole_day"))}
    return render_template("public/sent.html", receipt=receipt, due_today=local_due.date() == local_today,
                           due_text=due_text, window=window, offer_receipt=offer_receipt,
                           show_reference=show_reference, kind=receipt.get("kind", "self"))

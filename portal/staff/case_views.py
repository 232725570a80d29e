"""A case: decrypted for one request and audited; the safe-contact profile first; then the record."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from flask import abort, g, render_template, request
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from portal.casework.asb import asb_signs
from portal.casework.cases import (
    NotAllowed,
    ReportNotStored,
    add_entry,
    contact_attempts,
    mark_repeat,
    open_case,
    tried_to_reach,
)
from portal.casework.closing import pending_for
from portal.casework.contact import triage_choices, unseen_profile_change
from portal.casework.links import fill_repeat, links_of
from portal.casework.restriction import glass_until
from portal.casework.tasks import DueInThePast, NotAnOwner, TaskPlan, record_action
from portal.intake import conversations
from portal.staff import forms_case as fc
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import HINTS, case_or_404, header, profile_context, saved, staff_entered
from portal.staff.complaint_views import complaints_context
from portal.staff.forms_links import RELATION_NAMES
from portal.staff.labels import OPEN_ITEM_NAMES
from portal.staff.marac_views import marac_context
from portal.staff.monitoring_views import monitoring_context
from portal.staff.perpetrator_views import perpetrator_context
from portal.staff.report_view import PERSON_CENTRED, SAFE_CONTACT, free_text, rows
from portal.staff.review_views import review_context
from portal.staff.risk_views import risk_context
from portal.staff.safeguarding_views import safeguarding_context
from portal.staff.sharing_views import share_context
from portal.staff.task_views import owner_choices, tasks_context
from portal.store.db import db
from portal.store.models import Report
from portal.web.form_errors import error_summary

# What the printed summary may hold, and what it holds unless the officer chooses otherwise: never the
# safe-contact details, the code word and cover name, the conversation, or a safety plan's parts (safe places, a
# packed bag and where it is: a MARAC meeting needs none of them, and a paper can be lost).
PRINT_PARTS = ("report", "risk", "actions", "shares", "updates", "attempts", "notes", "contact", "codeword",
               "conversation", "safety_plan")
SENSITIVE_PARTS = frozenset({"contact", "codeword", "conversation", "safety_plan"})
PRINT_DEFAULTS = frozenset(PRINT_PARTS) - SENSITIVE_PARTS
CODEWORD_FIELDS = ("cover_name", "check_question")
NEVER_PRINTED = ("must_not_see",)
ALL_PARTS = {part: True for part in PRINT_PARTS}


def whole_case(reference: str, view: str, read_only: bool = False) -> dict[str, Any]:
    """Everything the case and print pages show, decrypted for this request (and audited as `view`). Opening
    the case page is when a caseworker reads the reporter's messages and sees a changed profile, so that
    clears the queue's flags. `read_only`: a case review's opening, which writes nothing on the case."""
    report = case_or_404(reference)
    changed = unseen_profile_change(db(), report)
    opened = open_case(db(), report, g.staff, view, mark_seen=view == "case", read_only=read_only)
    answers = opened.content.get("answers", {})
    notes = [e.content.get("text", "") for e in opened.entries if e.entry.kind == "note"]
    return {**header(report), **profile_context(report, opened, changed), "entries": opened.entries,
            "conversation": opened.conversation, "can_change": view == "case", "show": ALL_PARTS,
            "can_triage": bool(triage_choices(report, tried_to_reach(db(), report))),
            "hidden_rows": (),
            "details": rows(report.reporter_kind, answers, exclude=SAFE_CONTACT + PERSON_CENTRED + HINTS,
                            staff_entered=staff_entered(report)),
            "attempts": contact_attempts(db(), report), "asb": asb_signs(free_text(answers) + notes),
            **risk_context(report), "lang": str(get_locale()), **marac_context(report),
            **share_context(report, answers), **safeguarding_context(report, answers),
            **review_context(report),
            # Equality answers not yet counted: only a subject access shows them (never the case page or print).
            "equality_held": opened.content.get("equality") if view == "subject-access" else None}


@bp.get("/cases/<reference>")
@allow(*CASEWORK)
def case(reference: str) -> str:
    """The whole case, safe-contact profile first; then its links to other cases (from the blind index, and those
    staff made), which also answer "reported to us before?" unless staff did."""
    context = whole_case(reference, "case")
    report = context["report"]
    links = links_of(db(), g.staff, report)
    fill_repeat(db(), report, links)
    pending = pending_for(db(), report, with_reason=True)  # after the audited opening
    return render_template("staff/case.html", **context, **monitoring_context(report, context["entries"]),
                           links=links, linked_ids={r.id for r, _ in links.linked},
                           pending_closure=pending, item_names=OPEN_ITEM_NAMES,
                           relation_names=RELATION_NAMES, glass_until=glass_until(db(), g.staff, report),
                           **tasks_context(report), **perpetrator_context(report), **complaints_context(report))


@bp.get("/cases/<reference>/print")
@allow(*CASEWORK)
def case_print(reference: str) -> str:
    """A summary for a MARAC meeting, laid out for paper, with only what the officer chooses to put on it: the
    safe-contact details, the code word and cover name, and the conversation never by default. Printing is
    audited like opening, with what was chosen."""
    chosen = request.args.get("chosen") == "1"
    include = ({part for part in PRINT_PARTS if part in request.args.getlist("part")} if chosen
               else set(PRINT_DEFAULTS))
    view = " ".join(["print", *sorted(include & SENSITIVE_PARTS)])
    context = whole_case(reference, view)
    show = {part: part in include for part in PRINT_PARTS}
    if show["codeword"] and not show["contact"]:  # the code word and cover name, and nothing else of the profile
        hidden: tuple[str, ...] = tuple(f for f in SAFE_CONTACT if f not in CODEWORD_FIELDS)
    else:
        hidden = () if show["codeword"] else CODEWORD_FIELDS
    # Who must not see the report is for the team's leads, never for a meeting's paper.
    context.update(show=show, hidden_rows=hidden, can_change=False,
                   details=[row for row in context["details"] if row.name not in NEVER_PRINTED])
    if not show["conversation"]:
        context["conversation"] = None
    return render_template("staff/print.html", **context, printed_at=datetime.now(timezone.utc), printing=True,
                           parts=PRINT_PARTS, sensitive=SENSITIVE_PARTS)


def _simple_form(reference: str, form_class: type, template: str,
                 save: Callable[[Report, Any], str]) -> Response | tuple[str, int]:
    report = case_or_404(reference)
    form = form_class()
    prepare = getattr(form, "prepare", None)
    if prepare:
        prepare(report)
    notice = None
    if form.validate_on_submit():
        try:
            return saved(report, save(report, form))
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"  # the public key is missing: keep what was typed, say it was not saved
    status = 503 if notice else (400 if form.errors else 200)
    return render_template(template, form=form, errors=error_summary(form), notice=notice,
                           **header(report)), status


@bp.route("/cases/<reference>/repeat", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_repeat(reference: str):  # type: ignore[no-untyped-def]
    """Record whether this is a repeat report (for the indicators): staff check the housing record."""
    def save(report: Report, form: Any) -> str:
        mark_repeat(db(), report, g.staff, form.repeat.data == "yes")
        return gettext("Repeat report answer saved.")
    return _simple_form(reference, fc.RepeatForm, "staff/repeat.html", save)


@bp.route("/cases/<reference>/note", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_note(reference: str):  # type: ignore[no-untyped-def]
    """Add a note (sealed like the report)."""
    def save(report: Report, form: Any) -> str:
        add_entry(db(), report, g.staff, "note", {"text": form.text.data})
        return gettext("Note added.")
    return _simple_form(reference, fc.NoteForm, "staff/note.html", save)


@bp.route("/cases/<reference>/action", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_action(reference: str) -> Response | tuple[str, int]:
    """Record an action the policies name (security, repairs, a safety plan, rehousing, a breathing space,
    advice, support, a referral) and its task: who does it, by when, or that it was done today."""
    report = case_or_404(reference)
    form = fc.ActionForm()
    form.owner.choices = owner_choices(db())
    if not form.is_submitted():
        form.owner.data = report.owner_id or g.staff.id  # type: ignore[assignment]  # coerced to an id
        form.done.data = "planned"
    notice = None
    if form.validate_on_submit():
        breathing = form.kind.data == "breathing_space"
        try:
            plan = TaskPlan(owner_id=int(form.owner.data) if form.owner.data else None, due_on=form.due_on.data,
                            done=form.done.data == "done")
            record_action(db(), report, g.staff, form.code(), form.content(), plan,
                          starts_on=form.starts_on.data if breathing else None,
                          ends_on=form.ends_on.data if breathing else None)
            return saved(report, gettext("Action recorded."))
        except NotAnOwner:
            form.owner.errors.append(m.SELECT_TASK_OWNER)
        except DueInThePast:
            form.due_on.errors.append(m.DUE_IN_PAST)
        except ReportNotStored:
            notice = "not-stored"
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/action.html", form=form, errors=error_summary(form), notice=notice,
                           **header(report)), status


@bp.route("/cases/<reference>/reply", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_reply(reference: str) -> str | Response | tuple[str, int]:
    """Reply to a reporter who has a receipt, in their language. The reply is sealed to the team and to the
    reporter's receipt key; it is a contact attempt in the way they chose."""
    report = case_or_404(reference)
    # Writing a reply means reading what they wrote: opened (and audited) like the case page.
    conversation = open_case(db(), report, g.staff, "reply", with_entries=False, mark_seen=True).conversation
    if conversation is None or conversation.conversation.deleted_at is not None:
        abort(404)
    form = fc.ReplyForm()
    if request.method != "POST":
        from_reporter = [m for m in conversation.messages if m.from_reporter]
        form.language.data = from_reporter[-1].language if from_reporter else report.contact_language
    notice = None
    if form.validate_on_submit():
        try:
            conversations.reply(db(), report, g.staff, form.text.data, form.language.data)
        except conversations.NoConversation:
            abort(404)
        except conversations.MessageNotStored:
            notice = "not-stored"
        else:
            return saved(report,
                          gettext("Reply sent. The reporter will see it when they next sign in with their receipt."))
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/reply.html", form=form, errors=error_summary(form), notice=notice,
                           conversation=conversation, **header(report)), status

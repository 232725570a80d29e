"""A case's tasks: the list on the case page (open ones first, overdue ones said so), a task's own page to start
it, mark it done or not needed, reopen it, give it to someone else or move its due date; and a lead's targets in
working days for each kind of action."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from portal.casework import tasks as ts
from portal.casework.common import today
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_tasks import (
    ENTER_COST,
    TARGET_NAMES,
    TASK_MOVE_NAMES,
    TASK_STATE_NAMES,
    TaskCostForm,
    TaskDueForm,
    TaskOwnerForm,
    TaskStateForm,
    task_days_form,
    task_label,
)
from portal.store.db import db
from portal.store.followup_models import OPEN_TASK_STATES, CaseTask
from portal.store.models import Report, StaffUser
from portal.web.form_errors import error_summary

NAMES = {"task_state_names": TASK_STATE_NAMES, "task_move_names": TASK_MOVE_NAMES, "task_label": task_label,
         "task_moves": ts.MOVES, "open_task_states": OPEN_TASK_STATES}


def owner_choices(dbs: Session) -> list[tuple[int, str]]:
    return [(p.id, p.name or p.email) for p in ts.possible_owners(dbs)]


def _names(dbs: Session) -> dict[int, str]:
    return {s.id: s.name or s.email for s in dbs.query(StaffUser)}


def tasks_context(report: Report) -> dict[str, Any]:
    """For the case page: every task (open first, by due date), who owns each, and today for "overdue"."""
    return {"tasks": ts.tasks_of(db(), report), "staff_names": _names(db()),
            "task_today": today(current_app.config["TIMEZONE"]), "revisit": ts.measures_to_revisit(db(), report),
            **NAMES}


def _task_or_404(report: Report, task_id: int) -> CaseTask:
    return ts.find_task(db(), report, task_id) or abort(404)


def _page(report: Report, task: CaseTask, *, state: Any = None, owner: Any = None, due: Any = None,
          cost: Any = None, status: int = 200) -> tuple[str, int]:
    state = state or TaskStateForm(formdata=None)
    owner = owner or TaskOwnerForm(formdata=None, data={"owner": task.owner_id})
    due = due or TaskDueForm(formdata=None, data={"due_on": task.due_on})
    cost = cost or TaskCostForm(formdata=None, data={"cost": "" if task.cost_pence is None
                                                     else f"{task.cost_pence / 100:.2f}"})
    state.state.choices = [(s, TASK_MOVE_NAMES[s]) for s in ts.MOVES.get(task.state, ())]
    owner.owner.choices = owner_choices(db())
    failed = next((f for f in (state, owner, due, cost) if any(field.errors for field in f)), state)
    return render_template("staff/task.html", task=task, state_form=state, owner_form=owner, due_form=due,
                           cost_form=cost,
                           errors=error_summary(failed), **tasks_context(report), **header(report)), status


@bp.get("/cases/<reference>/tasks/<int(max=2147483647):task_id>")
@allow(*CASEWORK)
def case_task(reference: str, task_id: int) -> tuple[str, int]:
    """One task: its kind, owner, due date and state, and the forms to change them."""
    report = case_or_404(reference)
    return _page(report, _task_or_404(report, task_id))


@bp.post("/cases/<reference>/tasks/<int(max=2147483647):task_id>/state")
@allow(*CASEWORK)
def case_task_state(reference: str, task_id: int) -> Response | tuple[str, int]:
    """Start a task, mark it done or not needed (from its page or the case page's buttons), or reopen it."""
    report = case_or_404(reference)
    task = _task_or_404(report, task_id)
    form = TaskStateForm()
    form.state.choices = list(TASK_MOVE_NAMES.items())  # any move: the service says which this task allows
    if not form.validate_on_submit():
        return _page(report, task, state=form, status=400)
    try:
        if form.state.data == "reopen":
            ts.reopen(db(), report, task, g.staff)
        else:
            ts.change_state(db(), report, task, form.state.data, g.staff)
    except ts.TaskClosed:
        form.state.errors.append(m.TASK_FINISHED)
        return _page(report, task, state=form, status=400)
    except ts.TaskError:
        form.state.errors.append(m.SELECT_TASK_STATE)
        return _page(report, task, state=form, status=400)
    return saved(report, gettext("Task updated: %(kind)s (%(state)s).", kind=task_label(task.kind),
                                 state=TASK_STATE_NAMES[task.state]))


@bp.post("/cases/<reference>/tasks/<int(max=2147483647):task_id>/owner")
@allow(*CASEWORK)
def case_task_owner(reference: str, task_id: int) -> Response | tuple[str, int]:
    """Give an open task to another officer or team lead."""
    report = case_or_404(reference)
    task = _task_or_404(report, task_id)
    form = TaskOwnerForm()
    form.owner.choices = owner_choices(db())
    if form.validate_on_submit():
        try:
            ts.reassign(db(), report, task, form.owner.data, g.staff)
            return saved(report, gettext("Task given to %(name)s.", name=_names(db()).get(form.owner.data, "")))
        except ts.NoChange:
            return saved(report, gettext("Nothing was changed."))
        except ts.TaskError:
            form.owner.errors.append(m.SELECT_TASK_OWNER)
    return _page(report, task, owner=form, status=400)


@bp.post("/cases/<reference>/tasks/<int(max=2147483647):task_id>/due")
@allow(*CASEWORK)
def case_task_due(reference: str, task_id: int) -> Response | tuple[str, int]:
    """Move an open task's due date (today or later)."""
    report = case_or_404(reference)
    task = _task_or_404(report, task_id)
    form = TaskDueForm()
    if form.validate_on_submit():
        try:
            ts.change_due(db(), report, task, form.due_on.data, g.staff)
            return saved(report, gettext("Task due date changed."))
        except ts.NoChange:
            return saved(report, gettext("Nothing was changed."))
        except ts.TaskError:
            form.due_on.errors.append(m.DUE_IN_PAST)
    return _page(report, task, due=form, status=400)


@bp.post("/cases/<reference>/tasks/<int(max=2147483647):task_id>/cost")
@allow(*CASEWORK)
def case_task_cost(reference: str, task_id: int) -> Response | tuple[str, int]:
    """Record what a task cost, or clear it, whatever its state (invoices come after the work)."""
    report = case_or_404(reference)
    task = _task_or_404(report, task_id)
    form = TaskCostForm()
    if form.validate_on_submit():
        try:
            ts.set_cost(db(), report, task, form.pence, g.staff)
            return saved(report, gettext("Cost recorded.") if form.pence is not None else gettext("Cost cleared."))
        except ts.NoChange:
            return saved(report, gettext("Nothing was changed."))
        except ts.BadCost:
            form.cost.errors = [*form.cost.errors, ENTER_COST]
    return _page(report, task, cost=form, status=400)


@bp.route("/settings/tasks", methods=["GET", "POST"])
@allow("lead")
def task_settings() -> Response | tuple[str, int]:
    """A lead's targets: how many working days each kind of action is due in, from when it is recorded."""
    days = ts.task_days(db())
    codes = list(TARGET_NAMES)
    form = task_days_form(codes, days)
    if request.method == "POST" and form.validate_on_submit():
        ts.set_task_days(db(), g.staff, {code: getattr(form, code.replace(".", "_")).data for code in codes})
        flash(gettext("Task targets saved."), "saved")
        return redirect(url_for("staff.task_settings"), code=303)
    fields = [(code, getattr(form, code.replace(".", "_"))) for code in codes]
    return render_template("staff/task_settings.html", form=form, fields=fields, defaults=ts.DEFAULT_TASK_DAYS,
                           errors=error_summary(form)), 400 if form.errors else 200

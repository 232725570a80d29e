"""Forms for a case's tasks (state, owner, due date) and a lead's targets in working days for each action."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, StringField
from wtforms.validators import InputRequired, NumberRange

from portal.staff import messages as m
from portal.staff.forms_case import ALL_ACTION_NAMES, ALL_REFERRAL_NAMES, REHOUSING_NAMES
from portal.web.forms import TextForm, WholeNumberField

TASK_STATE_NAMES = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done"),
                    "not_needed": _l("Not needed")}
# What a change of state is called on a button or a choice.
TASK_MOVE_NAMES = {"in_progress": _l("Started"), "done": _l("Done"), "not_needed": _l("Not needed"),
                   "reopen": _l("Reopen it: it is not done after all")}
RAISED_NAMES = {"breathing_space_end": _l("A breathing space ends soon: agree what happens next"),
                "review_followup": _l("Follow-up from a case review")}
SUB_NAMES = {"referral": ALL_REFERRAL_NAMES, "rehousing": REHOUSING_NAMES,
             "repairs": {"urgent": _l("Urgent repair")}}


def task_label(code: str) -> str:
    """A task's kind in the page's language: its action (and what kind of it), or the raised task."""
    if code in RAISED_NAMES:
        return str(RAISED_NAMES[code])
    kind, _dot, sub = code.partition(".")
    name = str(ALL_ACTION_NAMES.get(kind, kind))
    names: dict[str, Any] = SUB_NAMES.get(kind, {})
    return f"{name}: {names[sub]}" if sub in names else name


TARGET_NAMES = {
    "security": _l("Security measures for the home"), "repairs": _l("Repairs"),
    "repairs.urgent": _l("Urgent repairs"), "safety_plan": _l("Safety plan"), "safe_phone": _l("Safe phone"),
    "referral": _l("Referrals"), "breathing_space": _l("Breathing space on rent arrears"),
    "money_advice": _l("Money and benefits advice"), "food_bills": _l("Food vouchers and help with bills"),
    "furniture": _l("White goods and furniture"),
    "dso_assessment": _l("Designated Safeguarding Officer's assessment (no police report)"),
    "rehousing": _l("Rehousing or management transfer request"),
    "rehousing.risk_assessment": _l("Risk assessment for rehousing"),
    "rehousing.like_for_like": _l("Like-for-like offer of a home"),
}


class TaskStateForm(TextForm):
    state = RadioField(_l("What has happened?"), validators=[InputRequired(m.SELECT_TASK_STATE)])


class TaskOwnerForm(TextForm):
    owner = RadioField(_l("Who will do it?"), coerce=int, validators=[InputRequired(m.SELECT_TASK_OWNER)])


_AMOUNT = re.compile(r"[0-9]{1,7}(\.[0-9]{1,2})?")
ENTER_COST = _l("Enter the cost in pounds, like 85 or 85.50")


def pence_of(text: str) -> int | None:
    """"85", "£85.50", "1,200" as pence; "" as None (no cost recorded). ValueError if it is not an amount."""
    cleaned = text.strip().lstrip("£").replace(",", "").strip()
    if not cleaned:
        return None
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(cleaned)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(cleaned) from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount > 1_000_000:
        raise ValueError(cleaned)
    return int(amount * 100)


class TaskCostForm(TextForm):
    cost = StringField(_l("What it cost, in pounds (optional)"),
                       description=_l("For example, 85.50 for a lock change. Leave it empty if there was no cost or "
                                      "you do not know it yet."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        try:
            self.pence = pence_of(self.cost.data or "")
        except ValueError:
            self.cost.errors = [*self.cost.errors, ENTER_COST]
            return False
        return ok


class TaskDueForm(TextForm):
    due_on = DateField(_l("Due by"), validators=[InputRequired(m.ENTER_DUE_DATE)],
                       description=_l("For example, 2026-11-23."))


def task_days_form(codes: list[str], data: dict[str, int]) -> TextForm:
    """One whole-number field for each action's target, named by its code (dots become underscores)."""

    class TaskDaysForm(TextForm):
        pass

    for code in codes:
        setattr(TaskDaysForm, code.replace(".", "_"), WholeNumberField(
            TARGET_NAMES[code], not_a_number=m.ENTER_TARGET_DAYS,
            validators=[InputRequired(m.ENTER_TARGET_DAYS), NumberRange(min=0, max=60, message=m.ENTER_TARGET_DAYS)]))
    return TaskDaysForm(data={code.replace(".", "_"): n for code, n in data.items()})

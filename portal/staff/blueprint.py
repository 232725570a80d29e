"""The staff blueprint itself: its URL space, its guard (deny by default), what every staff page is given,
and its own error page, which the app's error handling asks for on staff URLs."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template
from flask.blueprints import BlueprintSetupState

from portal.casework.queue import COUNT_CAP, PAGE_SIZE
from portal.staff.access import can, guard, signed_in_staff
from portal.staff.labels import label_context

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(guard)


@bp.context_processor
def _staff_context() -> dict[str, Any]:
    staff = g.get("staff")
    return {"staff": staff, "can": lambda *roles: can(staff, *roles), "page_size": PAGE_SIZE,
            "count_cap": COUNT_CAP, **label_context()}


def error_page(code: int) -> tuple[str, int]:
    """A staff error page, with the signed-in person's navigation and language."""
    if "staff" not in g and code == 404:
        # No route matched, so the staff guard never ran: still show the page in the signed-in person's
        # language, with their navigation.
        g.staff = signed_in_staff()
    return render_template("staff/error.html", code=code), code


@bp.record_once
def _offer_error_page(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("error_pages", {})["staff"] = error_page

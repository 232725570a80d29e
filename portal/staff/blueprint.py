"""The staff blueprint itself: its URL space, its guard (deny by default), what every staff page is given,
the language kept for the next page, and its own error page, which the app's error handling asks for on staff
URLs."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from portal.casework.queue import COUNT_CAP, PAGE_SIZE
from portal.staff.access import can, guard, signed_in_staff
from portal.staff.labels import label_context
from portal.web.i18n import remember_staff_language

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(guard)
# The pages before and around signing in, whose language switch comes back to the same page after a POST.
SIGN_IN_STEPS = frozenset({"staff.sign_in", "staff.code", "staff.enrol", "staff.signed_out"})


@bp.context_processor
def _staff_context() -> dict[str, Any]:
    staff = g.get("staff")
    return {"staff": staff, "can": lambda *roles: can(staff, *roles), "page_size": PAGE_SIZE,
            "count_cap": COUNT_CAP, "language_back": _language_back(), **label_context()}


def _language_back() -> str:
    """Where the language switch of a page shown to someone not signed in comes back to: the same page (a GET's
    query kept, but not a `?lang=`, which would undo the switch), a sign-in step after a POST, else nowhere (the
    sign-in page)."""
    if request.method == "GET":
        args = {k: v for k, v in request.args.lists() if k != "lang"}
        return request.path + ("?" + urlencode(args, doseq=True) if args else "")
    return request.path if request.endpoint in SIGN_IN_STEPS else ""


@bp.after_request
def _remember_language(response: Response) -> Response:
    """The language in use, kept in this browser for the pages where nobody is signed in: signed out, the next
    sign-in, a page that expired with its session. It is the account's once someone is signed in, else the one
    chosen (or, after a right password, the account's) on this request."""
    staff = g.get("staff")
    remember_staff_language(response, staff.language if staff is not None else g.get("staff_language"))
    return response


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

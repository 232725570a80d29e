"""Who may see what on the staff side. Deny by default: a staff view with no `allow(...)` is refused to all.

Roles: `officer` works cases; `lead` works cases and manages staff and settings; `auditor` reads the audit
log and the indicators, and a case only when it is in their sample of a review round, on that round's checklist
page (portal/staff/review_round_views.py): never the case pages, and nothing that changes a case. The guard also
enforces the session rules: idle and absolute expiry, and `session_epoch` (bumped on password, role or code
changes, and deactivation).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

from flask import abort, current_app, g, make_response, redirect, request, session, url_for
from werkzeug.wrappers import Response

from portal.store.db import db
from portal.store.models import StaffUser

F = TypeVar("F", bound=Callable[..., Any])
OPEN = frozenset({"anyone"})
CASEWORK = ("officer", "lead")


def allow(*roles: str) -> Callable[[F], F]:
    """Declare which roles may use a view (`allow()` with no roles: open, for the sign-in pages)."""
    def mark(view: F) -> F:
        view.staff_roles = frozenset(roles) if roles else OPEN  # type: ignore[attr-defined]
        return view
    return mark


def when_signed_out(handler: Callable[..., Any]) -> Callable[[F], F]:
    """For a form that must never lose what was typed (a long call): a POST that arrives after the session
    ended (idle or absolute expiry) gets `handler`'s page, with what was posted and a 401, instead of a bare
    401. The handler stores nothing and opens nothing; it only gives the person their own words back."""
    def mark(view: F) -> F:
        view.when_signed_out = handler  # type: ignore[attr-defined]
        return view
    return mark


def _now() -> datetime:
    return datetime.now(timezone.utc)


def sign_in(staff: StaffUser) -> None:
    """Start a fresh signed-in session (a new id: whatever id existed before is dropped)."""
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    now = _now().timestamp()
    session.update({"staff_id": staff.id, "epoch": staff.session_epoch, "since": now, "seen": now})


def signed_in_staff() -> StaffUser | None:
    """The staff member of this session, if the session is still valid; otherwise None."""
    staff_id = session.get("staff_id")
    if not staff_id:
        return None
    now = _now().timestamp()
    config = current_app.config
    too_old = now - session.get("since", 0) > config["STAFF_ABSOLUTE"].total_seconds()
    too_idle = now - session.get("seen", 0) > config["STAFF_IDLE"].total_seconds()
    staff = db().get(StaffUser, staff_id)
    if (too_old or too_idle or staff is None or not staff.active or not staff.totp_enrolled
            or staff.session_epoch != session.get("epoch")):
        session.destroy()  # type: ignore[attr-defined]
        return None
    session["seen"] = now  # keeps the idle clock (and the server-side expiry) moving
    return staff


def guard() -> Response | None:
    """Run before every staff view: sign-in required unless the view is open; then the role check."""
    view = current_app.view_functions.get(request.endpoint or "")
    roles = getattr(view, "staff_roles", None)
    if roles is None:
        abort(404 if request.endpoint is None else 403)
    if roles is OPEN:
        return None
    staff = signed_in_staff()
    if staff is None:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("staff.sign_in", next=request.full_path if request.args else request.path))
        keep = getattr(view, "when_signed_out", None)
        if keep is not None:
            return make_response(keep(**(request.view_args or {})))
        abort(401)
    g.staff = staff
    if staff.role not in roles:
        abort(403)
    return None


def can(staff: StaffUser | None, *roles: str) -> bool:
    return staff is not None and staff.role in roles

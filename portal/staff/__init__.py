"""The staff side: the community safety team's triage queue, under /staff/. Its own room, its own guard."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from portal.casework.queue import COUNT_CAP, PAGE_SIZE
from portal.staff.access import can, guard
from portal.staff.labels import label_context

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(guard)


@bp.context_processor
def _staff_context() -> dict[str, Any]:
    staff = g.get("staff")
    return {"staff": staff, "can": lambda *roles: can(staff, *roles), "page_size": PAGE_SIZE, "count_cap": COUNT_CAP, **label_context()}


from portal.staff import auth_views, case_views, indicator_views, queue_views, team_views  # noqa: E402,F401  (routes)

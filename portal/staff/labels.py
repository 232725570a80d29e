"""Names for codes, lazily translated: statuses, reporter kinds, flags, roles, outcomes, actions, agencies."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, format_time
from flask_babel import lazy_gettext as _l

from portal.staff.forms_auth import ROLE_CHOICES

STATUS_NAMES = {
    "new": _l("New"), "contact_attempted": _l("Contact attempted"), "in_contact": _l("In contact"),
    "assessed": _l("Assessed"), "case_open": _l("Case open"), "closed": _l("Closed"),
}
KIND_NAMES = {"self": _l("The person themselves"), "concerned": _l("Someone worried about them"),
              "agency": _l("An agency")}
FLAG_NAMES = {"danger": _l("Danger now"), "children": _l("Children"), "no_contact": _l("Do not contact"),
              "messages": _l("New message from the reporter")}
ROLE_NAMES = dict(ROLE_CHOICES)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def init_labels(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = lambda m: format_datetime(_aware(m), "d MMM yyyy, HH:mm")
    app.jinja_env.filters["local_time"] = lambda m: format_time(_aware(m), "HH:mm")
    app.jinja_env.filters["local_date"] = lambda d: format_date(d, "d MMM yyyy")
    app.jinja_env.filters["isoutc"] = lambda m: _aware(m).isoformat()


def label_context() -> dict[str, Any]:
    return {"status_names": STATUS_NAMES, "kind_names": KIND_NAMES, "flag_names": FLAG_NAMES,
            "role_names": ROLE_NAMES}

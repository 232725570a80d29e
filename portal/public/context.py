"""What every public page needs: language, the other language's URL, helplines, organisation name."""
from __future__ import annotations

import re
from typing import Any

from flask import current_app, g, request, url_for
from flask_babel import get_locale

from portal.web.i18n import ENDONYMS, other_language


def _organisation() -> dict[str, Any]:
    """The organisation's own contact details, in both languages (the landing page shows both)."""
    config = current_app.config
    phone = config.get("ORG_PHONE", "")
    return {"name": config["ORG_NAME"], "phone": phone, "tel": "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else "",
            "hours": config.get("ORG_HOURS", {}), "email": config.get("ORG_EMAIL", "")}


def page_context() -> dict[str, Any]:
    lang = str(get_locale() or "en")
    other = other_language(lang)
    args = dict(request.view_args or {})
    other_url = None
    public = "public" in current_app.blueprints  # not on a staff-only process (PORTAL_SERVE=staff)
    if not public:
        pass
    elif request.endpoint and g.get("lang_code"):
        args["lang_code"] = other
        other_url = url_for(request.endpoint, **args)
    elif request.endpoint != "root.landing":
        other_url = url_for("public.start", lang_code=other)  # error pages: the other language's start
    helplines = current_app.extensions["helplines"]
    return {
        "lang": lang,
        "other_lang": other,
        "other_lang_name": ENDONYMS[other],
        "other_url": other_url,
        "org_name": current_app.config["ORG_NAME"][lang],
        "org": _organisation(),
        "helplines": [h for h in helplines if h.audience == "everyone"],
        "all_helplines": helplines,
        "nation": current_app.config["NATION"],
        "exit_path": url_for("root.exit_page") if public else None,
        "form_page": g.get("form_page", False),
        "idle_minutes": int(current_app.config["PUBLIC_IDLE"].total_seconds() // 60),
    }

"""Pages outside the language prefix: the bilingual landing page and the quick exit."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, session
from flask_babel import force_locale, gettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.public import confirmation
from portal.web.i18n import browser_order

bp = Blueprint("root", __name__)


@bp.get("/")
def landing() -> str:
    """Both languages side by side, the browser's preferred first; no redirect needed."""
    columns, labels = [], []
    for lang in browser_order():
        with force_locale(lang):
            labels.append({"lang": lang, "title": gettext("Get help"), "exit": gettext("Exit this page"),
                           "exit_now": gettext("Exit this page now"), "continue": gettext("Continue in English"),
                           "quick_exit": gettext("Quick exit"),
                           "safety": gettext("Staying safe online"), "privacy": gettext("Privacy"),
                           "accessibility": gettext("Accessibility")})
            columns.append(Markup(render_template("public/landing_column.html", column_lang=lang,
                                                  org_name=current_app.config["ORG_NAME"][lang])))
    return render_template("public/landing.html", columns=columns, labels=labels)


@bp.get("/exit")
def exit_page() -> Response:
    """Quick exit: end the session here, tell the browser to forget us, land somewhere neutral.

    A GET, because the exit must work as a plain link with JavaScript off. Ending a session on GET is safe
    here: the worst a forged link can do is sign someone out of a form they can refill.
    """
    destroy = getattr(session, "destroy", None)
    if destroy:
        destroy()
    response = redirect(current_app.config["EXIT_URL"], code=303)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    confirmation.drop(response)  # also where Clear-Site-Data is not understood
    return response

"""Blueprints, one per audience: the public reporting side, and the staff side (its own room, its own guard)."""
from pathlib import Path

from flask import Flask

from portal.public.context import page_context
from portal.web.helplines import load_helplines


def register_blueprints(app: Flask) -> None:
    from flask_wtf.csrf import CSRFProtect

    from portal.public import (  # noqa: F401  (routes on the public blueprint)
        conversation_views,
        feedback_views,
        profile_views,
    )
    from portal.public.root import bp as root_bp
    from portal.public.views import bp as public_bp
    from portal.web.limits import init_limiter

    # Read the helplines once at start-up: a broken file should stop the deploy, not one page view.
    app.extensions["helplines"] = load_helplines(Path(app.config["HELPLINES_FILE"]), app.config["NATION"])
    app.context_processor(page_context)  # every page, error pages included, gets language and helplines
    app.jinja_env.add_extension("jinja2.ext.do")
    serve = app.config["SERVE"]
    if serve in {"all", "public"}:
        from portal.store.spool import start_replayer

        app.register_blueprint(root_bp)
        app.register_blueprint(public_bp)
        # Reports spooled while the database was down go in by themselves once it is back: each worker
        # replays from start-up (gunicorn without --preload builds the app in the worker), and again
        # after a fork (the first request in a process whose thread was not started there).
        if not app.testing and not app.config.get("COMMAND_LINE"):
            start_replayer(app)
        app.before_request(lambda: start_replayer(app))
    if serve in {"all", "staff"}:
        # An internet-facing process (PORTAL_SERVE=public) has no staff routes at all: nothing to attack.
        from portal.casework.dash import load_checklist
        from portal.staff import bp as staff_bp
        from portal.staff.labels import init_labels

        load_checklist(app.config["DASH_FILE"])  # a broken checklist file stops the deploy, not a case page
        app.register_blueprint(staff_bp)
        init_labels(app)
    init_limiter(app)
    # Every staff POST is CSRF-checked before its view runs. The public form checks its own token instead,
    # so that an expired token gives the form back with everything in it rather than an error page.
    csrf = CSRFProtect(app)
    csrf.exempt(public_bp)
    # So does the staff's new-case form (a long call must not be lost to a stale token): it checks the token,
    # bound to the staff session, itself (portal/staff/intake_views.py).
    csrf.exempt("portal.staff.intake_views.new_case_details")
    # …and the review rounds' forms (portal/staff/review_round_views.py), for the same reason.
    for view in ("review_round_new", "review_round_case", "review_checklist"):
        csrf.exempt(f"portal.staff.review_round_views.{view}")
    # …and the two complaint forms with words in them (portal/staff/complaint_views.py).
    csrf.exempt("portal.staff.complaint_views.case_complaint_new")
    csrf.exempt("portal.staff.complaint_views.case_complaint_outcome")

"""Blueprints, one per audience: the public reporting side now; the staff side will be its own room."""
from pathlib import Path

from flask import Flask

from portal.helplines import load_helplines
from portal.public.context import page_context


def register_blueprints(app: Flask) -> None:
    from portal.public.root import bp as root_bp
    from portal.public.views import bp as public_bp

    # Read the helplines once at start-up: a broken file should stop the deploy, not one page view.
    app.extensions["helplines"] = load_helplines(Path(app.config["HELPLINES_FILE"]), app.config["NATION"])
    app.context_processor(page_context)  # every page, error pages included, gets language and helplines
    app.jinja_env.add_extension("jinja2.ext.do")
    app.register_blueprint(root_bp)
    app.register_blueprint(public_bp)

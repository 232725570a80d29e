"""Error pages: translated, with the quick exit, and never a stack trace or request data."""
from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        template = "errors/404.html" if code == 404 else "errors/error.html"
        return render_template(template, code=code), code

    @app.errorhandler(Exception)
    def _crash(error: Exception):  # type: ignore[no-untyped-def]
        if app.testing:
            raise error  # tests see the real failure
        # Log the kind of failure only: the exception's message could quote what someone typed.
        app.logger.error("unhandled %s", type(error).__name__)
        return render_template("errors/error.html", code=500), 500

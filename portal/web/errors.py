"""Error pages: translated, with the quick exit, and never a stack trace or request data."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException


def _log_exception(app: Flask):  # type: ignore[no-untyped-def]
    def log_exception(exc_info) -> None:  # type: ignore[no-untyped-def]
        # Flask's default logs the path and a traceback whose frames and SQL parameters can hold what
        # someone typed. We log the kind of failure and where, nothing from the request.
        kind = exc_info[0].__name__ if exc_info and exc_info[0] else "unknown"
        app.logger.error("unhandled %s", kind)
    return log_exception


def _url_adapter(app: Flask) -> None:
    """A request whose Host header cannot even be parsed (an IDNA label over 63 characters, say) gets no URL
    adapter, so no page could build a link. Bind one to a placeholder name: every link the pages build is a
    path, never absolute, so the placeholder never shows."""
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = app.url_map.bind("invalid.invalid", script_name=request.script_root or None,
                                                   url_scheme=request.scheme)


def _error_page(app: Flask, code: int) -> tuple[str, int]:
    """The page for `code`: the staff side's own (it registers it: portal/staff/blueprint.py) on a staff URL
    or a staff-only process, whose pages cannot link to public routes it does not have; otherwise the public
    one, with the quick exit."""
    _url_adapter(app)
    staff_page = app.extensions.get("error_pages", {}).get("staff")
    if staff_page and (request.path.startswith("/staff/") or "public" not in app.blueprints):
        return staff_page(code)
    template = "errors/404.html" if code == 404 else "errors/error.html"
    return render_template(template, code=code), code


def init_errors(app: Flask) -> None:
    app.log_exception = _log_exception(app)  # type: ignore[method-assign]

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        return _error_page(app, error.code or 500)

    @app.errorhandler(Exception)
    def _crash(error: Exception):  # type: ignore[no-untyped-def]
        if app.testing:
            raise error  # tests see the real failure
        # Log the kind of failure only: the exception's message could quote what someone typed.
        app.logger.error("unhandled %s", type(error).__name__)
        return _error_page(app, 500)

"""Logging that cannot leak: no IP addresses, user agents, URLs with data, or report content.

Werkzeug's request log line names the client address and is switched off; we log our own events, which
never carry request data.
"""
from __future__ import annotations

import logging

from flask import Flask


def init_logging(app: Flask) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app.logger.setLevel(logging.INFO)

"""WSGI entry points for gunicorn: one per side, so a host can only ever run the side it was given.

    gunicorn 'portal.wsgi:public()'   # internet-facing: the reporting pages; holds only the public key
    gunicorn 'portal.wsgi:triage()'   # internal network: /staff/ only; holds the wrapped private keys

`make run` keeps both sides in one process (`PORTAL_SERVE=all`, development only). docs/deploy.md has the
gunicorn settings and the reverse proxy in front of each.
"""
from __future__ import annotations

from flask import Flask

from portal import create_app


def public() -> Flask:
    """The reporting side. Refuses to start in production if private keys are configured or lie beside the
    public key: a compromise of the internet-facing host must never give the means to open a report."""
    return create_app({"SERVE": "public"})


def triage() -> Flask:
    """The triage side (the community safety team's queue and cases)."""
    return create_app({"SERVE": "staff"})
